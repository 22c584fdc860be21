//! CI additions to the control API, under `/sim/ci/`: set a provider's request budget (to
//! exhaust it, say), start a run as if someone had pushed or dispatched, and take review
//! rights from the token's user so that permission checks can be tested.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

use super::model::{Provider, Reviewer};
use super::run::{FailPolicy, RunStart};
use crate::Sim;

/// Routes under `/sim/ci`.
pub(crate) fn router() -> Router<Arc<Sim>> {
    Router::new()
        .route("/budget", post(budget))
        .route("/trigger", post(trigger))
        .route("/reviewer", post(reviewer))
        .route("/approve", post(super::approve::approve))
}

fn bad(msg: impl Into<String>) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({"message": msg.into()})),
    )
        .into_response()
}

fn provider_of(body: &Value) -> Option<Provider> {
    Provider::parse(body["provider"].as_str().unwrap_or("github"))
}

/// `{"provider":"github","remaining":0,"limit":5000}`.
async fn budget(State(sim): State<Arc<Sim>>, body: Bytes) -> Response {
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return bad("body must be JSON");
    };
    let Some(provider) = provider_of(&body) else {
        return bad("provider must be github or gitlab");
    };
    let as_u32 = |k: &str| body[k].as_u64().map(|v| v.min(u32::MAX as u64) as u32);
    let mut world = sim.world();
    let now = world.clock.now_ms;
    let b = match provider {
        Provider::GitHub => &mut world.ci.github_budget,
        Provider::GitLab => &mut world.ci.gitlab_budget,
    };
    b.set(as_u32("limit"), as_u32("remaining"), now);
    let out = json!({
        "provider": provider.as_str(),
        "limit": b.limit,
        "remaining": b.remaining(),
        "reset": b.reset_s(),
    });
    axum::Json(out).into_response()
}

/// `{"provider","project","workflow"?,"ref"?,"inputs"?:{"environment","image_tag"},"fail"?}`.
async fn trigger(State(sim): State<Arc<Sim>>, body: Bytes) -> Response {
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return bad("body must be JSON");
    };
    let Some(provider) = provider_of(&body) else {
        return bad("provider must be github or gitlab");
    };
    let mut world = sim.world();
    let now = world.clock.now_ms;
    let engine = &mut world.ci.engine;
    let Some(project) = engine.project_by_path(provider, body["project"].as_str().unwrap_or(""))
    else {
        return bad("no such project");
    };
    let wanted = body["workflow"].as_str();
    let workflow = project
        .workflows
        .iter()
        .find(|w| wanted.is_none_or(|n| w.file() == n || w.name == n || w.id.to_string() == n));
    let Some(workflow) = workflow else {
        return bad("no such workflow");
    };
    let (pid, wid) = (project.id, workflow.id);
    let git_ref = body["ref"]
        .as_str()
        .unwrap_or(&project.default_branch)
        .to_string();
    let fail = match body["fail"].as_str() {
        None | Some("random") => FailPolicy::Random,
        Some("never") => FailPolicy::Never,
        Some(key) => FailPolicy::Job(key.to_string()),
    };
    let start = new_start(
        engine,
        &git_ref,
        &body["inputs"],
        fail,
        body["event"].as_str(),
        provider,
    );
    match engine.start_run(pid, wid, start, now) {
        Some(id) => {
            let number = engine.runs.get(&id).map(|r| r.number).unwrap_or(0);
            (
                StatusCode::CREATED,
                axum::Json(json!({"id": id, "number": number})),
            )
                .into_response()
        }
        None => bad("cannot start run"),
    }
}

