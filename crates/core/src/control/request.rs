//! What leaves the core when the user confirms, and what comes back.

use serde::{Deserialize, Serialize};

use super::expect::WorkloadState;
use super::op::Op;
use super::subject::Subject;
use crate::release::Revision;

/// An earlier version that CI can deploy again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The version or image tag it deployed.
    pub version: String,
    /// The run or pipeline that deployed it.
    pub pipeline_id: u64,
    /// When it deployed, Unix ms.
    pub at_ms: Option<i64>,
    /// How CI redeploys it, in words ("dispatch deploy.yml with environment=production,
    /// image_tag=1.4.2" or "retry job deploy-production 812 of pipeline 77").
    pub how: String,
    /// What the driver needs to carry it out (provider-specific, opaque to the core).
    pub handle: String,
}

/// What the chosen action needs beyond its subject.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Params {
    /// Undo / switch back: the revision to go to.
    pub revision: Option<Revision>,
    /// Reviews: the comment sent with the decision.
    pub comment: Option<String>,
    /// Redeploy: the CI candidate.
    pub candidate: Option<Candidate>,
    /// Undo of a Rollout: abort first, so traffic is back on stable before the template
    /// changes (the rollback guard's compound rollback). The driver sends the abort patch,
    /// then the undo, behind the one confirmation.
    pub abort_first: bool,
}

/// The precondition: what the confirmation showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// A workload must still be in this state.
    Workload(WorkloadState),
    /// A CI subject: the integration re-reads it (still pending, same run; still running).
    Ci,
}

/// A confirmed action, ready for the driver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Identifies the action until its answer.
    pub id: u64,
    /// The kubeconfig context it was confirmed in.
    pub context: String,
    /// What to do.
    pub op: Op,
    /// On what.
    pub subject: Subject,
    /// With what.
    pub params: Params,
    /// Only if the target is still so.
    pub expect: Expect,
    /// The confirmation exactly as shown (journaled).
    pub shown: Vec<String>,
}

/// How an action ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It was done; what the world is now, in words.
    Done {
        /// After, for the journal and the notice.
        after: String,
    },
    /// Nothing was sent: the target moved, a 409, or a re-check failed.
    Refused {
        /// Why, for the user.
        why: String,
    },
    /// It was sent and failed (403 verbatim, network error …): it may or may not have happened.
    Failed {
        /// The error, verbatim, never a token.
        error: String,
    },
}

/// Another Quarterdeck's Lease seen on the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseInfo {
    /// Namespace of the Lease.
    pub namespace: String,
    /// Lease name (`Subject::lease_name`).
    pub name: String,
    /// `user@host`.
    pub holder: String,
    /// The action it announces ("promote").
    pub action: String,
    /// The target's short name ("orders-api").
    pub target: String,
    /// When it stops counting unless renewed, Unix ms.
    pub expires_ms: i64,
}

/// The answer to taking the Lease for an open confirmation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeaseAnswer {
    /// Ours until released.
    Held,
    /// Someone else is acting.
    HeldBy(LeaseInfo),
    /// Leases cannot be used here (RBAC, no namespace); go on without.
    Unavailable(String),
}

/// How an action ended, as the journal records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JournalResult {
    /// Carried out.
    Done,
    /// Sent and failed.
    Failed,
    /// Refused before sending (moved, 409, lease held, not permitted).
    Refused,
    /// Cancelled at the confirmation.
    Cancelled,
    /// Planned and validated only (`--dry-run`): nothing changed.
    DryRun,
}

/// One line of `journal.jsonl`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// RFC 3339 UTC.
    pub time: String,
    /// Kubeconfig user and CI login; filled in by the driver, which knows them.
    pub user: String,
    /// Kubeconfig context.
    pub context: String,
    /// The target (`rollout/feature-store in bnpl`).
    pub target: String,
    /// The action (`promote`).
    pub action: String,
    /// The target before.
    pub before: String,
    /// The target after (empty unless done).
    pub after: String,
    /// The confirmation as shown.
    pub confirmation: Vec<String>,
    /// How it ended.
    pub result: JournalResult,
    /// The error or refusal, verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Who acted: `user`, or `guard` for the rollback guard (lines written before the guard
    /// existed have no such field: a user acted).
    #[serde(default = "user_acted")]
    pub by: String,
}

fn user_acted() -> String {
    "user".into()
}
