//! The vocabulary of release control: every operation that changes the world.

use serde::{Deserialize, Serialize};

/// One operation that changes the world.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// Approve a gate: a GitHub pending deployment, a GitLab blocked deployment, play a GitLab
    /// manual job; on an Argo Rollouts pause, a promote.
    Approve,
    /// Reject a gate (GitHub pending deployment, GitLab blocked deployment).
    Reject,
    /// Argo Rollouts: go to the next step; blue-green: the preview becomes active.
    Promote,
    /// Argo Rollouts: skip every remaining step and analysis.
    PromoteFull,
    /// Argo Rollouts: back to the stable revision.
    Abort,
    /// Argo Rollouts: start again after an abort.
    Retry,
    /// Roll back to an earlier revision (cluster undo).
    Undo,
    /// Blue-green emergency path: make the previous revision active again at once.
    SwitchBack,
    /// Pause a rollout or Deployment.
    Pause,
    /// Resume a paused rollout or Deployment.
    Resume,
    /// Restart every pod.
    Restart,
    /// Re-run a run's failed jobs (GitHub).
    RerunFailed,
    /// Retry one job (GitLab).
    RetryJob,
    /// Cancel a CI run or pipeline.
    Cancel,
    /// Roll back through CI: deploy an earlier version the way the pipeline does it.
    Redeploy,
}

impl Op {
    /// The verb as the user reads it ("promote").
    pub fn verb(self) -> &'static str {
        match self {
            Op::Approve => "approve",
            Op::Reject => "reject",
            Op::Promote => "promote",
            Op::PromoteFull => "promote --full",
            Op::Abort => "abort",
            Op::Retry => "retry",
            Op::Undo => "undo",
            Op::SwitchBack => "switch back",
            Op::Pause => "pause",
            Op::Resume => "resume",
            Op::Restart => "restart",
            Op::RerunFailed => "re-run failed jobs",
            Op::RetryJob => "retry job",
            Op::Cancel => "cancel",
            Op::Redeploy => "redeploy",
        }
    }

    /// The progressive form for rows with the action in flight ("promoting").
    pub fn doing(self) -> &'static str {
        match self {
            Op::Approve => "approving",
            Op::Reject => "rejecting",
            Op::Promote | Op::PromoteFull => "promoting",
            Op::Abort => "aborting",
            Op::Retry | Op::RetryJob => "retrying",
            Op::Undo | Op::SwitchBack => "rolling back",
            Op::Pause => "pausing",
            Op::Resume => "resuming",
            Op::Restart => "restarting",
            Op::RerunFailed => "re-running",
            Op::Cancel => "cancelling",
            Op::Redeploy => "redeploying",
        }
    }

    /// The Kubernetes Event reason Quarterdeck writes for it (`QuarterdeckPromote`).
    pub fn event_reason(self) -> &'static str {
        match self {
            Op::Approve => "QuarterdeckApprove",
            Op::Reject => "QuarterdeckReject",
            Op::Promote => "QuarterdeckPromote",
            Op::PromoteFull => "QuarterdeckPromoteFull",
            Op::Abort => "QuarterdeckAbort",
            Op::Retry => "QuarterdeckRetry",
            Op::Undo => "QuarterdeckUndo",
            Op::SwitchBack => "QuarterdeckSwitchBack",
            Op::Pause => "QuarterdeckPause",
            Op::Resume => "QuarterdeckResume",
            Op::Restart => "QuarterdeckRestart",
            Op::RerunFailed => "QuarterdeckRerun",
            Op::RetryJob => "QuarterdeckRetryJob",
            Op::Cancel => "QuarterdeckCancel",
            Op::Redeploy => "QuarterdeckRedeploy",
        }
    }
}
