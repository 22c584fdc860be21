//! GitLab's JSON shapes for projects, pipelines, jobs, environments and deployments.

use serde_json::{Value, json};

use crate::ci::engine::Engine;
use crate::ci::model::{Environment, Project, User, approvals_for};
use crate::ci::run::{DeployState, Deployment, Job, JobState, Run};
use crate::world::fmt_time_nanos;

/// GitLab times: milliseconds and `Z`.
pub(crate) fn time(ms: i64) -> String {
    let t = fmt_time_nanos(ms);
    // 2026-11-22T03:20:00.000000000Z → 2026-11-22T03:20:00.000Z
    match t.find('.') {
        Some(dot) => format!("{}Z", &t[..dot + 4]),
        None => t,
    }
}

fn opt_time(ms: Option<i64>) -> Value {
    ms.map(|m| json!(time(m))).unwrap_or(Value::Null)
}

/// A user object.
pub(crate) fn user(u: &User, web: &str) -> Value {
    json!({
        "id": u.id,
        "username": u.login,
        "name": u.name,
        "state": "active",
        "locked": false,
        "avatar_url": format!("{web}/uploads/-/system/user/avatar/{}/avatar.png", u.id),
        "web_url": format!("{web}/{}", u.login),
    })
}

/// A job's status in GitLab's words.
pub(crate) fn job_status(s: JobState) -> &'static str {
    match s {
        JobState::Created => "created",
        JobState::Pending => "pending",
        JobState::Running => "running",
        JobState::Waiting => "waiting_for_resource",
        JobState::Manual => "manual",
        JobState::Success => "success",
        JobState::Failed => "failed",
        JobState::Canceled => "canceled",
        JobState::Skipped => "skipped",
    }
}

/// A pipeline's status, and whether it passed with allowed failures.
pub(crate) fn pipeline_status(engine: &Engine, run: &Run) -> (&'static str, bool) {
    let jobs: Vec<(&Job, bool)> = engine
        .current_jobs(run.id)
        .iter()
        .filter_map(|id| engine.jobs.get(id))
        .map(|j| (j, engine.spec_of(j).is_some_and(|s| s.allow_failure)))
        .collect();
    let has = |s: JobState| jobs.iter().any(|(j, _)| j.state == s);
    if has(JobState::Running) {
        return ("running", false);
    }
    if has(JobState::Pending) {
        return ("pending", false);
    }
    let moving = engine.is_active(run.id);
    if moving && has(JobState::Created) {
        let started = jobs.iter().any(|(j, _)| j.started_ms.is_some());
        return (if started { "running" } else { "created" }, false);
    }
    let warn = jobs
        .iter()
        .any(|(j, allow)| *allow && j.state == JobState::Failed);
    if jobs
        .iter()
        .any(|(j, allow)| !allow && j.state == JobState::Failed)
    {
        ("failed", false)
    } else if has(JobState::Canceled) {
        ("canceled", false)
    } else if jobs
        .iter()
        .any(|(j, allow)| !allow && j.state == JobState::Manual)
        || has(JobState::Created)
    {
        ("manual", false)
    } else if !jobs.is_empty() && jobs.iter().all(|(j, _)| j.state == JobState::Skipped) {
        ("skipped", false)
    } else {
        ("success", warn)
    }
}

/// `detailed_status` for a status.
pub(crate) fn detailed_status(status: &str, warn: bool, path: &str) -> Value {
    let (text, label, group) = match status {
        "success" if warn => ("warning", "passed with warnings", "success-with-warnings"),
        "success" => ("passed", "passed", "success"),
        "manual" => ("manual", "manual action", "manual"),
        other => (other, other, other),
    };
    json!({
        "icon": format!("status_{}", if warn { "warning" } else { status }),
        "text": text,
        "label": label,
        "group": group,
        "tooltip": label,
        "has_details": true,
        "details_path": path,
        "illustration": null,
        "favicon": format!("/assets/ci_favicons/favicon_status_{status}.png"),
    })
}

/// A project object.
pub(crate) fn project(p: &Project, web: &str) -> Value {
    let ns = p.owner();
    json!({
        "id": p.id,
        "description": p.description,
        "name": p.name(),
        "name_with_namespace": format!("{ns} / {}", p.name()),
        "path": p.name(),
        "path_with_namespace": p.path,
        "created_at": time(p.created_ms),
        "default_branch": p.default_branch,
        "web_url": format!("{web}/{}", p.path),
        "namespace": {"id": p.id / 100, "name": ns, "path": ns, "kind": "group", "full_path": ns},
        "visibility": "private",
        "archived": false,
    })
}

