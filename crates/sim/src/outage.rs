//! `POST /sim/outage`: the Kubernetes API goes down for a stretch of simulated time. Every
//! Kubernetes request — reads, watches, writes — is answered with the outage's status (503 by
//! default) until the simulated clock passes its end, and the watches open when it starts are
//! dropped, as a load balancer in front of a failed control plane would. Simulated time, so a
//! drill's "a minute" lasts a minute of the drill at any `--speed`, and a frozen clock keeps the
//! API down until it is advanced. `{"seconds": 0}` ends it at once. GitHub, GitLab and
//! Prometheus are not affected.

use std::sync::Arc;

use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::Sim;
use super::world::{World, fmt_time};

/// An outage under way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Outage {
    /// The status every Kubernetes request is answered with.
    pub(crate) status: u16,
    /// Simulated Unix milliseconds at which the API answers again.
    pub(crate) until_ms: i64,
}

/// The route under `/sim`.
pub(crate) fn router() -> Router<Arc<Sim>> {
    Router::new().route("/outage", post(outage))
}

/// The status the Kubernetes API answers with now, while an outage lasts.
pub(crate) fn status(world: &World) -> Option<u16> {
    world
        .faults
        .outage
        .filter(|o| world.clock.now_ms < o.until_ms)
        .map(|o| o.status)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OutageBody {
    seconds: f64,
    status: Option<u16>,
}

async fn outage(
    State(sim): State<Arc<Sim>>,
    payload: Result<Json<OutageBody>, JsonRejection>,
) -> Response {
    let bad = |m: String| (StatusCode::BAD_REQUEST, Json(json!({"error": m}))).into_response();
    let b = match payload {
        Ok(Json(b)) => b,
        Err(e) => return bad(e.body_text()),
    };
    if !b.seconds.is_finite() || b.seconds < 0.0 {
        return bad("seconds must be a finite number >= 0".into());
    }
    let status = b.status.unwrap_or(503);
    if !matches!(status, 500 | 503 | 504) {
        return bad("status must be 500, 503 or 504".into());
    }
    let answer = {
        let mut world = sim.world();
        let until_ms = world.clock.now_ms + (b.seconds * 1000.0).round() as i64;
        world.faults.outage = (b.seconds > 0.0).then_some(Outage { status, until_ms });
        json!({"status": status, "until": fmt_time(until_ms), "until_ms": until_ms})
    };
    if b.seconds > 0.0 {
        sim.drop_watches.send_modify(|g| *g += 1);
    }
    Json(answer).into_response()
}
