//! `/sim/logs/…`: hostile log traffic on demand, so the client's log path can be tested end to
//! end — invalid UTF-8, identical lines within one millisecond, very long lines, bursts at a
//! given rate — plus dropping every follow connection, and the container's own record of what
//! it wrote to check count and order against.
//!
//! - `POST /sim/logs/burst {"namespace","pod","container"?,"tag","lines","kind"?,"rate"?}`:
//!   writes `lines` lines tagged `tag` (`kind`: `numbered` (default) `"TAG i"`, `invalid_utf8`,
//!   `identical`, `long`, `mixed`); at `rate` lines per second in the background, or at once.
//!   `"wall_clock": true` stamps each line with the host's clock to the millisecond instead of
//!   the simulated one (which moves in 100 ms steps), so a benchmark can measure a line's lag
//!   from being written to being shown.
//! - `POST /sim/logs/cut`: ends every follow connection (clients resume with `sinceTime`).
//! - `GET /sim/logs/record?namespace=&pod=&container=`: the lines the container's log holds,
//!   decoded as a client would (an invalid byte as U+FFFD).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::Sim;
use super::logs::{LogKey, LogLine};
use super::resources::ids;

/// Bytes of a `long` line.
const LONG: usize = 100_000;

/// Routes under `/sim/logs`.
pub(crate) fn router() -> Router<Arc<Sim>> {
    Router::new()
        .route("/logs/burst", post(burst))
        .route("/logs/cut", post(cut))
        .route("/logs/record", get(record))
}

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum Kind {
    #[default]
    Numbered,
    InvalidUtf8,
    Identical,
    Long,
    Mixed,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BurstBody {
    namespace: String,
    pod: String,
    container: Option<String>,
    tag: String,
    lines: u64,
    #[serde(default)]
    kind: Kind,
    rate: Option<u64>,
    #[serde(default)]
    wall_clock: bool,
}

impl BurstBody {
    fn style(&self) -> Style<'_> {
        Style {
            kind: self.kind,
            tag: &self.tag,
            wall_clock: self.wall_clock,
        }
    }
}

#[derive(Deserialize)]
struct RecordQuery {
    namespace: String,
    pod: String,
    container: Option<String>,
}

fn error(code: StatusCode, message: impl Into<String>) -> Response {
    (code, Json(json!({"error": message.into()}))).into_response()
}

/// The `i`-th line of a burst.
fn line(kind: Kind, tag: &str, i: u64) -> Vec<u8> {
    let kind = match kind {
        Kind::Mixed => [
            Kind::Numbered,
            Kind::InvalidUtf8,
            Kind::Identical,
            Kind::Long,
        ][i as usize % 4],
        k => k,
    };
    let mut out = match kind {
        Kind::Identical => format!("{tag} same"),
        _ => format!("{tag} {i}"),
    }
    .into_bytes();
    match kind {
        Kind::InvalidUtf8 => out.extend_from_slice(b" bad \xff\xfe\xc3 bytes"),
        Kind::Long => out.extend(std::iter::repeat_n(b'x', LONG)),
        _ => {}
    }
    out
}

/// The container a request means: the one named, or the pod's first.
fn container(sim: &Sim, ns: &str, pod: &str, asked: Option<String>) -> Option<LogKey> {
    let world = sim.world();
    let p = world.store.get(ids::PODS, ns, pod)?;
    let container = match asked {
        Some(c) => c,
        None => p["spec"]["containers"][0]["name"].as_str()?.to_string(),
    };
    Some(LogKey {
        namespace: ns.to_string(),
        pod: pod.to_string(),
        container,
    })
}

/// How a burst is written: its kind, tag and clock.
struct Style<'a> {
    kind: Kind,
    tag: &'a str,
    wall_clock: bool,
}

fn write(sim: &Sim, key: &LogKey, style: &Style, range: std::ops::Range<u64>) {
    let mut world = sim.world();
    let now = if style.wall_clock {
        chrono::Utc::now().timestamp_millis()
    } else {
        world.clock.now_ms
    };
    let Style { kind, tag, .. } = *style;
    for i in range {
        world.logs.append(
            key.clone(),
            LogLine {
                time_ms: now,
                text: line(kind, tag, i),
            },
        );
    }
}

async fn burst(
    State(sim): State<Arc<Sim>>,
    payload: Result<Json<BurstBody>, JsonRejection>,
) -> Response {
    let b = match payload {
        Ok(Json(b)) => b,
        Err(e) => return error(StatusCode::BAD_REQUEST, e.body_text()),
    };
    let Some(key) = container(&sim, &b.namespace, &b.pod, b.container.clone()) else {
        return error(
            StatusCode::NOT_FOUND,
            format!("no pod {}/{}", b.namespace, b.pod),
        );
    };
    let answer = json!({"tag": b.tag, "lines": b.lines, "container": key.container});
    match b.rate.filter(|r| *r > 0) {
        None => write(&sim, &key, &b.style(), 0..b.lines),
        Some(rate) => {
            tokio::spawn(async move {
                let style = b.style();
                let start = tokio::time::Instant::now();
                let mut tick = tokio::time::interval(Duration::from_millis(1));
                let mut done = 0;
                while done < b.lines {
                    tick.tick().await;
                    let due =
                        (start.elapsed().as_micros() as u64 * rate / 1_000_000 + 1).min(b.lines);
                    write(&sim, &key, &style, done..due);
                    done = due;
                }
            });
        }
    }
    Json(answer).into_response()
}

async fn cut(State(sim): State<Arc<Sim>>) -> Response {
    sim.world().logs.cut_followers();
    Json(json!({"cut": true})).into_response()
}

async fn record(State(sim): State<Arc<Sim>>, Query(q): Query<RecordQuery>) -> Response {
    let Some(key) = container(&sim, &q.namespace, &q.pod, q.container) else {
        return error(
            StatusCode::NOT_FOUND,
            format!("no pod {}/{}", q.namespace, q.pod),
        );
    };
    let lines: Vec<_> = sim
        .world()
        .logs
        .lines(&key)
        .into_iter()
        .map(|l| json!({"time_ms": l.time_ms, "text": String::from_utf8_lossy(&l.text)}))
        .collect();
    Json(json!({"container": key.container, "lines": lines})).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_lines_by_kind() {
        assert_eq!(line(Kind::Numbered, "t", 7), b"t 7");
        assert_eq!(line(Kind::Identical, "t", 7), b"t same");
        assert!(std::str::from_utf8(&line(Kind::InvalidUtf8, "t", 1)).is_err());
        assert_eq!(line(Kind::Long, "t", 1).len(), 3 + LONG);
        assert_eq!(line(Kind::Mixed, "t", 2), b"t same");
    }
}
