//! GitHub's JSON shapes for runs, jobs, environments and deployments, built from the engine's
//! provider-neutral state.

use serde_json::{Value, json};

use super::checks::suite_of_run;
use crate::ci::engine::Engine;
use crate::ci::model::{Environment, Project, Reviewer, User};
use crate::ci::run::{Deployment, Job, JobState, Run, StepState};
use crate::world::fmt_time;

/// Base URLs for one request: the API root and the web root.
pub(crate) struct Urls {
    /// `http://host/github`.
    pub(crate) api: String,
    /// `http://host` (GHES serves the web UI at the root).
    pub(crate) web: String,
}

fn time(ms: Option<i64>) -> Value {
    ms.map(|m| json!(fmt_time(m))).unwrap_or(Value::Null)
}

fn node_id(prefix: &str, id: u64) -> String {
    format!(
        "{prefix}_kwDO{:X}",
        id.wrapping_mul(2_654_435_761) & 0xff_ffff_ffff
    )
}

/// A user object.
pub(crate) fn user(u: &User, urls: &Urls) -> Value {
    json!({
        "login": u.login,
        "id": u.id,
        "node_id": node_id("U", u.id),
        "avatar_url": format!("{}/avatars/u/{}", urls.web, u.id),
        "url": format!("{}/users/{}", urls.api, u.login),
        "html_url": format!("{}/{}", urls.web, u.login),
        "type": "User",
        "site_admin": false,
    })
}

/// A reviewer entry: `{type, reviewer}`.
pub(crate) fn reviewer(r: &Reviewer, org: &str, urls: &Urls) -> Value {
    if r.team {
        json!({
            "type": "Team",
            "reviewer": {
                "id": r.id,
                "node_id": node_id("T", r.id),
                "name": r.login,
                "slug": r.login,
                "description": null,
                "privacy": "closed",
                "permission": "pull",
                "url": format!("{}/orgs/{org}/teams/{}", urls.api, r.login),
                "html_url": format!("{}/orgs/{org}/teams/{}", urls.web, r.login),
            }
        })
    } else {
        let u = User::new(r.id, &r.login, &r.login);
        json!({"type": "User", "reviewer": user(&u, urls)})
    }
}

/// The run's status and conclusion in GitHub's words.
pub(crate) fn run_status(
    engine: &Engine,
    run: &Run,
    attempt: u32,
) -> (&'static str, Option<&'static str>) {
    let states: Vec<JobState> = run
        .jobs
        .iter()
        .filter_map(|id| engine.jobs.get(id))
        .filter(|j| j.attempt == attempt && !j.retried)
        .map(|j| j.state)
        .collect();
    let has = |s: JobState| states.contains(&s);
    if states.iter().all(|s| s.finished()) {
        let conclusion = if has(JobState::Failed) {
            "failure"
        } else if has(JobState::Canceled) {
            "cancelled"
        } else if !states.is_empty() && states.iter().all(|s| *s == JobState::Skipped) {
            "skipped"
        } else {
            "success"
        };
        return ("completed", Some(conclusion));
    }
    if has(JobState::Waiting) && !has(JobState::Running) && !has(JobState::Pending) {
        ("waiting", None)
    } else if has(JobState::Running) || states.iter().any(|s| s.finished()) {
        ("in_progress", None)
    } else {
        ("queued", None)
    }
}

/// A job's status and conclusion in GitHub's words.
pub(crate) fn job_status(state: JobState) -> (&'static str, Option<&'static str>) {
    match state {
        JobState::Created => ("pending", None),
        JobState::Pending | JobState::Manual => ("queued", None),
        JobState::Running => ("in_progress", None),
        JobState::Waiting => ("waiting", None),
        JobState::Success => ("completed", Some("success")),
        JobState::Failed => ("completed", Some("failure")),
        JobState::Canceled => ("completed", Some("cancelled")),
        JobState::Skipped => ("completed", Some("skipped")),
    }
}

/// A repository object (the minimal form embedded in runs).
pub(crate) fn repository(p: &Project, urls: &Urls) -> Value {
    let owner = User::new(p.id / 1000, p.owner(), p.owner());
    json!({
        "id": p.id,
        "node_id": node_id("R", p.id),
        "name": p.name(),
        "full_name": p.path,
        "private": true,
        "owner": user(&owner, urls),
        "html_url": format!("{}/{}", urls.web, p.path),
        "description": p.description,
        "fork": false,
        "url": format!("{}/repos/{}", urls.api, p.path),
        "default_branch": p.default_branch,
        "created_at": fmt_time(p.created_ms),
    })
}

