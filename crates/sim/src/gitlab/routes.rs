//! The GitLab routes: resolving `:id`, filtering and ordering lists, and calling the engine.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use super::json as gl;
use super::{GlError, Out};
use crate::ci::actions::ActionError;
use crate::ci::control::new_start;
use crate::ci::http::{Page, Req};
use crate::ci::model::Provider;
use crate::ci::run::{FailPolicy, Run};
use crate::world::World;

/// A route's answer.
pub(super) type Res = Result<Out, GlError>;

pub(super) fn ok(v: Value) -> Res {
    Ok(Out::Json(StatusCode::OK, v))
}

fn created(v: Value) -> Res {
    Ok(Out::Json(StatusCode::CREATED, v))
}

pub(super) fn list(req: &Req, all: Vec<Value>) -> Res {
    let page = Page::of(req, 20, 100);
    let total = all.len();
    Ok(Out::List(page.slice(&all), total, page))
}

/// Dispatches one request.
pub(crate) fn route(world: &mut World, req: &Req) -> Res {
    let parts = req.parts();
    match parts.as_slice() {
        ["user"] if req.method == Method::GET => {
            ok(gl::user(&world.ci.engine.current_user, &req.origin))
        }
        ["projects", id, rest @ ..] => {
            let engine = &world.ci.engine;
            let project = match id.parse::<u64>() {
                Ok(n) => engine
                    .projects
                    .iter()
                    .find(|p| p.id == n && p.provider == Provider::GitLab),
                Err(_) => engine.project_by_path(Provider::GitLab, id),
            };
            if !known_shape(rest) {
                return Err(GlError::no_route());
            }
            let Some(project) = project else {
                return Err(GlError::not_found("Project"));
            };
            let pid = project.id;
            project_route(world, req, pid, rest)
        }
        ["groups", id, rest @ ..] => super::groups::route(req, id, rest),
        _ => Err(GlError::no_route()),
    }
}

/// Whether a path below `/projects/:id` names a route at all (GitLab answers unknown routes
/// with `{"error":"404 Not Found"}`, before looking at the project).
fn known_shape(rest: &[&str]) -> bool {
    matches!(
        rest,
        [] | ["pipelines"]
            | ["pipeline"]
            | ["pipelines", _]
            | ["pipelines", _, "jobs" | "retry" | "cancel"]
            | ["jobs"]
            | ["jobs", _]
            | ["jobs", _, "trace" | "play" | "retry" | "cancel"]
            | ["environments"]
            | ["environments", _]
            | ["deployments"]
            | ["deployments", _]
            | ["deployments", _, "approval"]
            | ["protected_environments"]
            | ["protected_environments", _]
            | ["members", "all", _]
    )
}

