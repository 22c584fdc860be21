//! The GitHub routes: matching the path, reading filters, and calling the engine.

use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use super::checks;
use super::created::Created;
use super::json::{self as gj, Urls};
use super::{GhError, LOG_URL_TTL_S, Out};
use crate::ci::actions::{ActionError, Rerun};
use crate::ci::control::new_start;
use crate::ci::http::{Page, Req, respond};
use crate::ci::joblog;
use crate::ci::model::{Project, Provider};
use crate::ci::run::{FailPolicy, JobState, Run};
use crate::world::World;

type Res = Result<Out, GhError>;

const REVIEW_DOC: &str = "https://docs.github.com/rest/actions/workflow-runs#review-pending-deployments-for-a-workflow-run";

fn ok(v: Value) -> Res {
    Ok(Out::Json(StatusCode::OK, v, Vec::new()))
}

/// Dispatches one request.
pub(crate) fn route(world: &mut World, req: &Req) -> Res {
    let urls = Urls {
        api: format!("{}/github", req.origin),
        web: req.origin.clone(),
    };
    let parts = req.parts();
    let get = req.method == Method::GET || req.method == Method::HEAD;
    let post = req.method == Method::POST;
    match parts.as_slice() {
        ["rate_limit"] if get => {
            let b = &world.ci.github_budget;
            let core = json!({"limit": b.limit, "used": b.used, "remaining": b.remaining(), "reset": b.reset_s()});
            ok(json!({"resources": {"core": core}, "rate": core}))
        }
        ["user"] if get => ok(gj::user(&world.ci.engine.current_user, &urls)),
        ["repos", o, r, rest @ ..] => {
            let path = format!("{o}/{r}");
            let engine = &world.ci.engine;
            let Some(project) = engine.project_by_path(Provider::GitHub, &path) else {
                return Err(GhError::not_found());
            };
            let pid = project.id;
            repo_route(world, req, pid, rest, get, post, &urls)
        }
        _ => Err(GhError::not_found()),
    }
}

#[allow(clippy::too_many_arguments)]
fn repo_route(
    world: &mut World,
    req: &Req,
    pid: u64,
    rest: &[&str],
    get: bool,
    post: bool,
    urls: &Urls,
) -> Res {
    let now = world.clock.now_ms;
    let engine = &world.ci.engine;
    let Some(project) = engine.project(pid) else {
        return Err(GhError::not_found());
    };
    match rest {
        [] if get => ok(gj::repository(project, urls)),
        ["actions", "runs"] if get => list_runs(world, req, pid, None, urls),
        ["actions", "workflows"] if get => {
            let all: Vec<Value> = project
                .workflows
                .iter()
                .map(|w| gj::workflow(project, w, urls))
                .collect();
            ok(json!({"total_count": all.len(), "workflows": all}))
        }
        ["actions", "workflows", wf, tail @ ..] => {
            let Some(w) = project
                .workflows
                .iter()
                .find(|w| w.id.to_string() == *wf || w.file() == *wf)
            else {
                return Err(GhError::not_found());
            };
            let wid = w.id;
            match tail {
                [] if get => ok(gj::workflow(project, w, urls)),
                ["runs"] if get => list_runs(world, req, pid, Some(wid), urls),
                ["dispatches"] if post => dispatch(world, req, pid, wid),
                _ => Err(GhError::not_found()),
            }
        }
        ["actions", "runs", id, tail @ ..] => {
            let run = find_run(world, pid, id)?;
            run_route(world, req, run, tail, get, post, urls)
        }
        ["actions", "jobs", id, tail @ ..] => {
            let job_id: u64 = id.parse().map_err(|_| GhError::not_found())?;
            let job = engine
                .jobs
                .get(&job_id)
                .filter(|j| engine.runs.get(&j.run_id).is_some_and(|r| r.project == pid))
                .ok_or_else(GhError::not_found)?;
            match tail {
                [] if get => ok(gj::job(engine, job, urls)),
                ["logs"] if get => {
                    if job.started_ms.is_none() {
                        return Err(GhError::not_found());
                    }
                    let expires = now.div_euclid(1000) + LOG_URL_TTL_S;
                    let sig = sign(world.ci.log_secret, job_id, expires);
                    Ok(Out::Redirect(format!(
                        "{}/_logs/{job_id}?expires={expires}&sig={sig:016x}",
                        urls.api
                    )))
                }
                ["rerun"] if post => {
                    let run_id = job.run_id;
                    world
                        .ci
                        .engine
                        .rerun(run_id, Rerun::Job(job_id), now)
                        .map_err(rerun_error)?;
                    Ok(Out::Json(StatusCode::CREATED, json!({}), Vec::new()))
                }
                _ => Err(GhError::not_found()),
            }
        }
        ["check-suites", suite, "check-runs"] if get => checks::list(world, req, pid, suite, urls),
        ["environments"] if get => {
            let page = Page::of(req, 30, 100);
            let all: Vec<Value> = project
                .environments
                .iter()
                .map(|e| gj::environment(project, e, urls))
                .collect();
            ok(json!({"total_count": all.len(), "environments": page.slice(&all)}))
        }
        ["environments", name] if get => project
            .environment(name)
            .map(|e| gj::environment(project, e, urls))
            .map(|v| Out::Json(StatusCode::OK, v, Vec::new()))
            .ok_or_else(GhError::not_found),
        ["deployments"] if get => list_deployments(world, req, project, urls),
        ["deployments", id, tail @ ..] if get => {
            let dep = id
                .parse::<u64>()
                .ok()
                .and_then(|d| engine.deployments.get(&d))
                .filter(|d| d.project == pid)
                .ok_or_else(GhError::not_found)?;
            match tail {
                [] => ok(gj::deployment(engine, dep, urls)),
                ["statuses"] => {
                    let all = gj::statuses(engine, dep, urls);
                    paged_array(req, all)
                }
                _ => Err(GhError::not_found()),
            }
        }
        _ => Err(GhError::not_found()),
    }
}

