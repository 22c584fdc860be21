//! `/version` and discovery, both aggregated (one document per root) and legacy (one per
//! group version), generated from the resource registry.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::super::resources::{self, RESOURCES, Resource};
use super::negotiate::{AGGREGATED_DISCOVERY, Shape};

/// The Kubernetes version the simulator reports (kubectl's dispatcher picks its binary by it).
pub(crate) const MINOR: &str = "32";

/// `GET /version`.
pub(crate) fn version() -> Value {
    json!({
        "major": "1",
        "minor": MINOR,
        "gitVersion": format!("v1.{MINOR}.4"),
        "gitCommit": "59526cd4867447956156ae3a602fcbac5d2d0f3b",
        "gitTreeState": "clean",
        "buildDate": "2025-04-22T16:05:09Z",
        "goVersion": "go1.23.6",
        "compiler": "gc",
        "platform": "linux/amd64",
    })
}

/// `GET /api`: aggregated when asked, otherwise `APIVersions`.
pub(crate) fn core_root(shape: Shape, host: &str) -> Response {
    if shape == Shape::AggregatedDiscovery {
        return aggregated(vec![group_discovery("")]);
    }
    json_response(json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": host}],
    }))
}

/// `GET /apis`: aggregated when asked, otherwise `APIGroupList`.
pub(crate) fn groups_root(shape: Shape) -> Response {
    let groups = resources::groups();
    if shape == Shape::AggregatedDiscovery {
        return aggregated(groups.iter().map(|(g, _)| group_discovery(g)).collect());
    }
    json_response(json!({
        "kind": "APIGroupList",
        "apiVersion": "v1",
        "groups": groups.iter().map(|(g, v)| api_group(g, v)).collect::<Vec<_>>(),
    }))
}

/// `GET /apis/{group}`.
pub(crate) fn group(name: &str) -> Response {
    let version = resources::groups()
        .into_iter()
        .find(|(g, _)| *g == name)
        .map(|(_, v)| v)
        .unwrap_or("v1");
    let mut g = api_group(name, version);
    g["kind"] = json!("APIGroup");
    g["apiVersion"] = json!("v1");
    json_response(g)
}

/// `GET /api/v1` or `/apis/{group}/{version}`: the legacy `APIResourceList`.
pub(crate) fn resource_list(group: &str, version: &str) -> Response {
    let mut out = Vec::new();
    for r in RESOURCES
        .iter()
        .filter(|r| r.group == group && r.version == version)
    {
        out.push(json!({
            "name": r.plural,
            "singularName": r.singular,
            "namespaced": r.namespaced,
            "kind": r.kind,
            "verbs": r.verbs,
            "shortNames": r.short_names,
            "categories": r.categories,
        }));
        for s in r.subresources {
            let mut sub = json!({
                "name": format!("{}/{}", r.plural, s.name),
                "singularName": "",
                "namespaced": r.namespaced,
                "kind": if s.kind.is_empty() { r.kind } else { s.kind },
                "verbs": s.verbs,
            });
            if let Some((g, v)) = s.group_version {
                sub["group"] = json!(g);
                sub["version"] = json!(v);
            }
            out.push(sub);
        }
    }
    let group_version = RESOURCES
        .iter()
        .find(|r| r.group == group && r.version == version)
        .map(Resource::api_version)
        .unwrap_or_else(|| version.to_string());
    json_response(json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": out,
    }))
}

fn api_group(name: &str, version: &str) -> Value {
    let gv = json!({"groupVersion": format!("{name}/{version}"), "version": version});
    json!({"name": name, "versions": [gv.clone()], "preferredVersion": gv})
}

fn group_discovery(group: &str) -> Value {
    let mut versions: Vec<&str> = Vec::new();
    for r in RESOURCES.iter().filter(|r| r.group == group) {
        if !versions.contains(&r.version) {
            versions.push(r.version);
        }
    }
    let versions: Vec<Value> = versions
        .into_iter()
        .map(|v| {
            let resources: Vec<Value> = RESOURCES
                .iter()
                .filter(|r| r.group == group && r.version == v)
                .map(resource_discovery)
                .collect();
            json!({"version": v, "resources": resources, "freshness": "Current"})
        })
        .collect();
    let mut metadata = json!({"creationTimestamp": null});
    if !group.is_empty() {
        metadata["name"] = json!(group);
    }
    json!({"metadata": metadata, "versions": versions})
}

fn resource_discovery(r: &Resource) -> Value {
    let subresources: Vec<Value> = r
        .subresources
        .iter()
        .map(|s| {
            let (g, v) = s.group_version.unwrap_or((r.group, r.version));
            let kind = if s.kind.is_empty() { r.kind } else { s.kind };
            json!({
                "subresource": s.name,
                "responseKind": {"group": g, "version": v, "kind": kind},
                "verbs": s.verbs,
            })
        })
        .collect();
    let mut out = json!({
        "resource": r.plural,
        "responseKind": {"group": r.group, "version": r.version, "kind": r.kind},
        "scope": if r.namespaced { "Namespaced" } else { "Cluster" },
        "singularResource": r.singular,
        "verbs": r.verbs,
    });
    if !r.short_names.is_empty() {
        out["shortNames"] = json!(r.short_names);
    }
    if !r.categories.is_empty() {
        out["categories"] = json!(r.categories);
    }
    if !subresources.is_empty() {
        out["subresources"] = json!(subresources);
    }
    out
}

fn aggregated(items: Vec<Value>) -> Response {
    let body = json!({
        "kind": "APIGroupDiscoveryList",
        "apiVersion": "apidiscovery.k8s.io/v2",
        "metadata": {},
        "items": items,
    });
    let mut resp = axum::Json(body).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(AGGREGATED_DISCOVERY),
    );
    resp
}

fn json_response(v: Value) -> Response {
    axum::Json(v).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aggregated_discovery_has_subresources_with_scale_kind() {
        let apps = group_discovery("apps");
        let deploy = &apps["versions"][0]["resources"][0];
        assert_eq!(deploy["resource"], "deployments");
        assert_eq!(deploy["shortNames"], json!(["deploy"]));
        let scale = deploy["subresources"]
            .as_array()
            .and_then(|s| s.iter().find(|s| s["subresource"] == "scale"))
            .cloned()
            .unwrap_or_default();
        assert_eq!(
            scale["responseKind"],
            json!({"group": "autoscaling", "version": "v1", "kind": "Scale"})
        );
        let core = group_discovery("");
        assert!(core["metadata"].get("name").is_none());
        let kinds: Vec<&str> = core["versions"][0]["resources"]
            .as_array()
            .map(|r| {
                r.iter()
                    .filter_map(|r| r["responseKind"]["kind"].as_str())
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(
            kinds,
            [
                "Namespace",
                "Node",
                "Pod",
                "Event",
                "Service",
                "ConfigMap",
                "Secret",
                "ServiceAccount",
                "Endpoints",
                "PersistentVolumeClaim",
                "LimitRange",
                "ResourceQuota",
                "PersistentVolume"
            ]
        );
    }
}
