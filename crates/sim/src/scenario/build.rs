//! Turns a parsed scenario into objects and runs the controllers through its history, so the
//! world arrives at "now" with old revisions, a settled past and what is rolling right now.

use serde_json::{Value, json};

use super::{AnalysisSpec, Kind, Scenario, Strategy, WorkloadSpec};
use crate::api::seed;
use crate::controllers::{self, Action, defaults};
use crate::resources::ids;
use crate::world::{World, fmt_time};

const DAY_MS: i64 = 86_400_000;

/// Builds `scenario` into `world`, whose clock stands at the moment the simulator starts.
pub(crate) fn build(scenario: &Scenario, world: &mut World) {
    let start = world.clock.now_ms;
    for spec in &scenario.versions {
        world
            .behaviours
            .insert(spec.image.clone(), spec.behaviour());
    }
    let slots = scenario
        .workloads
        .iter()
        .map(|w| w.history.len() + 1)
        .max()
        .unwrap_or(1) as i64;
    let lead_max = scenario
        .workloads
        .iter()
        .filter(|w| w.rollout_to.is_some())
        .map(|w| w.rollout_lead_seconds as i64 * 1000)
        .max()
        .unwrap_or(0);
    let settle = scenario.settle_seconds as i64 * 1000;
    // History slots are a day apart, the last one ending `lead_max` before start.
    let first = start - lead_max - settle - (slots - 1) * DAY_MS;
    world.clock.now_ms = first - 60_000;
    create_cluster(scenario, world, start);
    world.clock.now_ms = first;
    for slot in 0..slots {
        for w in &scenario.workloads {
            let images: Vec<&String> = w.history.iter().chain([&w.image]).collect();
            let offset = slots - images.len() as i64;
            if slot < offset {
                continue;
            }
            let image = images[(slot - offset) as usize];
            if slot == offset {
                create_workload(world, &scenario.templates, w, image);
            } else {
                set_image(world, w, image);
                promote_fully(world, w);
            }
        }
        world.advance(settle as f64);
        if slot + 1 < slots {
            world.clock.now_ms += DAY_MS - settle;
        }
    }
    let mut leads: Vec<&WorkloadSpec> = scenario
        .workloads
        .iter()
        .filter(|w| w.rollout_to.is_some())
        .collect();
    leads.sort_by_key(|w| std::cmp::Reverse(w.rollout_lead_seconds));
    for w in leads {
        let at = start - w.rollout_lead_seconds as i64 * 1000;
        world.advance((at - world.clock.now_ms).max(0) as f64);
        if let Some(image) = &w.rollout_to {
            set_image(world, w, image);
        }
    }
    world.advance((start - world.clock.now_ms).max(0) as f64);
    world.ctl.scheduled = scenario.timed_actions(start);
}

fn set_image(world: &mut World, w: &WorkloadSpec, image: &str) {
    let action = Action::SetImage {
        namespace: w.namespace.clone(),
        name: w.name.clone(),
        image: image.to_string(),
    };
    if let Err(e) = controllers::apply(world, &action) {
        tracing::warn!("scenario: {e}");
    }
}

/// Past revisions of Rollouts were promoted by someone long ago: let the controller see the
/// new template, then ask for a full promotion.
fn promote_fully(world: &mut World, w: &WorkloadSpec) {
    if w.kind != Kind::Rollout {
        return;
    }
    world.advance(crate::world::STEP_MS as f64);
    world
        .store
        .modify(ids::ROLLOUTS, &w.namespace, &w.name, |r| {
            r["status"]["promoteFull"] = json!(true);
        });
}

