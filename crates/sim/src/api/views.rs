//! Kinds served as views of stored objects, computed whenever they are read so they are never
//! stale: Endpoints (what the endpoints controller would write from each Service's selector
//! and the ready pods' IPs and ports) and `events.k8s.io/v1` Events (the core Events in their
//! newer shape, as the real server converts one stored Event into either version).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::super::resources::{ResId, ids};
use super::super::rng;
use super::super::store::{Change, ChangeKind, Store, key_of};

/// Whether a kind is computed when read rather than stored.
pub(crate) fn is_view(res: ResId) -> bool {
    res == ids::ENDPOINTS || res == ids::EVENTS_V1
}

/// The objects of a view kind in a namespace (`None`: all), in namespace and name order.
pub(crate) fn objects(store: &Store, res: ResId, namespace: Option<&str>) -> Vec<Value> {
    if res == ids::EVENTS_V1 {
        return store
            .list(ids::EVENTS, namespace)
            .map(event_to_v1)
            .collect();
    }
    store
        .list(ids::SERVICES, namespace)
        .filter_map(|svc| endpoints_for(store, svc))
        .collect()
}

/// One object of a view kind.
pub(crate) fn get(store: &Store, res: ResId, namespace: &str, name: &str) -> Option<Value> {
    if res == ids::EVENTS_V1 {
        return store.get(ids::EVENTS, namespace, name).map(event_to_v1);
    }
    store
        .get(ids::SERVICES, namespace, name)
        .and_then(|svc| endpoints_for(store, svc))
}

/// Fields of a core Event and their `events.k8s.io/v1` names, for both directions.
const EVENT_FIELDS: [(&str, &str); 13] = [
    ("involvedObject", "regarding"),
    ("message", "note"),
    ("source", "deprecatedSource"),
    ("firstTimestamp", "deprecatedFirstTimestamp"),
    ("lastTimestamp", "deprecatedLastTimestamp"),
    ("count", "deprecatedCount"),
    ("reportingComponent", "reportingController"),
    ("reportingInstance", "reportingInstance"),
    ("series", "series"),
    ("related", "related"),
    ("action", "action"),
    ("reason", "reason"),
    ("type", "type"),
];

/// A core Event as `events.k8s.io/v1` serves it.
pub(crate) fn event_to_v1(ev: &Value) -> Value {
    let mut out = json!({
        "kind": "Event",
        "apiVersion": "events.k8s.io/v1",
        "metadata": ev["metadata"].clone(),
        "eventTime": ev["eventTime"].clone(),
    });
    for (core, v1) in EVENT_FIELDS {
        let v = &ev[core];
        let empty =
            v.is_null() || v.as_str() == Some("") || v.as_object().is_some_and(Map::is_empty);
        if !empty {
            out[v1] = v.clone();
        }
    }
    out
}

/// An `events.k8s.io/v1` Event back in the core shape (for the shared table columns).
pub(crate) fn event_to_core(ev: &Value) -> Value {
    let mut out = json!({"metadata": ev["metadata"].clone(), "eventTime": ev["eventTime"].clone()});
    for (core, v1) in EVENT_FIELDS {
        if !ev[v1].is_null() {
            out[core] = ev[v1].clone();
        }
    }
    out
}

fn uid_from(seed: &str) -> String {
    let h = rng::hash_str(seed);
    let l = rng::mix(h);
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        h >> 32,
        (h >> 16) & 0xffff,
        h & 0xfff,
        l & 0xfff,
        (l >> 16) & 0xffff_ffff_ffff
    )
}

fn rv_of(obj: &Value) -> u64 {
    obj["metadata"]["resourceVersion"]
        .as_str()
        .and_then(|r| r.parse().ok())
        .unwrap_or(0)
}

