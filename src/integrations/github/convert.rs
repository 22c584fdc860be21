//! GitHub's JSON to model types. Every field we do not strictly need is optional and every
//! status is a plain string, so a new value from the API degrades to `CiStatus::Unknown`
//! instead of failing the whole poll.

use serde::Deserialize;
use serde_json::Value;

use super::columns;
use super::gates::PendingDeployment;
use quarterdeck_core::pipeline::{CiStatus, Job, Pipeline, Provider, Stage, Step, job_group};

/// RFC 3339 to Unix ms; `None` for null, empty or unreadable values.
pub fn time_ms(s: Option<&str>) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(s?)
        .ok()
        .map(|t| t.timestamp_millis())
}

/// `GET …/actions/runs` and `…/workflows/{id}/runs`.
#[derive(Debug, Clone, Deserialize)]
pub struct RunsPage {
    /// This page's runs.
    #[serde(default)]
    pub workflow_runs: Vec<RawRun>,
}

/// A user as GitHub embeds it.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct RawUser {
    /// Login.
    #[serde(default)]
    pub login: String,
}

/// A workflow run.
#[derive(Debug, Clone, Deserialize)]
pub struct RawRun {
    /// Run id.
    pub id: u64,
    /// Workflow name.
    #[serde(default)]
    pub name: Option<String>,
    /// Title (commit message head, PR title or `run-name`).
    #[serde(default)]
    pub display_title: Option<String>,
    /// Run number.
    #[serde(default)]
    pub run_number: u64,
    /// Attempt.
    #[serde(default)]
    pub run_attempt: Option<u32>,
    /// Triggering event.
    #[serde(default)]
    pub event: String,
    /// `queued`, `in_progress`, `waiting`, `completed` …
    #[serde(default)]
    pub status: Option<String>,
    /// `success`, `failure` … once completed.
    #[serde(default)]
    pub conclusion: Option<String>,
    /// Workflow file path.
    #[serde(default)]
    pub path: Option<String>,
    /// Branch (or tag).
    #[serde(default)]
    pub head_branch: Option<String>,
    /// Commit.
    #[serde(default)]
    pub head_sha: String,
    /// Web page.
    #[serde(default)]
    pub html_url: String,
    /// Created.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Last change.
    #[serde(default)]
    pub updated_at: Option<String>,
    /// Start of this attempt.
    #[serde(default)]
    pub run_started_at: Option<String>,
    /// Who pushed or dispatched.
    #[serde(default)]
    pub actor: Option<RawUser>,
    /// Who triggered this attempt.
    #[serde(default)]
    pub triggering_actor: Option<RawUser>,
    /// The check suite whose check runs are this run's jobs.
    #[serde(default)]
    pub check_suite_id: Option<u64>,
}

/// `GET …/check-suites/{id}/check-runs`.
#[derive(Debug, Clone, Deserialize)]
pub struct CheckRunsPage {
    /// This page's check runs.
    #[serde(default)]
    pub check_runs: Vec<RawCheckRun>,
}

/// A check run: an Actions job (same id) without its steps.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RawCheckRun {
    /// The job's id.
    pub id: u64,
    /// Status.
    #[serde(default)]
    pub status: Option<String>,
    /// Conclusion.
    #[serde(default)]
    pub conclusion: Option<String>,
    /// Started.
    #[serde(default)]
    pub started_at: Option<String>,
    /// Completed.
    #[serde(default)]
    pub completed_at: Option<String>,
}

/// `GET …/runs/{id}/jobs`.
#[derive(Debug, Clone, Deserialize)]
pub struct JobsPage {
    /// This page's jobs.
    #[serde(default)]
    pub jobs: Vec<RawJob>,
}

