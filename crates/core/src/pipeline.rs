//! CI pipelines in one provider-neutral shape: Pipeline → Stage → Job → Step. GitHub workflow
//! runs and GitLab pipelines both map onto it; every status is normalised to [`CiStatus`] while
//! the provider's own word is kept next to it, so the screen never hides what the API said.

mod family;
mod matching;
mod update;

#[cfg(test)]
mod tests;

pub use self::family::job_group;
pub(crate) use self::matching::match_run;
pub use self::matching::{ImageRef, RunMatch};
pub use self::update::{
    CiErrorKind, CiSource, CiUpdate, JobLogState, JobRef, LogSection, RateLimitState,
};

/// Which CI system a pipeline, gate or error comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Provider {
    /// GitHub Actions (github.com or GitHub Enterprise Server).
    GitHub,
    /// GitLab CI (gitlab.com or self-managed).
    GitLab,
}

impl Provider {
    /// The product name as users write it.
    pub fn label(self) -> &'static str {
        match self {
            Provider::GitHub => "GitHub",
            Provider::GitLab => "GitLab",
        }
    }
}

/// A normalised CI status. `Unknown` keeps a word we have never seen instead of failing.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CiStatus {
    /// Created or queued, not started.
    Queued,
    /// Running (including "canceling": it has not stopped yet).
    Running,
    /// Blocked on something outside the job: an environment's protection rules.
    Waiting,
    /// Waits for someone to start it (GitLab `when: manual`).
    Manual,
    /// Finished well.
    Success,
    /// Finished badly (failure, timeout, startup failure).
    Failed,
    /// Stopped by someone or superseded.
    Cancelled,
    /// Did not run.
    Skipped,
    /// A value this version does not know, as the provider wrote it.
    Unknown(String),
}

impl CiStatus {
    /// The symbol shown with the colour, so status never relies on colour alone.
    pub fn symbol(&self) -> &'static str {
        match self {
            CiStatus::Queued => "○",
            CiStatus::Running => "◐",
            CiStatus::Waiting => "‖",
            CiStatus::Manual => "▶",
            CiStatus::Success => "✔",
            CiStatus::Failed => "✖",
            CiStatus::Cancelled => "⊘",
            CiStatus::Skipped => "»",
            CiStatus::Unknown(_) => "?",
        }
    }

    /// The normalised word; for `Unknown`, the provider's own.
    pub fn word(&self) -> &str {
        match self {
            CiStatus::Queued => "queued",
            CiStatus::Running => "running",
            CiStatus::Waiting => "waiting",
            CiStatus::Manual => "manual",
            CiStatus::Success => "success",
            CiStatus::Failed => "failed",
            CiStatus::Cancelled => "cancelled",
            CiStatus::Skipped => "skipped",
            CiStatus::Unknown(word) => word,
        }
    }

    /// Whether it has reached a final state (nothing more will happen without a human).
    pub fn is_finished(&self) -> bool {
        matches!(
            self,
            CiStatus::Success | CiStatus::Failed | CiStatus::Cancelled | CiStatus::Skipped
        )
    }

    /// Whether it is moving or waiting for a human: the pollers go fast while this holds.
    pub fn is_active(&self) -> bool {
        matches!(
            self,
            CiStatus::Queued | CiStatus::Running | CiStatus::Waiting | CiStatus::Manual
        )
    }

    /// Rank used to summarise several statuses into one (the most urgent wins).
    fn urgency(&self) -> u8 {
        match self {
            CiStatus::Failed => 8,
            CiStatus::Waiting => 7,
            CiStatus::Manual => 6,
            CiStatus::Running => 5,
            CiStatus::Unknown(_) => 4,
            CiStatus::Queued => 3,
            CiStatus::Cancelled => 2,
            CiStatus::Success => 1,
            CiStatus::Skipped => 0,
        }
    }

    /// One status for a group (a stage): the most urgent member's; `Skipped` when empty.
    pub fn summarise<'a>(all: impl IntoIterator<Item = &'a CiStatus>) -> CiStatus {
        all.into_iter()
            .max_by_key(|s| s.urgency())
            .cloned()
            .unwrap_or(CiStatus::Skipped)
    }
}

/// One step of a GitHub job (GitLab jobs have no steps in the API; their log sections play
/// that part).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// 1-based position in the job.
    pub number: u32,
    /// Display name.
    pub name: String,
    /// Normalised status.
    pub status: CiStatus,
    /// The provider's words (`completed/success`, `in_progress`).
    pub provider_status: String,
    /// Start, Unix ms.
    pub started_ms: Option<i64>,
    /// End, Unix ms.
    pub finished_ms: Option<i64>,
}

