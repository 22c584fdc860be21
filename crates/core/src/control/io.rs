//! What control asks of the driver, and what the driver answers.

use super::access::{Access, AccessKey};
use super::request::{Candidate, JournalEntry, LeaseAnswer, LeaseInfo, Outcome, Request};
use crate::link::CiLink;
use crate::release::ReleaseId;

/// A request to the driver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ControlEffect {
    /// Ask the cluster these SelfSubjectAccessReview questions.
    CheckAccess(Vec<AccessKey>),
    /// Take (create or renew) the coordination Lease and keep renewing it until released.
    TakeLease {
        /// The action it is for.
        id: u64,
        /// Namespace.
        namespace: String,
        /// Lease name.
        name: String,
        /// The verb it announces.
        action: String,
        /// The target's short name.
        target: String,
    },
    /// Give up the Lease taken for action `id`, if one was (the driver knows which).
    ReleaseLease {
        /// The action.
        id: u64,
    },
    /// Re-read the target, compare, and send.
    Act(Box<Request>),
    /// Append to the journal (and post to the webhook).
    Journal(Box<JournalEntry>),
    /// Read the journal for `:journal`.
    LoadJournal,
    /// Find earlier versions CI can deploy again.
    FindCandidates {
        /// The release.
        release: ReleaseId,
        /// Its CI.
        link: CiLink,
    },
}

/// An answer from the driver.
#[derive(Debug, Clone, PartialEq)]
pub enum ControlMsg {
    /// Who we are on leases (`user@host`).
    Identity {
        /// Holder identity.
        holder: String,
    },
    /// A permission answer.
    Access {
        /// The question.
        key: AccessKey,
        /// The answer.
        access: Access,
    },
    /// Every Quarterdeck Lease in the watched namespaces (a full snapshot).
    Leases(Vec<LeaseInfo>),
    /// The answer to `TakeLease`.
    LeaseTaken {
        /// The action.
        id: u64,
        /// The answer.
        answer: LeaseAnswer,
    },
    /// How an action ended.
    Done {
        /// The action.
        id: u64,
        /// How.
        outcome: Outcome,
    },
    /// The journal, oldest first.
    Journal(Result<Vec<JournalEntry>, String>),
    /// Earlier versions CI can deploy again, newest first.
    Candidates {
        /// The release.
        release: ReleaseId,
        /// The candidates, or why none could be found.
        candidates: Result<Vec<Candidate>, String>,
    },
}
