//! The GitHub REST calls Quarterdeck makes (API.md §3), against github.com or a GitHub
//! Enterprise Server base (`https://HOST/api/v3`, or the simulator's `/github`).

use std::sync::Arc;

use serde_json::json;

use super::convert::{
    self, CheckRunsPage, JobsPage, RawCheckRun, RawJob, RawPending, RawRun, RunsPage,
};
use super::gates::PendingDeployment;
use crate::integrations::rest::{
    Api, CiError, Clock, Dialect, RestClient, Scheme, Subject, Token, encode_component,
};
use quarterdeck_core::pipeline::{Job, Pipeline, Stage};

/// Where the token is looked for, in order.
pub const TOKEN_VARS: [&str; 2] = ["GITHUB_TOKEN", "GH_TOKEN"];
/// github.com's API.
pub const DEFAULT_BASE: &str = "https://api.github.com";
/// Most items GitHub returns per page.
const MAX_PER_PAGE: u32 = 100;

static GITHUB: Dialect = Dialect {
    name: "GitHub",
    scheme: Scheme::GitHub,
    token_vars: &TOKEN_VARS,
    forbidden_hint: |wanted| {
        wanted
            .filter(|w| !w.is_empty())
            .map(|w| format!("; the token needs {w}"))
            .unwrap_or_default()
    },
};

/// A GitHub API client for one base URL and token. Share one (in an `Arc`) between every
/// caller: its entity-tag cache, rate-limit pause and budget are per token.
#[derive(Debug)]
pub struct GitHubClient {
    pub(super) api: Api,
    /// When the last mutation was sent: GitHub asks for ≥1 s between them (API.md §3.5).
    pub(super) last_write: tokio::sync::Mutex<Option<std::time::Instant>>,
}

