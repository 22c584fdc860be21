//! The Gates inbox: every CI gate and every Argo Rollouts pause waiting on a human. A pause
//! is a gate whose approval is a promote.

use crate::gate::{Gate, GateId};
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

/// What a row of the inbox is, whichever row it sorts to: the cursor follows it, so a gate
/// arriving above never slides another one under the user's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InboxKey {
    /// A CI gate.
    Ci(GateId),
    /// A rollout's pause.
    Pause(ReleaseId),
}

impl InboxItem<'_> {
    /// What this row is.
    pub fn key(&self) -> InboxKey {
        match self {
            InboxItem::Ci(g) => InboxKey::Ci(g.id.clone()),
            InboxItem::Pause(p) => InboxKey::Pause(p.release.clone()),
        }
    }

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

/// The row of `items` (the inbox) the cursor is on: the item it was last put on, wherever that
/// sorts now; when that item is gone, the row it was on.
pub fn cursor(model: &Model, items: &[InboxItem<'_>]) -> usize {
    followed(model, items)
        .unwrap_or_else(|| model.ci.gate_cursor.min(items.len().saturating_sub(1)))
}

/// Where the item the cursor follows sorts in `items`, if it is still there.
fn followed(model: &Model, items: &[InboxItem<'_>]) -> Option<usize> {
    let on = model.ci.gate_on.as_ref()?;
    items.iter().position(|i| &i.key() == on)
}

/// After the inbox changed: the cursor's row follows the gate the user put it on; when that
/// gate is gone the cursor stays on its row and follows nothing until moved again. A cursor
/// never moved stays on its row (the longest-waiting gate is first).
pub(crate) fn follow_cursor(model: &mut Model) {
    let items = inbox(model);
    let (at, still_there) = (cursor(model, &items), followed(model, &items).is_some());
    model.ci.gate_cursor = at;
    if !still_there {
        model.ci.gate_on = None;
    }
}

/// Puts the cursor `delta` rows from where it is, on the item it then follows.
pub(crate) fn move_cursor(model: &mut Model, delta: isize) {
    let items = inbox(model);
    let at = cursor(model, &items);
    let next = crate::cursor::step(at, delta, items.len());
    let on = items.get(next).map(InboxItem::key);
    model.ci.gate_cursor = next;
    model.ci.gate_on = on;
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
