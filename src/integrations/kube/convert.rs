//! Pure conversions from API objects to the model's slim types. Only the fields the panes
//! read survive; full objects and managedFields are dropped here.

use k8s_openapi::api::apps::v1 as apps;
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference, Time};
use kube::api::DynamicObject;
use serde_json::Value;

use quarterdeck_core::cluster::Object;
use quarterdeck_core::deployment::{DeployStrategy, Deployment, ReplicaSet};
use quarterdeck_core::event::Event;
use quarterdeck_core::meta::{Condition, ObjectKey, Owner};
use quarterdeck_core::pod::Pod;
use quarterdeck_core::rollout::{
    AnalysisUse, CanaryStep, PauseCondition, Rollout, RolloutStrategy, TemplateRef, TemplateUse,
};

mod analysis_run;
mod analysis_template;

pub use analysis_run::analysis_run;
pub use analysis_template::analysis_template;

fn ms(t: &Time) -> i64 {
    t.0.as_millisecond()
}

fn key(meta: &ObjectMeta) -> ObjectKey {
    ObjectKey {
        namespace: meta.namespace.clone().unwrap_or_default(),
        name: meta.name.clone().unwrap_or_default(),
    }
}

/// Prefix of the annotations Quarterdeck reads (CI links); others are not kept.
const OWN_ANNOTATIONS: &str = "quarterdeck.dev/";