fn pipeline_bounds(engine: &Engine, run: &Run) -> (Option<i64>, Option<i64>) {
    let jobs: Vec<&Job> = engine
        .current_jobs(run.id)
        .iter()
        .filter_map(|id| engine.jobs.get(id))
        .collect();
    let started = jobs.iter().filter_map(|j| j.started_ms).min();
    let finished = if engine.is_active(run.id) {
        None
    } else {
        run.finished_ms
    };
    (started, finished)
}

/// A pipeline as lists show it.
pub(crate) fn pipeline_brief(engine: &Engine, run: &Run, web: &str) -> Value {
    let Some(p) = engine.project(run.project) else {
        return Value::Null;
    };
    let (status, _) = pipeline_status(engine, run);
    json!({
        "id": run.id,
        "iid": run.number,
        "project_id": p.id,
        "sha": run.start.sha,
        "ref": run.start.branch,
        "status": status,
        "source": if run.start.event == "schedule" { "schedule" } else if run.start.event == "push" { "push" } else { "api" },
        "created_at": time(run.created_ms),
        "updated_at": time(run.updated_ms),
        "web_url": format!("{web}/{}/-/pipelines/{}", p.path, run.id),
        "name": null,
    })
}

/// A pipeline with its details.
pub(crate) fn pipeline(engine: &Engine, run: &Run, web: &str, now: i64) -> Value {
    let Some(p) = engine.project(run.project) else {
        return Value::Null;
    };
    let mut v = pipeline_brief(engine, run, web);
    let (status, warn) = pipeline_status(engine, run);
    let (started, finished) = pipeline_bounds(engine, run);
    let duration = started.map(|s| (finished.unwrap_or(now) - s) / 1000);
    let queued = started.map(|s| (s - run.created_ms) / 1000);
    let path = format!("/{}/-/pipelines/{}", p.path, run.id);
    if let Some(o) = v.as_object_mut() {
        o.insert(
            "before_sha".into(),
            json!("0000000000000000000000000000000000000000"),
        );
        o.insert("tag".into(), json!(run.start.tag));
        o.insert("yaml_errors".into(), Value::Null);
        o.insert("user".into(), user(&run.start.actor, web));
        o.insert("started_at".into(), opt_time(started));
        o.insert("finished_at".into(), opt_time(finished));
        o.insert("committed_at".into(), json!(time(run.created_ms - 30_000)));
        o.insert("duration".into(), json!(duration));
        o.insert("queued_duration".into(), json!(queued));
        o.insert("coverage".into(), Value::Null);
        o.insert(
            "detailed_status".into(),
            detailed_status(status, warn, &path),
        );
    }
    v
}

/// A job object.
pub(crate) fn job(engine: &Engine, j: &Job, web: &str, now: i64) -> Value {
    let Some(run) = engine.runs.get(&j.run_id) else {
        return Value::Null;
    };
    let Some(p) = engine.project(run.project) else {
        return Value::Null;
    };
    let spec = engine.spec_of(j);
    let status = job_status(j.state);
    let duration = j
        .started_ms
        .map(|s| (j.finished_ms.unwrap_or(now) - s) as f64 / 1000.0);
    let queued = j
        .queued_ms
        .map(|q| (j.started_ms.unwrap_or(now) - q) as f64 / 1000.0);
    let (pstatus, _) = pipeline_status(engine, run);
    let mut v = json!({
        "id": j.id,
        "status": status,
        "stage": spec.map(|s| s.stage.as_str()).unwrap_or("test"),
        "name": j.name,
        "ref": run.start.branch,
        "tag": run.start.tag,
        "coverage": null,
        "allow_failure": spec.is_some_and(|s| s.allow_failure),
        "created_at": time(j.created_ms),
        "started_at": opt_time(j.started_ms),
        "finished_at": opt_time(j.finished_ms),
        "erased_at": null,
        "duration": duration,
        "queued_duration": queued,
        "user": user(j.played_by.as_ref().unwrap_or(&run.start.actor), web),
        "commit": {
            "id": run.start.sha,
            "short_id": &run.start.sha[..8.min(run.start.sha.len())],
            "title": run.start.title,
            "message": format!("{}\n", run.start.title),
            "author_name": run.start.actor.name,
            "author_email": format!("{}@example.com", run.start.actor.login),
            "created_at": time(run.created_ms - 30_000),
        },
        "pipeline": {
            "id": run.id,
            "iid": run.number,
            "project_id": p.id,
            "ref": run.start.branch,
            "sha": run.start.sha,
            "status": pstatus,
            "source": "push",
            "web_url": format!("{web}/{}/-/pipelines/{}", p.path, run.id),
        },
        "web_url": format!("{web}/{}/-/jobs/{}", p.path, j.id),
        "project": {"ci_job_token_scope_enabled": false},
        "artifacts": [],
        "runner": j.started_ms.map(|_| json!({
            "id": j.runner,
            "description": format!("shared-runners-{}", j.runner),
            "active": true,
            "paused": false,
            "is_shared": true,
            "runner_type": "instance_type",
            "name": "gitlab-runner",
            "online": true,
            "status": "online",
        })),
        "tag_list": ["docker", "linux"],
        "archived": false,
    });
    if j.state == JobState::Failed {
        v["failure_reason"] = json!(j.failure_reason.as_deref().unwrap_or("script_failure"));
    }
    v
}

