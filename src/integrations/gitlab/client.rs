//! The GitLab REST v4 calls Quarterdeck makes (API.md §4), against gitlab.com, a self-managed
//! instance or the simulator's `/gitlab`. Projects are addressed by their URL-encoded path
//! (`group%2Fproject`).

use std::sync::Arc;

use serde_json::json;

use super::convert::{self, RawDeployment, RawJob, RawPipeline, RawUser};
use super::gates::Deployment;
use crate::integrations::rest::{
    CiError, Clock, RestClient, RestError, Scheme, Token, clock_time, encode_component,
};
use quarterdeck_core::pipeline::{CiErrorKind, Job, Pipeline};

/// Where the token is looked for.
pub const TOKEN_VARS: [&str; 1] = ["GITLAB_TOKEN"];
/// gitlab.com.
pub const DEFAULT_BASE: &str = "https://gitlab.com";
/// Most items GitLab returns per page.
const MAX_PER_PAGE: usize = 100;
/// Page size for pipeline and deployment lists (GitLab's default).
const PAGE: usize = 20;
/// Safety stop for following `next` links.
const MAX_PAGES: usize = 50;

/// A GitLab API client for one token.
#[derive(Debug, Clone)]
pub struct GitLabClient {
    rest: RestClient,
}

/// What a request was about, for the error message.
#[derive(Debug, Clone, Copy)]
enum Subject<'a> {
    Project(&'a str),
    Pipeline(&'a str, u64),
    Job(&'a str, u64),
    Deployment(&'a str, u64),
    User,
}

/// `/projects/group%2Fproject`.
fn project_path(project: &str) -> String {
    format!("/projects/{}", encode_component(project))
}

impl GitLabClient {
    /// A client for the instance at `base_url` (`https://gitlab.example.com`; `/api/v4` is
    /// appended unless already there).
    pub fn new(
        base_url: &str,
        token: Option<Token>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, CiError> {
        let base = base_url.trim_end_matches('/');
        let api = if base.ends_with("/api/v4") {
            base.to_string()
        } else {
            format!("{base}/api/v4")
        };
        let rest = RestClient::new(Scheme::GitLab, &api, token, clock).map_err(|e| {
            CiError::new(
                CiErrorKind::Other,
                format!("cannot set up a GitLab client: {e}"),
            )
        })?;
        Ok(GitLabClient { rest })
    }

    /// A client with the token from `GITLAB_TOKEN`.
    pub fn from_env(base_url: &str, clock: Arc<dyn Clock>) -> Result<Self, CiError> {
        GitLabClient::new(base_url, Token::from_env(&TOKEN_VARS), clock)
    }

    /// The underlying REST client (rate-limit state, spent requests).
    pub fn rest(&self) -> &RestClient {
        &self.rest
    }

    fn describe(&self, err: RestError, subject: Subject<'_>) -> CiError {
        let (kind, message) = match &err {
            RestError::Unauthorized { message } => (
                CiErrorKind::Unauthorized,
                match self.rest.token() {
                    Some(t) => format!(
                        "GitLab rejected the token from {} (401 {message})",
                        t.origin
                    ),
                    None => format!(
                        "GitLab needs a token: set {} (401 {message})",
                        TOKEN_VARS[0]
                    ),
                },
            ),
            RestError::Forbidden { message, .. } => (
                CiErrorKind::Forbidden,
                format!(
                    "GitLab refused access to {} (403 {message}); reading needs the read_api scope, acting the api scope",
                    subject_name(subject)
                ),
            ),
            RestError::NotFound { .. } => (CiErrorKind::NotFound, not_found(subject)),
            RestError::RateLimited { until_ms, message } => {
                let said = if message.is_empty() {
                    String::new()
                } else {
                    format!(" ({message})")
                };
                return CiError {
                    kind: CiErrorKind::RateLimited,
                    message: format!(
                        "GitLab rate limit reached{said}; polling paused until {}",
                        clock_time(*until_ms)
                    ),
                    paused_until_ms: Some(*until_ms),
                };
            }
            RestError::Status { status, message } if *status >= 500 => (
                CiErrorKind::Unavailable,
                format!("GitLab is not answering properly ({status} {message}); retrying"),
            ),
            RestError::Status { status, message } => (
                CiErrorKind::Other,
                format!(
                    "GitLab rejected the request for {} ({status} {message})",
                    subject_name(subject)
                ),
            ),
            RestError::Network(m) => (
                CiErrorKind::Unavailable,
                format!("cannot reach GitLab at {}: {m}", self.rest.base()),
            ),
            RestError::Decode(m) => (
                CiErrorKind::Other,
                format!("GitLab sent a response Quarterdeck cannot read: {m}"),
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

    async fn get_all<T: serde::de::DeserializeOwned>(
        &self,
        first: String,
        max: usize,
        subject: Subject<'_>,
    ) -> Result<Vec<T>, CiError> {
        let mut url = first;
        let mut out: Vec<T> = Vec::new();
        for _ in 0..MAX_PAGES {
            let (page, next): (Vec<T>, _) = self.get_json(&url, subject).await?;
            out.extend(page);
            match next {
                Some(n) if out.len() < max => url = n,
                _ => break,
            }
        }
        out.truncate(max);
        Ok(out)
    }

    /// The token's user (its id tells whether approval rules name it).
    pub async fn current_user(&self) -> Result<(u64, String), CiError> {
        let (u, _): (RawUser, _) = self.get_json("/user", Subject::User).await?;
        Ok((u.id, u.username))
    }

    /// The newest pipelines of a project (jobs not filled in), newest first, following pages
    /// until `max` were read.
    pub async fn pipelines(&self, project: &str, max: usize) -> Result<Vec<Pipeline>, CiError> {
        let per_page = max.clamp(1, PAGE);
        let url = format!("{}/pipelines?per_page={per_page}", project_path(project));
        let raw: Vec<RawPipeline> = self.get_all(url, max, Subject::Project(project)).await?;
        Ok(raw.iter().map(|p| convert::pipeline(p, project)).collect())
    }

    /// A pipeline's jobs (every page; retried jobs left out), raw for [`convert::with_jobs`].
    pub async fn pipeline_jobs(
        &self,
        project: &str,
        pipeline_id: u64,
    ) -> Result<Vec<RawJob>, CiError> {
        let url = format!(
            "{}/pipelines/{pipeline_id}/jobs?per_page={MAX_PER_PAGE}",
            project_path(project)
        );
        self.get_all(url, usize::MAX, Subject::Pipeline(project, pipeline_id))
            .await
    }

    /// Jobs of a pipeline in the given states (`scope[]` repeated, as GitLab requires).
    pub async fn pipeline_jobs_in(
        &self,
        project: &str,
        pipeline_id: u64,
        scopes: &[&str],
    ) -> Result<Vec<Job>, CiError> {
        let scope: String = scopes
            .iter()
            .map(|s| format!("&scope%5B%5D={}", encode_component(s)))
            .collect();
        let url = format!(
            "{}/pipelines/{pipeline_id}/jobs?per_page={MAX_PER_PAGE}{scope}",
            project_path(project)
        );
        let raw: Vec<RawJob> = self
            .get_all(url, usize::MAX, Subject::Pipeline(project, pipeline_id))
            .await?;
        Ok(raw.iter().map(convert::job).collect())
    }

    /// One job.
    pub async fn job(&self, project: &str, job_id: u64) -> Result<Job, CiError> {
        let (raw, _): (RawJob, _) = self
            .get_json(
                &format!("{}/jobs/{job_id}", project_path(project)),
                Subject::Job(project, job_id),
            )
            .await?;
        Ok(convert::job(&raw))
    }

    /// A job's whole trace; `None` when it has none yet (404).
    pub async fn trace(&self, project: &str, job_id: u64) -> Result<Option<String>, CiError> {
        match self
            .rest
            .get(&format!("{}/jobs/{job_id}/trace", project_path(project)))
            .await
        {
            Ok(f) => Ok(Some(f.body)),
            Err(RestError::NotFound { .. }) => Ok(None),
            Err(e) => Err(self.describe(e, Subject::Job(project, job_id))),
        }
    }

    /// The newest deployments of a project (`me`: the token user's id, for approval rules).
    pub async fn deployments(
        &self,
        project: &str,
        max: usize,
        me: Option<u64>,
    ) -> Result<Vec<Deployment>, CiError> {
        let per_page = max.clamp(1, PAGE);
        let url = format!(
            "{}/deployments?order_by=id&sort=desc&per_page={per_page}",
            project_path(project)
        );
        let raw: Vec<RawDeployment> = self.get_all(url, max, Subject::Project(project)).await?;
        Ok(raw.iter().map(|d| convert::deployment(d, me)).collect())
    }

    /// Starts a manual job.
    pub async fn play(&self, project: &str, job_id: u64) -> Result<Job, CiError> {
        let body = self
            .rest
            .post(
                &format!("{}/jobs/{job_id}/play", project_path(project)),
                &json!({}),
            )
            .await
            .map_err(|e| self.describe(e, Subject::Job(project, job_id)))?;
        let raw: RawJob = serde_json::from_str(&body).map_err(|e| {
            self.describe(
                RestError::Decode(e.to_string()),
                Subject::Job(project, job_id),
            )
        })?;
        Ok(convert::job(&raw))
    }

    /// Approves or rejects a blocked deployment (approval does not start the job: call
    /// [`GitLabClient::play`] once approvals are complete).
    pub async fn review_deployment(
        &self,
        project: &str,
        deployment_id: u64,
        approve: bool,
        comment: &str,
    ) -> Result<(), CiError> {
        let mut body = json!({"status": if approve { "approved" } else { "rejected" }});
        if !comment.is_empty() {
            body["comment"] = json!(comment);
        }
        self.rest
            .post(
                &format!(
                    "{}/deployments/{deployment_id}/approval",
                    project_path(project)
                ),
                &body,
            )
            .await
            .map(|_| ())
            .map_err(|e| self.describe(e, Subject::Deployment(project, deployment_id)))
    }
}

fn subject_name(subject: Subject<'_>) -> String {
    match subject {
        Subject::Project(p) => p.to_string(),
        Subject::Pipeline(p, id) => format!("pipeline {id} of {p}"),
        Subject::Job(p, id) => format!("job {id} of {p}"),
        Subject::Deployment(p, id) => format!("deployment {id} of {p}"),
        Subject::User => "the current user".to_string(),
    }
}

fn not_found(subject: Subject<'_>) -> String {
    match subject {
        Subject::Project(p) => format!(
            "GitLab project {p} not found (404) — check the [[release]] gitlab setting, and that the token can see it"
        ),
        Subject::Pipeline(p, id) => format!("GitLab pipeline {id} of {p} no longer exists (404)"),
        Subject::Job(p, id) => format!("GitLab job {id} of {p} no longer exists (404)"),
        Subject::Deployment(p, id) => {
            format!("GitLab deployment {id} of {p} no longer exists (404)")
        }
        Subject::User => "GitLab has no current user for this token (404)".to_string(),
    }
}
