//! The GitLab REST v4 calls Quarterdeck makes (API.md §4), against gitlab.com, a self-managed
//! instance or the simulator's `/gitlab`. Projects are addressed by their URL-encoded path
//! (`group%2Fproject`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::json;

use super::convert::{self, RawDeployment, RawJob, RawPipeline, RawUser};
use super::gates::{Approver, Deployment, GroupQuery, may_approve};
use crate::integrations::rest::{
    Api, CiError, Clock, Dialect, RestClient, RestError, Scheme, Subject, Token, encode_component,
};
use quarterdeck_core::pipeline::{Job, Pipeline};

/// Where the token is looked for.
pub const TOKEN_VARS: [&str; 1] = ["GITLAB_TOKEN"];
/// gitlab.com.
pub const DEFAULT_BASE: &str = "https://gitlab.com";
/// Most items GitLab returns per page.
const MAX_PER_PAGE: usize = 100;
/// Page size for pipeline and deployment lists (GitLab's default).
const PAGE: usize = 20;
/// How long a group membership read for an approval rule is trusted: memberships change
/// rarely, and a blocked deployment is judged on every poll.
const GROUP_TTL_MS: i64 = 5 * 60_000;

static GITLAB: Dialect = Dialect {
    name: "GitLab",
    scheme: Scheme::GitLab,
    token_vars: &TOKEN_VARS,
    forbidden_hint: |_| "; reading needs the read_api scope, acting the api scope".to_string(),
};

/// A GitLab API client for one instance and token. Share one (in an `Arc`) between every
/// caller: its entity-tag cache, rate-limit pause and budget are per token.
#[derive(Debug)]
pub struct GitLabClient {
    pub(super) api: Api,
    /// Per project: the token user's access level and each protected environment's
    /// `allow_pipeline_trigger_approve_deployment`. Read once, when a blocked deployment first
    /// needs them, so polling costs nothing more while nothing changes.
    approvers: Mutex<HashMap<String, ProjectApprovers>>,
    /// Per (user, group rule): whether the user belongs to the group (`None`: could not be
    /// read) and when that was read, so each rule costs one request per [`GROUP_TTL_MS`].
    groups: Mutex<HashMap<(u64, GroupQuery), Membership>>,
}

/// Whether a user belongs to a group (`None`: could not be read), and when that was read.
type Membership = (Option<bool>, i64);

/// What approval rules need to know about the token's user in one project.
#[derive(Debug, Clone, Default)]
struct ProjectApprovers {
    /// Access level (`None` until read; 0 when not a member).
    level: Option<u32>,
    /// Whether a pipeline's author may approve, per environment read so far.
    author_may_approve: HashMap<String, bool>,
}