/// The Endpoints of a Service with a selector (services without one have none managed).
fn endpoints_for(store: &Store, svc: &Value) -> Option<Value> {
    let selector = svc["spec"]["selector"]
        .as_object()
        .filter(|s| !s.is_empty())?;
    let (ns, name) = key_of(svc);
    let mut rv = rv_of(svc);
    // Pods grouped by the ports they resolve to: one subset per distinct port list.
    let mut subsets: BTreeMap<String, (Value, Vec<Value>, Vec<Value>)> = BTreeMap::new();
    for pod in store.list(ids::PODS, Some(&ns)) {
        let labels = &pod["metadata"]["labels"];
        if !selector.iter().all(|(k, v)| &labels[k] == v) {
            continue;
        }
        rv = rv.max(rv_of(pod));
        let ip = pod["status"]["podIP"].as_str().unwrap_or_default();
        let phase = pod["status"]["phase"].as_str().unwrap_or_default();
        let deleting = pod["metadata"]["deletionTimestamp"].is_string();
        if ip.is_empty() || matches!(phase, "Succeeded" | "Failed") || deleting {
            continue;
        }
        let ports = resolve_ports(svc, pod);
        if ports.is_empty()
            && svc["spec"]["ports"]
                .as_array()
                .is_some_and(|p| !p.is_empty())
        {
            continue;
        }
        let mut address = json!({"ip": ip, "targetRef": {
            "kind": "Pod", "namespace": ns, "name": pod["metadata"]["name"], "uid": pod["metadata"]["uid"],
        }});
        if let Some(node) = pod["spec"]["nodeName"].as_str().filter(|n| !n.is_empty()) {
            address["nodeName"] = json!(node);
        }
        let ready = pod["status"]["conditions"].as_array().is_some_and(|cs| {
            cs.iter()
                .any(|c| c["type"] == "Ready" && c["status"] == "True")
        }) || svc["spec"]["publishNotReadyAddresses"].as_bool() == Some(true);
        let ports = Value::Array(ports);
        let entry = subsets
            .entry(ports.to_string())
            .or_insert_with(|| (ports, Vec::new(), Vec::new()));
        if ready {
            entry.1.push(address);
        } else {
            entry.2.push(address);
        }
    }
    let by_ip = |a: &Value, b: &Value| a["ip"].as_str().cmp(&b["ip"].as_str());
    let subsets: Vec<Value> = subsets
        .into_values()
        .map(|(ports, mut ready, mut not_ready)| {
            ready.sort_by(by_ip);
            not_ready.sort_by(by_ip);
            let mut s = json!({});
            if !ready.is_empty() {
                s["addresses"] = json!(ready);
            }
            if !not_ready.is_empty() {
                s["notReadyAddresses"] = json!(not_ready);
            }
            if ports.as_array().is_some_and(|p| !p.is_empty()) {
                s["ports"] = ports;
            }
            s
        })
        .collect();
    let mut meta = json!({
        "name": name,
        "namespace": ns,
        "uid": uid_from(&format!("endpoints/{}", svc["metadata"]["uid"].as_str().unwrap_or_default())),
        "resourceVersion": rv.to_string(),
        "creationTimestamp": svc["metadata"]["creationTimestamp"],
    });
    if let Some(labels) = svc["metadata"]["labels"]
        .as_object()
        .filter(|l| !l.is_empty())
    {
        meta["labels"] = json!(labels);
    }
    let mut ep = json!({"kind": "Endpoints", "apiVersion": "v1", "metadata": meta});
    if !subsets.is_empty() {
        ep["subsets"] = json!(subsets);
    }
    Some(ep)
}

