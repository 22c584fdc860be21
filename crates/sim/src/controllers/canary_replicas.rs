//! The replica arithmetic of Argo's basic canary (no traffic routing), as the real controller
//! does it (`CalculateReplicaCountsForBasicCanary` and `approximateWeightedCanaryStableReplicaCounts`
//! in argo-rollouts `utils/replicaset/canary.go`): the counts that come closest to the weight,
//! on `replicas` pods or, when a surge is allowed, on `replicas + 1`; stable scaled up before
//! the canary within `maxSurge`, and down only as far as `maxUnavailable` lets it.

/// One ReplicaSet as the arithmetic sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Rs {
    /// `spec.replicas`.
    pub(crate) spec: i64,
    /// `status.availableReplicas`.
    pub(crate) available: i64,
}

/// The limits of one canary Rollout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    /// `spec.replicas`.
    pub(crate) replicas: i64,
    /// `maxSurge` resolved to pods.
    pub(crate) surge: i64,
    /// `maxUnavailable` resolved to pods.
    pub(crate) unavailable: i64,
}

impl Limits {
    /// Resolved like Kubernetes' fenceposts: when both come to zero, one pod may be unavailable.
    pub(crate) fn new(replicas: i64, surge: i64, unavailable: i64) -> Self {
        let unavailable = if surge == 0 && unavailable == 0 {
            1
        } else {
            unavailable
        };
        Self {
            replicas,
            surge,
            unavailable: unavailable.min(replicas),
        }
    }
}

/// The (canary, stable) pods the weight asks for: the closest approximation of the weight, on
/// `replicas` pods or, with a surge allowed, `replicas + 1`; between 1 and 99 % each side keeps
/// at least one pod. On a tie between rounding down and up, the larger canary wins.
pub(crate) fn desired(replicas: i64, weight: i64, surge: i64) -> (i64, i64) {
    if replicas <= 0 {
        return (0, 0);
    }
    let ceil = (replicas * weight + 99) / 100;
    let floor = replicas * weight / 100;
    let tied = |total: i64| (total * weight) % 100 == 50;
    let zero_allowed = weight == 100 || weight == 0 || (replicas == 1 && surge == 0);
    let mut options = Vec::new();
    if ceil < replicas || zero_allowed {
        options.push((ceil, replicas));
    }
    if !tied(replicas) && (floor != 0 || zero_allowed) {
        options.push((floor, replicas));
    }
    if surge > 0 {
        options.push((ceil, replicas + 1));
        if !tied(replicas + 1) && (floor != 0 || zero_allowed) {
            options.push((floor, replicas + 1));
        }
    }
    // |canary/total - weight/100| compared without floats: canary·100·t' vs weight·t·t'.
    let delta = |(c, t): (i64, i64)| (c * 100 - weight * t).abs() as f64 / t as f64;
    let best = options
        .iter()
        .copied()
        .reduce(|best, o| if delta(o) < delta(best) { o } else { best })
        .unwrap_or((0, replicas));
    (best.0, best.1 - best.0)
}

/// The next `spec.replicas` of (canary, stable) for one reconcile at `weight`. `stable` is
/// `None` when there is no stable ReplicaSet apart from the canary (then the canary takes all).
pub(crate) fn next(limits: Limits, weight: i64, canary: Rs, stable: Option<Rs>) -> (i64, i64) {
    let Limits {
        replicas,
        surge,
        unavailable,
    } = limits;
    let (want_canary, want_stable) = match stable {
        Some(_) => desired(replicas, weight, surge),
        None => (replicas, 0),
    };
    let stable_rs = stable.unwrap_or_default();
    let mut new_canary = canary.spec;
    let mut new_stable = stable_rs.spec;
    let max_total = replicas + surge;
    let mut scale_up = max_total - canary.spec - stable_rs.spec;
    // Stable first: it serves the traffic.
    if stable.is_some() && stable_rs.spec < want_stable && scale_up > 0 {
        new_stable = want_stable.min(stable_rs.spec + scale_up);
        scale_up -= new_stable - stable_rs.spec;
    }
    if canary.spec < want_canary && scale_up > 0 {
        new_canary = want_canary.min(canary.spec + scale_up);
    }
    let min_available = replicas - unavailable;
    // Raising the canary may ignore the stable's availability and lowering it the canary's, so
    // that a crash-looping side never wedges the other.
    let increasing = want_canary >= canary.spec;
    let to_scale_down = for_scale_down(canary, !increasing) + for_scale_down(stable_rs, increasing);
    if to_scale_down <= min_available {
        return (new_canary, new_stable);
    }
    let scale_down = to_scale_down - min_available;
    if !increasing {
        new_canary = drain(canary, want_canary, scale_down, new_canary);
        (new_canary, new_stable) = within_limits(
            canary,
            stable_rs,
            new_canary,
            new_stable,
            max_total,
            min_available,
        );
    } else if stable.is_some() {
        new_stable = drain(stable_rs, want_stable, scale_down, new_stable);
        (new_stable, new_canary) = within_limits(
            stable_rs,
            canary,
            new_stable,
            new_canary,
            max_total,
            min_available,
        );
    }
    (new_canary, new_stable)
}