/// What a request was about, for the error message.
#[derive(Debug, Clone, Copy)]
enum About<'a> {
    Project(&'a str),
    Pipeline(&'a str, u64),
    Job(&'a str, u64),
    Deployment(&'a str, u64),
    User,
}

impl Subject for About<'_> {
    fn name(self) -> String {
        match self {
            About::Project(p) => p.to_string(),
            About::Pipeline(p, id) => format!("pipeline {id} of {p}"),
            About::Job(p, id) => format!("job {id} of {p}"),
            About::Deployment(p, id) => format!("deployment {id} of {p}"),
            About::User => "the current user".to_string(),
        }
    }

    fn not_found(self) -> String {
        match self {
            About::Project(p) => format!(
                "GitLab project {p} not found (404) — check the [[release]] gitlab setting, and that the token can see it"
            ),
            About::Pipeline(p, id) => {
                format!("GitLab pipeline {id} of {p} no longer exists (404)")
            }
            About::Job(p, id) => format!("GitLab job {id} of {p} no longer exists (404)"),
            About::Deployment(p, id) => {
                format!("GitLab deployment {id} of {p} no longer exists (404)")
            }
            About::User => "GitLab has no current user for this token (404)".to_string(),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Unix ms as GitLab's ISO 8601 query parameters take it (`2026-11-22T03:20:00.000Z`).
fn iso_time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// `/projects/group%2Fproject`.
pub(super) fn project_path(project: &str) -> String {
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
        Ok(GitLabClient {
            api: Api::new(&GITLAB, &api, token, clock)?,
            approvers: Mutex::new(HashMap::new()),
            groups: Mutex::new(HashMap::new()),
        })
    }

    /// The underlying REST client (rate-limit state, spent requests).
    pub fn rest(&self) -> &RestClient {
        self.api.rest()
    }

    /// The token's user (its id tells whether approval rules name it).
    pub async fn current_user(&self) -> Result<(u64, String), CiError> {
        let (u, _): (RawUser, _) = self.api.get_json("/user", About::User).await?;
        Ok((u.id, u.username))
    }

    /// The newest pipelines of a project (jobs not filled in), newest first, following pages
    /// until `max` were read.
    pub async fn pipelines(&self, project: &str, max: usize) -> Result<Vec<Pipeline>, CiError> {
        let per_page = max.clamp(1, PAGE);
        let url = format!("{}/pipelines?per_page={per_page}", project_path(project));
        let raw = self
            .api
            .get_pages(url, max, About::Project(project), |p: Vec<RawPipeline>| p)
            .await?;
        Ok(raw.iter().map(|p| convert::pipeline(p, project)).collect())
    }

    /// The newest pipelines updated after `after_ms` (all when `None`), each with when it was
    /// last updated, newest first, following pages until `max` were read.
    pub async fn pipelines_updated(
        &self,
        project: &str,
        max: usize,
        after_ms: Option<i64>,
    ) -> Result<Vec<(Pipeline, i64)>, CiError> {
        let per_page = max.clamp(1, PAGE);
        let mut url = format!("{}/pipelines?per_page={per_page}", project_path(project));
        if let Some(after) = after_ms {
            url.push_str(&format!("&updated_after={}", iso_time(after)));
        }
        let raw = self
            .api
            .get_pages(url, max, About::Project(project), |p: Vec<RawPipeline>| p)
            .await?;
        Ok(raw
            .iter()
            .map(|p| {
                let updated = convert::time_ms(p.updated_at.as_deref()).unwrap_or(0);
                (convert::pipeline(p, project), updated)
            })
            .collect())
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
        self.api
            .get_pages(
                url,
                usize::MAX,
                About::Pipeline(project, pipeline_id),
                |p| p,
            )
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
        let raw = self
            .api
            .get_pages(
                url,
                usize::MAX,
                About::Pipeline(project, pipeline_id),
                |p: Vec<RawJob>| p,
            )
            .await?;
        Ok(raw.iter().map(convert::job).collect())
    }

    /// One job.
    pub async fn job(&self, project: &str, job_id: u64) -> Result<Job, CiError> {
        let (raw, _): (RawJob, _) = self
            .api
            .get_json(
                &format!("{}/jobs/{job_id}", project_path(project)),
                About::Job(project, job_id),
            )
            .await?;
        Ok(convert::job(&raw))
    }

    /// A job's whole trace; `None` when it has none yet (404).
    pub async fn trace(&self, project: &str, job_id: u64) -> Result<Option<String>, CiError> {
        match self
            .rest()
            .get(&format!("{}/jobs/{job_id}/trace", project_path(project)))
            .await
        {
            Ok(f) => Ok(Some(f.body)),
            Err(RestError::NotFound { .. }) => Ok(None),
            Err(e) => Err(self.api.describe(e, About::Job(project, job_id))),
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
        let raw = self
            .api
            .get_pages(url, max, About::Project(project), |p: Vec<RawDeployment>| p)
            .await?;
        let mut out: Vec<Deployment> = raw.iter().map(|d| convert::deployment(d, me)).collect();
        for d in &mut out {
            self.judge(project, me, d).await;
        }
        Ok(out)
    }

    /// The deployments updated after `after_ms` (up to `max`), each with when it was last
    /// updated (`me`: the token user's id, for approval rules).
    pub async fn deployments_updated(
        &self,
        project: &str,
        max: usize,
        after_ms: i64,
        me: Option<u64>,
    ) -> Result<Vec<(Deployment, i64)>, CiError> {
        let per_page = max.clamp(1, MAX_PER_PAGE);
        // GitLab filters deployments on updated_at only when they are ordered by it.
        let url = format!(
            "{}/deployments?order_by=updated_at&sort=desc&updated_after={}&per_page={per_page}",
            project_path(project),
            iso_time(after_ms)
        );
        let raw = self
            .api
            .get_pages(url, max, About::Project(project), |p: Vec<RawDeployment>| p)
            .await?;
        let mut out = Vec::with_capacity(raw.len());
        for r in &raw {
            let mut d = convert::deployment(r, me);
            self.judge(project, me, &mut d).await;
            out.push((d, convert::time_ms(r.updated_at.as_deref()).unwrap_or(0)));
        }
        Ok(out)
    }

    /// Fills in whether the token's user may approve a blocked deployment.
    async fn judge(&self, project: &str, me: Option<u64>, d: &mut Deployment) {
        if let Some(me) = me.filter(|_| d.status == "blocked") {
            let mut approver = self.approver(project, me, &d.environment).await;
            for query in d.rules.iter().filter_map(|r| r.group_query()) {
                if let Some(member) = self.in_group(me, query).await {
                    approver.groups.insert(query, member);
                }
            }
            (d.current_user_can_approve, d.you_may_not_because) = may_approve(d, &approver);
        }
    }

    /// The token's user as `environment`'s approval rules see them in `project`, from the
    /// cache or, the first time, from `members/all/:id` and `protected_environments/:name`.
    /// What cannot be read stays unknown (a poll never fails over it).
    async fn approver(&self, project: &str, me: u64, environment: &str) -> Approver {
        let cached = lock(&self.approvers)
            .get(project)
            .cloned()
            .unwrap_or_default();
        let level = match cached.level {
            Some(level) => Some(level),
            None => {
                let path = format!("{}/members/all/{me}", project_path(project));
                let level = match self.rest().get(&path).await {
                    Ok(f) => serde_json::from_str::<serde_json::Value>(&f.body)
                        .ok()
                        .and_then(|v| v["access_level"].as_u64())
                        .and_then(|l| u32::try_from(l).ok()),
                    Err(RestError::NotFound { .. }) => Some(0),
                    Err(_) => None,
                };
                if let Some(l) = level {
                    lock(&self.approvers)
                        .entry(project.to_string())
                        .or_default()
                        .level = Some(l);
                }
                level
            }
        };
        let author_may_approve = match cached.author_may_approve.get(environment) {
            Some(allowed) => Some(*allowed),
            None => {
                let path = format!(
                    "{}/protected_environments/{}",
                    project_path(project),
                    encode_component(environment)
                );
                let allowed = match self.rest().get(&path).await {
                    Ok(f) => serde_json::from_str::<serde_json::Value>(&f.body)
                        .ok()
                        .map(|v| v["allow_pipeline_trigger_approve_deployment"] != false),
                    Err(RestError::NotFound { .. }) => Some(true),
                    Err(_) => None,
                };
                if let Some(a) = allowed {
                    lock(&self.approvers)
                        .entry(project.to_string())
                        .or_default()
                        .author_may_approve
                        .insert(environment.to_string(), a);
                }
                allowed
            }
        };
        Approver {
            id: me,
            access_level: level,
            author_may_approve: author_may_approve.unwrap_or(true),
            groups: HashMap::new(),
        }
    }

    /// Whether user `me` belongs to the group an approval rule names (`None` when it cannot
    /// be read), from the cache while fresh, else from `groups/:id/members[/all]/:user_id`
    /// (404: not a member). A failed read is cached too, so a refusal costs no more.
    async fn in_group(&self, me: u64, query: GroupQuery) -> Option<bool> {
        let now = self.rest().now_ms();
        if let Some((member, at)) = lock(&self.groups).get(&(me, query)).copied()
            && now.saturating_sub(at) < GROUP_TTL_MS
        {
            return member;
        }
        let (group, inherited) = query;
        let all = if inherited { "/all" } else { "" };
        let member = match self
            .rest()
            .get(&format!("/groups/{group}/members{all}/{me}"))
            .await
        {
            Ok(_) => Some(true),
            Err(RestError::NotFound { .. }) => Some(false),
            Err(_) => None,
        };
        lock(&self.groups).insert((me, query), (member, now));
        member
    }

    /// Starts a manual job.
    pub async fn play(&self, project: &str, job_id: u64) -> Result<Job, CiError> {
        let about = About::Job(project, job_id);
        let body = self
            .api
            .post(
                &format!("{}/jobs/{job_id}/play", project_path(project)),
                &json!({}),
                about,
            )
            .await?;
        let raw: RawJob = self.api.decode(&body, about)?;
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
        self.api
            .post(
                &format!(
                    "{}/deployments/{deployment_id}/approval",
                    project_path(project)
                ),
                &body,
                About::Deployment(project, deployment_id),
            )
            .await
            .map(|_| ())
    }
}