fn project_route(world: &mut World, req: &Req, pid: u64, rest: &[&str]) -> Res {
    let now = world.clock.now_ms;
    let web = req.origin.clone();
    let get = req.method == Method::GET;
    let post = req.method == Method::POST;
    let engine = &world.ci.engine;
    let Some(project) = engine.project(pid) else {
        return Err(GlError::not_found("Project"));
    };
    match rest {
        [] if get => ok(gl::project(project, &web)),
        ["pipelines"] if get => list_pipelines(world, req, pid),
        ["pipelines", "latest"] if get => {
            let r = req.q("ref").unwrap_or(&project.default_branch).to_string();
            let run = engine
                .runs
                .values()
                .filter(|x| x.project == pid && x.start.branch == r)
                .max_by_key(|x| x.id)
                .ok_or_else(|| GlError::not_found(""))?;
            ok(gl::pipeline(engine, run, &web, now))
        }
        ["pipeline"] if post => {
            let body = req.json();
            let git_ref = req
                .q("ref")
                .map(str::to_string)
                .or_else(|| body["ref"].as_str().map(str::to_string))
                .ok_or_else(|| {
                    GlError(StatusCode::BAD_REQUEST, json!({"error": "ref is missing"}))
                })?;
            let wid = project.workflows.first().map(|w| w.id).unwrap_or(1);
            let engine = &mut world.ci.engine;
            let start = new_start(
                engine,
                &git_ref,
                &Value::Null,
                FailPolicy::Random,
                Some("api"),
                Provider::GitLab,
            );
            let id = engine
                .start_run(pid, wid, start, now)
                .ok_or_else(|| GlError::not_found("Project"))?;
            let engine = &world.ci.engine;
            let run = engine.runs.get(&id).ok_or_else(|| GlError::not_found(""))?;
            created(gl::pipeline(engine, run, &web, now))
        }
        ["pipelines", id, tail @ ..] => {
            let run_id = id
                .parse::<u64>()
                .ok()
                .filter(|r| engine.runs.get(r).is_some_and(|r| r.project == pid))
                .ok_or_else(|| GlError::not_found(""))?;
            pipeline_route(world, req, run_id, tail)
        }
        ["jobs"] if get => {
            let jobs = scoped_jobs(world, req, pid, None);
            list(req, jobs)
        }
        ["jobs", id, tail @ ..] => {
            let job_id = id
                .parse::<u64>()
                .ok()
                .filter(|j| {
                    engine
                        .jobs
                        .get(j)
                        .and_then(|j| engine.runs.get(&j.run_id))
                        .is_some_and(|r| r.project == pid)
                })
                .ok_or_else(|| GlError::not_found(""))?;
            job_route(world, req, job_id, tail)
        }
        ["environments"] if get => {
            let all: Vec<Value> = project
                .environments
                .iter()
                .filter(|e| req.q("name").is_none_or(|n| e.name == n))
                .filter(|e| req.q("search").is_none_or(|n| e.name.contains(n)))
                .map(|e| {
                    gl::environment(
                        project,
                        e,
                        last_deploy_ms(world, e.id).unwrap_or(project.created_ms),
                    )
                })
                .collect();
            list(req, all)
        }
        ["environments", id] if get => {
            let env = project
                .environments
                .iter()
                .find(|e| e.id.to_string() == *id)
                .ok_or_else(|| GlError::not_found("Environment"))?;
            let mut v = gl::environment(
                project,
                env,
                last_deploy_ms(world, env.id).unwrap_or(project.created_ms),
            );
            let last = engine
                .deployments
                .values()
                .filter(|d| d.environment == env.id && d.project == pid)
                .filter(|d| d.statuses.iter().any(|(s, _)| *s == "success"))
                .max_by_key(|d| d.id);
            v["last_deployment"] = last
                .map(|d| gl::deployment(engine, d, &web, now))
                .unwrap_or(Value::Null);
            ok(v)
        }
        ["deployments"] if get => list_deployments(world, req, pid),
        ["deployments", id] if get => {
            let d = id
                .parse::<u64>()
                .ok()
                .and_then(|d| engine.deployments.get(&d))
                .filter(|d| d.project == pid)
                .ok_or_else(|| GlError::not_found(""))?;
            ok(gl::deployment(engine, d, &web, now))
        }
        ["deployments", id, "approval"] if post => approve(world, req, pid, id),
        ["members", "all", user] if get => {
            let user = user
                .parse::<u64>()
                .ok()
                .and_then(|id| member(world, pid, id, &web))
                .ok_or_else(|| GlError::not_found(""))?;
            ok(user)
        }
        ["protected_environments"] if get => {
            let all: Vec<Value> = project
                .environments
                .iter()
                .filter(|e| !e.reviewers.is_empty())
                .map(gl::protected_environment)
                .collect();
            list(req, all)
        }
        ["protected_environments", name] if get => project
            .environments
            .iter()
            .find(|e| e.name == *name && !e.reviewers.is_empty())
            .map(|e| Out::Json(StatusCode::OK, gl::protected_environment(e)))
            .ok_or_else(|| GlError::not_found("")),
        _ => Err(GlError::no_route()),
    }
}

