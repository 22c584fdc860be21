//! `/prometheus/api/v1/…` (query, query_range, labels, label values, series) in Prometheus'
//! envelope, and `POST /sim/prometheus` to make the next answers fail.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::to_bytes;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::Deserialize;
use serde_json::{Value as Json, json};

use super::series::{self, Labels};
use super::{PromError, Value};
use crate::Sim;
use crate::world::{World, parse_time};

/// The path every Prometheus route lives under.
pub(crate) const PREFIX: &str = "/prometheus/api/v1/";
/// Largest form body accepted.
const MAX_BODY: usize = 1 << 20;

/// Routes under `/sim`.
pub(crate) fn control_router() -> Router<Arc<Sim>> {
    Router::new().route("/prometheus", post(control))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FailNext {
    count: u32,
    status: u16,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ControlBody {
    fail_next: Option<FailNext>,
}

async fn control(State(sim): State<Arc<Sim>>, req: Request) -> Response {
    let bytes = to_bytes(req.into_body(), MAX_BODY)
        .await
        .unwrap_or_default();
    let body: ControlBody = match serde_json::from_slice(&bytes) {
        Ok(b) => b,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                axum::Json(json!({"error": e.to_string()})),
            )
                .into_response();
        }
    };
    let mut world = sim.world();
    if let Some(f) = body.fail_next {
        if !matches!(f.status, 500 | 503) {
            return (
                StatusCode::BAD_REQUEST,
                axum::Json(json!({"error": "fail_next.status must be 500 or 503"})),
            )
                .into_response();
        }
        world.prometheus_fail_next = (f.count > 0).then_some((f.status, f.count));
    }
    let fail = world
        .prometheus_fail_next
        .map(|(status, count)| json!({"status": status, "count": count}));
    axum::Json(json!({ "fail_next": fail })).into_response()
}

/// Answers one Prometheus API request.
pub(crate) async fn handle(State(sim): State<Arc<Sim>>, req: Request) -> Response {
    let started = Instant::now();
    let path = req.uri().path().to_string();
    let method = req.method().clone();
    let mut params: Vec<(String, String)> =
        serde_urlencoded::from_str(req.uri().query().unwrap_or_default()).unwrap_or_default();
    let form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if method == Method::POST && form {
        let bytes = to_bytes(req.into_body(), MAX_BODY)
            .await
            .unwrap_or_default();
        match serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes) {
            Ok(p) => params.extend(p),
            Err(e) => return error(&PromError::bad_data(format!("error parsing form: {e}"))),
        }
    }
    if method != Method::GET && method != Method::POST {
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    }
    let endpoint = path.strip_prefix(PREFIX).unwrap_or_default();
    let mut world = sim.world();
    if let Some((status, count)) = world.prometheus_fail_next {
        world.prometheus_fail_next = (count > 1).then_some((status, count - 1));
        let e = if status == 503 {
            PromError::timeout("query timed out in expression evaluation")
        } else {
            PromError::internal("injected failure")
        };
        return error(&e);
    }
    let p = Params(&params);
    let answer = match endpoint {
        "query" => query(&world, &p, started),
        "query_range" => query_range(&world, &p, started),
        "labels" => labels(&world, &p),
        "series" => series_list(&world, &p),
        other => match other
            .strip_prefix("label/")
            .and_then(|r| r.strip_suffix("/values"))
        {
            Some(name) => label_values(&world, &p, name),
            None => return (StatusCode::NOT_FOUND, "404 page not found\n").into_response(),
        },
    };
    match answer {
        Ok((data, warnings)) => {
            let mut body = json!({"status": "success", "data": data});
            if !warnings.is_empty() {
                body["warnings"] = json!(warnings);
            }
            axum::Json(body).into_response()
        }
        Err(e) => error(&e),
    }
}

fn error(e: &PromError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = json!({"status": "error", "errorType": e.error_type(), "error": e.message()});
    (status, axum::Json(body)).into_response()
}

type Answer = Result<(Json, Vec<String>), PromError>;

