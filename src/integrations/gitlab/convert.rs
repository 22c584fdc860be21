//! GitLab's JSON to model types. Statuses stay strings until mapped, so an unknown one becomes
//! `CiStatus::Unknown` rather than an error; there is no `when` field in REST, a manual job is
//! simply `status: "manual"` (API.md §4.2).

use serde::Deserialize;
use serde_json::Value;

use super::gates::{ApprovalRule, Approver, Deployment, may_approve};
use quarterdeck_core::pipeline::{CiStatus, Job, Pipeline, Provider, Stage, job_group};

/// RFC 3339 to Unix ms; `None` for null, empty or unreadable values.
pub fn time_ms(s: Option<&str>) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(s?)
        .ok()
        .map(|t| t.timestamp_millis())
}

/// A user as GitLab embeds it.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct RawUser {
    /// Numeric id.
    #[serde(default)]
    pub id: u64,
    /// Username.
    #[serde(default)]
    pub username: String,
}

/// A pipeline (list item or single).
#[derive(Debug, Clone, Deserialize)]
pub struct RawPipeline {
    /// Id.
    pub id: u64,
    /// Per-project number.
    #[serde(default)]
    pub iid: u64,
    /// Status.
    #[serde(default)]
    pub status: String,
    /// What started it (`push`, `web`, `schedule`, `api` …).
    #[serde(default)]
    pub source: Option<String>,
    /// Branch or tag.
    #[serde(rename = "ref", default)]
    pub git_ref: Option<String>,
    /// Commit.
    #[serde(default)]
    pub sha: String,
    /// Name (may be null).
    #[serde(default)]
    pub name: Option<String>,
    /// Web page.
    #[serde(default)]
    pub web_url: String,
    /// Created.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Last changed (the poller asks only for pipelines updated since).
    #[serde(default)]
    pub updated_at: Option<String>,
    /// Started (single pipeline only).
    #[serde(default)]
    pub started_at: Option<String>,
    /// Finished (single pipeline only).
    #[serde(default)]
    pub finished_at: Option<String>,
    /// Who started it (single pipeline only).
    #[serde(default)]
    pub user: Option<RawUser>,
}

/// The commit embedded in a job.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct RawCommit {
    /// First line of the message.
    #[serde(default)]
    pub title: String,
}

/// A job.
#[derive(Debug, Clone, Deserialize)]
pub struct RawJob {
    /// Id.
    pub id: u64,
    /// Name (`test 1/3`).
    #[serde(default)]
    pub name: String,
    /// Stage.
    #[serde(default)]
    pub stage: String,
    /// Status.
    #[serde(default)]
    pub status: String,
    /// A failure does not fail the pipeline.
    #[serde(default)]
    pub allow_failure: bool,
    /// Created.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Started.
    #[serde(default)]
    pub started_at: Option<String>,
    /// Finished.
    #[serde(default)]
    pub finished_at: Option<String>,
    /// Why it failed.
    #[serde(default)]
    pub failure_reason: Option<String>,
    /// Web page.
    #[serde(default)]
    pub web_url: String,
    /// Commit.
    #[serde(default)]
    pub commit: Option<RawCommit>,
    /// Who triggered or played it.
    #[serde(default)]
    pub user: Option<RawUser>,
}