fn find_run(world: &World, pid: u64, id: &str) -> Result<u64, GhError> {
    id.parse::<u64>()
        .ok()
        .filter(|r| {
            world
                .ci
                .engine
                .runs
                .get(r)
                .is_some_and(|r| r.project == pid)
        })
        .ok_or_else(GhError::not_found)
}

fn paged_array(req: &Req, all: Vec<Value>) -> Res {
    let page = Page::of(req, 30, 100);
    let mut h = Vec::new();
    if let Some(link) = page.link(req, all.len()) {
        h.push(("link".into(), link));
    }
    Ok(Out::Json(StatusCode::OK, Value::Array(page.slice(&all)), h))
}

fn list_runs(world: &World, req: &Req, pid: u64, wf: Option<u64>, urls: &Urls) -> Res {
    let engine = &world.ci.engine;
    let status = req.q("status");
    // `exclude_pull_requests` needs nothing: runs here carry no pull requests.
    let created = match req.q("created") {
        Some(text) => Some(Created::parse(text).ok_or_else(|| {
            GhError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("Invalid value for 'created': {text:?} is not a date or date range."),
            )
        })?),
        None => None,
    };
    let mut runs: Vec<&Run> = engine
        .runs
        .values()
        .filter(|r| r.project == pid && wf.is_none_or(|w| r.workflow == w))
        .filter(|r| req.q("branch").is_none_or(|b| r.start.branch == b))
        .filter(|r| req.q("event").is_none_or(|e| r.start.event == e))
        .filter(|r| req.q("head_sha").is_none_or(|s| r.start.sha == s))
        .filter(|r| req.q("actor").is_none_or(|a| r.start.actor.login == a))
        .filter(|r| created.is_none_or(|c| c.contains(r.created_ms)))
        .filter(|r| {
            status.is_none_or(|want| {
                let (s, c) = gj::run_status(engine, r, r.attempt);
                s == want || c == Some(want)
            })
        })
        .collect();
    runs.sort_by(|a, b| b.created_ms.cmp(&a.created_ms).then(b.id.cmp(&a.id)));
    let page = Page::of(req, 30, 100);
    let total = runs.len();
    let items: Vec<Value> = page
        .slice(&runs)
        .into_iter()
        .map(|r| gj::run(engine, r, None, urls))
        .collect();
    let mut h = Vec::new();
    if let Some(link) = page.link(req, total) {
        h.push(("link".into(), link));
    }
    Ok(Out::Json(
        StatusCode::OK,
        json!({"total_count": total, "workflow_runs": items}),
        h,
    ))
}

