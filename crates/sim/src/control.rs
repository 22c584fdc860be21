//! The control API under `/sim/`: tests and drills read the clock, freeze or speed it, advance
//! it synchronously, load another scenario, start rollouts, change how versions behave and
//! inject faults (`permissions.rs` and `webhook.rs` add their own routes). Bodies and answers
//! are JSON; errors are `{"error": "..."}` with 400 or 404.

use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::Sim;
use super::controllers::{self, Action};
use super::scenario::{Scenario, VersionSpec};
use super::world::World;

/// Routes of the control API.
pub(crate) fn router() -> Router<Arc<Sim>> {
    Router::new()
        .route("/state", get(state))
        .route("/clock", post(clock))
        .route("/scenario", post(scenario))
        .route("/rollout", post(rollout))
        .route("/version", post(version))
        .route("/faults", post(faults))
        .merge(super::log_burst::router())
        .merge(super::outage::router())
}

fn error(code: StatusCode, message: impl Into<String>) -> Response {
    (code, Json(json!({"error": message.into()}))).into_response()
}

/// The body, or why it is not acceptable (answered as 400).
fn body<T>(payload: Result<Json<T>, JsonRejection>) -> Result<T, String> {
    payload.map(|Json(b)| b).map_err(|e| e.body_text())
}

fn state_json(world: &World) -> Value {
    json!({
        "now": world.clock.rfc3339(),
        "now_ms": world.clock.now_ms,
        "frozen": world.clock.frozen,
        "speed": world.clock.speed,
        "rv": world.store.current_rv().to_string(),
        "seed": world.seed,
    })
}

