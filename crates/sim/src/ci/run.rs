//! The moving parts: runs (pipelines), their jobs and steps, and deployments with approvals.
//! States are provider-neutral; the GitHub and GitLab layers translate them into their words.

use super::model::User;

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JobState {
    /// Waiting for the jobs it needs.
    Created,
    /// Ready, waiting for a runner.
    Pending,
    /// On a runner.
    Running,
    /// Held by an environment's protection rules (GitHub).
    Waiting,
    /// Waiting for someone to play it (GitLab).
    Manual,
    /// Finished well.
    Success,
    /// Finished badly.
    Failed,
    /// Stopped by a user.
    Canceled,
    /// Not run: its condition was false or a job it needs did not succeed.
    Skipped,
}

impl JobState {
    /// Whether the job will not change again without a user acting.
    pub(crate) fn finished(self) -> bool {
        matches!(
            self,
            JobState::Success | JobState::Failed | JobState::Canceled | JobState::Skipped
        )
    }
}

/// Where a step stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StepState {
    /// Not started.
    Pending,
    /// Running.
    Running,
    /// Finished well.
    Success,
    /// Finished badly.
    Failed,
    /// Not run.
    Skipped,
    /// Stopped by a cancel.
    Canceled,
}

/// One step of one job.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StepRun {
    /// Display name.
    pub(crate) name: String,
    /// Index into the job spec's steps; `None` for the runner's own set-up and tear-down.
    pub(crate) spec: Option<usize>,
    /// How long it takes, in ms.
    pub(crate) planned_ms: i64,
    /// State.
    pub(crate) state: StepState,
    /// Start time.
    pub(crate) started_ms: Option<i64>,
    /// End time.
    pub(crate) finished_ms: Option<i64>,
}

/// One job of one attempt of a run.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Job {
    /// Job id (unique per provider).
    pub(crate) id: u64,
    /// The run it belongs to.
    pub(crate) run_id: u64,
    /// The attempt it belongs to.
    pub(crate) attempt: u32,
    /// Index of its spec in the workflow.
    pub(crate) spec: usize,
    /// Expanded name (`test (3.12)`, `test:unit 1/3`).
    pub(crate) name: String,
    /// State.
    pub(crate) state: JobState,
    /// When it was created.
    pub(crate) created_ms: i64,
    /// When it became ready for a runner.
    pub(crate) queued_ms: Option<i64>,
    /// When it became held by an environment gate.
    pub(crate) waiting_ms: Option<i64>,
    /// When a runner picked it up.
    pub(crate) started_ms: Option<i64>,
    /// When it finished.
    pub(crate) finished_ms: Option<i64>,
    /// How long it waits for a runner once pending, in ms.
    pub(crate) queue_ms: i64,
    /// Steps, including the runner's own.
    pub(crate) steps: Vec<StepRun>,
    /// The step that fails, if this job is to fail.
    pub(crate) fail_step: Option<usize>,
    /// Why it failed (GitLab `failure_reason`).
    pub(crate) failure_reason: Option<String>,
    /// Replaced by a retry (GitLab) — hidden unless `include_retried`.
    pub(crate) retried: bool,
    /// Runner number.
    pub(crate) runner: u32,
    /// The deployment it drives, if it deploys to an environment.
    pub(crate) deployment: Option<u64>,
    /// Who played it, if it was manual.
    pub(crate) played_by: Option<User>,
    /// Seed of its log text.
    pub(crate) log_seed: u64,
    /// A line the deploy step writes about the cluster (the result of setting the image).
    pub(crate) deploy_note: Option<String>,
}

/// How a run decides which jobs fail.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum FailPolicy {
    /// Each job fails with its spec's chance.
    Random,
    /// Nothing fails.
    Never,
    /// This job (by key) fails; everything else succeeds.
    Job(String),
}

/// Something a seeded run does on its own, as if a person had done it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AutoAction {
    /// The environment (for reviews) or job key (for plays) it concerns.
    pub(crate) target: String,
    /// Seconds after the gate or manual job appeared.
    pub(crate) after_secs: i64,
    /// Review: approve (true) or reject (false). Ignored for plays.
    pub(crate) approve: bool,
    /// A play of a manual job rather than a review.
    pub(crate) play: bool,
    /// Who acts.
    pub(crate) user: User,
    /// The review comment.
    pub(crate) comment: String,
}

/// How a run is started.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RunStart {
    /// `push`, `schedule`, `workflow_dispatch`, `pull_request` (GitHub) or the GitLab source.
    pub(crate) event: String,
    /// Branch or tag name.
    pub(crate) branch: String,
    /// The ref is a tag.
    pub(crate) tag: bool,
    /// Commit sha (40 hex).
    pub(crate) sha: String,
    /// Commit title.
    pub(crate) title: String,
    /// Who triggered it.
    pub(crate) actor: User,
    /// `environment` input of a dispatched run.
    pub(crate) input_env: Option<String>,
    /// Image tag deploy jobs roll out.
    pub(crate) image_tag: String,
    /// Which jobs fail.
    pub(crate) fail: FailPolicy,
    /// What happens on its own.
    pub(crate) script: Vec<AutoAction>,
}

/// A workflow run (GitHub) or pipeline (GitLab).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Run {
    /// Run or pipeline id.
    pub(crate) id: u64,
    /// Project id.
    pub(crate) project: u64,
    /// Workflow id.
    pub(crate) workflow: u64,
    /// `run_number` (per workflow) or `iid` (per project).
    pub(crate) number: u64,
    /// Attempt, from 1.
    pub(crate) attempt: u32,
    /// How it was started.
    pub(crate) start: RunStart,
    /// Creation time.
    pub(crate) created_ms: i64,
    /// When the current attempt started.
    pub(crate) attempt_started_ms: i64,
    /// Last change.
    pub(crate) updated_ms: i64,
    /// Every job of every attempt, in creation order.
    pub(crate) jobs: Vec<u64>,
    /// Start time of each earlier attempt's first job and end of its last, for history.
    pub(crate) finished_ms: Option<i64>,
}

/// Where a deployment stands (GitLab words; GitHub statuses derive from them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DeployState {
    /// Waiting for approvals.
    Blocked,
    /// Created, not yet running.
    Created,
    /// Running.
    Running,
    /// Done.
    Success,
    /// Failed or rejected.
    Failed,
    /// Canceled.
    Canceled,
}

/// One review of a gated deployment.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Approval {
    /// Reviewer.
    pub(crate) user: User,
    /// Approved or rejected.
    pub(crate) approved: bool,
    /// Comment given.
    pub(crate) comment: String,
    /// When.
    pub(crate) at_ms: i64,
}

/// A deployment of a run to an environment.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Deployment {
    /// Id.
    pub(crate) id: u64,
    /// Per-project sequence (GitLab `iid`).
    pub(crate) iid: u64,
    /// Project id.
    pub(crate) project: u64,
    /// Environment id.
    pub(crate) environment: u64,
    /// The run.
    pub(crate) run_id: u64,
    /// The job that performs it.
    pub(crate) job_id: u64,
    /// State.
    pub(crate) state: DeployState,
    /// Reviews given.
    pub(crate) approvals: Vec<Approval>,
    /// Created.
    pub(crate) created_ms: i64,
    /// Last change.
    pub(crate) updated_ms: i64,
    /// Status history, oldest first: (GitHub state word, time).
    pub(crate) statuses: Vec<(&'static str, i64)>,
}
