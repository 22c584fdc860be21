//! Gates: anything in CI waiting on a human — a GitHub environment's pending deployment, a
//! GitLab manual job, a GitLab deployment blocked on approvals. A gate knows who may approve,
//! since when it waits and, in words, what approving will do. The integrations derive gates
//! from their provider's API; the core only carries them.

use super::pipeline::Provider;

/// What kind of gate it is, with the ids an approval needs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GateKind {
    /// A workflow run waiting on an environment's protection rules.
    GithubPendingDeployment {
        /// The run.
        run_id: u64,
        /// The environment's numeric id (`environment_ids` of the review).
        environment_id: u64,
        /// The environment's name.
        environment: String,
    },
    /// A GitLab job with `status: manual`: playing it starts it.
    GitlabManualJob {
        /// The job.
        job_id: u64,
    },
    /// A GitLab deployment with `status: blocked`: approve it, then play its job.
    GitlabBlockedDeployment {
        /// The deployment.
        deployment_id: u64,
        /// Its manual job, played once approvals are complete.
        job_id: u64,
    },
}

/// Identifies a gate across polls.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GateId {
    /// GitHub or GitLab.
    pub provider: Provider,
    /// `owner/repo` or `group/project`.
    pub project: String,
    /// Kind and ids.
    pub kind: GateKind,
}

/// A decision waiting on a human.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gate {
    /// Identity and the ids an approval needs.
    pub id: GateId,
    /// The release (config name) whose CI this is, when known.
    pub release: Option<String>,
    /// The pipeline it belongs to (run id / pipeline id).
    pub pipeline_id: u64,
    /// What waits, for the user (`Deploy run #57 "Add idempotency keys" on main`).
    pub what: String,
    /// The environment it guards (or the job's stage when it has none).
    pub where_: String,
    /// The commit that would be shipped.
    pub sha: String,
    /// Since when it waits, Unix ms.
    pub waiting_since_ms: Option<i64>,
    /// Who may approve (logins, `team:slug`, `Maintainers`); empty when the API does not say.
    pub who_may_approve: Vec<String>,
    /// Whether the token's user may approve; `None` when the API does not say.
    pub you_may_approve: Option<bool>,
    /// Approvals given and required (GitLab deployment approvals).
    pub approvals: Option<(u32, u32)>,
    /// What approving will do, in words.
    pub approving_will: String,
    /// The page where the gate can be seen.
    pub web_url: String,
}
