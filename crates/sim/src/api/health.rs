//! `/healthz`, `/livez` and `/readyz`: the API server's health checks, in its plain-text
//! format (`ok`, or with `?verbose` one `[+]check ok` line per check and a closing verdict).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::path::Query;

/// Checks every endpoint runs, in the order the real server lists them.
const COMMON: &[&str] = &[
    "ping",
    "log",
    "etcd",
    "poststarthook/start-apiserver-admission-initializer",
    "poststarthook/generic-apiserver-start-informers",
    "poststarthook/priority-and-fairness-config-consumer",
    "poststarthook/priority-and-fairness-filter",
    "poststarthook/storage-object-count-tracker-hook",
    "poststarthook/start-apiextensions-informers",
    "poststarthook/start-apiextensions-controllers",
    "poststarthook/crd-informer-synced",
    "poststarthook/start-system-namespaces-controller",
    "poststarthook/bootstrap-controller",
    "poststarthook/rbac/bootstrap-roles",
    "poststarthook/scheduling/bootstrap-system-priority-classes",
    "poststarthook/apiservice-registration-controller",
    "poststarthook/apiservice-discovery-controller",
];

/// The checks an endpoint (`healthz`, `livez`, `readyz`) reports.
pub(crate) fn checks(endpoint: &str) -> Vec<&'static str> {
    let mut out = COMMON.to_vec();
    if endpoint == "readyz" {
        // Readiness also waits for etcd to answer reads and for the informers to sync, and
        // fails while the server shuts down.
        out.insert(3, "etcd-readiness");
        out.insert(4, "informer-sync");
        out.push("shutdown");
    }
    out
}

/// Answers one health endpoint or one of its checks.
pub(crate) fn serve(endpoint: &str, check: Option<&str>, query: &Query) -> Response {
    let body = match check {
        Some(_) => "ok".to_string(),
        None if query.get("verbose").is_some() => verbose(endpoint, query),
        None => "ok".to_string(),
    };
    let mut resp = (StatusCode::OK, body).into_response();
    let headers = resp.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    resp
}

fn verbose(endpoint: &str, query: &Query) -> String {
    let excluded: Vec<&str> = query
        .get("exclude")
        .map(|e| e.split(',').collect())
        .unwrap_or_default();
    let mut out = String::new();
    for check in checks(endpoint) {
        if excluded.contains(&check) {
            out.push_str(&format!("[+]{check} excluded: ok\n"));
        } else {
            out.push_str(&format!("[+]{check} ok\n"));
        }
    }
    out.push_str(&format!("{endpoint} check passed\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbose_lists_every_check_and_the_verdict() {
        let text = verbose("readyz", &Query::parse(Some("verbose&exclude=etcd")));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "[+]ping ok");
        assert!(lines.contains(&"[+]etcd excluded: ok"));
        assert!(lines.contains(&"[+]informer-sync ok"));
        assert_eq!(lines.last(), Some(&"readyz check passed"));
        assert!(!checks("livez").contains(&"shutdown"));
    }
}