fn create_cluster(scenario: &Scenario, world: &mut World, start: i64) {
    let old = fmt_time(start - 40 * DAY_MS);
    for (i, node) in scenario.nodes.iter().enumerate() {
        let obj = json!({
            "metadata": {
                "name": node,
                "creationTimestamp": old,
                "labels": {
                    "kubernetes.io/hostname": node,
                    "kubernetes.io/os": "linux",
                    "kubernetes.io/arch": "amd64",
                    "node.kubernetes.io/instance-type": "e2-standard-8",
                    "topology.kubernetes.io/zone": format!("europe-west1-{}", ["b", "c", "d"][i % 3]),
                },
            },
            "spec": {"podCIDR": format!("10.244.{i}.0/24"), "podCIDRs": [format!("10.244.{i}.0/24")]},
            "status": {
                "addresses": [{"type": "InternalIP", "address": format!("10.0.0.{}", 10 + i)}, {"type": "Hostname", "address": node}],
                "capacity": {"cpu": "8", "memory": "32879452Ki", "pods": "110", "ephemeral-storage": "101203600Ki"},
                "allocatable": {"cpu": "7910m", "memory": "29243740Ki", "pods": "110", "ephemeral-storage": "93268385Ki"},
                "conditions": [
                    {"type": "MemoryPressure", "status": "False", "reason": "KubeletHasSufficientMemory", "message": "kubelet has sufficient memory available", "lastHeartbeatTime": old, "lastTransitionTime": old},
                    {"type": "DiskPressure", "status": "False", "reason": "KubeletHasNoDiskPressure", "message": "kubelet has no disk pressure", "lastHeartbeatTime": old, "lastTransitionTime": old},
                    {"type": "PIDPressure", "status": "False", "reason": "KubeletHasSufficientPID", "message": "kubelet has sufficient PID available", "lastHeartbeatTime": old, "lastTransitionTime": old},
                    {"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status", "lastHeartbeatTime": old, "lastTransitionTime": old},
                ],
                "nodeInfo": {
                    "kubeletVersion": "v1.32.2", "kubeProxyVersion": "v1.32.2", "containerRuntimeVersion": "containerd://1.7.24",
                    "operatingSystem": "linux", "architecture": "amd64", "osImage": "Container-Optimized OS from Google",
                    "kernelVersion": "6.6.56+", "machineID": format!("{:032x}", i + 1), "systemUUID": format!("{:032x}", i + 101), "bootID": format!("{:032x}", i + 201),
                },
            },
        });
        let _ = world.store.create(ids::NODES, obj, &old);
    }
    let mut namespaces: Vec<&str> = ["default", "kube-system"].into();
    namespaces.extend(scenario.namespaces.iter().map(String::as_str));
    namespaces.extend(scenario.workloads.iter().map(|w| w.namespace.as_str()));
    let mut seen = std::collections::BTreeSet::new();
    for ns in namespaces {
        if !seen.insert(ns) {
            continue;
        }
        let obj = json!({
            "metadata": {"name": ns, "creationTimestamp": old, "labels": {"kubernetes.io/metadata.name": ns}},
            "spec": {"finalizers": ["kubernetes"]},
            "status": {"phase": "Active"},
        });
        let _ = world.store.create(ids::NAMESPACES, obj, &old);
        seed::namespace_defaults(&mut world.store, ns, &old);
    }
    seed::cluster_defaults(&mut world.store, &old);
    for t in &scenario.templates {
        let metrics: Vec<Value> = t
            .metrics
            .iter()
            .map(|m| {
                let mut v = json!({"name": m.name, "provider": {"prometheus": {
                    "address": m.address.as_deref().unwrap_or("http://prometheus.monitoring:9090"),
                    "query": m.query,
                }}});
                let text = [
                    ("interval", &m.interval),
                    ("initialDelay", &m.initial_delay),
                    ("successCondition", &m.success_condition),
                    ("failureCondition", &m.failure_condition),
                ];
                for (k, x) in text {
                    if let Some(x) = x {
                        v[k] = json!(x);
                    }
                }
                let ints = [
                    ("count", m.count),
                    ("failureLimit", m.failure_limit),
                    ("inconclusiveLimit", m.inconclusive_limit),
                    ("consecutiveErrorLimit", m.consecutive_error_limit),
                ];
                for (k, x) in ints {
                    if let Some(x) = x {
                        v[k] = json!(x);
                    }
                }
                v
            })
            .collect();
        let args: Vec<Value> = t.args.iter().map(|a| json!({"name": a})).collect();
        let mut obj = json!({
            "metadata": {"name": t.name, "creationTimestamp": old},
            "spec": {"args": args, "metrics": metrics},
        });
        let res = match &t.namespace {
            Some(ns) => {
                obj["metadata"]["namespace"] = json!(ns);
                ids::ANALYSISTEMPLATES
            }
            None => ids::CLUSTERANALYSISTEMPLATES,
        };
        if let Err(e) = world.store.create(res, obj, &old) {
            tracing::warn!("scenario: cannot create template {}: {}", t.name, e.message);
        }
    }
}

/// An analysis reference as a Rollout carries it: templates (cluster-scoped when the
/// scenario's template has no namespace) and args.
fn analysis_ref(scenario_templates: &[super::TemplateSpec], a: &AnalysisSpec) -> Value {
    let templates: Vec<Value> = a
        .template
        .iter()
        .chain(&a.templates)
        .map(|name| {
            let cluster = scenario_templates
                .iter()
                .any(|t| t.name == *name && t.namespace.is_none());
            if cluster {
                json!({"templateName": name, "clusterScope": true})
            } else {
                json!({"templateName": name})
            }
        })
        .collect();
    let args: Vec<Value> = a
        .args
        .iter()
        .map(|x| match (&x.value, &x.pod_template_hash_value) {
            (Some(v), _) => json!({"name": x.name, "value": v}),
            (None, Some(h)) => json!({"name": x.name, "valueFrom": {"podTemplateHashValue": h}}),
            (None, None) => json!({"name": x.name}),
        })
        .collect();
    let mut out = json!({"templates": templates});
    if !args.is_empty() {
        out["args"] = json!(args);
    }
    if let Some(s) = a.starting_step {
        out["startingStep"] = json!(s);
    }
    out
}