/// One job: a GitHub job or a GitLab job (trigger jobs excluded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// Provider id (GitLab: changes on retry).
    pub id: u64,
    /// Display name (`test 1/3`, `build (ubuntu, 20)`).
    pub name: String,
    /// GitLab stage; for GitHub the derived column's name.
    pub stage: String,
    /// Normalised status.
    pub status: CiStatus,
    /// The provider's words.
    pub provider_status: String,
    /// Created (queued), Unix ms.
    pub created_ms: Option<i64>,
    /// Start, Unix ms.
    pub started_ms: Option<i64>,
    /// End, Unix ms.
    pub finished_ms: Option<i64>,
    /// Steps (GitHub only).
    pub steps: Vec<Step>,
    /// The matrix or `parallel:` family it belongs to (`test` for `test 1/3`).
    pub group: Option<String>,
    /// A failure does not fail the pipeline (GitLab `allow_failure`).
    pub allow_failure: bool,
    /// Why it failed, when the provider says (GitLab `failure_reason`).
    pub failure_reason: Option<String>,
    /// The job's page.
    pub web_url: String,
}

/// What an allowed failure counts as in a summary: it fails nothing (GitLab shows such a
/// stage as passed, with a warning on the job).
static ALLOWED_FAILURE: CiStatus = CiStatus::Success;

impl Job {
    /// The status this job adds to its stage's or family's summary: an `allow_failure`
    /// failure counts as done, so it neither fails the stage nor hides a job still running.
    pub fn summary_status(&self) -> &CiStatus {
        if self.allow_failure && self.status == CiStatus::Failed {
            &ALLOWED_FAILURE
        } else {
            &self.status
        }
    }

    /// One status for a group of jobs (a stage, a matrix family).
    pub fn summarise<'a>(jobs: impl IntoIterator<Item = &'a Job>) -> CiStatus {
        CiStatus::summarise(jobs.into_iter().map(Job::summary_status))
    }
}

/// A column of jobs: a GitLab stage, or a column the GitHub integration derives from timing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    /// Stage name.
    pub name: String,
    /// Summary of the jobs' statuses.
    pub status: CiStatus,
    /// The jobs, in display order.
    pub jobs: Vec<Job>,
}

impl Stage {
    /// A stage whose status summarises its jobs.
    pub fn new(name: String, jobs: Vec<Job>) -> Stage {
        let status = Job::summarise(&jobs);
        Stage { name, status, jobs }
    }
}

/// One workflow run or pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pipeline {
    /// Where it runs.
    pub provider: Provider,
    /// `owner/repo` or `group/project`.
    pub project: String,
    /// Provider id (run id, pipeline id).
    pub id: u64,
    /// Human number (`run_number`, pipeline `iid`).
    pub number: u64,
    /// Attempt (GitHub `run_attempt`; 1 on GitLab).
    pub attempt: u32,
    /// Workflow name (GitHub) or pipeline name (GitLab, may be empty).
    pub name: String,
    /// Workflow file (`.github/workflows/ci.yml`); `None` on GitLab.
    pub workflow: Option<String>,
    /// Run title (`display_title`; GitLab: the commit title when known).
    pub title: String,
    /// Normalised status.
    pub status: CiStatus,
    /// The provider's words (`completed/failure`, `waiting`, `manual`).
    pub provider_status: String,
    /// What started it (`push`, `workflow_dispatch`, `schedule`, `web` …).
    pub event: String,
    /// Branch or tag.
    pub branch: String,
    /// Commit SHA.
    pub sha: String,
    /// Who started it.
    pub actor: String,
    /// Created, Unix ms.
    pub created_ms: Option<i64>,
    /// Started, Unix ms.
    pub started_ms: Option<i64>,
    /// Finished, Unix ms (GitHub: `updated_at` of a completed run).
    pub finished_ms: Option<i64>,
    /// The run's page.
    pub web_url: String,
    /// Jobs in columns; empty until the jobs were fetched.
    pub stages: Vec<Stage>,
}

impl Pipeline {
    /// The short commit SHA (7 characters).
    pub fn short_sha(&self) -> &str {
        self.sha.get(..7).unwrap_or(&self.sha)
    }

    /// Every job, stage by stage.
    pub fn jobs(&self) -> impl Iterator<Item = &Job> {
        self.stages.iter().flat_map(|s| s.jobs.iter())
    }

    /// A job by id.
    pub fn job(&self, id: u64) -> Option<&Job> {
        self.jobs().find(|j| j.id == id)
    }

    /// The project's last path segment (`orders-api` of `acme/orders-api`).
    pub fn project_name(&self) -> &str {
        self.project.rsplit('/').next().unwrap_or(&self.project)
    }

    /// How a gate names the run it belongs to: `CI/CD #57 "Add idempotency keys" on main`.
    pub fn headline(&self) -> String {
        let name = if self.name.is_empty() {
            "Pipeline"
        } else {
            &self.name
        };
        let title = if self.title.is_empty() {
            String::new()
        } else {
            format!(" \"{}\"", self.title)
        };
        format!("{name} #{}{title} on {}", self.number, self.branch)
    }
}