/// A job.
#[derive(Debug, Clone, Deserialize)]
pub struct RawJob {
    /// Job id.
    pub id: u64,
    /// Name (`build (ubuntu, 20)`).
    #[serde(default)]
    pub name: String,
    /// Status.
    #[serde(default)]
    pub status: Option<String>,
    /// Conclusion.
    #[serde(default)]
    pub conclusion: Option<String>,
    /// Created (queued).
    #[serde(default)]
    pub created_at: Option<String>,
    /// Started.
    #[serde(default)]
    pub started_at: Option<String>,
    /// Completed.
    #[serde(default)]
    pub completed_at: Option<String>,
    /// Web page.
    #[serde(default)]
    pub html_url: Option<String>,
    /// Steps.
    #[serde(default)]
    pub steps: Option<Vec<RawStep>>,
}

/// A step.
#[derive(Debug, Clone, Deserialize)]
pub struct RawStep {
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Position.
    #[serde(default)]
    pub number: u32,
    /// Status.
    #[serde(default)]
    pub status: Option<String>,
    /// Conclusion.
    #[serde(default)]
    pub conclusion: Option<String>,
    /// Started.
    #[serde(default)]
    pub started_at: Option<String>,
    /// Completed.
    #[serde(default)]
    pub completed_at: Option<String>,
}

/// One entry of `GET …/runs/{id}/pending_deployments`.
#[derive(Debug, Clone, Deserialize)]
pub struct RawPending {
    /// The environment.
    pub environment: RawEnvironment,
    /// Wait timer, minutes.
    #[serde(default)]
    pub wait_timer: u32,
    /// When the timer started.
    #[serde(default)]
    pub wait_timer_started_at: Option<String>,
    /// Whether the token's user is a required reviewer who may approve.
    #[serde(default)]
    pub current_user_can_approve: bool,
    /// Required reviewers.
    #[serde(default)]
    pub reviewers: Vec<RawReviewer>,
}

/// The environment of a pending deployment.
#[derive(Debug, Clone, Deserialize)]
pub struct RawEnvironment {
    /// Id (what a review sends in `environment_ids`).
    pub id: u64,
    /// Name.
    #[serde(default)]
    pub name: String,
}

/// A required reviewer: `{type: "User"|"Team", reviewer: {login | slug, …}}`.
#[derive(Debug, Clone, Deserialize)]
pub struct RawReviewer {
    /// `User` or `Team`.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// The user or team.
    #[serde(default)]
    pub reviewer: Value,
}

/// GitHub's `status` + `conclusion` pair (runs, jobs and steps share the vocabulary).
pub fn status(status: &str, conclusion: Option<&str>) -> CiStatus {
    match status {
        "completed" => match conclusion {
            Some("success") | Some("neutral") => CiStatus::Success,
            Some("failure") | Some("timed_out") | Some("startup_failure") => CiStatus::Failed,
            Some("cancelled") | Some("stale") => CiStatus::Cancelled,
            Some("skipped") => CiStatus::Skipped,
            // A run needing approval for a fork's workflows waits on a human.
            Some("action_required") => CiStatus::Waiting,
            Some(other) => CiStatus::Unknown(other.to_string()),
            None => CiStatus::Unknown("completed".to_string()),
        },
        "queued" | "requested" | "pending" => CiStatus::Queued,
        "in_progress" => CiStatus::Running,
        "waiting" => CiStatus::Waiting,
        other => CiStatus::Unknown(other.to_string()),
    }
}

fn status_words(status: Option<&str>, conclusion: Option<&str>) -> (CiStatus, String) {
    let status = status.unwrap_or("");
    let word = match conclusion {
        Some(c) if status == "completed" => format!("{status}/{c}"),
        _ => status.to_string(),
    };
    (self::status(status, conclusion), word)
}

/// A run without its jobs.
pub fn run(raw: &RawRun, repo: &str) -> Pipeline {
    let (status, provider_status) = status_words(raw.status.as_deref(), raw.conclusion.as_deref());
    let finished_ms = if raw.status.as_deref() == Some("completed") {
        time_ms(raw.updated_at.as_deref())
    } else {
        None
    };
    let actor = raw
        .triggering_actor
        .as_ref()
        .or(raw.actor.as_ref())
        .map(|u| u.login.clone())
        .unwrap_or_default();
    Pipeline {
        provider: Provider::GitHub,
        project: repo.to_string(),
        id: raw.id,
        number: raw.run_number,
        attempt: raw.run_attempt.unwrap_or(1),
        name: raw.name.clone().unwrap_or_default(),
        workflow: raw.path.clone(),
        title: raw.display_title.clone().unwrap_or_default(),
        status,
        provider_status,
        event: raw.event.clone(),
        branch: raw.head_branch.clone().unwrap_or_default(),
        sha: raw.head_sha.clone(),
        actor,
        created_ms: time_ms(raw.created_at.as_deref()),
        started_ms: time_ms(raw.run_started_at.as_deref()),
        finished_ms,
        web_url: raw.html_url.clone(),
        stages: Vec::new(),
    }
}