fn template(w: &WorkloadSpec, image: &str) -> Value {
    let container = w.container.clone().unwrap_or_else(|| w.name.clone());
    let mut tpl = json!({
        "metadata": {"labels": {"app": w.name}},
        "spec": {"containers": [{
            "name": container,
            "image": image,
            "ports": [{"name": "http", "containerPort": w.port, "protocol": "TCP"}],
            "readinessProbe": {
                "httpGet": {"path": "/readyz", "port": "http", "scheme": "HTTP"},
                "periodSeconds": 5, "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3,
            },
            "env": [{"name": "APP_NAME", "value": w.name}],
        }]},
    });
    defaults::template(&mut tpl);
    tpl
}

fn service(world: &mut World, w: &WorkloadSpec, name: &str) {
    let n = world.store.list(ids::SERVICES, None).count() as u64;
    let ip = format!("10.96.{}.{}", 10 + n / 200, 10 + n % 200);
    let obj = json!({
        "metadata": {"name": name, "namespace": w.namespace, "labels": {"app": w.name}},
        "spec": {
            "type": "ClusterIP",
            "clusterIP": ip,
            "clusterIPs": [ip],
            "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}],
            "selector": {"app": w.name},
            "sessionAffinity": "None",
            "ipFamilies": ["IPv4"],
            "ipFamilyPolicy": "SingleStack",
            "internalTrafficPolicy": "Cluster",
        },
        "status": {"loadBalancer": {}},
    });
    let now = world.clock.rfc3339();
    let _ = world.store.create(ids::SERVICES, obj, &now);
}

fn steps(templates: &[super::TemplateSpec], w: &WorkloadSpec) -> Value {
    let steps: Vec<Value> = w
        .steps
        .iter()
        .map(|s| {
            if let Some(weight) = s.set_weight {
                json!({"setWeight": weight})
            } else if let Some(p) = &s.pause {
                match &p.duration {
                    Some(d) => json!({"pause": {"duration": d}}),
                    None => json!({"pause": {}}),
                }
            } else if let Some(a) = &s.analysis {
                json!({"analysis": analysis_ref(templates, a)})
            } else {
                json!({})
            }
        })
        .collect();
    Value::Array(steps)
}

fn create_workload(
    world: &mut World,
    templates: &[super::TemplateSpec],
    w: &WorkloadSpec,
    image: &str,
) {
    let now = world.clock.rfc3339();
    let mut spec = json!({
        "replicas": w.replicas,
        "selector": {"matchLabels": {"app": w.name}},
        "template": template(w, image),
        "revisionHistoryLimit": w.revision_history_limit.unwrap_or(10),
        "progressDeadlineSeconds": w.progress_deadline_seconds.unwrap_or(600),
    });
    if let Some(m) = w.min_ready_seconds {
        spec["minReadySeconds"] = json!(m);
    }
    let surge = w.max_surge.clone().unwrap_or_else(|| "25%".into());
    let unavailable = w.max_unavailable.clone().unwrap_or_else(|| "25%".into());
    let int_or_str = |s: &str| s.parse::<i64>().map_or_else(|_| json!(s), |n| json!(n));
    let res = match w.kind {
        Kind::Deployment => {
            spec["strategy"] = match w.strategy {
                Strategy::Recreate => json!({"type": "Recreate"}),
                _ => {
                    json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": int_or_str(&surge), "maxUnavailable": int_or_str(&unavailable)}})
                }
            };
            service(world, w, &w.name);
            ids::DEPLOYMENTS
        }
        Kind::Rollout => {
            spec["strategy"] = if w.strategy == Strategy::BlueGreen {
                let active = w.active_service.clone().unwrap_or_else(|| w.name.clone());
                let preview = w
                    .preview_service
                    .clone()
                    .unwrap_or_else(|| format!("{}-preview", w.name));
                service(world, w, &active);
                service(world, w, &preview);
                json!({"blueGreen": {
                    "activeService": active,
                    "previewService": preview,
                    "autoPromotionEnabled": w.auto_promotion,
                    "scaleDownDelaySeconds": 30,
                }})
            } else {
                service(world, w, &w.name);
                let mut canary = json!({"steps": steps(templates, w), "maxSurge": int_or_str(&surge), "maxUnavailable": int_or_str(&unavailable)});
                if let Some(a) = &w.analysis {
                    canary["analysis"] = analysis_ref(templates, a);
                }
                json!({"canary": canary})
            };
            ids::ROLLOUTS
        }
    };
    let obj = json!({
        "metadata": {"name": w.name, "namespace": w.namespace, "labels": {"app": w.name}, "annotations": w.annotations},
        "spec": spec,
    });
    if let Err(e) = world.store.create(res, obj, &now) {
        tracing::warn!(
            "scenario: cannot create {}/{}: {}",
            w.namespace,
            w.name,
            e.message
        );
    }
}