fn own_annotations(meta: &ObjectMeta) -> std::collections::BTreeMap<String, String> {
    meta.annotations
        .iter()
        .flatten()
        .filter(|(k, _)| k.starts_with(OWN_ANNOTATIONS))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn controller(refs: Option<&Vec<OwnerReference>>) -> Option<Owner> {
    refs?
        .iter()
        .find(|r| r.controller == Some(true))
        .map(|r| Owner {
            kind: r.kind.clone(),
            name: r.name.clone(),
        })
}

fn annotation_i64(meta: &ObjectMeta, name: &str) -> Option<i64> {
    meta.annotations.as_ref()?.get(name)?.parse().ok()
}

fn label(meta: &ObjectMeta, names: &[&str]) -> String {
    let Some(labels) = meta.labels.as_ref() else {
        return String::new();
    };
    names
        .iter()
        .find_map(|n| labels.get(*n).cloned())
        .unwrap_or_default()
}

fn first_image(template: Option<&core::PodTemplateSpec>) -> String {
    template
        .and_then(|t| t.spec.as_ref())
        .and_then(|s| s.containers.first())
        .and_then(|c| c.image.clone())
        .unwrap_or_default()
}

/// Revision annotations of Deployments and Rollouts.
const REVISION: &[&str] = &[
    "deployment.kubernetes.io/revision",
    "rollout.argoproj.io/revision",
];
/// Pod-template hash labels of Deployments and Rollouts.
const HASH: &[&str] = &["pod-template-hash", "rollouts-pod-template-hash"];

/// A Deployment.
pub fn deployment(d: &apps::Deployment) -> Deployment {
    let spec = Some(&d.spec);
    let status = d.status.as_ref();
    Deployment {
        key: key(&d.metadata),
        generation: d.metadata.generation.unwrap_or(0),
        observed_generation: status.and_then(|s| s.observed_generation).unwrap_or(0),
        revision: annotation_i64(&d.metadata, REVISION[0]),
        strategy: match spec
            .and_then(|s| s.strategy.as_ref())
            .and_then(|s| s.type_.as_deref())
        {
            Some("Recreate") => DeployStrategy::Recreate,
            _ => DeployStrategy::RollingUpdate,
        },
        paused: spec.and_then(|s| s.paused).unwrap_or(false),
        desired: spec.and_then(|s| s.replicas).unwrap_or(1),
        replicas: status.and_then(|s| s.replicas).unwrap_or(0),
        updated: status.and_then(|s| s.updated_replicas).unwrap_or(0),
        ready: status.and_then(|s| s.ready_replicas).unwrap_or(0),
        available: status.and_then(|s| s.available_replicas).unwrap_or(0),
        image: first_image(spec.map(|s| &s.template)),
        conditions: status
            .and_then(|s| s.conditions.as_ref())
            .map(|cs| {
                cs.iter()
                    .map(|c| Condition {
                        kind: c.type_.clone().unwrap_or_default(),
                        status: c.status.clone().unwrap_or_default(),
                        reason: c.reason.clone().unwrap_or_default(),
                        message: c.message.clone().unwrap_or_default(),
                        updated_ms: [c.last_update_time.as_ref(), c.last_transition_time.as_ref()]
                            .into_iter()
                            .flatten()
                            .map(ms)
                            .max(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        created_ms: d.metadata.creation_timestamp.as_ref().map(ms),
        annotations: own_annotations(&d.metadata),
    }
}

/// A ReplicaSet.
pub fn replicaset(rs: &apps::ReplicaSet) -> ReplicaSet {
    let spec = Some(&rs.spec);
    let status = rs.status.as_ref();
    ReplicaSet {
        key: key(&rs.metadata),
        owner: controller(rs.metadata.owner_references.as_ref()),
        revision: REVISION
            .iter()
            .find_map(|a| annotation_i64(&rs.metadata, a)),
        hash: label(&rs.metadata, HASH),
        image: first_image(spec.and_then(|s| s.template.as_ref())),
        change_cause: rs
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get("kubernetes.io/change-cause").cloned()),
        desired: spec.and_then(|s| s.replicas).unwrap_or(1),
        replicas: status.map(|s| s.replicas).unwrap_or(0),
        ready: status.and_then(|s| s.ready_replicas).unwrap_or(0),
        available: status.and_then(|s| s.available_replicas).unwrap_or(0),
        created_ms: rs.metadata.creation_timestamp.as_ref().map(ms),
    }
}

/// A Pod, with the status word computed the way `kubectl get pods` does.
pub fn pod(p: &core::Pod) -> Pod {
    let status = p.status.as_ref();
    let phase = status
        .and_then(|s| s.phase.clone())
        .unwrap_or_else(|| "Unknown".into());
    let mut word = status
        .and_then(|s| s.reason.clone())
        .unwrap_or_else(|| phase.clone());
    let statuses = status
        .and_then(|s| s.container_statuses.as_deref())
        .unwrap_or_default();
    let init = status
        .and_then(|s| s.init_container_statuses.as_deref())
        .unwrap_or_default();
    let mut initializing = false;
    for c in init {
        let state = c.state.as_ref();
        if let Some(t) = state.and_then(|s| s.terminated.as_ref())
            && t.exit_code == 0
        {
            continue;
        }
        if let Some(reason) = state
            .and_then(|s| s.waiting.as_ref())
            .and_then(|w| w.reason.clone())
            .filter(|r| r != "PodInitializing")
        {
            word = format!("Init:{reason}");
        } else if let Some(t) = state.and_then(|s| s.terminated.as_ref()) {
            word = format!(
                "Init:{}",
                t.reason.clone().unwrap_or_else(|| "Error".into())
            );
        } else {
            word = "Init".into();
        }
        initializing = true;
        break;
    }
    let mut last_reason = None;
    if !initializing {
        for c in statuses.iter().rev() {
            let state = c.state.as_ref();
            if let Some(reason) = state
                .and_then(|s| s.waiting.as_ref())
                .and_then(|w| w.reason.clone())
            {
                word = reason;
            } else if let Some(t) = state.and_then(|s| s.terminated.as_ref()) {
                word = t.reason.clone().unwrap_or_else(|| match t.signal {
                    Some(sig) => format!("Signal:{sig}"),
                    None => format!("ExitCode:{}", t.exit_code),
                });
            }
            if let Some(r) = c
                .last_state
                .as_ref()
                .and_then(|s| s.terminated.as_ref())
                .and_then(|t| t.reason.clone())
            {
                last_reason = Some(r);
            }
        }
    }
    let deleting = p.metadata.deletion_timestamp.is_some();
    if deleting {
        word = "Terminating".into();
    }
    let containers: Vec<String> = p
        .spec
        .as_ref()
        .map(|s| s.containers.iter().map(|c| c.name.clone()).collect())
        .unwrap_or_default();
    Pod {
        key: key(&p.metadata),
        owner: controller(p.metadata.owner_references.as_ref()),
        hash: label(&p.metadata, HASH),
        phase,
        status: word,
        last_reason,
        ready: u32::try_from(statuses.iter().filter(|c| c.ready).count()).unwrap_or(0),
        total: u32::try_from(containers.len()).unwrap_or(0),
        restarts: statuses
            .iter()
            .map(|c| u32::try_from(c.restart_count).unwrap_or(0))
            .sum(),
        node: p.spec.as_ref().and_then(|s| s.node_name.clone()),
        containers,
        created_ms: p.metadata.creation_timestamp.as_ref().map(ms),
        deleting,
    }
}

/// A core/v1 Event.
pub fn event(e: &core::Event) -> Event {
    let last_ms = [
        e.last_timestamp.as_ref().map(ms),
        e.event_time.as_ref().map(|t| t.0.as_millisecond()),
        e.first_timestamp.as_ref().map(ms),
        e.metadata.creation_timestamp.as_ref().map(ms),
    ]
    .into_iter()
    .flatten()
    .max();
    Event {
        key: key(&e.metadata),
        object_kind: e.involved_object.kind.clone().unwrap_or_default(),
        object_name: e.involved_object.name.clone().unwrap_or_default(),
        kind: e.type_.clone().unwrap_or_else(|| "Normal".into()),
        reason: e.reason.clone().unwrap_or_default(),
        message: e.message.clone().unwrap_or_default(),
        count: e.count.unwrap_or(1),
        last_ms,
    }
}

fn str_at(v: &Value, path: &[&str]) -> Option<String> {
    at(v, path)?.as_str().map(str::to_string)
}

fn at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, k| v.get(k))
}

fn i32_at(v: &Value, path: &[&str]) -> Option<i32> {
    at(v, path)?.as_i64().and_then(|n| i32::try_from(n).ok())
}

fn time_at(v: &Value, path: &[&str]) -> Option<i64> {
    let s = at(v, path)?.as_str()?;
    chrono::DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.timestamp_millis())
}

fn canary_step(step: &Value) -> CanaryStep {
    if let Some(w) = step.get("setWeight").and_then(Value::as_u64) {
        return CanaryStep::SetWeight(u32::try_from(w).unwrap_or(100));
    }
    if let Some(p) = step.get("pause") {
        let d = p.get("duration").and_then(|d| match d {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(format!("{n}s")),
            _ => None,
        });
        return CanaryStep::Pause(d);
    }
    if let Some(a) = step.get("analysis") {
        let names = a
            .get("templates")
            .and_then(Value::as_array)
            .map(|ts| {
                ts.iter()
                    .filter_map(|t| t.get("templateName").and_then(Value::as_str))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        return CanaryStep::Analysis(names);
    }
    let name = step
        .as_object()
        .and_then(|o| o.keys().next().cloned())
        .unwrap_or_else(|| "step".into());
    CanaryStep::Other(name)
}

/// The templates of one analysis reference: `templates[]` (and the single `templateName` of
/// old Rollouts), each with its `clusterScope`.
fn template_refs(analysis: &Value) -> Vec<TemplateRef> {
    let named = |t: &Value| {
        Some(TemplateRef {
            name: str_at(t, &["templateName"])?,
            cluster_scope: t
                .get("clusterScope")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        })
    };
    analysis
        .get("templates")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .chain(std::iter::once(analysis))
        .filter_map(named)
        .collect()
}

/// Every analysis a Rollout's strategy runs: background and step analysis of a canary, pre-
/// and post-promotion analysis of a blue-green.
fn analysis_uses(spec: &Value) -> Vec<TemplateUse> {
    let mut out = Vec::new();
    let mut add = |analysis: Option<&Value>, used: AnalysisUse| {
        for template in analysis.map(template_refs).unwrap_or_default() {
            out.push(TemplateUse { template, used });
        }
    };
    add(
        at(spec, &["strategy", "canary", "analysis"]),
        AnalysisUse::Background,
    );
    let steps = at(spec, &["strategy", "canary", "steps"]).and_then(Value::as_array);
    for (i, step) in steps.into_iter().flatten().enumerate() {
        let i = u32::try_from(i).unwrap_or(u32::MAX);
        add(step.get("analysis"), AnalysisUse::Step(i));
    }
    add(
        at(spec, &["strategy", "blueGreen", "prePromotionAnalysis"]),
        AnalysisUse::PrePromotion,
    );
    add(
        at(spec, &["strategy", "blueGreen", "postPromotionAnalysis"]),
        AnalysisUse::PostPromotion,
    );
    out
}

/// An Argo Rollout read through the dynamic API.
pub fn rollout(obj: &DynamicObject) -> Rollout {
    let data = &obj.data;
    let spec = data.get("spec").cloned().unwrap_or(Value::Null);
    let status = data.get("status").cloned().unwrap_or(Value::Null);
    let strategy = if let Some(bg) = at(&spec, &["strategy", "blueGreen"]) {
        RolloutStrategy::BlueGreen {
            active_service: str_at(bg, &["activeService"]).unwrap_or_default(),
            preview_service: str_at(bg, &["previewService"]),
            auto_promotion: bg
                .get("autoPromotionEnabled")
                .and_then(Value::as_bool)
                .unwrap_or(true),
        }
    } else {
        let canary = at(&spec, &["strategy", "canary"])
            .cloned()
            .unwrap_or(Value::Null);
        let routing = canary.get("trafficRouting");
        RolloutStrategy::Canary {
            steps: canary
                .get("steps")
                .and_then(Value::as_array)
                .map(|s| s.iter().map(canary_step).collect())
                .unwrap_or_default(),
            traffic_routing: routing.is_some_and(|r| !r.is_null()),
            max_weight: routing
                .and_then(|r| r.get("maxTrafficWeight"))
                .and_then(Value::as_u64)
                .and_then(|w| u32::try_from(w).ok())
                .unwrap_or(100),
        }
    };
    let conditions = status
        .get("conditions")
        .and_then(Value::as_array)
        .map(|cs| {
            cs.iter()
                .map(|c| Condition {
                    kind: str_at(c, &["type"]).unwrap_or_default(),
                    status: str_at(c, &["status"]).unwrap_or_default(),
                    reason: str_at(c, &["reason"]).unwrap_or_default(),
                    message: str_at(c, &["message"]).unwrap_or_default(),
                    updated_ms: [
                        time_at(c, &["lastUpdateTime"]),
                        time_at(c, &["lastTransitionTime"]),
                    ]
                    .into_iter()
                    .flatten()
                    .max(),
                })
                .collect()
        })
        .unwrap_or_default();
    Rollout {
        key: key(&obj.metadata),
        generation: obj.metadata.generation.unwrap_or(0),
        observed_generation: match status.get("observedGeneration") {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        },
        revision: annotation_i64(&obj.metadata, REVISION[1]),
        strategy,
        spec_paused: spec.get("paused").and_then(Value::as_bool).unwrap_or(false),
        desired: i32_at(&spec, &["replicas"]).unwrap_or(1),
        image: at(&spec, &["template", "spec", "containers"])
            .and_then(Value::as_array)
            .and_then(|cs| cs.first())
            .and_then(|c| str_at(c, &["image"]))
            .unwrap_or_default(),
        phase: str_at(&status, &["phase"]).unwrap_or_default(),
        message: str_at(&status, &["message"]).unwrap_or_default(),
        current_step_index: status
            .get("currentStepIndex")
            .and_then(Value::as_u64)
            .and_then(|i| u32::try_from(i).ok()),
        stable_rs: str_at(&status, &["stableRS"]).unwrap_or_default(),
        current_pod_hash: str_at(&status, &["currentPodHash"]).unwrap_or_default(),
        pause_conditions: status
            .get("pauseConditions")
            .and_then(Value::as_array)
            .map(|ps| {
                ps.iter()
                    .map(|p| PauseCondition {
                        reason: str_at(p, &["reason"]).unwrap_or_default(),
                        since_ms: time_at(p, &["startTime"]),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        controller_pause: status
            .get("controllerPause")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        abort: status
            .get("abort")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        aborted_at_ms: time_at(&status, &["abortedAt"]),
        replicas: i32_at(&status, &["replicas"]).unwrap_or(0),
        updated: i32_at(&status, &["updatedReplicas"]).unwrap_or(0),
        ready: i32_at(&status, &["readyReplicas"]).unwrap_or(0),
        available: i32_at(&status, &["availableReplicas"]).unwrap_or(0),
        routed_canary_weight: at(&status, &["canary", "weights", "canary", "weight"])
            .and_then(Value::as_u64)
            .and_then(|w| u32::try_from(w).ok()),
        active_selector: str_at(&status, &["blueGreen", "activeSelector"]),
        preview_selector: str_at(&status, &["blueGreen", "previewSelector"]),
        conditions,
        created_ms: obj.metadata.creation_timestamp.as_ref().map(ms),
        annotations: own_annotations(&obj.metadata),
        analysis: Box::new(analysis_uses(&spec)),
    }
}

/// Any watched object, for the generic watch source.
pub trait ToModel {
    /// Converts to the model's slim object.
    fn to_model(&self) -> Object;
}

impl ToModel for apps::Deployment {
    fn to_model(&self) -> Object {
        Object::Deployment(deployment(self))
    }
}

impl ToModel for apps::ReplicaSet {
    fn to_model(&self) -> Object {
        Object::ReplicaSet(replicaset(self))
    }
}

impl ToModel for core::Pod {
    fn to_model(&self) -> Object {
        Object::Pod(pod(self))
    }
}

impl ToModel for core::Event {
    fn to_model(&self) -> Object {
        Object::Event(event(self))
    }
}

impl ToModel for DynamicObject {
    fn to_model(&self) -> Object {
        Object::Rollout(rollout(self))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