/// One job with its steps (its column is assigned by [`columns()`]).
pub fn job(raw: &RawJob) -> Job {
    let (status, provider_status) = status_words(raw.status.as_deref(), raw.conclusion.as_deref());
    let steps = raw
        .steps
        .iter()
        .flatten()
        .map(|s| {
            let (status, provider_status) =
                status_words(s.status.as_deref(), s.conclusion.as_deref());
            Step {
                number: s.number,
                name: s.name.clone(),
                status,
                provider_status,
                started_ms: time_ms(s.started_at.as_deref()),
                finished_ms: time_ms(s.completed_at.as_deref()),
            }
        })
        .collect();
    Job {
        id: raw.id,
        name: raw.name.clone(),
        stage: String::new(),
        status,
        provider_status,
        created_ms: time_ms(raw.created_at.as_deref()),
        started_ms: time_ms(raw.started_at.as_deref()),
        finished_ms: time_ms(raw.completed_at.as_deref()),
        steps,
        group: job_group(&raw.name),
        allow_failure: false,
        failure_reason: None,
        web_url: raw.html_url.clone().unwrap_or_default(),
    }
}

/// A run's jobs in derived columns.
pub fn columns(raw: &[RawJob]) -> Vec<Stage> {
    columns::derive(raw.iter().map(job).collect())
}

/// The jobs of `stages` with the states and times their check runs give, in columns derived
/// again; their steps stay as last read. `None` when the check runs and the jobs are not the
/// same set (a job was added: read the jobs).
pub fn with_checks(stages: &[Stage], checks: &[RawCheckRun]) -> Option<Vec<Stage>> {
    let jobs: Vec<Job> = stages.iter().flat_map(|s| s.jobs.iter().cloned()).collect();
    if jobs.is_empty() || jobs.len() != checks.len() {
        return None;
    }
    let mut out = Vec::with_capacity(jobs.len());
    for mut job in jobs {
        let check = checks.iter().find(|c| c.id == job.id)?;
        let (status, word) = status_words(check.status.as_deref(), check.conclusion.as_deref());
        job.status = status;
        job.provider_status = word;
        job.started_ms = time_ms(check.started_at.as_deref()).or(job.started_ms);
        job.finished_ms = time_ms(check.completed_at.as_deref());
        out.push(job);
    }
    Some(columns::derive(out))
}

/// Pending deployments as gates see them. Reviewers: user logins, teams as `team:slug`.
pub fn pending(raw: &[RawPending]) -> Vec<PendingDeployment> {
    raw.iter()
        .map(|p| PendingDeployment {
            environment_id: p.environment.id,
            environment: p.environment.name.clone(),
            wait_timer_min: p.wait_timer,
            wait_timer_started_ms: time_ms(p.wait_timer_started_at.as_deref()),
            current_user_can_approve: p.current_user_can_approve,
            reviewers: p
                .reviewers
                .iter()
                .filter_map(|r| {
                    let login = r.reviewer["login"].as_str();
                    let slug = r.reviewer["slug"].as_str();
                    match (r.kind.as_str(), login, slug) {
                        ("Team", _, Some(s)) => Some(format!("team:{s}")),
                        (_, Some(l), _) => Some(l.to_string()),
                        (_, None, Some(s)) => Some(format!("team:{s}")),
                        _ => None,
                    }
                })
                .collect(),
        })
        .collect()
}

#[cfg(test)]
#[path = "convert_tests.rs"]
mod tests;
