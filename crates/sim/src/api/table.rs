//! `meta.k8s.io/v1` Table conversion: the columns and cells the real server renders per kind
//! (kubectl prints them as given, upper-casing the column names), and `PartialObjectMetadata`.

use serde_json::{Value, json};

use super::super::resources::{ResId, ids};
use super::age;
use super::path::Query;
use super::pod_row;
use super::selectors::selector_string;
use super::table_kinds::{
    self, AGE, CONTAINERS, Column, IMAGES, NAME, SELECTOR, containers_and_images,
};
use super::views;

/// What each table row carries as `object` (`includeObject`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Include {
    /// Nothing.
    None,
    /// `PartialObjectMetadata` (the default).
    Metadata,
    /// The whole object.
    Object,
}

impl Include {
    /// From the `includeObject` query parameter.
    pub(crate) fn from_query(q: &Query) -> Self {
        match q.get("includeObject") {
            Some("None") => Include::None,
            Some("Object") => Include::Object,
            _ => Include::Metadata,
        }
    }
}

/// `(NAME, type, priority)` of each column of a kind.
fn columns(res: ResId) -> Vec<Column> {
    if let Some(cols) = table_kinds::columns(res) {
        return cols;
    }
    match res {
        r if r == ids::PODS => vec![
            NAME,
            ("Ready", "string", 0),
            ("Status", "string", 0),
            ("Restarts", "string", 0),
            AGE,
            ("IP", "string", 1),
            ("Node", "string", 1),
            ("Nominated Node", "string", 1),
            ("Readiness Gates", "string", 1),
        ],
        r if r == ids::DEPLOYMENTS => vec![
            NAME,
            ("Ready", "string", 0),
            ("Up-to-date", "integer", 0),
            ("Available", "integer", 0),
            AGE,
            CONTAINERS,
            IMAGES,
            SELECTOR,
        ],
        r if r == ids::REPLICASETS => vec![
            NAME,
            ("Desired", "integer", 0),
            ("Current", "integer", 0),
            ("Ready", "integer", 0),
            AGE,
            CONTAINERS,
            IMAGES,
            SELECTOR,
        ],
        r if r == ids::SERVICES => vec![
            NAME,
            ("Type", "string", 0),
            ("Cluster-IP", "string", 0),
            ("External-IP", "string", 0),
            ("Port(s)", "string", 0),
            AGE,
            SELECTOR,
        ],
        r if r == ids::NAMESPACES => vec![NAME, ("Status", "string", 0), AGE],
        r if r == ids::NODES => vec![
            NAME,
            ("Status", "string", 0),
            ("Roles", "string", 0),
            AGE,
            ("Version", "string", 0),
            ("Internal-IP", "string", 1),
            ("External-IP", "string", 1),
            ("OS-Image", "string", 1),
            ("Kernel-Version", "string", 1),
            ("Container-Runtime", "string", 1),
        ],
        r if r == ids::EVENTS || r == ids::EVENTS_V1 => vec![
            ("Last Seen", "string", 0),
            ("Type", "string", 0),
            ("Reason", "string", 0),
            ("Object", "string", 0),
            ("Subobject", "string", 1),
            ("Source", "string", 1),
            ("Message", "string", 0),
            ("First Seen", "string", 1),
            ("Count", "string", 1),
            ("Name", "string", 1),
        ],
        // The Argo Rollouts CRD's additionalPrinterColumns.
        r if r == ids::ROLLOUTS => vec![
            NAME,
            ("Desired", "integer", 0),
            ("Current", "integer", 0),
            ("Up-to-date", "integer", 0),
            ("Available", "integer", 0),
            ("Age", "date", 0),
        ],
        r if r == ids::ANALYSISRUNS => vec![NAME, ("Status", "string", 0), ("Age", "date", 0)],
        _ => vec![NAME, AGE],
    }
}

/// The column definitions of a kind's table.
pub(crate) fn column_definitions(res: ResId) -> Vec<Value> {
    columns(res)
        .into_iter()
        .map(|(name, ty, priority)| {
            let format = if name == "Name" && res != ids::EVENTS && res != ids::EVENTS_V1 {
                "name"
            } else {
                ""
            };
            json!({
                "name": name,
                "type": ty,
                "format": format,
                "description": description(name),
                "priority": priority,
            })
        })
        .collect()
}

