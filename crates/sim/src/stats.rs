//! `GET /sim/stats`: what the simulator served, so any client's API cost can be measured side
//! by side — requests by API (kubernetes, github, gitlab, prometheus), verb, resource and
//! status code, with 304s and 429s totalled apart; the bytes of response bodies by API
//! (streamed watch and log bodies included, counted as they go out); and the watches and log
//! follows open right now, by resource, with the most open at once. `DELETE /sim/stats` starts
//! counting afresh (streams still open stay counted as open). The simulator's own control API
//! (`/sim/…`) is not counted: it is not a client's cost.

use std::collections::BTreeMap;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use hyper::body::{Body as HttpBody, Frame, SizeHint};
use serde_json::{Value, json};

use super::Sim;

/// One counted kind of request.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    api: &'static str,
    verb: String,
    resource: String,
    status: u16,
}

/// A long-lived response: it stays open after its headers went out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stream {
    /// `?watch=1` on a Kubernetes collection.
    Watch,
    /// `pods/{name}/log?follow=true`.
    Log,
}

/// API and resource of one open stream.
type StreamKey = (&'static str, String);

/// Streams of one kind open now, and the most open at once since the last reset.
#[derive(Debug, Default)]
struct Gauge {
    now: BTreeMap<StreamKey, u64>,
    peak: BTreeMap<StreamKey, u64>,
    total: u64,
    total_peak: u64,
}

impl Gauge {
    fn open(&mut self, key: StreamKey) {
        let now = self.now.entry(key.clone()).or_default();
        *now += 1;
        let peak = self.peak.entry(key).or_default();
        *peak = (*peak).max(*now);
        self.total += 1;
        self.total_peak = self.total_peak.max(self.total);
    }

    fn close(&mut self, key: &StreamKey) {
        if let Some(now) = self.now.get_mut(key) {
            *now = now.saturating_sub(1);
        }
        self.total = self.total.saturating_sub(1);
    }

    /// Peaks start again from what is open now: those streams are still there.
    fn reset(&mut self) {
        self.now.retain(|_, n| *n > 0);
        self.peak = self.now.clone();
        self.total_peak = self.total;
    }

    fn to_json(&self) -> Value {
        let by_resource: Vec<Value> = self
            .peak
            .iter()
            .map(|((api, resource), peak)| {
                let open = self.now.get(&(*api, resource.clone())).copied();
                json!({"api": api, "resource": resource, "open": open.unwrap_or(0), "peak": peak})
            })
            .collect();
        json!({"open": self.total, "peak": self.total_peak, "by_resource": by_resource})
    }
}

/// The counts since the start or the last reset.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    counts: BTreeMap<Key, u64>,
    bytes: BTreeMap<&'static str, u64>,
    watches: Gauge,
    log_streams: Gauge,
}

impl Stats {
    fn record(&mut self, key: Key) {
        *self.counts.entry(key).or_default() += 1;
    }

    fn sent(&mut self, api: &'static str, bytes: usize) {
        *self.bytes.entry(api).or_default() += bytes as u64;
    }

    fn gauge(&mut self, kind: Stream) -> &mut Gauge {
        match kind {
            Stream::Watch => &mut self.watches,
            Stream::Log => &mut self.log_streams,
        }
    }

    fn reset(&mut self) {
        self.counts.clear();
        self.bytes.clear();
        self.watches.reset();
        self.log_streams.reset();
    }

    fn to_json(&self) -> Value {
        let requests: Vec<Value> = self
            .counts
            .iter()
            .map(|(k, n)| {
                json!({"api": k.api, "verb": k.verb, "resource": k.resource,
                       "status": k.status, "count": n})
            })
            .collect();
        // requests, 304s, 429s, bytes
        let mut totals: BTreeMap<&str, (u64, u64, u64, u64)> = BTreeMap::new();
        for (k, n) in &self.counts {
            let t = totals.entry(k.api).or_default();
            t.0 += n;
            if k.status == 304 {
                t.1 += n;
            }
            if k.status == 429 {
                t.2 += n;
            }
        }
        // A watch opened before a reset still sends bytes after it.
        for (api, bytes) in &self.bytes {
            totals.entry(api).or_default().3 = *bytes;
        }
        let totals: serde_json::Map<String, Value> = totals
            .into_iter()
            .map(|(api, (requests, not_modified, too_many, bytes))| {
                (
                    api.to_string(),
                    json!({"requests": requests, "not_modified": not_modified,
                           "too_many": too_many, "bytes": bytes}),
                )
            })
            .collect();
        json!({
            "requests": requests,
            "totals": totals,
            "watches": self.watches.to_json(),
            "log_streams": self.log_streams.to_json(),
        })
    }
}