/// A workflow object.
pub(crate) fn workflow(p: &Project, w: &crate::ci::model::Workflow, urls: &Urls) -> Value {
    json!({
        "id": w.id,
        "node_id": node_id("W", w.id),
        "name": w.name,
        "path": w.path,
        "state": "active",
        "created_at": fmt_time(p.created_ms),
        "updated_at": fmt_time(p.created_ms),
        "url": format!("{}/repos/{}/actions/workflows/{}", urls.api, p.path, w.id),
        "html_url": format!("{}/{}/blob/{}/{}", urls.web, p.path, p.default_branch, w.path),
        "badge_url": format!("{}/{}/workflows/{}/badge.svg", urls.web, p.path, w.name),
    })
}

/// A workflow run object, as of its current (or a given) attempt.
pub(crate) fn run(engine: &Engine, r: &Run, attempt: Option<u32>, urls: &Urls) -> Value {
    let Some((p, w)) = engine.workflow_of(r) else {
        return Value::Null;
    };
    let attempt = attempt.unwrap_or(r.attempt);
    let (status, conclusion) = run_status(engine, r, attempt);
    let api = format!("{}/repos/{}/actions/runs/{}", urls.api, p.path, r.id);
    let head = r.start.branch.clone();
    json!({
        "id": r.id,
        "name": w.name,
        "node_id": node_id("WFR", r.id),
        "head_branch": head,
        "head_sha": r.start.sha,
        "path": w.path,
        "display_title": r.start.title,
        "run_number": r.number,
        "event": r.start.event,
        "status": status,
        "conclusion": conclusion,
        "workflow_id": w.id,
        "check_suite_id": suite_of_run(r.id),
        "check_suite_node_id": node_id("CS", r.id),
        "url": api,
        "html_url": format!("{}/{}/actions/runs/{}", urls.web, p.path, r.id),
        "pull_requests": [],
        "created_at": fmt_time(r.created_ms),
        "updated_at": fmt_time(r.updated_ms),
        "actor": user(&r.start.actor, urls),
        "run_attempt": attempt,
        "referenced_workflows": [],
        "run_started_at": fmt_time(r.attempt_started_ms),
        "triggering_actor": user(&r.start.actor, urls),
        "jobs_url": format!("{api}/jobs"),
        "logs_url": format!("{api}/logs"),
        "check_suite_url": format!("{}/repos/{}/check-suites/{}", urls.api, p.path, suite_of_run(r.id)),
        "artifacts_url": format!("{api}/artifacts"),
        "cancel_url": format!("{api}/cancel"),
        "rerun_url": format!("{api}/rerun"),
        "previous_attempt_url": (attempt > 1).then(|| format!("{api}/attempts/{}", attempt - 1)),
        "workflow_url": format!("{}/repos/{}/actions/workflows/{}", urls.api, p.path, w.id),
        "head_commit": {
            "id": r.start.sha,
            "tree_id": format!("{:040x}", crate::rng::mix(r.id) as u128 * 0x1_0000_0001),
            "message": r.start.title,
            "timestamp": fmt_time(r.created_ms - 20_000),
            "author": {"name": r.start.actor.name, "email": format!("{}@example.com", r.start.actor.login)},
            "committer": {"name": "GitHub", "email": "noreply@github.com"},
        },
        "repository": repository(p, urls),
        "head_repository": repository(p, urls),
    })
}

/// A job object with its steps.
pub(crate) fn job(engine: &Engine, j: &Job, urls: &Urls) -> Value {
    let Some(r) = engine.runs.get(&j.run_id) else {
        return Value::Null;
    };
    let Some((p, w)) = engine.workflow_of(r) else {
        return Value::Null;
    };
    let (status, conclusion) = job_status(j.state);
    let steps: Vec<Value> = j
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let (status, conclusion) = match s.state {
                StepState::Pending => ("queued", None),
                StepState::Running => ("in_progress", None),
                StepState::Success => ("completed", Some("success")),
                StepState::Failed => ("completed", Some("failure")),
                StepState::Skipped => ("completed", Some("skipped")),
                StepState::Canceled => ("completed", Some("cancelled")),
            };
            json!({
                "name": s.name,
                "status": status,
                "conclusion": conclusion,
                "number": i + 1,
                "started_at": time(s.started_ms),
                "completed_at": time(s.finished_ms),
            })
        })
        .collect();
    let started = j.started_ms.is_some();
    json!({
        "id": j.id,
        "run_id": j.run_id,
        "run_url": format!("{}/repos/{}/actions/runs/{}", urls.api, p.path, r.id),
        "run_attempt": j.attempt,
        "node_id": node_id("CR", j.id),
        "head_sha": r.start.sha,
        "head_branch": r.start.branch,
        "url": format!("{}/repos/{}/actions/jobs/{}", urls.api, p.path, j.id),
        "html_url": format!("{}/{}/actions/runs/{}/job/{}", urls.web, p.path, r.id, j.id),
        "status": status,
        "conclusion": conclusion,
        "created_at": fmt_time(j.created_ms),
        "started_at": fmt_time(j.started_ms.unwrap_or(j.created_ms)),
        "completed_at": time(j.finished_ms),
        "name": j.name,
        "steps": steps,
        "check_run_url": format!("{}/repos/{}/check-runs/{}", urls.api, p.path, j.id),
        "labels": ["ubuntu-latest"],
        "runner_id": started.then_some(j.runner),
        "runner_name": started.then(|| format!("GitHub Actions {}", j.runner)),
        "runner_group_id": started.then_some(1),
        "runner_group_name": started.then_some("GitHub Actions"),
        "workflow_name": w.name,
    })
}

