//! Core v1 Events: what the controllers, the scheduler and the kubelet report. Repeats of the
//! same reason and message for the same object are folded into one Event whose `count` grows,
//! and each namespace keeps at most [`KEEP_PER_NAMESPACE`] Events, oldest deleted first.

use std::collections::{BTreeMap, HashMap, VecDeque};

use serde_json::{Value, json};

use super::obj;
use crate::resources::ids;
use crate::world::{World, fmt_time};

/// Events kept per namespace.
pub(crate) const KEEP_PER_NAMESPACE: usize = 500;

/// Which component reports an Event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// kube-controller-manager's deployment controller.
    Deployment,
    /// kube-controller-manager's replicaset controller.
    ReplicaSet,
    /// The scheduler.
    Scheduler,
    /// The kubelet of a node.
    Kubelet,
    /// The Argo Rollouts controller.
    Rollouts,
}

impl Source {
    fn component(self) -> &'static str {
        match self {
            Source::Deployment => "deployment-controller",
            Source::ReplicaSet => "replicaset-controller",
            Source::Scheduler => "default-scheduler",
            Source::Kubelet => "kubelet",
            Source::Rollouts => "rollouts-controller",
        }
    }
}

/// The object an Event is about.
#[derive(Debug, Clone)]
pub(crate) struct Involved {
    /// apiVersion of the object.
    pub(crate) api_version: String,
    /// Kind of the object.
    pub(crate) kind: String,
    /// Namespace.
    pub(crate) namespace: String,
    /// Name.
    pub(crate) name: String,
    /// Uid.
    pub(crate) uid: String,
    /// Set for container-level kubelet Events (`spec.containers{c}`).
    pub(crate) field_path: Option<String>,
    /// Node of a kubelet Event.
    pub(crate) host: Option<String>,
}

impl Involved {
    /// The object described by its own JSON.
    pub(crate) fn of(obj: &Value) -> Self {
        Self {
            api_version: obj::str_at(obj, "/apiVersion").to_string(),
            kind: obj::str_at(obj, "/kind").to_string(),
            namespace: obj::namespace(obj).to_string(),
            name: obj::name(obj).to_string(),
            uid: obj::uid(obj).to_string(),
            field_path: None,
            host: None,
        }
    }
}

type DedupKey = (String, String, String, String);

/// Bookkeeping for dedup and the per-namespace cap.
#[derive(Default)]
pub(crate) struct EventLog {
    by_key: HashMap<DedupKey, String>,
    order: BTreeMap<String, VecDeque<(String, DedupKey)>>,
    seq: u64,
}

/// Records an Event (or bumps the count of the same one).
pub(crate) fn record(
    world: &mut World,
    source: Source,
    involved: &Involved,
    warning: bool,
    reason: &str,
    message: &str,
) {
    let now = fmt_time(world.clock.now_ms);
    let ns = if involved.namespace.is_empty() {
        "default".to_string()
    } else {
        involved.namespace.clone()
    };
    let key = (
        ns.clone(),
        involved.uid.clone(),
        reason.to_string(),
        message.to_string(),
    );
    if let Some(existing) = world.ctl.events.by_key.get(&key).cloned() {
        let bumped = world.store.modify(ids::EVENTS, &ns, &existing, |e| {
            e["count"] = json!(e["count"].as_i64().unwrap_or(1) + 1);
            e["lastTimestamp"] = json!(now);
        });
        if bumped.is_some() {
            return;
        }
    }
    let log = &mut world.ctl.events;
    log.seq += 1;
    let event_name = format!(
        "{}.{:x}",
        involved.name,
        (world.clock.now_ms as u64) * 1_000_000 + log.seq
    );
    let mut inv = json!({
        "apiVersion": involved.api_version,
        "kind": involved.kind,
        "name": involved.name,
        "namespace": involved.namespace,
        "uid": involved.uid,
    });
    if let Some(fp) = &involved.field_path {
        inv["fieldPath"] = json!(fp);
    }
    let mut src = json!({"component": source.component()});
    if let Some(host) = &involved.host {
        src["host"] = json!(host);
    }
    let event = json!({
        "metadata": {"name": event_name, "namespace": ns, "creationTimestamp": now},
        "involvedObject": inv,
        "reason": reason,
        "message": message,
        "source": src,
        "firstTimestamp": now,
        "lastTimestamp": now,
        "count": 1,
        "type": if warning { "Warning" } else { "Normal" },
        "eventTime": null,
        "reportingComponent": source.component(),
        "reportingInstance": involved.host.clone().unwrap_or_default(),
    });
    if world.store.create(ids::EVENTS, event, &now).is_err() {
        return;
    }
    let log = &mut world.ctl.events;
    log.by_key.insert(key.clone(), event_name.clone());
    let queue = log.order.entry(ns.clone()).or_default();
    queue.push_back((event_name, key));
    let mut evicted = Vec::new();
    while queue.len() > KEEP_PER_NAMESPACE {
        if let Some(old) = queue.pop_front() {
            evicted.push(old);
        }
    }
    for (old_name, old_key) in evicted {
        world.ctl.events.by_key.remove(&old_key);
        let _ = world.store.delete(ids::EVENTS, &ns, &old_name);
    }
}