/// A deployment's status word.
pub(crate) fn deploy_status(s: DeployState) -> &'static str {
    match s {
        DeployState::Blocked => "blocked",
        DeployState::Created => "created",
        DeployState::Running => "running",
        DeployState::Success => "success",
        DeployState::Failed => "failed",
        DeployState::Canceled => "canceled",
    }
}

/// An environment object.
pub(crate) fn environment(p: &Project, e: &Environment, updated_ms: i64) -> Value {
    json!({
        "id": e.id,
        "name": e.name,
        "slug": e.name,
        "external_url": e.url,
        "state": "available",
        "tier": e.tier,
        "created_at": time(p.created_ms),
        "updated_at": time(updated_ms),
        "auto_stop_at": null,
    })
}

/// A deployment object with its approvals.
pub(crate) fn deployment(engine: &Engine, d: &Deployment, web: &str, now: i64) -> Value {
    let Some(p) = engine.project(d.project) else {
        return Value::Null;
    };
    let Some(run) = engine.runs.get(&d.run_id) else {
        return Value::Null;
    };
    let Some(env) = p.environments.iter().find(|e| e.id == d.environment) else {
        return Value::Null;
    };
    let approvals: Vec<Value> = d
        .approvals
        .iter()
        .map(|a| {
            json!({
                "user": user(&a.user, web),
                "status": if a.approved { "approved" } else { "rejected" },
                "created_at": time(a.at_ms),
                "comment": a.comment,
            })
        })
        .collect();
    let approved_by: Vec<u64> = d
        .approvals
        .iter()
        .filter(|a| a.approved)
        .map(|a| a.user.id)
        .collect();
    // What each rule still lacks: a rule is met by its own approvals, not another rule's.
    let pending: u32 = if d.state == DeployState::Blocked {
        env.reviewers
            .iter()
            .map(|r| {
                r.required_approvals
                    .saturating_sub(approvals_for(r, &approved_by))
            })
            .sum()
    } else {
        0
    };
    let rules: Vec<Value> = env
        .reviewers
        .iter()
        .map(|r| {
            let mine: Vec<&Value> = d
                .approvals
                .iter()
                .zip(approvals.iter())
                .filter(|(a, _)| r.members.contains(&a.user.id))
                .map(|(_, v)| v)
                .collect();
            json!({
                "user_id": (!r.team).then_some(r.id),
                "group_id": r.team.then_some(r.id),
                "access_level": null,
                "access_level_description": r.login,
                "required_approvals": r.required_approvals,
                "group_inheritance_type": 0,
                "deployment_approvals": mine,
            })
        })
        .collect();
    let deployable = engine.jobs.get(&d.job_id).map(|j| job(engine, j, web, now));
    json!({
        "id": d.id,
        "iid": d.iid,
        "ref": run.start.branch,
        "sha": run.start.sha,
        "status": deploy_status(d.state),
        "created_at": time(d.created_ms),
        "updated_at": time(d.updated_ms),
        "user": user(&run.start.actor, web),
        "environment": {"id": env.id, "name": env.name, "external_url": env.url},
        "deployable": deployable,
        "pending_approval_count": pending,
        "approvals": approvals,
        "approval_summary": {"rules": rules},
    })
}

/// A protected environment object.
pub(crate) fn protected_environment(e: &Environment) -> Value {
    let rules: Vec<Value> = e
        .reviewers
        .iter()
        .enumerate()
        .map(|(i, r)| {
            json!({
                "id": e.id * 10 + i as u64,
                "user_id": (!r.team).then_some(r.id),
                "group_id": r.team.then_some(r.id),
                "access_level": null,
                "access_level_description": r.login,
                "required_approvals": r.required_approvals,
                "group_inheritance_type": 0,
            })
        })
        .collect();
    json!({
        "name": e.name,
        "deploy_access_levels": [{
            "id": e.id * 10,
            "access_level": 40,
            "access_level_description": "Maintainers",
            "user_id": null,
            "group_id": null,
            "group_inheritance_type": 0,
        }],
        "required_approval_count": e.required_approvals(),
        "allow_pipeline_trigger_approve_deployment": !e.prevent_self_review,
        "approval_rules": rules,
    })
}