/// What a request was about, for the error message.
#[derive(Debug, Clone, Copy)]
enum About<'a> {
    Repo(&'a str),
    Workflow(&'a str, &'a str),
    Run(&'a str, u64),
    Job(&'a str, u64),
}

impl Subject for About<'_> {
    fn name(self) -> String {
        match self {
            About::Repo(r) => r.to_string(),
            About::Workflow(r, w) => format!("workflow {w} of {r}"),
            About::Run(r, id) => format!("run {id} of {r}"),
            About::Job(r, id) => format!("job {id} of {r}"),
        }
    }

    fn not_found(self) -> String {
        match self {
            About::Repo(r) => format!(
                "GitHub repository {r} not found (404) — check the [[release]] github setting, and that the token can see it"
            ),
            About::Workflow(r, w) => format!(
                "GitHub workflow {w} not found in {r} (404) — check the [[release]] workflows setting"
            ),
            About::Run(r, id) => format!("GitHub run {id} of {r} no longer exists (404)"),
            About::Job(r, id) => format!("GitHub job {id} of {r} no longer exists (404)"),
        }
    }
}

impl GitHubClient {
    /// A client for `base_url` with `token` (`None` works for public repositories only).
    pub fn new(
        base_url: &str,
        token: Option<Token>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, CiError> {
        Ok(GitHubClient {
            api: Api::new(&GITHUB, base_url, token, clock)?,
            last_write: tokio::sync::Mutex::new(None),
        })
    }

    /// The underlying REST client (rate-limit state, spent requests).
    pub fn rest(&self) -> &RestClient {
        self.api.rest()
    }

    /// Runs of `repo` (of one workflow file or id when given), newest first, following `next`
    /// links until `max` runs were read.
    pub async fn runs(
        &self,
        repo: &str,
        workflow: Option<&str>,
        max: usize,
    ) -> Result<Vec<Pipeline>, CiError> {
        self.runs_where(repo, workflow, &[], max).await
    }

    /// Runs of `repo` (of one workflow when given) that pass GitHub's list filters, `(name,
    /// value)` pairs such as `("status", "completed")` or `("created", ">2026-11-22T03:20:00Z")`,
    /// newest first, until `max` were read.
    pub async fn runs_where(
        &self,
        repo: &str,
        workflow: Option<&str>,
        filters: &[(&str, &str)],
        max: usize,
    ) -> Result<Vec<Pipeline>, CiError> {
        let listed = self.runs_listed(repo, workflow, filters, max).await?;
        Ok(listed.into_iter().map(|(run, _)| run).collect())
    }

    /// [`GitHubClient::runs_where`], each run with its check suite's id.
    pub async fn runs_listed(
        &self,
        repo: &str,
        workflow: Option<&str>,
        filters: &[(&str, &str)],
        max: usize,
    ) -> Result<Vec<(Pipeline, Option<u64>)>, CiError> {
        let per_page = u32::try_from(max)
            .unwrap_or(MAX_PER_PAGE)
            .clamp(1, MAX_PER_PAGE);
        let query: String = filters
            .iter()
            .map(|(k, v)| format!("{k}={}&", encode_component(v)))
            .collect();
        let (url, about) = match workflow {
            Some(w) => (
                format!(
                    "/repos/{repo}/actions/workflows/{}/runs?{query}per_page={per_page}",
                    encode_component(w)
                ),
                About::Workflow(repo, w),
            ),
            None => (
                format!("/repos/{repo}/actions/runs?{query}per_page={per_page}"),
                About::Repo(repo),
            ),
        };
        let raw = self
            .api
            .get_pages(url, max, about, |p: RunsPage| p.workflow_runs)
            .await?;
        Ok(raw
            .iter()
            .map(|r: &RawRun| (convert::run(r, repo), r.check_suite_id))
            .collect())
    }

    /// The repository's runs waiting on a human (`status=waiting`), newest first: while none
    /// starts or stops waiting this answer stays the same, so polling it is a free 304.
    pub async fn waiting_runs(&self, repo: &str, max: usize) -> Result<Vec<Pipeline>, CiError> {
        self.runs_where(repo, None, &[("status", "waiting")], max)
            .await
    }

    /// One run, without its jobs.
    pub async fn run(&self, repo: &str, run_id: u64) -> Result<Pipeline, CiError> {
        let (raw, _): (RawRun, _) = self
            .api
            .get_json(
                &format!("/repos/{repo}/actions/runs/{run_id}"),
                About::Run(repo, run_id),
            )
            .await?;
        Ok(convert::run(&raw, repo))
    }

    /// The latest attempt's jobs of a run, in derived columns (every page).
    pub async fn jobs(&self, repo: &str, run_id: u64) -> Result<Vec<Stage>, CiError> {
        let url = format!(
            "/repos/{repo}/actions/runs/{run_id}/jobs?filter=latest&per_page={MAX_PER_PAGE}"
        );
        let raw: Vec<RawJob> = self
            .api
            .get_pages(url, usize::MAX, About::Run(repo, run_id), |p: JobsPage| {
                p.jobs
            })
            .await?;
        Ok(convert::columns(&raw))
    }

    /// The latest check runs of a run's check suite: its jobs' states and times without their
    /// steps, so the answer stays the same (a free 304) while only steps move. Needs the
    /// token to read checks (`checks:read`, or `repo` for a classic token).
    pub async fn check_runs(
        &self,
        repo: &str,
        run_id: u64,
        suite_id: u64,
    ) -> Result<Vec<RawCheckRun>, CiError> {
        let url = format!(
            "/repos/{repo}/check-suites/{suite_id}/check-runs?filter=latest&per_page={MAX_PER_PAGE}"
        );
        self.api
            .get_pages(
                url,
                usize::MAX,
                About::Run(repo, run_id),
                |p: CheckRunsPage| p.check_runs,
            )
            .await
    }

    /// One job (to learn whether it completed).
    pub async fn job(&self, repo: &str, job_id: u64) -> Result<Job, CiError> {
        let (raw, _): (RawJob, _) = self
            .api
            .get_json(
                &format!("/repos/{repo}/actions/jobs/{job_id}"),
                About::Job(repo, job_id),
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
            .api
            .get_json(
                &format!("/repos/{repo}/actions/runs/{run_id}/pending_deployments"),
                About::Run(repo, run_id),
            )
            .await?;
        Ok(convert::pending(&raw))
    }

    /// A completed job's log. The API answers 302 to a short-lived storage URL, which is
    /// fetched without the token. `None` when there is no log (yet).
    pub async fn job_log(&self, repo: &str, job_id: u64) -> Result<Option<String>, CiError> {
        self.api
            .rest()
            .get_redirected_text(&format!("/repos/{repo}/actions/jobs/{job_id}/logs"))
            .await
            .map_err(|e| self.api.describe(e, About::Job(repo, job_id)))
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
        self.api
            .post(
                &format!("/repos/{repo}/actions/runs/{run_id}/pending_deployments"),
                &body,
                About::Run(repo, run_id),
            )
            .await
            .map(|_| ())
    }
}
