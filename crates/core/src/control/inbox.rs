//! The Gates inbox: every CI gate and every Argo Rollouts pause waiting on a human. A pause
//! is a gate whose approval is a promote.

use crate::gate::Gate;
use crate::model::Model;
use crate::release::{ReleaseId, WorkloadKind};
use crate::rollout::{CanaryStep, Rollout};

/// An Argo Rollouts pause waiting on a human.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PauseGate {
    /// The rollout.
    pub release: ReleaseId,
    /// `CanaryPauseStep`, `BlueGreenPause`, `InconclusiveAnalysisRun` …
    pub reason: String,
    /// Since when it waits, Unix ms.
    pub since_ms: Option<i64>,
    /// What waits, in words ("canary step 2/5 at 10%").
    pub what: String,
    /// What approving (promoting) will do.
    pub approving_will: String,
}

/// One row of the inbox.
#[derive(Debug, Clone, PartialEq)]
pub enum InboxItem<'a> {
    /// A CI gate.
    Ci(&'a Gate),
    /// A rollout pause.
    Pause(PauseGate),
}

impl InboxItem<'_> {
    fn since(&self) -> i64 {
        match self {
            InboxItem::Ci(g) => g.waiting_since_ms,
            InboxItem::Pause(p) => p.since_ms,
        }
        .unwrap_or(i64::MAX)
    }
}

/// Every gate, the longest-waiting first.
pub fn inbox(model: &Model) -> Vec<InboxItem<'_>> {
    let mut out: Vec<InboxItem<'_>> = model
        .ci
        .all_gates()
        .into_iter()
        .map(InboxItem::Ci)
        .collect();
    out.extend(
        model
            .cluster
            .rollouts
            .values()
            .filter_map(pause_gate)
            .map(InboxItem::Pause),
    );
    out.sort_by_key(InboxItem::since);
    out
}

/// The pause of a rollout waiting on a human (a pause without duration, a blue-green preview,
/// inconclusive analysis); `None` when it is not paused that way.
fn pause_gate(r: &Rollout) -> Option<PauseGate> {
    if r.abort {
        return None;
    }
    let cond = r.pause_conditions.first()?;
    let timed = matches!(
        r.step().and_then(|(i, _)| r.steps().get(i as usize)),
        Some(CanaryStep::Pause(Some(_)))
    );
    if cond.reason == "CanaryPauseStep" && timed {
        return None;
    }
    let release = ReleaseId {
        key: r.key.clone(),
        kind: WorkloadKind::Rollout,
    };
    let (what, approving_will) = if r.is_blue_green() {
        (
            format!("preview of {} awaiting promotion", r.image),
            "the preview becomes active".to_string(),
        )
    } else {
        let (i, n) = r.step().unwrap_or((0, 0));
        (
            format!(
                "canary step {i}/{n} at {}% ({})",
                r.desired_weight(),
                cond.reason
            ),
            super::plan::next_weight_words(r),
        )
    };
    Some(PauseGate {
        release,
        reason: cond.reason.clone(),
        since_ms: cond.since_ms,
        what,
        approving_will,
    })
}