/// An environment object with its protection rules.
pub(crate) fn environment(p: &Project, e: &Environment, urls: &Urls) -> Value {
    let mut rules = Vec::new();
    if !e.reviewers.is_empty() {
        let reviewers: Vec<Value> = e
            .reviewers
            .iter()
            .map(|r| reviewer(r, p.owner(), urls))
            .collect();
        rules.push(json!({
            "id": e.id * 10 + 1,
            "node_id": node_id("GA", e.id * 10 + 1),
            "prevent_self_review": e.prevent_self_review,
            "type": "required_reviewers",
            "reviewers": reviewers,
        }));
    }
    if e.wait_timer_min > 0 {
        rules.push(json!({
            "id": e.id * 10 + 2,
            "node_id": node_id("GA", e.id * 10 + 2),
            "type": "wait_timer",
            "wait_timer": e.wait_timer_min,
        }));
    }
    json!({
        "id": e.id,
        "node_id": node_id("EN", e.id),
        "name": e.name,
        "url": format!("{}/repos/{}/environments/{}", urls.api, p.path, e.name),
        "html_url": format!("{}/{}/deployments/activity_log?environments_filter={}", urls.web, p.path, e.name),
        "created_at": fmt_time(p.created_ms),
        "updated_at": fmt_time(p.created_ms),
        "can_admins_bypass": true,
        "protection_rules": rules,
        "deployment_branch_policy": null,
    })
}

/// The short environment object embedded in pending deployments.
pub(crate) fn environment_ref(p: &Project, e: &Environment, urls: &Urls) -> Value {
    json!({
        "id": e.id,
        "node_id": node_id("EN", e.id),
        "name": e.name,
        "url": format!("{}/repos/{}/environments/{}", urls.api, p.path, e.name),
        "html_url": format!("{}/{}/deployments/activity_log?environments_filter={}", urls.web, p.path, e.name),
    })
}

/// A deployment object.
pub(crate) fn deployment(engine: &Engine, d: &Deployment, urls: &Urls) -> Value {
    let Some(p) = engine.project(d.project) else {
        return Value::Null;
    };
    let Some(r) = engine.runs.get(&d.run_id) else {
        return Value::Null;
    };
    let env = p.environments.iter().find(|e| e.id == d.environment);
    let env_name = env.map(|e| e.name.as_str()).unwrap_or_default();
    let url = format!("{}/repos/{}/deployments/{}", urls.api, p.path, d.id);
    json!({
        "url": url,
        "id": d.id,
        "node_id": node_id("DE", d.id),
        "sha": r.start.sha,
        "ref": r.start.branch,
        "task": "deploy",
        "payload": {},
        "original_environment": env_name,
        "environment": env_name,
        "description": null,
        "creator": user(&r.start.actor, urls),
        "created_at": fmt_time(d.created_ms),
        "updated_at": fmt_time(d.updated_ms),
        "statuses_url": format!("{url}/statuses"),
        "repository_url": format!("{}/repos/{}", urls.api, p.path),
        "transient_environment": false,
        "production_environment": env.is_some_and(|e| e.tier == "production"),
    })
}

/// A deployment's statuses, newest first.
pub(crate) fn statuses(engine: &Engine, d: &Deployment, urls: &Urls) -> Vec<Value> {
    let Some(p) = engine.project(d.project) else {
        return Vec::new();
    };
    let env = p.environments.iter().find(|e| e.id == d.environment);
    let dep_url = format!("{}/repos/{}/deployments/{}", urls.api, p.path, d.id);
    d.statuses
        .iter()
        .enumerate()
        .rev()
        .map(|(i, (state, at))| {
            let id = d.id * 100 + i as u64;
            json!({
                "url": format!("{dep_url}/statuses/{id}"),
                "id": id,
                "node_id": node_id("DES", id),
                "state": state,
                "description": "",
                "environment": env.map(|e| e.name.as_str()).unwrap_or_default(),
                "target_url": format!("{}/{}/actions/runs/{}/job/{}", urls.web, p.path, d.run_id, d.job_id),
                "log_url": format!("{}/{}/actions/runs/{}/job/{}", urls.web, p.path, d.run_id, d.job_id),
                "environment_url": env.map(|e| e.url.as_str()).unwrap_or_default(),
                "created_at": fmt_time(*at),
                "updated_at": fmt_time(*at),
                "deployment_url": dep_url,
                "repository_url": format!("{}/repos/{}", urls.api, p.path),
            })
        })
        .collect()
}
