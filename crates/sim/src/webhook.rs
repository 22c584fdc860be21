//! A webhook sink at `/sim/webhook` for tests of notifications: it records every POST (any
//! body, JSON or not) with its Content-Type and the simulated time, and answers like a Slack
//! incoming webhook (`200 ok`) unless the `webhook` fault makes it slow or fail. Posting needs
//! no token, as an incoming-webhook URL needs none; reading and clearing do.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::Sim;

/// The path posts go to, which the token check lets through.
pub(crate) const PATH: &str = "/sim/webhook";

/// How many deliveries are kept; older ones are dropped first.
const KEEP: usize = 1_000;

/// What the sink received, oldest first.
#[derive(Debug, Clone, Default)]
pub(crate) struct Received(VecDeque<Value>);

impl Received {
    fn push(&mut self, delivery: Value) {
        if self.0.len() == KEEP {
            self.0.pop_front();
        }
        self.0.push_back(delivery);
    }
}

/// How the sink answers: `POST /sim/faults {"webhook": {"status": 500, "delay_ms": 3000}}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Fault {
    /// The status code answered.
    #[serde(default = "ok")]
    pub(crate) status: u16,
    /// Real milliseconds to wait before answering.
    #[serde(default)]
    pub(crate) delay_ms: u64,
}

fn ok() -> u16 {
    200
}

impl Default for Fault {
    fn default() -> Self {
        Self {
            status: ok(),
            delay_ms: 0,
        }
    }
}

/// Routes under `/sim`: `POST|GET|DELETE /webhook`.
pub(crate) fn router() -> Router<Arc<Sim>> {
    Router::new().route("/webhook", post(receive).get(list).delete(clear))
}

async fn receive(State(sim): State<Arc<Sim>>, headers: HeaderMap, body: Bytes) -> Response {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = serde_json::from_slice::<Value>(&body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()));
    let fault = {
        let mut world = sim.world();
        let at = world.clock.rfc3339();
        world
            .webhook
            .push(json!({"at": at, "content_type": content_type, "body": body}));
        world.faults.webhook
    };
    // Outside the lock: a slow webhook must not stall the world.
    if fault.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(fault.delay_ms)).await;
    }
    let code = StatusCode::from_u16(fault.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let text = if code.is_success() {
        "ok"
    } else {
        "simulated webhook failure"
    };
    (code, [(header::CONTENT_TYPE, "text/plain")], text).into_response()
}

async fn list(State(sim): State<Arc<Sim>>) -> Response {
    let world = sim.world();
    Json(json!({"received": world.webhook.0})).into_response()
}

async fn clear(State(sim): State<Arc<Sim>>) -> Response {
    sim.world().webhook.0.clear();
    Json(json!({"received": []})).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_newest_deliveries_are_kept() {
        let mut r = Received::default();
        for i in 0..KEEP + 5 {
            r.push(json!(i));
        }
        assert_eq!(r.0.len(), KEEP);
        assert_eq!(r.0.front(), Some(&json!(5)));
        assert_eq!(r.0.back(), Some(&json!(KEEP + 4)));
    }
}
