//! OpenAPI v3, as `kubectl explain`, client-side apply and field validation read it: an index
//! at `/openapi/v3` and one self-contained document per group version. Schemas of built-in
//! kinds come from k8s-openapi (the Kubernetes API's own schemas and descriptions, every
//! field at every depth); the Argo kinds publish their CRDs' structural schemas, as the real
//! server does for custom resources.

mod paths;
mod schemas;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::super::resources::RESOURCES;
use super::super::rng;
use super::super::status::ApiError;
use super::discovery::MINOR;
use super::path::Query;

/// One group version's document, serialised once.
struct Doc {
    hash: String,
    body: Vec<u8>,
}

/// Every served group version's document, keyed by its path under `/openapi/v3/`.
fn docs() -> &'static BTreeMap<String, Doc> {
    static DOCS: OnceLock<BTreeMap<String, Doc>> = OnceLock::new();
    DOCS.get_or_init(|| {
        let mut out = BTreeMap::new();
        for (group, version) in group_versions() {
            let doc = build(group, version);
            let body = serde_json::to_vec(&doc).unwrap_or_default();
            let hash = hex_hash(&body);
            out.insert(key(group, version), Doc { hash, body });
        }
        out
    })
}

fn group_versions() -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&'static str, &'static str)> = Vec::new();
    for r in RESOURCES {
        if !out.contains(&(r.group, r.version)) {
            out.push((r.group, r.version));
        }
    }
    out
}

fn key(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

/// A content hash like the server's (upper-case hex of the document), so clients cache well.
fn hex_hash(body: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut out = String::new();
    for round in 0..4u64 {
        for b in body {
            h = rng::mix(h ^ u64::from(*b) ^ round);
        }
        out.push_str(&format!("{h:016X}"));
    }
    out
}

fn build(group: &str, version: &str) -> Value {
    json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": format!("v1.{MINOR}.4")},
        "paths": paths::for_group_version(group, version),
        "components": {
            "schemas": schemas::for_group_version(group, version),
            "securitySchemes": {
                "BearerToken": {"type": "apiKey", "description": "Bearer Token authentication", "name": "authorization", "in": "header"},
            },
        },
    })
}

/// `GET /openapi/v3`.
pub(crate) fn index() -> Response {
    let paths: serde_json::Map<String, Value> = docs()
        .iter()
        .map(|(k, d)| {
            let url = format!("/openapi/v3/{k}?hash={}", d.hash);
            (k.clone(), json!({"serverRelativeURL": url}))
        })
        .collect();
    let mut resp = super::json(StatusCode::OK, &json!({ "paths": paths }));
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, private"),
    );
    resp
}

/// `GET /openapi/v3/{api/v1 | apis/group/version}[?hash=…]`.
pub(crate) fn document(path: &str, query: &Query) -> Result<Response, ApiError> {
    let doc = docs().get(path).ok_or_else(ApiError::no_route)?;
    // A matching hash names this exact content, so it may be cached for good; the real server
    // sends the same header.
    let cache = if query.get("hash") == Some(doc.hash.as_str()) {
        "public, immutable"
    } else {
        "no-cache, private"
    };
    let mut resp = (StatusCode::OK, doc.body.clone()).into_response();
    let headers = resp.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(etag) = HeaderValue::from_str(&format!("\"{}\"", doc.hash)) {
        headers.insert(header::ETAG, etag);
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_group_version_has_a_document_with_its_kinds() {
        let docs = docs();
        assert!(docs.contains_key("api/v1"));
        assert!(docs.contains_key("apis/argoproj.io/v1alpha1"));
        let core: Value = serde_json::from_slice(&docs["api/v1"].body).unwrap_or_default();
        let pod = &core["components"]["schemas"]["io.k8s.api.core.v1.Pod"];
        assert_eq!(
            pod["x-kubernetes-group-version-kind"],
            json!([{"group": "", "version": "v1", "kind": "Pod"}])
        );
        assert_eq!(
            pod["properties"]["spec"]["allOf"][0]["$ref"],
            "#/components/schemas/io.k8s.api.core.v1.PodSpec"
        );
        let containers = &core["components"]["schemas"]["io.k8s.api.core.v1.PodSpec"]["properties"]
            ["containers"];
        assert_eq!(containers["x-kubernetes-patch-merge-key"], "name");
        let patch = &core["paths"]["/api/v1/namespaces/{namespace}/pods/{name}"]["patch"];
        assert_eq!(patch["x-kubernetes-group-version-kind"]["kind"], "Pod");
        let argo: Value =
            serde_json::from_slice(&docs["apis/argoproj.io/v1alpha1"].body).unwrap_or_default();
        let ro = &argo["components"]["schemas"]["io.argoproj.v1alpha1.Rollout"];
        assert_eq!(ro["x-kubernetes-group-version-kind"][0]["kind"], "Rollout");
        assert!(ro["properties"]["spec"]["properties"]["strategy"].is_object());
    }
}
