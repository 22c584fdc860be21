//! The precondition of an action: what the confirmation showed. Just before sending, the
//! driver re-reads the target and compares; only what the action depends on counts, so a
//! live rollout's ever-changing replica counts never refuse an action.

use crate::deployment::Deployment;
use crate::rollout::Rollout;

/// What an action on a workload depends on, as read from the object.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WorkloadState {
    /// Revision annotation.
    pub revision: Option<i64>,
    /// Image of the pod template.
    pub image: String,
    /// Rollout: `status.currentPodHash`.
    pub pod_hash: String,
    /// Rollout: `status.stableRS`.
    pub stable_hash: String,
    /// Rollout: step `(index, count)`.
    pub step: Option<(u32, u32)>,
    /// Paused: `spec.paused`, or a rollout's pause conditions.
    pub paused: bool,
    /// Rollout: `status.abort`.
    pub aborted: bool,
    /// Blue-green: the hash behind the active service.
    pub active: Option<String>,
}

impl WorkloadState {
    /// The state of a Rollout.
    pub fn of_rollout(r: &Rollout) -> Self {
        Self {
            revision: r.revision,
            image: r.image.clone(),
            pod_hash: r.current_pod_hash.clone(),
            stable_hash: r.stable_rs.clone(),
            step: r.step(),
            paused: r.spec_paused || !r.pause_conditions.is_empty(),
            aborted: r.abort,
            active: r.active_selector.clone(),
        }
    }

    /// The state of a Deployment.
    pub fn of_deployment(d: &Deployment) -> Self {
        Self {
            revision: d.revision,
            image: d.image.clone(),
            paused: d.paused,
            ..Self::default()
        }
    }

    /// What moved between `self` (confirmed) and `fresh` (just read), in words
    /// ("step 2/5 → 3/5"); `None` when nothing that matters changed.
    pub fn moved(&self, fresh: &WorkloadState) -> Option<String> {
        let mut out = Vec::new();
        if self.revision != fresh.revision {
            out.push(format!(
                "revision {} → {}",
                opt(self.revision),
                opt(fresh.revision)
            ));
        }
        if self.image != fresh.image {
            out.push(format!("image {} → {}", self.image, fresh.image));
        }
        if self.step != fresh.step {
            out.push(format!("step {} → {}", step(self.step), step(fresh.step)));
        }
        if self.pod_hash != fresh.pod_hash {
            out.push(format!("pod hash {} → {}", self.pod_hash, fresh.pod_hash));
        } else if self.stable_hash != fresh.stable_hash {
            out.push(format!(
                "stable {} → {}",
                self.stable_hash, fresh.stable_hash
            ));
        }
        if self.paused != fresh.paused {
            out.push(format!("paused {} → {}", self.paused, fresh.paused));
        }
        if self.aborted != fresh.aborted {
            out.push(format!("aborted {} → {}", self.aborted, fresh.aborted));
        }
        if self.active != fresh.active {
            out.push(format!(
                "active {} → {}",
                self.active.as_deref().unwrap_or("-"),
                fresh.active.as_deref().unwrap_or("-")
            ));
        }
        (!out.is_empty()).then(|| out.join(", "))
    }

    /// A short description for the journal's before/after.
    pub fn describe(&self) -> String {
        let mut s = format!("revision {} {}", opt(self.revision), self.image);
        if let Some(st) = self.step {
            s.push_str(&format!(" step {}", step(Some(st))));
        }
        if self.paused {
            s.push_str(" paused");
        }
        if self.aborted {
            s.push_str(" aborted");
        }
        s
    }
}

fn opt(n: Option<i64>) -> String {
    n.map_or_else(|| "-".into(), |n| n.to_string())
}

fn step(s: Option<(u32, u32)>) -> String {
    s.map_or_else(|| "-".into(), |(i, n)| format!("{i}/{n}"))
}

/// The message shown when the target moved between confirmation and sending.
pub fn stale_message(name: &str, what_moved: &str) -> String {
    format!("{name} changed since you confirmed ({what_moved}); nothing was done")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn state() -> WorkloadState {
        WorkloadState {
            revision: Some(3),
            image: "app:1.1".into(),
            pod_hash: "abc".into(),
            stable_hash: "old".into(),
            step: Some((2, 5)),
            paused: true,
            aborted: false,
            active: None,
        }
    }

    #[test]
    fn a_moved_step_is_named() {
        let fresh = WorkloadState {
            step: Some((3, 5)),
            paused: false,
            ..state()
        };
        assert_eq!(
            state().moved(&fresh).unwrap(),
            "step 2/5 → 3/5, paused true → false"
        );
        assert_eq!(
            stale_message("orders-api", "step 2/5 → 3/5"),
            "orders-api changed since you confirmed (step 2/5 → 3/5); nothing was done"
        );
    }

    #[test]
    fn nothing_that_matters_moved() {
        assert_eq!(state().moved(&state()), None);
    }
}