fn dispatch(world: &mut World, req: &Req, pid: u64, wid: u64) -> Res {
    let body = req.json();
    let Some(git_ref) = body["ref"].as_str() else {
        return Err(GhError::missing(
            "ref",
            "https://docs.github.com/rest/actions/workflows#create-a-workflow-dispatch-event",
        ));
    };
    let now = world.clock.now_ms;
    let engine = &mut world.ci.engine;
    let git_ref = git_ref
        .trim_start_matches("refs/heads/")
        .trim_start_matches("refs/tags/");
    let start = new_start(
        engine,
        git_ref,
        &body["inputs"],
        FailPolicy::Random,
        Some("workflow_dispatch"),
        Provider::GitHub,
    );
    let id = engine.start_run(pid, wid, start, now);
    // API 2026-03-10 (or `return_run_details`) answers 200 with the new run; older ones 204.
    let details = body["return_run_details"].as_bool().unwrap_or(false)
        || req.header("x-github-api-version") == Some("2026-03-10");
    match (id, engine.project(pid)) {
        (Some(id), Some(p)) if details => ok(json!({
            "workflow_run_id": id,
            "run_url": format!("{}/github/repos/{}/actions/runs/{id}", req.origin, p.path),
            "html_url": format!("{}/{}/actions/runs/{id}", req.origin, p.path),
        })),
        _ => Ok(Out::Empty(StatusCode::NO_CONTENT)),
    }
}

fn run_route(
    world: &mut World,
    req: &Req,
    run_id: u64,
    tail: &[&str],
    get: bool,
    post: bool,
    urls: &Urls,
) -> Res {
    let now = world.clock.now_ms;
    let engine = &world.ci.engine;
    let Some(run) = engine.runs.get(&run_id) else {
        return Err(GhError::not_found());
    };
    match tail {
        [] if get => ok(gj::run(engine, run, None, urls)),
        ["attempts", n] if get => {
            let n: u32 = n.parse().map_err(|_| GhError::not_found())?;
            if n == 0 || n > run.attempt {
                return Err(GhError::not_found());
            }
            ok(gj::run(engine, run, Some(n), urls))
        }
        ["jobs"] if get => {
            let all = req.q("filter") == Some("all");
            list_jobs(
                world,
                req,
                run_id,
                if all { None } else { Some(run.attempt) },
                urls,
            )
        }
        ["attempts", n, "jobs"] if get => {
            let n: u32 = n.parse().map_err(|_| GhError::not_found())?;
            if n == 0 || n > run.attempt {
                return Err(GhError::not_found());
            }
            list_jobs(world, req, run_id, Some(n), urls)
        }
        ["rerun"] if post => {
            world
                .ci
                .engine
                .rerun(run_id, Rerun::All, now)
                .map_err(rerun_error)?;
            Ok(Out::Json(StatusCode::CREATED, json!({}), Vec::new()))
        }
        ["rerun-failed-jobs"] if post => {
            world
                .ci
                .engine
                .rerun(run_id, Rerun::Failed, now)
                .map_err(rerun_error)?;
            Ok(Out::Json(StatusCode::CREATED, json!({}), Vec::new()))
        }
        ["cancel"] | ["force-cancel"] if post => match world.ci.engine.cancel_run(run_id, now) {
            Ok(()) => Ok(Out::Json(StatusCode::ACCEPTED, json!({}), Vec::new())),
            Err(ActionError::Completed) => Err(GhError::new(
                StatusCode::CONFLICT,
                "Cannot cancel a workflow run that is completed.",
            )),
            Err(_) => Err(GhError::not_found()),
        },
        ["pending_deployments"] if get => ok(pending(world, run_id, urls)),
        ["pending_deployments"] if post => review(world, req, run_id, urls),
        ["approvals"] if get => ok(approvals(world, run_id, urls)),
        _ => Err(GhError::not_found()),
    }
}

