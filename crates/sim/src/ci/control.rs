//! CI additions to the control API, under `/sim/ci/`: set a provider's request budget (to
//! exhaust it, say) and start a run as if someone had pushed or dispatched.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

use super::model::Provider;
use super::run::{FailPolicy, RunStart};
use crate::Sim;

/// Routes under `/sim/ci`.
pub(crate) fn router() -> Router<Arc<Sim>> {
    Router::new()
        .route("/budget", post(budget))
        .route("/trigger", post(trigger))
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
