//! The GitHub REST calls Quarterdeck makes (API.md §3), against github.com or a GitHub
//! Enterprise Server base (`https://HOST/api/v3`, or the simulator's `/github`).

use std::sync::Arc;

use serde_json::json;

use super::convert::{self, JobsPage, RawJob, RawPending, RawRun, RunsPage};
use super::gates::PendingDeployment;
use crate::integrations::rest::{
    CiError, Clock, RestClient, RestError, Scheme, Token, clock_time, encode_component,
};
use quarterdeck_core::pipeline::{CiErrorKind, Job, Pipeline, Stage};

/// Where the token is looked for, in order.
pub const TOKEN_VARS: [&str; 2] = ["GITHUB_TOKEN", "GH_TOKEN"];
/// github.com's API.
pub const DEFAULT_BASE: &str = "https://api.github.com";
/// Most items GitHub returns per page.
const MAX_PER_PAGE: u32 = 100;
/// Safety stop for following `next` links.
const MAX_PAGES: usize = 50;

/// A GitHub API client for one token.
#[derive(Debug, Clone)]
pub struct GitHubClient {
    rest: RestClient,
}

/// What a request was about, for the error message.
#[derive(Debug, Clone, Copy)]
enum Subject<'a> {
    Repo(&'a str),
    Workflow(&'a str, &'a str),
    Run(&'a str, u64),
    Job(&'a str, u64),
}

impl GitHubClient {
    /// A client for `base_url` with `token` (`None` works for public repositories only).
    pub fn new(
        base_url: &str,
        token: Option<Token>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, CiError> {
        let rest = RestClient::new(Scheme::GitHub, base_url, token, clock).map_err(|e| {
            CiError::new(
                CiErrorKind::Other,
                format!("cannot set up a GitHub client: {e}"),
            )
        })?;
        Ok(GitHubClient { rest })
    }

    /// A client with the token from `GITHUB_TOKEN` or `GH_TOKEN`.
    pub fn from_env(base_url: &str, clock: Arc<dyn Clock>) -> Result<Self, CiError> {
        GitHubClient::new(base_url, Token::from_env(&TOKEN_VARS), clock)
    }

    /// The underlying REST client (rate-limit state, spent requests).
    pub fn rest(&self) -> &RestClient {
        &self.rest
    }

    fn describe(&self, err: RestError, subject: Subject<'_>) -> CiError {
        let origin = self.rest.token().map(|t| t.origin.clone());
        let (kind, message) = match &err {
            RestError::Unauthorized { message } => (
                CiErrorKind::Unauthorized,
                match &origin {
                    Some(var) => format!("GitHub rejected the token from {var} (401 {message})"),
                    None => format!(
                        "GitHub needs a token: set {} or {} (401 {message})",
                        TOKEN_VARS[0], TOKEN_VARS[1]
                    ),
                },
            ),
            RestError::Forbidden { message, wanted } => {
                let need = wanted
                    .as_deref()
                    .filter(|w| !w.is_empty())
                    .map(|w| format!("; the token needs {w}"))
                    .unwrap_or_default();
                (
                    CiErrorKind::Forbidden,
                    format!(
                        "GitHub refused access to {} (403 {message}){need}",
                        subject_name(subject)
                    ),
                )
            }
            RestError::NotFound { .. } => (CiErrorKind::NotFound, not_found(subject)),
            RestError::RateLimited { until_ms, message } => {
                let said = if message.is_empty() {
                    String::new()
                } else {
                    format!(" ({message})")
                };
                let e = CiError {
                    kind: CiErrorKind::RateLimited,
                    message: format!(
                        "GitHub rate limit reached{said}; polling paused until {}",
                        clock_time(*until_ms)
                    ),
                    paused_until_ms: Some(*until_ms),
                };
                return e;
            }
            RestError::Status { status, message } if *status >= 500 => (
                CiErrorKind::Unavailable,
                format!("GitHub is not answering properly ({status} {message}); retrying"),
            ),
            RestError::Status { status, message } => (
                CiErrorKind::Other,
                format!(
                    "GitHub rejected the request for {} ({status} {message})",
                    subject_name(subject)
                ),
            ),
            RestError::Network(m) => (
                CiErrorKind::Unavailable,
                format!("cannot reach GitHub at {}: {m}", self.rest.base()),
            ),
            RestError::Decode(m) => (
                CiErrorKind::Other,
                format!("GitHub sent a response Quarterdeck cannot read: {m}"),
            ),
        };
        CiError::new(kind, message)
    }

    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        subject: Subject<'_>,
    ) -> Result<(T, Option<String>), CiError> {
        let fetched = self
            .rest
            .get(path)
            .await
            .map_err(|e| self.describe(e, subject))?;
        let value = serde_json::from_str(&fetched.body)
            .map_err(|e| self.describe(RestError::Decode(e.to_string()), subject))?;
        Ok((value, fetched.next))
    }

    /// Runs of `repo` (of one workflow file or id when given), newest first, following `next`
    /// links until `max` runs were read.
    pub async fn runs(
        &self,
        repo: &str,
        workflow: Option<&str>,
        max: usize,
    ) -> Result<Vec<Pipeline>, CiError> {
        let per_page = u32::try_from(max)
            .unwrap_or(MAX_PER_PAGE)
            .clamp(1, MAX_PER_PAGE);
        let (mut url, subject) = match workflow {
            Some(w) => (
                format!(
                    "/repos/{repo}/actions/workflows/{}/runs?per_page={per_page}",
                    encode_component(w)
                ),
                Subject::Workflow(repo, w),
            ),
            None => (
                format!("/repos/{repo}/actions/runs?per_page={per_page}"),
                Subject::Repo(repo),
            ),
        };
        let mut raw: Vec<RawRun> = Vec::new();
        for _ in 0..MAX_PAGES {
            let (page, next): (RunsPage, _) = self.get_json(&url, subject).await?;
            raw.extend(page.workflow_runs);
            match next {
                Some(n) if raw.len() < max => url = n,
                _ => break,
            }
        }
        raw.truncate(max);
        Ok(raw.iter().map(|r| convert::run(r, repo)).collect())
    }

    /// The latest attempt's jobs of a run, in derived columns (every page).
    pub async fn jobs(&self, repo: &str, run_id: u64) -> Result<Vec<Stage>, CiError> {
        let mut url = format!(
            "/repos/{repo}/actions/runs/{run_id}/jobs?filter=latest&per_page={MAX_PER_PAGE}"
        );
        let mut raw: Vec<RawJob> = Vec::new();
        for _ in 0..MAX_PAGES {
            let (page, next): (JobsPage, _) =
                self.get_json(&url, Subject::Run(repo, run_id)).await?;
            raw.extend(page.jobs);
            match next {
                Some(n) => url = n,
                None => break,
            }
        }
        Ok(convert::columns(&raw))
    }

    /// One job (to learn whether it completed).
    pub async fn job(&self, repo: &str, job_id: u64) -> Result<Job, CiError> {
        let (raw, _): (RawJob, _) = self
            .get_json(
                &format!("/repos/{repo}/actions/jobs/{job_id}"),
                Subject::Job(repo, job_id),
            )
            .await?;
        Ok(convert::job(&raw))
    }

    /// The environments a waiting run waits for.
    pub async fn pending_deployments(
        &self,
        repo: &str,
        run_id: u64,
    ) -> Result<Vec<PendingDeployment>, CiError> {
        let (raw, _): (Vec<RawPending>, _) = self
            .get_json(
                &format!("/repos/{repo}/actions/runs/{run_id}/pending_deployments"),
                Subject::Run(repo, run_id),
            )
            .await?;
        Ok(convert::pending(&raw))
    }

    /// A completed job's log. The API answers 302 to a short-lived storage URL, which is
    /// fetched without the token. `None` when there is no log (yet).
    pub async fn job_log(&self, repo: &str, job_id: u64) -> Result<Option<String>, CiError> {
        self.rest
            .get_redirected_text(&format!("/repos/{repo}/actions/jobs/{job_id}/logs"))
            .await
            .map_err(|e| self.describe(e, Subject::Job(repo, job_id)))
    }

    /// Approves or rejects a run's pending deployments (`comment` is required by GitHub).
    pub async fn review(
        &self,
        repo: &str,
        run_id: u64,
        environment_ids: &[u64],
        approve: bool,
        comment: &str,
    ) -> Result<(), CiError> {
        let body = json!({
            "environment_ids": environment_ids,
            "state": if approve { "approved" } else { "rejected" },
            "comment": comment,
        });
        self.rest
            .post(
                &format!("/repos/{repo}/actions/runs/{run_id}/pending_deployments"),
                &body,
            )
            .await
            .map(|_| ())
            .map_err(|e| self.describe(e, Subject::Run(repo, run_id)))
    }
}

fn subject_name(subject: Subject<'_>) -> String {
    match subject {
        Subject::Repo(r) => r.to_string(),
        Subject::Workflow(r, w) => format!("workflow {w} of {r}"),
        Subject::Run(r, id) => format!("run {id} of {r}"),
        Subject::Job(r, id) => format!("job {id} of {r}"),
    }
}

fn not_found(subject: Subject<'_>) -> String {
    match subject {
        Subject::Repo(r) => format!(
            "GitHub repository {r} not found (404) — check the [[release]] github setting, and that the token can see it"
        ),
        Subject::Workflow(r, w) => format!(
            "GitHub workflow {w} not found in {r} (404) — check the [[release]] workflows setting"
        ),
        Subject::Run(r, id) => format!("GitHub run {id} of {r} no longer exists (404)"),
        Subject::Job(r, id) => format!("GitHub job {id} of {r} no longer exists (404)"),
    }
}