/// A project member with their access level, as `members/all/:user_id` answers; `None` for a
/// user who is not a member (level 0).
fn member(world: &World, pid: u64, user: u64, web: &str) -> Option<Value> {
    let engine = &world.ci.engine;
    let level = engine.access_level(pid, user);
    if level == 0 {
        return None;
    }
    let known = engine
        .runs
        .values()
        .map(|r| &r.start.actor)
        .chain(std::iter::once(&engine.current_user))
        .find(|u| u.id == user)?;
    let mut v = gl::user(known, web);
    v["access_level"] = json!(level);
    v["membership_state"] = json!("active");
    Some(v)
}

fn last_deploy_ms(world: &World, env: u64) -> Option<i64> {
    world
        .ci
        .engine
        .deployments
        .values()
        .filter(|d| d.environment == env)
        .map(|d| d.updated_ms)
        .max()
}

/// GitLab's `updated_after`/`updated_before` (ISO 8601, both exclusive), as Unix ms bounds.
fn updated_window(req: &Req) -> Result<(Option<i64>, Option<i64>), GlError> {
    let bound = |key: &str| {
        req.q(key)
            .map(|v| {
                chrono::DateTime::parse_from_rfc3339(v)
                    .map(|t| t.timestamp_millis())
                    .map_err(|_| {
                        GlError(
                            StatusCode::BAD_REQUEST,
                            json!({"error": format!("{key} is invalid")}),
                        )
                    })
            })
            .transpose()
    };
    Ok((bound("updated_after")?, bound("updated_before")?))
}

/// Whether `updated_ms` lies inside the window.
fn in_window(window: (Option<i64>, Option<i64>), updated_ms: i64) -> bool {
    window.0.is_none_or(|after| updated_ms > after)
        && window.1.is_none_or(|before| updated_ms < before)
}