/// The request's parameters (query string and form body together).
struct Params<'a>(&'a [(String, String)]);

impl Params<'_> {
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// A time parameter (RFC 3339 or unix seconds), `default` when absent.
    fn time(&self, name: &str, default: Option<i64>) -> Result<i64, PromError> {
        match (self.get(name).filter(|s| !s.is_empty()), default) {
            (Some(s), _) => parse_timestamp(s).ok_or_else(|| {
                PromError::bad_data(format!(
                    "invalid parameter \"{name}\": cannot parse \"{s}\" to a valid timestamp"
                ))
            }),
            (None, Some(d)) => Ok(d),
            (None, None) => Err(PromError::bad_data(format!(
                "invalid parameter \"{name}\": cannot parse \"\" to a valid timestamp"
            ))),
        }
    }

    /// A duration parameter (PromQL duration or float seconds), in milliseconds.
    fn duration(&self, name: &str) -> Result<Option<i64>, PromError> {
        let Some(s) = self.get(name) else {
            return Ok(None);
        };
        parse_duration_ms(s).map(Some).ok_or_else(|| {
            PromError::bad_data(format!(
                "invalid parameter \"{name}\": cannot parse \"{s}\" to a valid duration"
            ))
        })
    }

    /// When the evaluation must stop, from the `timeout` parameter.
    fn deadline(&self, started: Instant) -> Result<Option<Instant>, PromError> {
        Ok(self
            .duration("timeout")?
            .map(|ms| started + Duration::from_millis(ms.max(0) as u64)))
    }

    /// The `limit` parameter (0 or absent: no limit).
    fn limit(&self) -> Result<usize, PromError> {
        match self.get("limit") {
            None | Some("") => Ok(0),
            Some(s) => s.parse().map_err(|_| {
                PromError::bad_data(format!("invalid parameter \"limit\": cannot parse \"{s}\""))
            }),
        }
    }
}

/// Unix seconds (with a fraction) or RFC 3339, as Unix milliseconds.
fn parse_timestamp(s: &str) -> Option<i64> {
    if let Ok(secs) = s.parse::<f64>() {
        return secs.is_finite().then(|| (secs * 1000.0).round() as i64);
    }
    parse_time(s)
}

/// Float seconds or a PromQL duration (`30s`, `1h5m`), as milliseconds.
fn parse_duration_ms(s: &str) -> Option<i64> {
    if let Ok(secs) = s.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| (secs * 1000.0).round() as i64);
    }
    promql_parser::util::parse_duration(s)
        .ok()
        .map(|d| d.as_millis() as i64)
}

/// A number as Prometheus writes sample values.
fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v == f64::INFINITY {
        "+Inf".into()
    } else if v == f64::NEG_INFINITY {
        "-Inf".into()
    } else {
        v.to_string()
    }
}

fn point(t_ms: i64, v: f64) -> Json {
    json!([t_ms as f64 / 1000.0, number(v)])
}

fn truncate<T>(items: &mut Vec<T>, limit: usize, warnings: &mut Vec<String>) {
    if limit > 0 && items.len() > limit {
        items.truncate(limit);
        warnings.push("results truncated due to limit".into());
    }
}

fn query(world: &World, p: &Params<'_>, started: Instant) -> Answer {
    let q = p.get("query").unwrap_or_default();
    let at = p.time("time", Some(world.clock.now_ms))?;
    let deadline = p.deadline(started)?;
    let limit = p.limit()?;
    let mut warnings = Vec::new();
    let data = match super::instant_until(world, q, at, deadline)? {
        Value::Scalar(v) => json!({"resultType": "scalar", "result": point(at, v)}),
        Value::String(s) => {
            json!({"resultType": "string", "result": [at as f64 / 1000.0, s]})
        }
        Value::Vector(mut v) => {
            truncate(&mut v, limit, &mut warnings);
            let result: Vec<Json> = v
                .into_iter()
                .map(|(l, x)| json!({"metric": l, "value": point(at, x)}))
                .collect();
            json!({"resultType": "vector", "result": result})
        }
        Value::Matrix(mut m) => {
            truncate(&mut m, limit, &mut warnings);
            json!({"resultType": "matrix", "result": matrix(m)})
        }
    };
    Ok((data, warnings))
}