fn description(column: &str) -> &'static str {
    match column {
        "Name" => "Name must be unique within a namespace.",
        "Age" => {
            "CreationTimestamp is a timestamp representing the server time when this object was created."
        }
        _ => "",
    }
}

/// The cells of one object's row, at simulated `now_ms`.
pub(crate) fn cells(res: ResId, obj: &Value, now_ms: i64) -> Vec<Value> {
    if let Some(cells) = table_kinds::cells(res, obj, now_ms) {
        return cells;
    }
    let meta = &obj["metadata"];
    let name = json!(meta["name"].as_str().unwrap_or_default());
    let age = json!(age::since(&meta["creationTimestamp"], now_ms));
    let spec = &obj["spec"];
    let status = &obj["status"];
    let int = |v: &Value| json!(v.as_i64().unwrap_or(0));
    match res {
        r if r == ids::PODS => {
            let row = pod_row::derive(obj, now_ms);
            let gates = spec["readinessGates"].as_array().filter(|g| !g.is_empty());
            let gates = match gates {
                None => "<none>".to_string(),
                Some(g) => {
                    let conds = status["conditions"].as_array().cloned().unwrap_or_default();
                    let ok = g
                        .iter()
                        .filter(|gate| {
                            conds.iter().any(|c| {
                                c["type"] == gate["conditionType"] && c["status"] == "True"
                            })
                        })
                        .count();
                    format!("{ok}/{}", g.len())
                }
            };
            vec![
                name,
                json!(row.ready),
                json!(row.status),
                json!(row.restarts),
                age,
                json!(or_none(&status["podIP"])),
                json!(or_none(&spec["nodeName"])),
                json!(or_none(&status["nominatedNodeName"])),
                json!(gates),
            ]
        }
        r if r == ids::DEPLOYMENTS => {
            let (containers, images) = containers_and_images(&spec["template"]["spec"]);
            vec![
                name,
                json!(format!(
                    "{}/{}",
                    status["readyReplicas"].as_i64().unwrap_or(0),
                    spec["replicas"].as_i64().unwrap_or(1)
                )),
                int(&status["updatedReplicas"]),
                int(&status["availableReplicas"]),
                age,
                json!(containers),
                json!(images),
                json!(selector_string(&spec["selector"])),
            ]
        }
        r if r == ids::REPLICASETS => {
            let (containers, images) = containers_and_images(&spec["template"]["spec"]);
            vec![
                name,
                int(&spec["replicas"]),
                int(&status["replicas"]),
                int(&status["readyReplicas"]),
                age,
                json!(containers),
                json!(images),
                json!(selector_string(&spec["selector"])),
            ]
        }
        r if r == ids::SERVICES => service_cells(obj, name, age),
        r if r == ids::NAMESPACES => vec![
            name,
            json!(status["phase"].as_str().unwrap_or("Active")),
            age,
        ],
        r if r == ids::NODES => node_cells(obj, name, age),
        r if r == ids::EVENTS => event_cells(obj, now_ms),
        r if r == ids::EVENTS_V1 => event_cells(&views::event_to_core(obj), now_ms),
        r if r == ids::ROLLOUTS => vec![
            name,
            opt_int(&spec["replicas"]),
            opt_int(&status["replicas"]),
            opt_int(&status["updatedReplicas"]),
            opt_int(&status["availableReplicas"]),
            age,
        ],
        r if r == ids::ANALYSISRUNS => vec![name, status["phase"].clone(), age],
        _ => vec![name, age],
    }
}

/// A CRD column value: the number when present, `null` (kubectl shows `<none>`) otherwise.
fn opt_int(v: &Value) -> Value {
    v.as_i64().map_or(Value::Null, |n| json!(n))
}

fn or_none(v: &Value) -> String {
    v.as_str()
        .filter(|s| !s.is_empty())
        .unwrap_or("<none>")
        .to_string()
}