async fn state(State(sim): State<Arc<Sim>>) -> Response {
    Json(state_json(&sim.world())).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockBody {
    frozen: Option<bool>,
    speed: Option<f64>,
    advance_seconds: Option<f64>,
}

async fn clock(
    State(sim): State<Arc<Sim>>,
    payload: Result<Json<ClockBody>, JsonRejection>,
) -> Response {
    let b = match body(payload) {
        Ok(b) => b,
        Err(m) => return error(StatusCode::BAD_REQUEST, m),
    };
    if b.speed.is_some_and(|s| !s.is_finite() || s < 0.0) {
        return error(
            StatusCode::BAD_REQUEST,
            "speed must be a finite number >= 0",
        );
    }
    if b.advance_seconds.is_some_and(|s| !s.is_finite() || s < 0.0) {
        return error(
            StatusCode::BAD_REQUEST,
            "advance_seconds must be a finite number >= 0",
        );
    }
    // Advancing runs the controllers synchronously; keep it off the async workers.
    let result = tokio::task::spawn_blocking(move || {
        let mut world = sim.world();
        if let Some(f) = b.frozen {
            world.clock.frozen = f;
        }
        if let Some(s) = b.speed {
            world.clock.speed = s;
        }
        if let Some(secs) = b.advance_seconds {
            world.advance(secs * 1000.0);
        }
        state_json(&world)
    })
    .await;
    match result {
        Ok(v) => Json(v).into_response(),
        Err(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("advance failed: {e}"),
        ),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioBody {
    path: Option<PathBuf>,
    name: Option<String>,
}

async fn scenario(
    State(sim): State<Arc<Sim>>,
    payload: Result<Json<ScenarioBody>, JsonRejection>,
) -> Response {
    let b = match body(payload) {
        Ok(b) => b,
        Err(m) => return error(StatusCode::BAD_REQUEST, m),
    };
    let parsed = match (&b.path, &b.name) {
        (Some(p), None) => Scenario::load(p),
        (None, Some(n)) => Scenario::named(n),
        _ => {
            return error(
                StatusCode::BAD_REQUEST,
                "give exactly one of \"path\" or \"name\"",
            );
        }
    };
    let scenario = match parsed {
        Ok(s) => s,
        Err(e) => return error(StatusCode::BAD_REQUEST, e.to_string()),
    };
    let sim2 = sim.clone();
    let built = tokio::task::spawn_blocking(move || {
        let mut world = sim2.world();
        let fresh = rebuild(&world, &scenario);
        *world = fresh;
        state_json(&world)
    })
    .await;
    // Open watches belong to the old world; clients re-list (their RVs are now too old).
    sim.drop_watches.send_modify(|g| *g += 1);
    match built {
        Ok(v) => Json(v).into_response(),
        Err(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("build failed: {e}"),
        ),
    }
}

/// A new world for `scenario` at the old world's time, with resourceVersions that continue
/// after the old ones so no client mistakes new objects for old.
fn rebuild(old: &World, scenario: &Scenario) -> World {
    let mut fresh = World::new(old.seed, old.clock.now_ms, old.clock.speed);
    fresh.store.start_after(old.store.current_rv());
    super::populate(&mut fresh, scenario);
    fresh.clock.frozen = old.clock.frozen;
    fresh
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RolloutBody {
    namespace: String,
    name: String,
    image: String,
}

async fn rollout(
    State(sim): State<Arc<Sim>>,
    payload: Result<Json<RolloutBody>, JsonRejection>,
) -> Response {
    let b = match body(payload) {
        Ok(b) => b,
        Err(m) => return error(StatusCode::BAD_REQUEST, m),
    };
    let action = Action::SetImage {
        namespace: b.namespace.clone(),
        name: b.name.clone(),
        image: b.image.clone(),
    };
    let mut world = sim.world();
    match controllers::apply(&mut world, &action) {
        Ok(kind) => {
            Json(json!({"kind": kind, "namespace": b.namespace, "name": b.name, "image": b.image}))
                .into_response()
        }
        Err(e) => error(StatusCode::NOT_FOUND, e.to_string()),
    }
}

async fn version(
    State(sim): State<Arc<Sim>>,
    payload: Result<Json<VersionSpec>, JsonRejection>,
) -> Response {
    let spec = match body(payload) {
        Ok(b) => b,
        Err(m) => return error(StatusCode::BAD_REQUEST, m),
    };
    if spec.image.is_empty() {
        return error(StatusCode::BAD_REQUEST, "\"image\" is required");
    }
    let behaviour = spec.behaviour();
    let answer = json!({
        "image": spec.image,
        "crash_loop": behaviour.crash_loop,
        "fail_readiness": behaviour.fail_readiness,
        "image_pull_error": behaviour.image_pull_error,
        "oom": behaviour.oom,
        "error_rate": behaviour.error_rate,
        "latency_ms": behaviour.latency_ms,
        "hostile_logs": behaviour.hostile_logs,
    });
    let mut world = sim.world();
    let _ = controllers::apply(
        &mut world,
        &Action::SetBehaviour {
            image: spec.image,
            behaviour,
        },
    );
    Json(answer).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FailNext {
    count: u32,
    status: u16,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StallLogs {
    namespace: String,
    pod: String,
    stalled: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultsBody {
    drop_watches: Option<bool>,
    expire_rvs: Option<bool>,
    fail_next: Option<FailNext>,
    latency_ms: Option<u64>,
    stall_logs: Option<StallLogs>,
    webhook: Option<super::webhook::Fault>,
    clear: Option<bool>,
}

async fn faults(
    State(sim): State<Arc<Sim>>,
    payload: Result<Json<FaultsBody>, JsonRejection>,
) -> Response {
    let b = match body(payload) {
        Ok(b) => b,
        Err(m) => return error(StatusCode::BAD_REQUEST, m),
    };
    if b.webhook.is_some_and(|w| !(200..=599).contains(&w.status)) {
        return error(
            StatusCode::BAD_REQUEST,
            "webhook.status must be between 200 and 599",
        );
    }
    if let Some(f) = &b.fail_next
        && !matches!(f.status, 429 | 500 | 503)
    {
        return error(
            StatusCode::BAD_REQUEST,
            "fail_next.status must be 429, 500 or 503",
        );
    }
    let answer = {
        let mut world = sim.world();
        if b.clear == Some(true) {
            world.faults = Default::default();
        }
        if b.expire_rvs == Some(true) {
            world.store.compact();
        }
        if let Some(f) = b.fail_next {
            world.faults.fail_next = (f.count > 0).then_some((f.status, f.count));
        }
        if let Some(ms) = b.latency_ms {
            world.faults.latency_ms = ms;
        }
        if let Some(w) = b.webhook {
            world.faults.webhook = w;
        }
        if let Some(s) = b.stall_logs {
            let key = (s.namespace, s.pod);
            if s.stalled {
                world.faults.stalled_logs.insert(key);
            } else {
                world.faults.stalled_logs.remove(&key);
            }
        }
        let f = &world.faults;
        json!({
            "fail_next": f.fail_next.map(|(status, count)| json!({"status": status, "count": count})),
            "latency_ms": f.latency_ms,
            "stalled_logs": f.stalled_logs.iter().map(|(ns, p)| json!({"namespace": ns, "pod": p})).collect::<Vec<_>>(),
            "webhook": {"status": f.webhook.status, "delay_ms": f.webhook.delay_ms},
            "rv": world.store.current_rv().to_string(),
        })
    };
    if b.drop_watches == Some(true) {
        sim.drop_watches.send_modify(|g| *g += 1);
    }
    Json(answer).into_response()
}