/// The service's ports as this pod serves them: a named `targetPort` is looked up among the
/// pod's container ports (the pod is skipped for that port when it has none of that name).
fn resolve_ports(svc: &Value, pod: &Value) -> Vec<Value> {
    let container_ports: Vec<&Value> = pod["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|c| c["ports"].as_array().into_iter().flatten())
        .collect();
    let mut out = Vec::new();
    for p in svc["spec"]["ports"].as_array().into_iter().flatten() {
        let target = &p["targetPort"];
        let port = match (target.as_i64(), target.as_str()) {
            (Some(n), _) => Some(n),
            (None, Some(named)) => named.parse().ok().or_else(|| {
                container_ports
                    .iter()
                    .find(|cp| cp["name"].as_str() == Some(named))
                    .and_then(|cp| cp["containerPort"].as_i64())
            }),
            _ => p["port"].as_i64(),
        };
        let Some(port) = port else { continue };
        let mut e = json!({"port": port, "protocol": p["protocol"].as_str().unwrap_or("TCP")});
        if let Some(n) = p["name"].as_str().filter(|n| !n.is_empty()) {
            e["name"] = json!(n);
        }
        if let Some(a) = p["appProtocol"].as_str() {
            e["appProtocol"] = json!(a);
        }
        out.push(e);
    }
    out
}

/// The view's events for the source changes in `history` (a watch resumed from a
/// resourceVersion): Events one for one; for Endpoints, the current state of every Service
/// the history touched (ADDED when the Service was created within it) and DELETED for
/// Services deleted within it.
pub(crate) fn replay(
    store: &Store,
    res: ResId,
    history: &[Arc<Change>],
) -> Vec<(ChangeKind, Value)> {
    if res == ids::EVENTS_V1 {
        return history
            .iter()
            .filter(|c| c.res == ids::EVENTS)
            .map(|c| (c.kind, event_to_v1(&c.object)))
            .collect();
    }
    let mut out = Vec::new();
    let mut namespaces: Vec<String> = Vec::new();
    let mut created: Vec<(String, String)> = Vec::new();
    for c in history
        .iter()
        .filter(|c| c.res == ids::PODS || c.res == ids::SERVICES)
    {
        let key = key_of(&c.object);
        if !namespaces.contains(&key.0) {
            namespaces.push(key.0.clone());
        }
        match (c.res == ids::SERVICES, c.kind) {
            (true, ChangeKind::Added) => created.push(key),
            (true, ChangeKind::Deleted) if c.object["spec"]["selector"].is_object() => {
                let meta =
                    json!({"name": key.1, "namespace": key.0, "resourceVersion": c.rv.to_string()});
                out.push((
                    ChangeKind::Deleted,
                    json!({"kind": "Endpoints", "apiVersion": "v1", "metadata": meta}),
                ));
            }
            _ => {}
        }
    }
    for ns in namespaces {
        for ep in objects(store, res, Some(&ns)) {
            let kind = if created.contains(&key_of(&ep)) {
                ChangeKind::Added
            } else {
                ChangeKind::Modified
            };
            out.push((kind, ep));
        }
    }
    out
}

/// What a watch on a view last sent, so a change to a source object becomes the right
/// ADDED / MODIFIED / DELETED events of the view.
#[derive(Default)]
pub(crate) struct Tracker {
    sent: HashMap<(String, String), Value>,
}

impl Tracker {
    /// Starts from the view's current objects.
    pub(crate) fn new(store: &Store, res: ResId, namespace: Option<&str>) -> Self {
        let sent = if res == ids::ENDPOINTS {
            objects(store, res, namespace)
                .into_iter()
                .map(|o| (key_of(&o), content(&o)))
                .collect()
        } else {
            HashMap::new()
        };
        Self { sent }
    }

    /// The view's changes caused by a change of `source_res` in `namespace`, numbered `rv`.
    pub(crate) fn changes(
        &mut self,
        store: &Store,
        res: ResId,
        source_res: ResId,
        source: &Value,
        source_kind: ChangeKind,
        rv: u64,
    ) -> Vec<(ChangeKind, Value)> {
        if res == ids::EVENTS_V1 {
            return if source_res == ids::EVENTS {
                vec![(source_kind, event_to_v1(source))]
            } else {
                Vec::new()
            };
        }
        if source_res != ids::PODS && source_res != ids::SERVICES {
            return Vec::new();
        }
        let (ns, _) = key_of(source);
        let now: Vec<Value> = objects(store, res, Some(&ns));
        let mut out = Vec::new();
        let mut seen = Vec::new();
        for mut ep in now {
            let key = key_of(&ep);
            let body = content(&ep);
            seen.push(key.clone());
            let kind = match self.sent.get(&key) {
                None => ChangeKind::Added,
                Some(old) if *old != body => ChangeKind::Modified,
                Some(_) => continue,
            };
            self.sent.insert(key, body);
            ep["metadata"]["resourceVersion"] = json!(rv.to_string());
            out.push((kind, ep));
        }
        let gone: Vec<(String, String)> = self
            .sent
            .keys()
            .filter(|k| k.0 == ns && !seen.contains(k))
            .cloned()
            .collect();
        for key in gone {
            if let Some(mut ep) = self.sent.remove(&key) {
                ep["metadata"]["resourceVersion"] = json!(rv.to_string());
                out.push((ChangeKind::Deleted, ep));
            }
        }
        out
    }
}

/// An object without its resourceVersion, to tell real changes from renumbering.
fn content(obj: &Value) -> Value {
    let mut o = obj.clone();
    if let Some(m) = o["metadata"].as_object_mut() {
        m.remove("resourceVersion");
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store_with(pods: &[(&str, &str, bool)]) -> Store {
        let mut store = Store::new(1);
        let now = "2026-01-01T00:00:00Z";
        let svc = json!({"metadata": {"name": "web", "namespace": "a", "labels": {"app": "web"}},
            "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]}});
        store.create(ids::SERVICES, svc, now).ok();
        for (name, ip, ready) in pods {
            let pod = json!({"metadata": {"name": name, "namespace": "a", "labels": {"app": "web"}},
                "spec": {"nodeName": "n1", "containers": [{"name": "app", "ports": [{"name": "http", "containerPort": 8080}]}]},
                "status": {"phase": "Running", "podIP": ip,
                  "conditions": [{"type": "Ready", "status": if *ready { "True" } else { "False" }}]}});
            store.create(ids::PODS, pod, now).ok();
        }
        store
    }

    #[test]
    fn endpoints_split_ready_and_not_ready_with_resolved_ports() {
        let store = store_with(&[
            ("p2", "10.0.0.2", true),
            ("p1", "10.0.0.1", true),
            ("p3", "10.0.0.3", false),
        ]);
        let eps = objects(&store, ids::ENDPOINTS, Some("a"));
        assert_eq!(eps.len(), 1);
        let s = &eps[0]["subsets"][0];
        let ips: Vec<&str> = s["addresses"]
            .as_array()
            .map(|a| a.iter().filter_map(|x| x["ip"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(ips, ["10.0.0.1", "10.0.0.2"]);
        assert_eq!(s["notReadyAddresses"][0]["targetRef"]["name"], "p3");
        assert_eq!(
            s["ports"],
            json!([{"name": "http", "port": 8080, "protocol": "TCP"}])
        );
        assert_eq!(eps[0]["metadata"]["labels"], json!({"app": "web"}));
    }

    #[test]
    fn tracker_turns_pod_changes_into_endpoint_events() {
        let mut store = store_with(&[("p1", "10.0.0.1", false)]);
        let mut t = Tracker::new(&store, ids::ENDPOINTS, None);
        let pod = store
            .modify(ids::PODS, "a", "p1", |p| {
                p["status"]["conditions"][0]["status"] = json!("True");
            })
            .unwrap_or_default();
        let out = t.changes(
            &store,
            ids::ENDPOINTS,
            ids::PODS,
            &pod,
            ChangeKind::Modified,
            77,
        );
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].0, ChangeKind::Modified);
        assert_eq!(out[0].1["metadata"]["resourceVersion"], "77");
        assert_eq!(out[0].1["subsets"][0]["addresses"][0]["ip"], "10.0.0.1");
        let again = t.changes(
            &store,
            ids::ENDPOINTS,
            ids::PODS,
            &pod,
            ChangeKind::Modified,
            78,
        );
        assert!(again.is_empty(), "nothing changed: {again:?}");
    }

    #[test]
    fn events_convert_both_ways() {
        let ev = json!({"metadata": {"name": "e"}, "involvedObject": {"kind": "Pod", "name": "p"},
            "message": "Pulled image", "reason": "Pulled", "type": "Normal", "count": 2,
            "firstTimestamp": "2026-01-01T00:00:00Z", "source": {"component": "kubelet"}, "reportingComponent": ""});
        let v1 = event_to_v1(&ev);
        assert_eq!(v1["regarding"]["name"], "p");
        assert_eq!(v1["note"], "Pulled image");
        assert_eq!(v1["deprecatedCount"], 2);
        assert_eq!(v1["eventTime"], Value::Null);
        assert!(v1.get("reportingController").is_none());
        let back = event_to_core(&v1);
        assert_eq!(back["message"], "Pulled image");
        assert_eq!(back["involvedObject"], ev["involvedObject"]);
    }
}