/// Routes under `/sim`.
pub(crate) fn router() -> Router<Arc<Sim>> {
    Router::new().route("/stats", get(read).delete(reset))
}

async fn read(State(sim): State<Arc<Sim>>) -> Response {
    Json(sim.stats().to_json()).into_response()
}

async fn reset(State(sim): State<Arc<Sim>>) -> Response {
    sim.stats().reset();
    StatusCode::NO_CONTENT.into_response()
}

/// Counts every answered request of a client API, and the bytes of its body as they go out.
pub(crate) async fn count(State(sim): State<Arc<Sim>>, req: Request, next: Next) -> Response {
    let classified = classify(
        req.method(),
        req.uri().path(),
        req.uri().query().unwrap_or_default(),
    );
    let resp = next.run(req).await;
    let Some((api, verb, resource)) = classified else {
        return resp;
    };
    let status = resp.status();
    let stream = match (api, verb.as_str()) {
        _ if !status.is_success() => None,
        ("kubernetes", "watch") => Some(Stream::Watch),
        ("kubernetes", "get") if resource == "pods/log" && follows(&resp) => Some(Stream::Log),
        _ => None,
    };
    let open = stream.map(|kind| (kind, (api, resource.clone())));
    {
        let mut stats = sim.stats();
        stats.record(Key {
            api,
            verb,
            resource,
            status: status.as_u16(),
        });
        if let Some((kind, key)) = &open {
            stats.gauge(*kind).open(key.clone());
        }
    }
    let (parts, body) = resp.into_parts();
    let counted = Counted {
        inner: body,
        sim,
        api,
        open,
    };
    Response::from_parts(parts, Body::new(counted))
}

/// Whether a log response stays open: a follow whose body is not already complete (a follow
/// of `previous`, or one cut by `limitBytes`, is answered whole).
fn follows(resp: &Response) -> bool {
    resp.body().size_hint().exact().is_none()
}

/// A response body that counts its bytes as they are sent and, for a stream, closes its
/// place in the gauge when the body is dropped (sent to the end, or the client went away).
struct Counted {
    inner: Body,
    sim: Arc<Sim>,
    api: &'static str,
    open: Option<(Stream, StreamKey)>,
}

impl HttpBody for Counted {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &polled
            && let Some(data) = frame.data_ref()
        {
            this.sim.stats().sent(this.api, data.len());
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        if let Some((kind, key)) = self.open.take() {
            self.sim.stats().gauge(kind).close(&key);
        }
    }
}

/// API, verb and resource of a request; `None` for the simulator's own control API.
fn classify(method: &Method, path: &str, query: &str) -> Option<(&'static str, String, String)> {
    let verb = method.as_str().to_ascii_lowercase();
    if path.starts_with("/sim/") || path == "/sim" {
        return None;
    }
    if let Some(rest) = path.strip_prefix("/github/") {
        return Some(("github", verb, github_resource(rest, query)));
    }
    if let Some(rest) = path.strip_prefix("/gitlab/api/v4/") {
        return Some(("gitlab", verb, route(rest, "projects", 1)));
    }
    if let Some(rest) = path.strip_prefix("/prometheus/api/v1/") {
        return Some(("prometheus", verb, rest.to_string()));
    }
    Some((
        "kubernetes",
        kube_verb(method, path, query),
        kube_resource(path),
    ))
}

/// A GitHub route, with the `status` filter of a run list kept and a `created` filter marked
/// (its date varies): a `status=waiting` list, a list of runs created since a date and the
/// full list of the same repository cost differently, and are told apart.
fn github_resource(rest: &str, query: &str) -> String {
    let route = route(rest, "repos", 2);
    let status = query.split('&').find_map(|p| p.strip_prefix("status="));
    let created = query.split('&').any(|p| p.starts_with("created="));
    match (status, created) {
        (Some(status), false) => format!("{route}?status={status}"),
        (Some(status), true) => format!("{route}?status={status}&created"),
        (None, true) => format!("{route}?created"),
        (None, false) => route,
    }
}