fn list_pipelines(world: &World, req: &Req, pid: u64) -> Res {
    let engine = &world.ci.engine;
    let web = &req.origin;
    let window = updated_window(req)?;
    let mut runs: Vec<(&Run, &'static str)> = engine
        .runs
        .values()
        .filter(|r| r.project == pid)
        .map(|r| (r, gl::pipeline_status(engine, r).0))
        .filter(|(r, s)| {
            let scope_ok = match req.q("scope") {
                None => true,
                Some("running") => *s == "running",
                Some("pending") => *s == "pending",
                Some("finished") => matches!(*s, "success" | "failed" | "canceled" | "skipped"),
                Some("branches") => !r.start.tag,
                Some("tags") => r.start.tag,
                Some(_) => false,
            };
            scope_ok
                && in_window(window, r.updated_ms)
                && req.q("status").is_none_or(|w| w == *s)
                && req.q("ref").is_none_or(|w| r.start.branch == w)
                && req.q("sha").is_none_or(|w| r.start.sha == w)
                && req.q("username").is_none_or(|w| r.start.actor.login == w)
                && req
                    .q("source")
                    .is_none_or(|w| gl::pipeline_brief(engine, r, web)["source"] == w)
        })
        .collect();
    match req.q("order_by").unwrap_or("id") {
        "status" => runs.sort_by(|a, b| a.1.cmp(b.1).then(a.0.id.cmp(&b.0.id))),
        "ref" => runs.sort_by(|a, b| {
            a.0.start
                .branch
                .cmp(&b.0.start.branch)
                .then(a.0.id.cmp(&b.0.id))
        }),
        "updated_at" => runs.sort_by(|a, b| {
            a.0.updated_ms
                .cmp(&b.0.updated_ms)
                .then(a.0.id.cmp(&b.0.id))
        }),
        "user_id" => runs.sort_by(|a, b| {
            a.0.start
                .actor
                .id
                .cmp(&b.0.start.actor.id)
                .then(a.0.id.cmp(&b.0.id))
        }),
        _ => runs.sort_by_key(|r| r.0.id),
    }
    if req.q("sort") != Some("asc") {
        runs.reverse();
    }
    let all: Vec<Value> = runs
        .into_iter()
        .map(|(r, _)| gl::pipeline_brief(engine, r, web))
        .collect();
    list(req, all)
}

fn pipeline_route(world: &mut World, req: &Req, run_id: u64, tail: &[&str]) -> Res {
    let now = world.clock.now_ms;
    let web = req.origin.clone();
    let get = req.method == Method::GET;
    let post = req.method == Method::POST;
    let pipeline = |world: &World| {
        let engine = &world.ci.engine;
        let run = engine
            .runs
            .get(&run_id)
            .ok_or_else(|| GlError::not_found(""))?;
        Ok::<_, GlError>(gl::pipeline(engine, run, &web, now))
    };
    match tail {
        [] if get => ok(pipeline(world)?),
        ["jobs"] if get => {
            let jobs = scoped_jobs(world, req, 0, Some(run_id));
            list(req, jobs)
        }
        ["retry"] if post => {
            world
                .ci
                .engine
                .retry_pipeline(run_id, now)
                .map_err(|_| GlError::message(StatusCode::FORBIDDEN, "403 Forbidden"))?;
            created(pipeline(world)?)
        }
        ["cancel"] if post => {
            // Canceling a finished pipeline is a no-op in GitLab: it answers the pipeline.
            let _ = world.ci.engine.cancel_run(run_id, now);
            created(pipeline(world)?)
        }
        _ => Err(GlError::no_route()),
    }
}

/// Jobs of a project or one pipeline, newest first, with `scope[]` and `include_retried`.
fn scoped_jobs(world: &World, req: &Req, pid: u64, run: Option<u64>) -> Vec<Value> {
    let engine = &world.ci.engine;
    let now = world.clock.now_ms;
    let mut scopes = req.q_all("scope[]");
    scopes.extend(req.q_all("scope"));
    let retried = req.q("include_retried") == Some("true");
    engine
        .jobs
        .values()
        .rev()
        .filter(|j| match run {
            Some(r) => j.run_id == r,
            None => engine.runs.get(&j.run_id).is_some_and(|r| r.project == pid),
        })
        .filter(|j| retried || !j.retried)
        .filter(|j| scopes.is_empty() || scopes.contains(&gl::job_status(j.state)))
        .map(|j| gl::job(engine, j, &req.origin, now))
        .collect()
}

fn job_route(world: &mut World, req: &Req, job_id: u64, tail: &[&str]) -> Res {
    let now = world.clock.now_ms;
    let web = req.origin.clone();
    let get = req.method == Method::GET;
    let post = req.method == Method::POST;
    let job_json = |world: &World, id: u64| {
        let engine = &world.ci.engine;
        engine
            .jobs
            .get(&id)
            .map(|j| gl::job(engine, j, &web, now))
            .unwrap_or(Value::Null)
    };
    match tail {
        [] if get => ok(job_json(world, job_id)),
        ["trace"] if get => {
            let engine = &world.ci.engine;
            let job = engine
                .jobs
                .get(&job_id)
                .ok_or_else(|| GlError::not_found(""))?;
            if job.started_ms.is_none() {
                return Err(GlError::not_found(""));
            }
            Ok(Out::Text(crate::ci::joblog::render(engine, job, now)))
        }
        ["play"] if post => {
            let user = world.ci.engine.current_user.clone();
            match world.ci.engine.play(job_id, user, now) {
                Ok(()) => ok(job_json(world, job_id)),
                Err(ActionError::Blocked) => Err(GlError::message(
                    StatusCode::FORBIDDEN,
                    "403 Forbidden - Deployment requires approval",
                )),
                Err(_) => Err(GlError::message(
                    StatusCode::BAD_REQUEST,
                    "400 Bad request - Unplayable Job",
                )),
            }
        }
        ["retry"] if post => match world.ci.engine.retry_job(job_id, now) {
            Ok(new_id) => created(job_json(world, new_id)),
            Err(_) => Err(GlError::message(
                StatusCode::FORBIDDEN,
                "403 Forbidden - Job is not retryable",
            )),
        },
        ["cancel"] if post => {
            // Like GitLab, canceling a job that cannot be canceled answers it unchanged.
            let _ = world.ci.engine.cancel_job(job_id, now);
            created(job_json(world, job_id))
        }
        _ => Err(GlError::no_route()),
    }
}

fn list_deployments(world: &World, req: &Req, pid: u64) -> Res {
    let engine = &world.ci.engine;
    let now = world.clock.now_ms;
    let Some(project) = engine.project(pid) else {
        return Err(GlError::not_found("Project"));
    };
    let window = updated_window(req)?;
    let order_by = req.q("order_by").unwrap_or("id");
    // As GitLab: the deployments finder only filters on updated_at in that order.
    if window != (None, None) && order_by != "updated_at" {
        return Err(GlError(
            StatusCode::BAD_REQUEST,
            json!({"message": "`updated_at` filter and `updated_at` sorting must be paired"}),
        ));
    }
    let mut deps: Vec<_> = engine
        .deployments
        .values()
        .filter(|d| d.project == pid)
        .filter(|d| in_window(window, d.updated_ms))
        .filter(|d| {
            req.q("environment").is_none_or(|e| {
                project
                    .environments
                    .iter()
                    .any(|x| x.id == d.environment && x.name == e)
            })
        })
        .filter(|d| {
            req.q("status")
                .is_none_or(|s| gl::deploy_status(d.state) == s)
        })
        .collect();
    match order_by {
        "created_at" => deps.sort_by(|a, b| a.created_ms.cmp(&b.created_ms).then(a.id.cmp(&b.id))),
        "updated_at" => deps.sort_by(|a, b| a.updated_ms.cmp(&b.updated_ms).then(a.id.cmp(&b.id))),
        "iid" => deps.sort_by_key(|d| d.iid),
        _ => deps.sort_by_key(|d| d.id),
    }
    // GitLab lists deployments oldest first unless asked otherwise.
    if req.q("sort") == Some("desc") {
        deps.reverse();
    }
    let all: Vec<Value> = deps
        .into_iter()
        .map(|d| gl::deployment(engine, d, &req.origin, now))
        .collect();
    list(req, all)
}

fn approve(world: &mut World, req: &Req, pid: u64, id: &str) -> Res {
    let now = world.clock.now_ms;
    let dep_id = id
        .parse::<u64>()
        .ok()
        .filter(|d| {
            world
                .ci
                .engine
                .deployments
                .get(d)
                .is_some_and(|d| d.project == pid)
        })
        .ok_or_else(|| GlError::not_found(""))?;
    let body = req.json();
    let approved = match body["status"].as_str() {
        Some("approved") => true,
        Some("rejected") => false,
        Some(_) => {
            return Err(GlError(
                StatusCode::BAD_REQUEST,
                json!({"error": "status does not have a valid value"}),
            ));
        }
        None => {
            return Err(GlError(
                StatusCode::BAD_REQUEST,
                json!({"error": "status is missing"}),
            ));
        }
    };
    let comment = body["comment"].as_str().unwrap_or_default().to_string();
    let user = world.ci.engine.current_user.clone();
    world
        .ci
        .engine
        .approve_deployment(dep_id, &user, approved, &comment, now)
        .map_err(|e| {
            let msg = match e {
                ActionError::NoAccess => return GlError::message(StatusCode::FORBIDDEN, "403 Forbidden"),
                ActionError::OwnDeployment => "You cannot approve your own deployment. This configuration can be adjusted in the protected environment settings.",
                ActionError::NotReviewer => "You don't have permission to approve this deployment. Contact the project or group owner for help.",
                ActionError::AlreadyReviewed => "You have already approved or rejected this deployment.",
                _ => "This deployment is not waiting for approvals.",
            };
            GlError::message(StatusCode::BAD_REQUEST, msg)
        })?;
    created(json!({
        "user": gl::user(&user, &req.origin),
        "status": if approved { "approved" } else { "rejected" },
        "created_at": gl::time(now),
        "comment": if comment.is_empty() { Value::Null } else { json!(comment) },
    }))
}