/// The pods of a ReplicaSet that count towards availability when deciding a scale-down.
fn for_scale_down(rs: Rs, ignore_availability: bool) -> i64 {
    if rs.spec < rs.available || ignore_availability {
        rs.spec
    } else {
        rs.available
    }
}

/// A ReplicaSet above its desired count goes down by at most `scale_down`.
fn drain(rs: Rs, want: i64, scale_down: i64, count: i64) -> i64 {
    if rs.spec > want {
        want.max(rs.spec - scale_down)
    } else {
        count
    }
}

/// Keeps the pair within the surge, giving back to `adjust` what availability still needs;
/// answers (drain, adjust).
fn within_limits(
    drain_rs: Rs,
    adjust_rs: Rs,
    drain_count: i64,
    adjust_count: i64,
    max_total: i64,
    min_available: i64,
) -> (i64, i64) {
    let over = (adjust_count + drain_count - max_total).max(0);
    let adjust_count = adjust_count - over;
    let available = drain_rs.available.min(drain_count) + adjust_rs.available.min(adjust_count);
    let given_up = (adjust_rs.available - adjust_count).max(0);
    let still_needed = (min_available - available).max(0);
    let adjust_count = adjust_count + given_up.min(still_needed);
    let over = (adjust_count + drain_count - max_total).max(0);
    (drain_count - over, adjust_count)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rs(spec: i64, available: i64) -> Rs {
        Rs { spec, available }
    }

    #[test]
    fn the_weight_is_approximated_on_replicas_or_one_more_when_surging() {
        // 10 % of 4: one canary next to four stable (20 %) is closer than 1 of 4 (25 %).
        assert_eq!(desired(4, 10, 1), (1, 4));
        assert_eq!(desired(4, 10, 0), (1, 3));
        assert_eq!(desired(10, 10, 1), (1, 9));
        assert_eq!(desired(4, 50, 1), (2, 2));
        // 50 % of 3 is a tie: the larger canary.
        assert_eq!(desired(3, 50, 0), (2, 1));
        assert_eq!(desired(1, 5, 1), (1, 1));
        assert_eq!(desired(4, 100, 1), (4, 0));
        assert_eq!(desired(4, 0, 1), (0, 4));
    }

    #[test]
    fn the_documented_examples_of_the_real_controller() {
        let at = |replicas, weight, canary, stable, unavailable, surge| {
            next(
                Limits::new(replicas, surge, unavailable),
                weight,
                rs(canary, canary),
                Some(rs(stable, stable)),
            )
        };
        assert_eq!(at(10, 10, 0, 10, 1, 1), (1, 9));
        assert_eq!(at(10, 30, 0, 10, 0, 3), (3, 10));
        assert_eq!(at(10, 30, 0, 10, 5, 0), (0, 7));
        // The source's comment says (1, 9) here, from before the surge option: 1 of 11 (9 %)
        // is closer to 5 % than 1 of 10, and the code answers (1, 10).
        assert_eq!(at(10, 5, 0, 10, 1, 1), (1, 10));
        assert_eq!(at(1, 5, 0, 1, 0, 1), (1, 1));
        assert_eq!(at(1, 95, 0, 1, 0, 1), (1, 1));
    }

    #[test]
    fn a_ten_percent_step_on_four_replicas_with_the_default_limits() {
        // Argo's defaults: maxSurge 25 % (rounded up), maxUnavailable 25 % (rounded down).
        let limits = Limits::new(4, 1, 1);
        assert_eq!(next(limits, 10, rs(0, 0), Some(rs(4, 4))), (1, 4));
        // 50 %: stable down to what availability allows, then the canary up.
        assert_eq!(next(limits, 50, rs(1, 1), Some(rs(4, 4))), (1, 2));
        assert_eq!(next(limits, 50, rs(1, 1), Some(rs(2, 2))), (2, 2));
        // Aborting: stable back up within the surge, the canary drained as far as it may.
        assert_eq!(next(limits, 0, rs(2, 2), Some(rs(2, 2))), (1, 3));
        assert_eq!(next(limits, 0, rs(1, 1), Some(rs(3, 3))), (0, 4));
        // A canary whose pods never became available still makes room.
        assert_eq!(next(limits, 50, rs(1, 0), Some(rs(4, 4))), (1, 3));
    }
}