/// A provider path with its ids generalised: the `owner` segments after `scope` and every
/// number become placeholders (`repos/:o/:o/actions/runs/:id/jobs`).
fn route(rest: &str, scope: &str, owner: usize) -> String {
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let mut out = Vec::with_capacity(segments.len());
    let mut i = 0;
    while i < segments.len() {
        out.push(if segments[i].chars().all(|c| c.is_ascii_digit()) {
            ":id".to_string()
        } else {
            segments[i].to_string()
        });
        if segments[i] == scope && i == 0 {
            for _ in 0..owner {
                i += 1;
                if i < segments.len() {
                    out.push(format!(":{scope}"));
                }
            }
        }
        i += 1;
    }
    out.join("/")
}

/// `list`, `watch`, `get`, `create`, `update`, `patch`, `delete` as the API server's audit
/// log names them.
fn kube_verb(method: &Method, path: &str, query: &str) -> String {
    let watch = query
        .split('&')
        .any(|p| p == "watch=1" || p == "watch=true");
    match *method {
        Method::GET if watch => "watch".into(),
        Method::GET if named(path) => "get".into(),
        Method::GET => "list".into(),
        Method::POST => "create".into(),
        Method::PUT => "update".into(),
        Method::PATCH => "patch".into(),
        Method::DELETE => "delete".into(),
        ref other => other.as_str().to_ascii_lowercase(),
    }
}

/// The path's segments after `/api/v1` or `/apis/GROUP/VERSION` and `namespaces/NS`.
fn kube_tail(path: &str) -> Option<Vec<&str>> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let tail = match segments.as_slice() {
        ["api", _version, tail @ ..] => tail,
        ["apis", _group, _version, tail @ ..] => tail,
        _ => return None,
    };
    Some(match tail {
        ["namespaces", _ns, rest @ ..] if !rest.is_empty() => rest.to_vec(),
        other => other.to_vec(),
    })
}

fn named(path: &str) -> bool {
    kube_tail(path).is_some_and(|t| t.len() >= 2)
}

/// `pods`, `pods/log`, `rollouts/status`; `discovery` for everything else.
fn kube_resource(path: &str) -> String {
    match kube_tail(path).as_deref() {
        Some([plural]) | Some([plural, _]) => (*plural).to_string(),
        Some([plural, _, sub, ..]) => format!("{plural}/{sub}"),
        _ => "discovery".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(method: Method, path: &str, query: &str) -> Option<(&'static str, String, String)> {
        classify(&method, path, query)
    }

    #[test]
    fn requests_are_classified_as_an_audit_log_would() {
        let k = |v: &str, r: &str| Some(("kubernetes", v.to_string(), r.to_string()));
        assert_eq!(
            c(Method::GET, "/api/v1/namespaces/a/pods", ""),
            k("list", "pods")
        );
        assert_eq!(
            c(Method::GET, "/api/v1/pods", "watch=true&rv=1"),
            k("watch", "pods")
        );
        assert_eq!(
            c(
                Method::GET,
                "/api/v1/namespaces/a/pods/p/log",
                "follow=true"
            ),
            k("get", "pods/log")
        );
        assert_eq!(
            c(
                Method::PATCH,
                "/apis/argoproj.io/v1alpha1/namespaces/a/rollouts/r/status",
                ""
            ),
            k("patch", "rollouts/status")
        );
        assert_eq!(
            c(Method::GET, "/api/v1/namespaces/a", ""),
            k("get", "namespaces")
        );
        assert_eq!(c(Method::GET, "/apis", ""), k("list", "discovery"));
        assert_eq!(
            c(
                Method::GET,
                "/github/repos/acme/orders-api/actions/runs/42/jobs",
                ""
            ),
            Some((
                "github",
                "get".into(),
                "repos/:repos/:repos/actions/runs/:id/jobs".into()
            ))
        );
        assert_eq!(
            c(
                Method::GET,
                "/github/repos/acme/orders-api/actions/runs",
                "status=waiting&per_page=10"
            ),
            Some((
                "github",
                "get".into(),
                "repos/:repos/:repos/actions/runs?status=waiting".into()
            ))
        );
        assert_eq!(
            c(
                Method::GET,
                "/gitlab/api/v4/projects/bnpl%2Ffeature-store/pipelines/7/jobs",
                ""
            ),
            Some((
                "gitlab",
                "get".into(),
                "projects/:projects/pipelines/:id/jobs".into()
            ))
        );
        assert_eq!(
            c(
                Method::GET,
                "/github/repos/acme/orders-api/actions/workflows/ci-cd.yml/runs",
                "per_page=10&created=%3E2026-11-22T03%3A20%3A00Z"
            )
            .map(|c| c.2),
            Some("repos/:repos/:repos/actions/workflows/ci-cd.yml/runs?created".into())
        );
        assert_eq!(c(Method::POST, "/sim/clock", ""), None);
    }
}
