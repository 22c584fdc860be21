//! `GET /sim/stats`: what the simulator served, so any client's API cost can be measured side
//! by side — requests by API (kubernetes, github, gitlab, prometheus), verb, resource and
//! status code, with 304s and 429s totalled apart. `DELETE /sim/stats` starts counting afresh.
//! The simulator's own control API (`/sim/…`) is not counted: it is not a client's cost.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
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

/// The counts since the start or the last reset.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    counts: BTreeMap<Key, u64>,
}

impl Stats {
    fn record(&mut self, key: Key) {
        *self.counts.entry(key).or_default() += 1;
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
        let mut totals: BTreeMap<&str, (u64, u64, u64)> = BTreeMap::new();
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
        let totals: serde_json::Map<String, Value> = totals
            .into_iter()
            .map(|(api, (requests, not_modified, too_many))| {
                (
                    api.to_string(),
                    json!({"requests": requests, "not_modified": not_modified, "too_many": too_many}),
                )
            })
            .collect();
        json!({"requests": requests, "totals": totals})
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
    *sim.stats() = Stats::default();
    StatusCode::NO_CONTENT.into_response()
}

/// Counts every answered request of a client API.
pub(crate) async fn count(State(sim): State<Arc<Sim>>, req: Request, next: Next) -> Response {
    let classified = classify(
        req.method(),
        req.uri().path(),
        req.uri().query().unwrap_or_default(),
    );
    let resp = next.run(req).await;
    if let Some((api, verb, resource)) = classified {
        sim.stats().record(Key {
            api,
            verb,
            resource,
            status: resp.status().as_u16(),
        });
    }
    resp
}

/// API, verb and resource of a request; `None` for the simulator's own control API.
fn classify(method: &Method, path: &str, query: &str) -> Option<(&'static str, String, String)> {
    let verb = method.as_str().to_ascii_lowercase();
    if path.starts_with("/sim/") || path == "/sim" {
        return None;
    }
    if let Some(rest) = path.strip_prefix("/github/") {
        return Some(("github", verb, route(rest, "repos", 2)));
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
                "/gitlab/api/v4/projects/bnpl%2Ffeature-store/pipelines/7/jobs",
                ""
            ),
            Some((
                "gitlab",
                "get".into(),
                "projects/:projects/pipelines/:id/jobs".into()
            ))
        );
        assert_eq!(c(Method::POST, "/sim/clock", ""), None);
    }
}