fn service_cells(obj: &Value, name: Value, age: Value) -> Vec<Value> {
    let spec = &obj["spec"];
    let ty = spec["type"].as_str().unwrap_or("ClusterIP");
    let cluster_ip = spec["clusterIP"].as_str().unwrap_or("<none>");
    let ingress: Vec<String> = obj["status"]["loadBalancer"]["ingress"]
        .as_array()
        .map(|is| {
            is.iter()
                .filter_map(|i| i["ip"].as_str().or(i["hostname"].as_str()))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let mut external: Vec<String> = spec["externalIPs"]
        .as_array()
        .map(|v| {
            v.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let external = match ty {
        "LoadBalancer" => {
            external.extend(ingress);
            if external.is_empty() {
                "<pending>".to_string()
            } else {
                external.join(",")
            }
        }
        "ExternalName" => spec["externalName"]
            .as_str()
            .unwrap_or("<none>")
            .to_string(),
        _ if external.is_empty() => "<none>".to_string(),
        _ => external.join(","),
    };
    let ports: Vec<String> = spec["ports"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .map(|p| {
                    let proto = p["protocol"].as_str().unwrap_or("TCP");
                    let port = p["port"].as_i64().unwrap_or(0);
                    match p["nodePort"].as_i64() {
                        Some(np) if np != 0 => format!("{port}:{np}/{proto}"),
                        _ => format!("{port}/{proto}"),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let ports = if ports.is_empty() {
        "<none>".to_string()
    } else {
        ports.join(",")
    };
    let selector = spec["selector"]
        .as_object()
        .filter(|m| !m.is_empty())
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_else(|| "<none>".into());
    vec![
        name,
        json!(ty),
        json!(cluster_ip),
        json!(external),
        json!(ports),
        age,
        json!(selector),
    ]
}

fn node_cells(obj: &Value, name: Value, age: Value) -> Vec<Value> {
    let status = &obj["status"];
    let ready = status["conditions"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["type"] == "Ready"))
        .map(|c| c["status"].as_str() == Some("True"));
    let mut state = match ready {
        Some(true) => "Ready".to_string(),
        Some(false) => "NotReady".to_string(),
        None => "Unknown".to_string(),
    };
    if obj["spec"]["unschedulable"].as_bool() == Some(true) {
        state.push_str(",SchedulingDisabled");
    }
    let mut roles: Vec<String> = obj["metadata"]["labels"]
        .as_object()
        .map(|m| {
            m.keys()
                .filter_map(|k| k.strip_prefix("node-role.kubernetes.io/"))
                .filter(|r| !r.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    roles.sort();
    let roles = if roles.is_empty() {
        "<none>".to_string()
    } else {
        roles.join(",")
    };
    let address = |kind: &str| {
        status["addresses"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["type"] == kind))
            .and_then(|x| x["address"].as_str())
            .unwrap_or("<none>")
            .to_string()
    };
    let info = &status["nodeInfo"];
    let text = |v: &Value| v.as_str().unwrap_or("<unknown>").to_string();
    vec![
        name,
        json!(state),
        json!(roles),
        age,
        json!(info["kubeletVersion"].as_str().unwrap_or_default()),
        json!(address("InternalIP")),
        json!(address("ExternalIP")),
        json!(text(&info["osImage"])),
        json!(text(&info["kernelVersion"])),
        json!(text(&info["containerRuntimeVersion"])),
    ]
}

fn event_cells(ev: &Value, now_ms: i64) -> Vec<Value> {
    let first = if ev["firstTimestamp"].is_string() {
        age::since(&ev["firstTimestamp"], now_ms)
    } else {
        age::since(&ev["eventTime"], now_ms)
    };
    let mut last = if ev["lastTimestamp"].is_string() {
        age::since(&ev["lastTimestamp"], now_ms)
    } else {
        first.clone()
    };
    let mut count = ev["count"].as_i64().unwrap_or(0);
    if ev["series"].is_object() {
        last = age::since(&ev["series"]["lastObservedTime"], now_ms);
        count = ev["series"]["count"].as_i64().unwrap_or(0);
    } else if count == 0 {
        count = 1;
    }
    let involved = &ev["involvedObject"];
    let kind = involved["kind"].as_str().unwrap_or_default().to_lowercase();
    let target = match involved["name"].as_str().filter(|n| !n.is_empty()) {
        Some(n) => format!("{kind}/{n}"),
        None => kind,
    };
    let source = &ev["source"];
    let component = source["component"]
        .as_str()
        .or(ev["reportingComponent"].as_str())
        .unwrap_or_default();
    let source = match source["host"].as_str().filter(|h| !h.is_empty()) {
        Some(h) => format!("{component}, {h}"),
        None => component.to_string(),
    };
    vec![
        json!(last),
        json!(ev["type"].as_str().unwrap_or_default()),
        json!(ev["reason"].as_str().unwrap_or_default()),
        json!(target),
        json!(involved["fieldPath"].as_str().unwrap_or_default()),
        json!(source),
        json!(ev["message"].as_str().unwrap_or_default().trim()),
        json!(first),
        json!(count),
        json!(ev["metadata"]["name"].as_str().unwrap_or_default()),
    ]
}

/// `PartialObjectMetadata` of an object.
pub(crate) fn partial(obj: &Value) -> Value {
    json!({
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": obj["metadata"].clone(),
    })
}

/// One table row.
pub(crate) fn row(res: ResId, obj: &Value, now_ms: i64, include: Include) -> Value {
    let mut row = json!({ "cells": cells(res, obj, now_ms) });
    match include {
        Include::None => {}
        Include::Metadata => row["object"] = partial(obj),
        Include::Object => row["object"] = obj.clone(),
    }
    row
}

/// A whole Table for these objects, with the list metadata given.
pub(crate) fn table(
    res: ResId,
    objs: &[&Value],
    now_ms: i64,
    include: Include,
    list_meta: Value,
) -> Value {
    table_with(res, objs, now_ms, include, list_meta, true)
}

/// A Table, with or without its column definitions: a watch sends them with its first event
/// only and `null` after, like the real server (headers are printed once).
pub(crate) fn table_with(
    res: ResId,
    objs: &[&Value],
    now_ms: i64,
    include: Include,
    list_meta: Value,
    headers: bool,
) -> Value {
    let defs = if headers {
        json!(column_definitions(res))
    } else {
        Value::Null
    };
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": list_meta,
        "columnDefinitions": defs,
        "rows": objs.iter().map(|o| row(res, o, now_ms, include)).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

    #[test]
    fn every_row_has_one_cell_per_column() {
        let obj = json!({"metadata": {"name": "x", "creationTimestamp": "2025-12-31T23:55:00Z"}});
        for (i, _) in super::super::super::resources::RESOURCES.iter().enumerate() {
            let res = ResId(i);
            assert_eq!(
                cells(res, &obj, NOW).len(),
                columns(res).len(),
                "{}",
                res.def().kind
            );
        }
    }

    #[test]
    fn deployment_and_service_cells() {
        let d = json!({
            "metadata": {"name": "web", "creationTimestamp": "2025-12-31T23:55:00Z"},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"spec": {"containers": [{"name": "app", "image": "shop/web:1.2"}]}}},
            "status": {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2}
        });
        let c = cells(ids::DEPLOYMENTS, &d, NOW);
        assert_eq!(
            c,
            vec![
                json!("web"),
                json!("2/3"),
                json!(3),
                json!(2),
                json!("5m"),
                json!("app"),
                json!("shop/web:1.2"),
                json!("app=web")
            ]
        );
        let s = json!({"metadata": {"name": "web"}, "spec": {"type": "NodePort", "clusterIP": "10.96.0.12",
            "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"}, {"port": 9090}]}});
        let c = cells(ids::SERVICES, &s, NOW);
        assert_eq!(
            c[1..5],
            [
                json!("NodePort"),
                json!("10.96.0.12"),
                json!("<none>"),
                json!("80:30080/TCP,9090/TCP")
            ]
        );
    }

    #[test]
    fn event_and_node_cells() {
        let ev = json!({"metadata": {"name": "web.1"}, "type": "Warning", "reason": "BackOff",
            "involvedObject": {"kind": "Pod", "name": "web-1"}, "message": "Back-off restarting failed container ",
            "firstTimestamp": "2025-12-31T23:50:00Z", "lastTimestamp": "2025-12-31T23:59:30Z", "count": 7,
            "source": {"component": "kubelet", "host": "node-1"}});
        let c = cells(ids::EVENTS, &ev, NOW);
        assert_eq!(
            c[..4],
            [
                json!("30s"),
                json!("Warning"),
                json!("BackOff"),
                json!("pod/web-1")
            ]
        );
        assert_eq!(c[5], json!("kubelet, node-1"));
        assert_eq!(c[6], json!("Back-off restarting failed container"));
        assert_eq!(c[8], json!(7));
        let node = json!({"metadata": {"name": "n1", "labels": {"node-role.kubernetes.io/control-plane": ""}},
            "status": {"conditions": [{"type": "Ready", "status": "True"}], "nodeInfo": {"kubeletVersion": "v1.32.4"}}});
        let c = cells(ids::NODES, &node, NOW);
        assert_eq!(c[1..3], [json!("Ready"), json!("control-plane")]);
        assert_eq!(c[4], json!("v1.32.4"));
    }
}