fn rerun_error(e: ActionError) -> GhError {
    match e {
        ActionError::NotFinished => {
            GhError::new(StatusCode::FORBIDDEN, "This workflow is already running")
        }
        _ => GhError::not_found(),
    }
}

fn list_jobs(world: &World, req: &Req, run_id: u64, attempt: Option<u32>, urls: &Urls) -> Res {
    let engine = &world.ci.engine;
    let Some(run) = engine.runs.get(&run_id) else {
        return Err(GhError::not_found());
    };
    let jobs: Vec<u64> = run
        .jobs
        .iter()
        .filter(|id| {
            engine
                .jobs
                .get(id)
                .is_some_and(|j| !j.retried && attempt.is_none_or(|a| j.attempt == a))
        })
        .copied()
        .collect();
    let page = Page::of(req, 30, 100);
    let items: Vec<Value> = page
        .slice(&jobs)
        .into_iter()
        .filter_map(|id| engine.jobs.get(&id))
        .map(|j| gj::job(engine, j, urls))
        .collect();
    let mut h = Vec::new();
    if let Some(link) = page.link(req, jobs.len()) {
        h.push(("link".into(), link));
    }
    Ok(Out::Json(
        StatusCode::OK,
        json!({"total_count": jobs.len(), "jobs": items}),
        h,
    ))
}

fn pending(world: &World, run_id: u64, urls: &Urls) -> Value {
    let engine = &world.ci.engine;
    let me = engine.current_user.id;
    let Some(run) = engine.runs.get(&run_id) else {
        return json!([]);
    };
    let Some(project) = engine.project(run.project) else {
        return json!([]);
    };
    let mut out = Vec::new();
    for id in engine.current_jobs(run_id) {
        let Some(job) = engine
            .jobs
            .get(&id)
            .filter(|j| j.state == JobState::Waiting)
        else {
            continue;
        };
        let Some(dep) = job.deployment.and_then(|d| engine.deployments.get(&d)) else {
            continue;
        };
        if !dep.approvals.is_empty() && dep.approvals.iter().all(|a| a.approved) {
            continue;
        }
        let Some(env) = project
            .environments
            .iter()
            .find(|e| e.id == dep.environment)
        else {
            continue;
        };
        let can = env.can_review(me) && !(env.prevent_self_review && run.start.actor.id == me);
        let reviewers: Vec<Value> = env
            .reviewers
            .iter()
            .map(|r| gj::reviewer(r, project.owner(), urls))
            .collect();
        out.push(json!({
            "environment": gj::environment_ref(project, env, urls),
            "wait_timer": env.wait_timer_min,
            "wait_timer_started_at": job.waiting_ms.map(crate::world::fmt_time),
            "current_user_can_approve": can,
            "reviewers": reviewers,
        }));
    }
    Value::Array(out)
}

fn review(world: &mut World, req: &Req, run_id: u64, urls: &Urls) -> Res {
    let body = req.json();
    let Some(ids) = body["environment_ids"].as_array() else {
        return Err(GhError::missing("environment_ids", REVIEW_DOC));
    };
    let ids: Vec<u64> = ids.iter().filter_map(Value::as_u64).collect();
    let state = match body["state"].as_str() {
        Some("approved") => true,
        Some("rejected") => false,
        Some(other) => {
            return Err(GhError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                message: format!(
                    "Invalid request.\n\nFor 'properties/state', \"{other}\" is not one of [\"approved\", \"rejected\"]."
                ),
                doc: REVIEW_DOC.into(),
            });
        }
        None => return Err(GhError::missing("state", REVIEW_DOC)),
    };
    let Some(comment) = body["comment"].as_str() else {
        return Err(GhError::missing("comment", REVIEW_DOC));
    };
    let now = world.clock.now_ms;
    let user = world.ci.engine.current_user.clone();
    let deps = world
        .ci
        .engine
        .review(run_id, &ids, &user, state, comment, now)
        .map_err(|e| match e {
            ActionError::NotPending(missing) => GhError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                message: format!(
                    "Environment ids {missing:?} are not waiting for a review in this workflow run."
                ),
                doc: REVIEW_DOC.into(),
            },
            ActionError::NotReviewer => GhError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                message: "You are not a required reviewer of every given environment.".into(),
                doc: REVIEW_DOC.into(),
            },
            _ => GhError::not_found(),
        })?;
    // The gate reacts on the next world step; step this run now so the answer is current.
    let effects = world.ci.engine.advance_run(run_id, now - 1, now, 1);
    crate::ci::apply(world, effects, now);
    let engine = &world.ci.engine;
    let out: Vec<Value> = deps
        .iter()
        .filter_map(|d| engine.deployments.get(d))
        .map(|d| gj::deployment(engine, d, urls))
        .collect();
    ok(Value::Array(out))
}

