//! The dialogs of release control: the actions menu, the revision picker, the confirmation
//! and the journal view. While one is open it has the keyboard.

use super::op::Op;
use super::plan::Plan;
use super::request::{Candidate, JournalEntry, Request};
use super::subject::Subject;
use crate::release::Revision;

/// One line of the actions menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    /// The operation.
    pub op: Op,
    /// What it acts on.
    pub subject: Subject,
    /// How the menu names it ("play" for a manual job).
    pub label: String,
    /// `Some(Ok)` permitted, `Some(Err(reason))` shown greyed, `None` while checking.
    pub allowed: Option<Result<(), String>>,
}

/// The actions menu (`a`): the actions valid now for the focused row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Menu {
    /// The offers.
    pub offers: Vec<Offer>,
    /// The highlighted line.
    pub cursor: usize,
}

/// A line of the revision picker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// A cluster revision (undo).
    Revision {
        /// The revision.
        revision: Revision,
        /// It is what runs now (not selectable).
        current: bool,
    },
    /// An earlier CI deploy (redeploy).
    Ci(Candidate),
}

/// The revision picker (`U`): revision, image, age, whether pods still run it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picker {
    /// The workload.
    pub subject: Subject,
    /// Cluster revisions then CI candidates.
    pub choices: Vec<Choice>,
    /// The highlighted line.
    pub cursor: usize,
    /// CI candidates: `None` not linked, `Some(Ok(()))` loaded, `Some(Err)` loading or failed.
    pub ci: Option<Result<(), String>>,
}

/// Whether the coordination Lease for an open confirmation is ours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeaseState {
    /// Asked for; confirming waits for the answer.
    Taking,
    /// Ours until the answer or the cancel.
    Held,
    /// Not usable here (RBAC, no namespace); going on without.
    Unavailable(String),
}

/// The confirmation: exactly what will happen. Cancel is preselected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm {
    /// What will be sent once confirmed.
    pub request: Request,
    /// What it shows.
    pub plan: Plan,
    /// The Confirm button has the focus (false: Cancel, the default).
    pub confirm_focused: bool,
    /// Protected context: the name to type, and what was typed.
    pub typed: Option<(String, String)>,
    /// The Lease.
    pub lease: LeaseState,
    /// A hint after a wrong key ("type orders-api to confirm").
    pub hint: Option<String>,
    /// The review comment is being typed (`c` on a gate's confirmation).
    pub editing_comment: bool,
    /// Confirmed while the Lease was still being taken: sent as soon as it is held (or known
    /// to be unavailable), refused if someone else holds it.
    pub confirmed: bool,
}

/// The journal (`:journal`), newest last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalView {
    /// The entries; `None` while loading.
    pub entries: Option<Vec<JournalEntry>>,
    /// Lines scrolled up from the end.
    pub scroll: usize,
}

/// The open dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dialog {
    /// `a`.
    Menu(Menu),
    /// `U`.
    Picker(Picker),
    /// Before anything is sent.
    Confirm(Box<Confirm>),
    /// `:journal`.
    Journal(JournalView),
}
