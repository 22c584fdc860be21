//! Judging a drill: detection (an affected release looked at the way the drill says),
//! mitigation (read from the simulated world over HTTP: the release serves a good revision and
//! its metrics are under the thresholds) and collateral (journaled actions on a release that
//! was not in trouble, or a forbidden one on a release that was).

use quarterdeck_core::control::{JournalEntry, JournalResult};

use super::definition::{Drill, Look, Mitigation};
use super::world::World;

/// Someone looked at a release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// `namespace/name`.
    pub release: String,
    /// How.
    pub how: Look,
}

/// The release (`namespace/name`) a journal target (`rollout/orders-api in orders`) names;
/// `None` for CI targets.
pub fn release_of(target: &str) -> Option<String> {
    let (object, ns) = target.split_once(" in ")?;
    let (_, name) = object.split_once('/')?;
    Some(format!("{ns}/{name}"))
}

/// Whether a look counts as detecting the drill's incident.
pub fn detects(drill: &Drill, seen: &Observation) -> bool {
    drill.affected.contains(&seen.release) && drill.detect_by.contains(&seen.how)
}

/// Why a journaled action is collateral, or `None` when it is not. An action cancelled at
/// the confirmation touched nothing and is never charged; nor is one that failed or was
/// refused while the Kubernetes API was down (`api_down`): the outage refused it, not the
/// responder's judgement.
pub fn collateral(drill: &Drill, entry: &JournalEntry, api_down: bool) -> Option<String> {
    if entry.result == JournalResult::Cancelled || entry.result == JournalResult::DryRun {
        return None;
    }
    if api_down && matches!(entry.result, JournalResult::Failed | JournalResult::Refused) {
        return None;
    }
    match release_of(&entry.target) {
        Some(release) if !drill.affected.contains(&release) => Some(format!(
            "{} on {release}, which was not in trouble",
            entry.action
        )),
        Some(release) if drill.forbidden.contains(&entry.action) => Some(format!(
            "{} on {release} is the wrong move here",
            entry.action
        )),
        Some(_) => None,
        None => Some(format!("{} on {} (CI)", entry.action, entry.target)),
    }
}

/// What keeps one release from counting as mitigated, or `None` when it does: the serving
/// image, the error ratio and the p95 (seconds) as read from the world.
pub fn unmet(
    m: &Mitigation,
    serving: Option<&str>,
    errors: Option<f64>,
    p95: Option<f64>,
) -> Option<String> {
    let Some(image) = serving else {
        return Some(format!(
            "{}: two revisions still share the traffic",
            m.release
        ));
    };
    if !m.serving.iter().any(|g| g == image) {
        return Some(format!(
            "{}: serves {image}, not a good revision",
            m.release
        ));
    }
    // No data is never healthy.
    match errors {
        Some(e) if e < m.error_ratio_below => {}
        Some(e) => return Some(format!("{}: error ratio {:.2}%", m.release, e * 100.0)),
        None => return Some(format!("{}: no error-ratio data", m.release)),
    }
    match p95 {
        Some(p) if p < m.p95_below_s => None,
        Some(p) => Some(format!("{}: p95 {:.0} ms", m.release, p * 1000.0)),
        None => Some(format!("{}: no latency data", m.release)),
    }
}

/// Whether every release of the drill is mitigated now; `Err` carries what is still wrong.
pub async fn mitigated(world: &World, drill: &Drill) -> Result<(), String> {
    for m in &drill.mitigate {
        let serving = world.serving(&m.release).await?;
        let (errors, p95) = world.health(&m.release).await?;
        if let Some(why) = unmet(m, serving.as_deref(), errors, p95) {
            return Err(why);
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::drill::definition::all;

    fn drill(name: &str) -> Drill {
        all(None)
            .unwrap()
            .into_iter()
            .find(|d| d.name == name)
            .unwrap()
    }

    fn entry(target: &str, action: &str, result: JournalResult) -> JournalEntry {
        JournalEntry {
            time: "2026-11-29T10:00:00.000Z".into(),
            user: "u".into(),
            context: "c".into(),
            target: target.into(),
            action: action.into(),
            before: String::new(),
            after: String::new(),
            confirmation: Vec::new(),
            result,
            error: None,
            by: "user".into(),
        }
    }

    #[test]
    fn journal_targets_name_their_release() {
        assert_eq!(
            release_of("rollout/orders-api in orders").as_deref(),
            Some("orders/orders-api")
        );
        assert_eq!(release_of("pipeline 42 of acme/orders-api"), None);
    }

    #[test]
    fn acting_on_the_decoy_is_collateral_and_a_cancelled_action_is_not() {
        let d = drill("compound-decoy");
        let decoy = entry("rollout/orders-api in orders", "abort", JournalResult::Done);
        assert!(
            collateral(&d, &decoy, false)
                .unwrap()
                .contains("not in trouble")
        );
        let cancelled = entry(
            "rollout/orders-api in orders",
            "abort",
            JournalResult::Cancelled,
        );
        assert_eq!(collateral(&d, &cancelled, false), None);
        let right = entry(
            "rollout/feature-store in bnpl",
            "abort",
            JournalResult::Done,
        );
        assert_eq!(collateral(&d, &right, false), None);
    }

    #[test]
    fn a_write_the_outage_refused_is_not_charged_and_one_it_let_through_is() {
        let d = drill("compound-decoy");
        for result in [JournalResult::Failed, JournalResult::Refused] {
            let refused = entry("rollout/orders-api in orders", "abort", result);
            assert_eq!(collateral(&d, &refused, true), None, "{result:?}");
            assert!(collateral(&d, &refused, false).is_some(), "{result:?}");
        }
        let done = entry("rollout/orders-api in orders", "abort", JournalResult::Done);
        assert!(collateral(&d, &done, true).is_some());
    }

    #[test]
    fn promoting_the_bad_canary_is_charged() {
        let d = drill("orders-canary");
        let wrong = entry(
            "rollout/orders-api in orders",
            "promote",
            JournalResult::Done,
        );
        assert!(
            collateral(&d, &wrong, false)
                .unwrap()
                .contains("wrong move")
        );
    }

    #[test]
    fn mitigation_needs_a_good_revision_and_data_under_the_thresholds() {
        let d = drill("orders-canary");
        let m = &d.mitigate[0];
        let good = m.serving[0].as_str();
        assert!(unmet(m, None, Some(0.0), Some(0.01)).is_some());
        assert!(
            unmet(
                m,
                Some("ghcr.io/acme/orders-api:sha-f03c8b1"),
                Some(0.0),
                Some(0.01)
            )
            .is_some()
        );
        assert!(unmet(m, Some(good), Some(0.2), Some(0.01)).is_some());
        assert!(
            unmet(m, Some(good), None, Some(0.01)).is_some(),
            "no data passed"
        );
        assert!(unmet(m, Some(good), Some(0.0), Some(9.0)).is_some());
        assert_eq!(unmet(m, Some(good), Some(0.001), Some(0.02)), None);
    }
}