fn matrix(m: Vec<(Labels, Vec<(i64, f64)>)>) -> Vec<Json> {
    m.into_iter()
        .map(|(l, points)| {
            let values: Vec<Json> = points.into_iter().map(|(t, v)| point(t, v)).collect();
            json!({"metric": l, "values": values})
        })
        .collect()
}

fn query_range(world: &World, p: &Params<'_>, started: Instant) -> Answer {
    let q = p.get("query").unwrap_or_default();
    let start = p.time("start", None)?;
    let end = p.time("end", None)?;
    let step = p.duration("step")?.ok_or_else(|| {
        PromError::bad_data("invalid parameter \"step\": cannot parse \"\" to a valid duration")
    })?;
    let deadline = p.deadline(started)?;
    let limit = p.limit()?;
    let mut warnings = Vec::new();
    let Value::Matrix(mut m) = super::range(world, q, start, end, step, deadline)? else {
        return Err(PromError::execution("a range query evaluates to a matrix"));
    };
    truncate(&mut m, limit, &mut warnings);
    Ok((
        json!({"resultType": "matrix", "result": matrix(m)}),
        warnings,
    ))
}

/// The series `match[]` selects (every series when there is none) that had a sample in
/// `[start, end]` (the default window is the last lookback period).
fn matched(world: &World, p: &Params<'_>, required: bool) -> Result<Vec<Labels>, PromError> {
    let now = world.clock.now_ms;
    let end = p.time("end", Some(now))?;
    let start = p.time("start", Some(end - super::eval::LOOKBACK_MS))?;
    let selectors = p.all("match[]");
    if required && selectors.is_empty() {
        return Err(PromError::bad_data("no match[] parameter provided"));
    }
    let mut out = BTreeSet::new();
    let mut matchers = Vec::new();
    for s in &selectors {
        match promql_parser::parser::parse(s) {
            Ok(promql_parser::parser::Expr::VectorSelector(vs)) => matchers.push(vs),
            Ok(_) => {
                return Err(PromError::bad_data(format!(
                    "invalid parameter \"match[]\": {s} is not a series selector"
                )));
            }
            Err(e) => {
                return Err(PromError::bad_data(format!(
                    "invalid parameter \"match[]\": {e}"
                )));
            }
        }
    }
    let all = |_: &Labels| true;
    let found = series::find(world.ctl.pods.iter(), None, &all);
    for s in found {
        let hit = matchers.is_empty()
            || matchers
                .iter()
                .any(|vs| super::eval::selects(vs.name.as_deref(), &vs.matchers, &s.labels));
        if hit && !s.samples(start - 1, end, now).is_empty() {
            out.insert(s.labels);
        }
    }
    Ok(out.into_iter().collect())
}

fn series_list(world: &World, p: &Params<'_>) -> Answer {
    let mut found = matched(world, p, true)?;
    let mut warnings = Vec::new();
    truncate(&mut found, p.limit()?, &mut warnings);
    Ok((json!(found), warnings))
}

fn labels(world: &World, p: &Params<'_>) -> Answer {
    let names: BTreeSet<String> = matched(world, p, false)?
        .into_iter()
        .flat_map(|l| l.into_keys())
        .collect();
    let mut names: Vec<String> = names.into_iter().collect();
    let mut warnings = Vec::new();
    truncate(&mut names, p.limit()?, &mut warnings);
    Ok((json!(names), warnings))
}

fn label_values(world: &World, p: &Params<'_>, name: &str) -> Answer {
    let values: BTreeSet<String> = matched(world, p, false)?
        .into_iter()
        .filter_map(|mut l| l.remove(name))
        .collect();
    let mut values: Vec<String> = values.into_iter().collect();
    let mut warnings = Vec::new();
    truncate(&mut values, p.limit()?, &mut warnings);
    Ok((json!(values), warnings))
}