fn approvals(world: &World, run_id: u64, urls: &Urls) -> Value {
    let engine = &world.ci.engine;
    let Some(project) = engine
        .runs
        .get(&run_id)
        .and_then(|r| engine.project(r.project))
    else {
        return json!([]);
    };
    let mut out = Vec::new();
    for d in engine.deployments.values().filter(|d| d.run_id == run_id) {
        let Some(env) = project.environments.iter().find(|e| e.id == d.environment) else {
            continue;
        };
        for a in &d.approvals {
            out.push(json!({
                "environments": [gj::environment_ref(project, env, urls)],
                "state": if a.approved { "approved" } else { "rejected" },
                "user": gj::user(&a.user, urls),
                "comment": a.comment,
            }));
        }
    }
    Value::Array(out)
}

fn list_deployments(world: &World, req: &Req, project: &Project, urls: &Urls) -> Res {
    let engine = &world.ci.engine;
    let mut deps: Vec<Value> = engine
        .deployments
        .values()
        .rev()
        .filter(|d| d.project == project.id)
        .filter(|d| {
            let run = engine.runs.get(&d.run_id);
            let env = project.environments.iter().find(|e| e.id == d.environment);
            req.q("environment")
                .is_none_or(|e| env.is_some_and(|x| x.name == e))
                && req
                    .q("sha")
                    .is_none_or(|s| run.is_some_and(|r| r.start.sha == s))
                && req
                    .q("ref")
                    .is_none_or(|s| run.is_some_and(|r| r.start.branch == s))
                && req.q("task").is_none_or(|t| t == "deploy")
        })
        .map(|d| gj::deployment(engine, d, urls))
        .collect();
    deps.retain(|v| !v.is_null());
    paged_array(req, deps)
}

/// Signature of a log URL.
fn sign(secret: u64, job: u64, expires: i64) -> u64 {
    crate::rng::mix(secret ^ job.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ expires as u64)
}

/// Serves a short-lived log URL: plain text, no token, 403 once expired or tampered with.
pub(crate) fn serve_log(world: &World, req: &Req) -> Response {
    let now_s = world.clock.now_ms.div_euclid(1000);
    let job_id: Option<u64> = req.segments.get(1).and_then(|s| s.parse().ok());
    let expires: Option<i64> = req.q("expires").and_then(|s| s.parse().ok());
    let sig = req.q("sig").and_then(|s| u64::from_str_radix(s, 16).ok());
    let denied = |msg: &str| {
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>AuthenticationFailed</Code><Message>{msg}</Message></Error>"
        );
        respond(
            StatusCode::FORBIDDEN,
            body.into_bytes(),
            "application/xml",
            &[],
        )
    };
    let (Some(job_id), Some(expires), Some(sig)) = (job_id, expires, sig) else {
        return denied("Signature fields not well formed.");
    };
    if sign(world.ci.log_secret, job_id, expires) != sig {
        return denied("Signature did not match.");
    }
    if now_s > expires {
        return denied("Signed expiry time has passed.");
    }
    let engine = &world.ci.engine;
    let Some(job) = engine.jobs.get(&job_id) else {
        return respond(StatusCode::NOT_FOUND, Vec::new(), "text/plain", &[]);
    };
    let text = joblog::render(engine, job, world.clock.now_ms);
    respond(
        StatusCode::OK,
        text.into_bytes(),
        "text/plain; charset=utf-8",
        &[],
    )
}
