//! Release control: the actions that change the world — approve, promote, abort, undo … —
//! offered only when valid and permitted, confirmed with exactly what will happen, sent only
//! if the target has not moved, one per target, journaled. Pure: the driver does the I/O.

mod access;
mod dialog;
mod expect;
mod flow;
mod inbox;
mod io;
mod op;
mod plan;
mod policy;
mod request;
mod script;
mod subject;
#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;

use std::collections::BTreeMap;

pub use self::access::{Access, AccessKey, needs};
pub use self::dialog::{Choice, Confirm, Dialog, JournalView, LeaseState, Menu, Offer, Picker};
pub use self::expect::{WorkloadState, stale_message};
pub(crate) use self::flow::{
    CHECKING, ask_access, confirm, focused_subjects, on_dialog_key, on_msg, on_ops, open_journal,
    open_menu, readonly_reason, send_as_guard,
};
pub use self::inbox::{InboxItem, InboxKey, PauseGate, cursor as gate_cursor, inbox};
pub(crate) use self::inbox::{
    follow_cursor as follow_gate_cursor, move_cursor as move_gate_cursor,
};
pub use self::io::{ControlEffect, ControlMsg};
pub use self::op::Op;
pub use self::plan::{Plan, gate_verb, permitted, plan, previous_revision, valid};
pub use self::policy::{ContextRule, Policies, glob};
pub use self::request::{
    Candidate, Expect, JournalEntry, JournalResult, LeaseAnswer, LeaseInfo, Outcome, Params,
    Request,
};
pub use self::script::{journal_line, prepare, refusal};
pub use self::subject::Subject;

/// An action sent and not answered yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InFlight {
    /// The action's id.
    pub id: u64,
    /// What it does.
    pub op: Op,
    /// The confirmation as shown, for the journal.
    pub shown: Vec<String>,
    /// The target before, for the journal.
    pub before: String,
    /// The context it was sent in.
    pub context: String,
    /// Whether a Lease was taken for it.
    pub leased: bool,
    /// Who acted, for the journal: `user`, or `guard` for the rollback guard.
    pub by: &'static str,
}

/// Control's state.
#[derive(Debug, Clone, Default)]
pub struct ControlState {
    /// The open dialog, which has the keyboard.
    pub dialog: Option<Dialog>,
    /// Actions sent and not answered, one per target.
    pub in_flight: BTreeMap<Subject, InFlight>,
    /// Other Quarterdecks' Leases (ours excluded).
    pub leases: Vec<LeaseInfo>,
    /// Why Leases cannot be used here, once known.
    pub leases_unavailable: Option<String>,
    /// Permission answers, per context, namespace and resource.
    pub access: BTreeMap<AccessKey, Access>,
    /// Protected and read-only contexts.
    pub policies: Policies,
    /// Our Lease holder identity (`user@host`).
    pub holder: Option<String>,
    /// An action waiting for permission answers before it goes on.
    pub awaiting: Option<(Op, Subject)>,
    /// The last action id handed out.
    last_id: u64,
}

impl ControlState {
    /// The next action id.
    pub(crate) fn next_id(&mut self) -> u64 {
        self.last_id += 1;
        self.last_id
    }

    /// The Lease another Quarterdeck holds on `subject` now, if any. Lease names identify
    /// their subject across namespaces (a gate's Lease lives in its release's namespace).
    pub fn held_by_other(&self, subject: &Subject, now_ms: i64) -> Option<&LeaseInfo> {
        let name = subject.lease_name();
        self.leases.iter().find(|l| {
            l.name == name && l.expires_ms > now_ms && Some(&l.holder) != self.holder.as_ref()
        })
    }
}