/// A deployment.
#[derive(Debug, Clone, Deserialize)]
pub struct RawDeployment {
    /// Id.
    pub id: u64,
    /// `created`, `running`, `success`, `failed`, `canceled`, `blocked`.
    #[serde(default)]
    pub status: String,
    /// The environment.
    #[serde(default)]
    pub environment: Value,
    /// The job that deploys.
    #[serde(default)]
    pub deployable: Value,
    /// Approvals given (Premium).
    #[serde(default)]
    pub approvals: Vec<Value>,
    /// Approvals still needed (Premium).
    #[serde(default)]
    pub pending_approval_count: Option<u32>,
    /// Approval rules (Premium, unified rules).
    #[serde(default)]
    pub approval_summary: Option<Value>,
    /// Who started it (the pipeline's author).
    #[serde(default)]
    pub user: Option<RawUser>,
    /// Last changed (the poller asks only for deployments updated since).
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// GitLab's pipeline, job or deployment `status`.
pub fn status(status: &str) -> CiStatus {
    match status {
        "created" | "pending" | "preparing" | "waiting_for_resource" | "scheduled" => {
            CiStatus::Queued
        }
        "running" | "canceling" | "waiting_for_callback" => CiStatus::Running,
        "manual" => CiStatus::Manual,
        "blocked" => CiStatus::Waiting,
        "success" => CiStatus::Success,
        "failed" => CiStatus::Failed,
        "canceled" | "cancelled" => CiStatus::Cancelled,
        "skipped" => CiStatus::Skipped,
        other => CiStatus::Unknown(other.to_string()),
    }
}

/// A pipeline without its jobs.
pub fn pipeline(raw: &RawPipeline, project: &str) -> Pipeline {
    Pipeline {
        provider: Provider::GitLab,
        project: project.to_string(),
        id: raw.id,
        number: raw.iid,
        attempt: 1,
        name: raw.name.clone().unwrap_or_default(),
        workflow: None,
        title: String::new(),
        status: status(&raw.status),
        provider_status: raw.status.clone(),
        event: raw.source.clone().unwrap_or_default(),
        branch: raw.git_ref.clone().unwrap_or_default(),
        sha: raw.sha.clone(),
        actor: raw
            .user
            .as_ref()
            .map(|u| u.username.clone())
            .unwrap_or_default(),
        created_ms: time_ms(raw.created_at.as_deref()),
        started_ms: time_ms(raw.started_at.as_deref()),
        finished_ms: time_ms(raw.finished_at.as_deref()),
        web_url: raw.web_url.clone(),
        stages: Vec::new(),
    }
}

/// One job.
pub fn job(raw: &RawJob) -> Job {
    Job {
        id: raw.id,
        name: raw.name.clone(),
        stage: raw.stage.clone(),
        status: status(&raw.status),
        provider_status: raw.status.clone(),
        created_ms: time_ms(raw.created_at.as_deref()),
        started_ms: time_ms(raw.started_at.as_deref()),
        finished_ms: time_ms(raw.finished_at.as_deref()),
        steps: Vec::new(),
        group: job_group(&raw.name),
        allow_failure: raw.allow_failure,
        failure_reason: raw.failure_reason.clone(),
        web_url: raw.web_url.clone(),
    }
}

/// Puts a pipeline's jobs into its stages and fills what the list item lacked (title, actor,
/// start and end) from them.
pub fn with_jobs(mut p: Pipeline, raw: &[RawJob]) -> Pipeline {
    if p.title.is_empty()
        && let Some(c) = raw.iter().find_map(|j| j.commit.as_ref())
    {
        p.title.clone_from(&c.title);
    }
    if p.actor.is_empty()
        && let Some(u) = raw
            .iter()
            .filter_map(|j| j.user.as_ref().map(|u| (j.id, u)))
            .min_by_key(|(id, _)| *id)
            .map(|(_, u)| u)
    {
        p.actor.clone_from(&u.username);
    }
    let jobs: Vec<Job> = raw.iter().map(job).collect();
    if p.started_ms.is_none() {
        p.started_ms = jobs.iter().filter_map(|j| j.started_ms).min();
    }
    if p.finished_ms.is_none() && p.status.is_finished() {
        p.finished_ms = jobs.iter().filter_map(|j| j.finished_ms).max();
    }
    p.stages = stages(jobs);
    p
}

/// Stages for a GitLab pipeline's jobs: in the order each stage first appears when the jobs are
/// taken by id (GitLab creates a pipeline's jobs in file order), jobs by id within a stage.
pub fn stages(mut jobs: Vec<Job>) -> Vec<Stage> {
    jobs.sort_by_key(|j| j.id);
    let mut stages: Vec<(String, Vec<Job>)> = Vec::new();
    for job in jobs {
        match stages.iter_mut().find(|(name, _)| *name == job.stage) {
            Some((_, list)) => list.push(job),
            None => stages.push((job.stage.clone(), vec![job])),
        }
    }
    stages
        .into_iter()
        .map(|(name, jobs)| Stage::new(name, jobs))
        .collect()
}

/// "N of M approvals" over approval rules that must each be met (as GitLab counts them since
/// gitlab#444256; before, approvals were summed over rules): M sums what the rules require, N what they got, each rule's surplus left
/// out — so N reaches M exactly when every rule is met.
pub fn approval_tally(rules: &[ApprovalRule]) -> (u32, u32) {
    rules.iter().fold((0u32, 0u32), |(given, required), r| {
        (
            given.saturating_add(r.approved.min(r.required)),
            required.saturating_add(r.required),
        )
    })
}

/// A deployment as gates need it; `me` is the token user's id when known.
pub fn deployment(raw: &RawDeployment, me: Option<u64>) -> Deployment {
    let rules: Vec<Value> = raw
        .approval_summary
        .as_ref()
        .and_then(|s| s["rules"].as_array().cloned())
        .unwrap_or_default();
    let approvers: Vec<String> = rules
        .iter()
        .map(|r| {
            match (
                r["access_level_description"].as_str(),
                r["user_id"].as_u64(),
                r["group_id"].as_u64(),
            ) {
                (Some(d), _, _) if !d.is_empty() => d.to_string(),
                (_, Some(u), _) => format!("user #{u}"),
                (_, _, Some(g)) => format!("group #{g}"),
                _ => "anyone allowed to deploy".to_string(),
            }
        })
        .collect();
    let as_u32 = |v: &Value| v.as_u64().and_then(|n| u32::try_from(n).ok());
    let approval_rules: Vec<ApprovalRule> = rules
        .iter()
        .zip(&approvers)
        .map(|(r, description)| ApprovalRule {
            user_id: r["user_id"].as_u64(),
            group_id: r["group_id"].as_u64(),
            group_inherited: r["group_inheritance_type"].as_u64() == Some(1),
            access_level: as_u32(&r["access_level"]),
            description: description.clone(),
            required: as_u32(&r["required_approvals"]).unwrap_or(0),
            approved: u32::try_from(
                r["deployment_approvals"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|a| a["status"] == "approved")
                    .count(),
            )
            .unwrap_or(u32::MAX),
        })
        .collect();
    let approved = u32::try_from(
        raw.approvals
            .iter()
            .filter(|a| a["status"].as_str() == Some("approved"))
            .count(),
    )
    .unwrap_or(u32::MAX);
    let (given, required) = if approval_rules.is_empty() {
        let pending = raw.pending_approval_count.unwrap_or(0);
        (approved, approved.saturating_add(pending))
    } else {
        approval_tally(&approval_rules)
    };
    let mut d = Deployment {
        id: raw.id,
        status: raw.status.clone(),
        environment: raw.environment["name"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        job_id: raw.deployable["id"].as_u64(),
        approvers,
        approvals_given: given,
        approvals_required: required,
        current_user_can_approve: None,
        you_may_not_because: None,
        rules: approval_rules,
        author: raw.user.as_ref().map(|u| u.id),
        reviewed_by: raw
            .approvals
            .iter()
            .filter_map(|a| a["user"]["id"].as_u64())
            .collect(),
    };
    // Without the user's access level, groups and the environment's settings (the client
    // adds them), only rules naming users can be decided; a role or group rule leaves it open.
    if let Some(id) = me {
        let me = Approver {
            id,
            author_may_approve: true,
            ..Approver::default()
        };
        (d.current_user_can_approve, d.you_may_not_because) = may_approve(&d, &me);
    }
    d
}

#[cfg(test)]
#[path = "convert_tests.rs"]
mod tests;