/// Changes what the token's user may do on one project, for permission tests:
/// `{"provider","project","environment"?,"may_review"?,"author_may_approve"?,"access_level"?}`.
///
/// - `may_review: false` takes the user out of the environment's reviewers (as a user and
///   from every team listed); GitHub then answers `current_user_can_approve: false` and a 422
///   to a review, GitLab leaves them out of the approval rules and answers 400 "You don't have
///   permission to approve this deployment…". `true` adds them back as a user reviewer.
/// - `author_may_approve: false` forbids the run's author to approve (GitHub
///   `prevent_self_review`, GitLab `allow_pipeline_trigger_approve_deployment: false`).
/// - `rules` (GitLab) replaces the environment's approval rules, each
///   `{"user": login | "group": slug, "required_approvals": n}` (users and groups of the
///   seeded world); applied before `may_review`.
/// - `access_level` (GitLab, no environment needed) sets the user's project level as
///   `members/all/:user_id` reports it; below Reporter (20) an approval answers 403
///   `{"message":"403 Forbidden"}`, and 0 makes them no member at all.
///
/// Answers the environment's reviewers (user ids) after the change.
async fn reviewer(State(sim): State<Arc<Sim>>, body: Bytes) -> Response {
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return bad("body must be JSON");
    };
    let Some(provider) = provider_of(&body) else {
        return bad("provider must be github or gitlab");
    };
    let mut world = sim.world();
    let engine = &mut world.ci.engine;
    let me = engine.current_user.clone();
    let path = body["project"].as_str().unwrap_or("");
    let Some(pid) = engine.project_by_path(provider, path).map(|p| p.id) else {
        return bad("no such project");
    };
    if let Some(level) = body["access_level"].as_u64() {
        let level = u32::try_from(level).unwrap_or(u32::MAX);
        engine.levels.insert((pid, me.id), level);
    }
    let Some(name) = body["environment"].as_str() else {
        return axum::Json(json!({"project": path})).into_response();
    };
    let Some(env) = engine
        .projects
        .iter_mut()
        .find(|p| p.id == pid)
        .and_then(|p| p.environments.iter_mut().find(|e| e.name == name))
    else {
        return bad("no such environment");
    };
    if let Some(rules) = body["rules"].as_array() {
        match rules.iter().map(approval_rule).collect::<Option<Vec<_>>>() {
            Some(rules) => env.reviewers = rules,
            None => return bad("rules: each needs a known user or group and required_approvals"),
        }
    }
    match body["may_review"].as_bool() {
        Some(false) => {
            env.reviewers.retain(|r| r.team || r.id != me.id);
            for r in env.reviewers.iter_mut() {
                r.members.retain(|m| *m != me.id);
            }
        }
        Some(true) if !env.can_review(me.id) => {
            env.reviewers.push(super::seeds::build::reviewer(&me));
        }
        _ => {}
    }
    if let Some(allowed) = body["author_may_approve"].as_bool() {
        env.prevent_self_review = !allowed;
    }
    let reviewers: Vec<u64> = env
        .reviewers
        .iter()
        .flat_map(|r| r.members.iter().copied())
        .collect();
    axum::Json(json!({"project": path, "environment": name, "reviewers": reviewers}))
        .into_response()
}

/// One approval rule of the `rules` control, for a seeded user or group.
fn approval_rule(v: &Value) -> Option<Reviewer> {
    use super::seeds::build as people;
    let required = u32::try_from(v["required_approvals"].as_u64()?).ok()?;
    let rule = if let Some(login) = v["user"].as_str() {
        people::reviewer(people::users().iter().find(|u| u.login == login)?)
    } else {
        people::groups()
            .into_iter()
            .find(|g| Some(g.login.as_str()) == v["group"].as_str())?
    };
    Some(Reviewer {
        required_approvals: required,
        ..rule
    })
}

/// A run start for a push or dispatch of `git_ref` by the API user, with a fresh commit.
pub(crate) fn new_start(
    engine: &mut super::engine::Engine,
    git_ref: &str,
    inputs: &Value,
    fail: FailPolicy,
    event: Option<&str>,
    provider: Provider,
) -> RunStart {
    let sha = format!(
        "{:016x}{:016x}{:08x}",
        engine.rng.next_u64(),
        engine.rng.next_u64(),
        engine.rng.next_u64() as u32
    );
    let tag = git_ref.starts_with('v') && git_ref.contains('.');
    let env = inputs["environment"].as_str().map(str::to_string);
    let image_tag = inputs["image_tag"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| match provider {
            Provider::GitLab => sha[..7].to_string(),
            Provider::GitHub if tag => git_ref.to_string(),
            Provider::GitHub => format!("sha-{}", &sha[..7]),
        });
    RunStart {
        event: event
            .unwrap_or(if env.is_some() {
                "workflow_dispatch"
            } else {
                "push"
            })
            .to_string(),
        branch: git_ref.to_string(),
        tag,
        title: format!("Update {git_ref}"),
        actor: engine.current_user.clone(),
        input_env: env,
        image_tag,
        sha,
        fail,
        script: Vec::new(),
    }
}
