//! The Deployment controller: one ReplicaSet per pod template (named by its hash), revisions
//! renumbered on reuse, RollingUpdate within maxSurge/maxUnavailable, Recreate, pause, the
//! progress deadline, and the status and conditions `kubectl rollout status` reads.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::events::{self, Involved, Source};
use super::{defaults, obj, replicaset};
use crate::resources::ids;
use crate::rng::hash_str;
use crate::world::{World, fmt_time};

/// The revision annotation on Deployments and their ReplicaSets.
pub(crate) const REVISION: &str = "deployment.kubernetes.io/revision";
const REVISION_HISTORY: &str = "deployment.kubernetes.io/revision-history";
const DESIRED: &str = "deployment.kubernetes.io/desired-replicas";
const MAX: &str = "deployment.kubernetes.io/max-replicas";
/// The label carrying the pod-template hash.
pub(crate) const HASH_LABEL: &str = "pod-template-hash";
/// Deployment annotations that are not copied onto ReplicaSets.
const NOT_COPIED: &[&str] = &[
    "kubectl.kubernetes.io/last-applied-configuration",
    REVISION,
    REVISION_HISTORY,
    DESIRED,
    MAX,
    "deprecated.deployment.rollback.to",
];

/// The revision number of a ReplicaSet (0 when absent).
pub(crate) fn revision(rs: &Value, key: &str) -> i64 {
    obj::annotation(rs, key).parse().unwrap_or(0)
}

/// ReplicaSet keys grouped by the uid of their controller.
pub(crate) fn replicasets_by_owner(world: &World) -> HashMap<String, Vec<(String, String)>> {
    let mut out: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for rs in world.store.list(ids::REPLICASETS, None) {
        if let Some(owner) = obj::controller_uid(rs) {
            out.entry(owner.to_string())
                .or_default()
                .push((obj::namespace(rs).to_string(), obj::name(rs).to_string()));
        }
    }
    out
}

/// Clones the ReplicaSets named by `keys`.
pub(crate) fn fetch(world: &World, keys: &[(String, String)]) -> Vec<Value> {
    keys.iter()
        .filter_map(|(ns, n)| world.store.get(ids::REPLICASETS, ns, n).cloned())
        .collect()
}

/// The template hash of a workload, cached per (uid, generation).
pub(crate) fn cached_hash(world: &mut World, workload: &Value) -> String {
    let key = (
        obj::uid(workload).to_string(),
        obj::int_at(workload, "/metadata/generation", 1),
    );
    if let Some(h) = world.ctl.hashes.get(&key) {
        return h.clone();
    }
    let h = obj::template_hash(&workload["spec"]["template"]);
    world.ctl.hashes.insert(key, h.clone());
    h
}

/// Scales a ReplicaSet and reports it as the owner's `ScalingReplicaSet` Event.
pub(crate) fn scale(
    world: &mut World,
    owner: &Value,
    source: Source,
    rs: &Value,
    to: i64,
    max_surge: i64,
) {
    let from = obj::int_at(rs, "/spec/replicas", 0);
    let desired = obj::int_at(owner, "/spec/replicas", 1);
    let rs_name = obj::name(rs).to_string();
    let annotate = source == Source::Deployment;
    world
        .store
        .modify(ids::REPLICASETS, obj::namespace(rs), &rs_name, |r| {
            r["spec"]["replicas"] = json!(to);
            if annotate {
                obj::set_annotation(r, DESIRED, desired.to_string());
                obj::set_annotation(r, MAX, (desired + max_surge).to_string());
            }
        });
    if from != to {
        let dir = if to > from { "up" } else { "down" };
        events::record(
            world,
            source,
            &Involved::of(owner),
            false,
            "ScalingReplicaSet",
            &format!("Scaled {dir} replica set {rs_name} from {from} to {to}"),
        );
    }
}

/// Builds a ReplicaSet for a workload's current template.
pub(crate) fn new_replicaset(
    owner: &Value,
    hash: &str,
    hash_label: &str,
    replicas: i64,
    annotations: Value,
) -> Value {
    let name = format!("{}-{hash}", obj::name(owner));
    let mut template = owner["spec"]["template"].clone();
    defaults::template(&mut template);
    template["metadata"]["labels"][hash_label] = json!(hash);
    let mut selector = owner["spec"]["selector"].clone();
    selector["matchLabels"][hash_label] = json!(hash);
    let mut spec = json!({"replicas": replicas, "selector": selector, "template": template});
    if let Some(m) = owner["spec"].get("minReadySeconds") {
        spec["minReadySeconds"] = m.clone();
    }
    json!({
        "metadata": {
            "name": name,
            "namespace": obj::namespace(owner),
            "labels": template["metadata"]["labels"],
            "annotations": annotations,
            "ownerReferences": [obj::owner_ref(owner)],
        },
        "spec": spec,
    })
}

struct Plan {
    replicas: i64,
    surge: i64,
    unavailable: i64,
    rolling: bool,
}

fn plan(d: &Value) -> Plan {
    let replicas = obj::int_at(d, "/spec/replicas", 1).max(0);
    let rolling = obj::str_at(d, "/spec/strategy/type") != "Recreate";
    let ru = &d["spec"]["strategy"]["rollingUpdate"];
    let (mut surge, mut unavailable) = if rolling {
        (
            obj::int_or_percent(ru.get("maxSurge"), replicas, true, 25),
            obj::int_or_percent(ru.get("maxUnavailable"), replicas, false, 25),
        )
    } else {
        (0, 0)
    };
    if rolling && surge == 0 && unavailable == 0 {
        unavailable = 1;
    }
    if replicas == 0 {
        unavailable = 0;
        surge = surge.max(0);
    }
    Plan {
        replicas,
        surge,
        unavailable: unavailable.min(replicas),
        rolling,
    }
}

fn spec_replicas(rs: &Value) -> i64 {
    obj::int_at(rs, "/spec/replicas", 0)
}

fn avail(rs: &Value) -> i64 {
    obj::int_at(rs, "/status/availableReplicas", 0)
}

/// One pass of the Deployment controller.
pub(crate) fn sync_all(world: &mut World) {
    let mut by_owner = replicasets_by_owner(world);
    for (ns, name) in world.store.names(ids::DEPLOYMENTS, None) {
        let Some(d) = world.store.get(ids::DEPLOYMENTS, &ns, &name).cloned() else {
            continue;
        };
        let keys = by_owner.remove(obj::uid(&d)).unwrap_or_default();
        let print = super::fingerprint(world, &d, &keys);
        if world.ctl.settled.get(obj::uid(&d)) == Some(&print) {
            continue;
        }
        let rss = fetch(world, &keys);
        sync_one(world, &d, rss);
        if let Some(after) = world.store.get(ids::DEPLOYMENTS, &ns, &name) {
            let reason = obj::condition(&after["status"], "Progressing")
                .map(|c| obj::str_at(c, "/reason"))
                .unwrap_or_default();
            let uid = obj::uid(after).to_string();
            if matches!(
                reason,
                "NewReplicaSetAvailable" | "DeploymentPaused" | "ProgressDeadlineExceeded"
            ) {
                let print = super::fingerprint(world, after, &keys);
                world.ctl.settled.insert(uid, print);
            } else {
                world.ctl.settled.remove(&uid);
            }
        }
    }
}

fn sync_one(world: &mut World, d: &Value, mut rss: Vec<Value>) {
    let (ns, name) = (obj::namespace(d).to_string(), obj::name(d).to_string());
    let hash = cached_hash(world, d);
    let p = plan(d);
    rss.sort_by_key(|r| revision(r, REVISION));
    let paused = obj::bool_at(d, "/spec/paused");
    let mut progressing: Option<(&str, String)> = None;
    let mut new_rs = rss.iter().position(|r| obj::label(r, HASH_LABEL) == hash);
    let max_old = rss
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != new_rs)
        .map(|(_, r)| revision(r, REVISION))
        .max()
        .unwrap_or(0);
    if !paused {
        match new_rs {
            Some(i) if revision(&rss[i], REVISION) <= max_old => {
                let old = revision(&rss[i], REVISION);
                let rs_name = obj::name(&rss[i]).to_string();
                if let Some(updated) = world.store.modify(ids::REPLICASETS, &ns, &rs_name, |r| {
                    let hist = obj::annotation(r, REVISION_HISTORY);
                    let hist = if hist.is_empty() {
                        old.to_string()
                    } else {
                        format!("{hist},{old}")
                    };
                    obj::set_annotation(r, REVISION_HISTORY, hist);
                    obj::set_annotation(r, REVISION, (max_old + 1).to_string());
                }) {
                    rss[i] = updated;
                }
            }
            None if p.rolling
                || rss
                    .iter()
                    .all(|r| spec_replicas(r) == 0 && old_pods_gone(world, r)) =>
            {
                let current: i64 = rss.iter().map(spec_replicas).sum();
                let initial = if p.rolling {
                    (p.replicas + p.surge - current).clamp(0, p.replicas)
                } else {
                    p.replicas
                };
                let mut ann = serde_json::Map::new();
                if let Some(m) = d["metadata"]["annotations"].as_object() {
                    for (k, v) in m {
                        if !NOT_COPIED.contains(&k.as_str()) {
                            ann.insert(k.clone(), v.clone());
                        }
                    }
                }
                ann.insert(DESIRED.into(), json!(p.replicas.to_string()));
                ann.insert(MAX.into(), json!((p.replicas + p.surge).to_string()));
                ann.insert(REVISION.into(), json!((max_old + 1).to_string()));
                let rs = new_replicaset(d, &hash, HASH_LABEL, 0, Value::Object(ann));
                let now = fmt_time(world.clock.now_ms);
                if let Ok(created) = world.store.create(ids::REPLICASETS, rs, &now) {
                    let rs_name = obj::name(&created).to_string();
                    if initial > 0 {
                        scale(world, d, Source::Deployment, &created, initial, p.surge);
                    }
                    progressing = Some((
                        "NewReplicaSetCreated",
                        format!("Created new replica set \"{rs_name}\""),
                    ));
                    rss.push(
                        world
                            .store
                            .get(ids::REPLICASETS, &ns, &rs_name)
                            .cloned()
                            .unwrap_or(created),
                    );
                    new_rs = Some(rss.len() - 1);
                }
            }
            _ => {}
        }
        if let Some(i) = new_rs {
            let rev = obj::annotation(&rss[i], REVISION).to_string();
            world.store.modify(ids::DEPLOYMENTS, &ns, &name, |d| {
                obj::set_annotation(d, REVISION, rev);
            });
        }
        if p.rolling {
            roll(world, d, &mut rss, new_rs, &p);
        } else {
            recreate(world, d, &mut rss, new_rs, &p);
        }
    }
    let rss: Vec<Value> = rss
        .iter()
        .filter_map(|r| {
            world
                .store
                .get(ids::REPLICASETS, &ns, obj::name(r))
                .cloned()
        })
        .collect();
    let new_rs = rss.iter().find(|r| obj::label(r, HASH_LABEL) == hash);
    write_status(world, d, &rss, new_rs, &p, paused, progressing);
    if !paused {
        cleanup(world, d, &rss, &hash);
    }
}

fn old_pods_gone(world: &World, rs: &Value) -> bool {
    let owner = hash_str(obj::uid(rs));
    !world.ctl.pods.values().any(|p| p.owner == owner)
}

fn roll(world: &mut World, d: &Value, rss: &mut [Value], new_rs: Option<usize>, p: &Plan) {
    let Some(ni) = new_rs else { return };
    // Scale the new ReplicaSet up within the surge.
    let new_spec = spec_replicas(&rss[ni]);
    let total: i64 = rss.iter().map(spec_replicas).sum();
    let target = if new_spec > p.replicas {
        p.replicas
    } else {
        let room = (p.replicas + p.surge - total).max(0);
        new_spec + room.min(p.replicas - new_spec)
    };
    if target != new_spec {
        scale(world, d, Source::Deployment, &rss[ni], target, p.surge);
        rss[ni]["spec"]["replicas"] = json!(target);
        return;
    }
    // Scale old ones down while keeping the minimum available.
    let old_total: i64 = rss
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != ni)
        .map(|(_, r)| spec_replicas(r))
        .sum();
    if old_total == 0 {
        return;
    }
    let all: i64 = rss.iter().map(spec_replicas).sum();
    let min_available = p.replicas - p.unavailable;
    let new_unavailable = (spec_replicas(&rss[ni]) - avail(&rss[ni])).max(0);
    let mut budget = all - min_available - new_unavailable;
    if budget <= 0 {
        return;
    }
    // First the old pods that are not available anyway.
    for i in (0..rss.len()).filter(|i| *i != ni) {
        let unhealthy = (spec_replicas(&rss[i]) - avail(&rss[i])).max(0);
        let down = unhealthy.min(budget);
        if down > 0 {
            let to = spec_replicas(&rss[i]) - down;
            scale(world, d, Source::Deployment, &rss[i], to, p.surge);
            rss[i]["spec"]["replicas"] = json!(to);
            budget -= down;
        }
    }
    let available: i64 = rss.iter().map(avail).sum();
    if available <= min_available {
        return;
    }
    let mut remaining = available - min_available;
    for i in (0..rss.len()).filter(|i| *i != ni) {
        if remaining <= 0 {
            break;
        }
        let down = spec_replicas(&rss[i]).min(remaining);
        if down > 0 {
            let to = spec_replicas(&rss[i]) - down;
            scale(world, d, Source::Deployment, &rss[i], to, p.surge);
            rss[i]["spec"]["replicas"] = json!(to);
            remaining -= down;
        }
    }
}

fn recreate(world: &mut World, d: &Value, rss: &mut [Value], new_rs: Option<usize>, p: &Plan) {
    let mut scaled = false;
    for i in (0..rss.len()).filter(|i| Some(*i) != new_rs) {
        if spec_replicas(&rss[i]) > 0 {
            scale(world, d, Source::Deployment, &rss[i], 0, 0);
            rss[i]["spec"]["replicas"] = json!(0);
            scaled = true;
        }
    }
    let old_running = rss
        .iter()
        .enumerate()
        .any(|(i, r)| Some(i) != new_rs && !old_pods_gone(world, r));
    if scaled || old_running {
        return;
    }
    if let Some(ni) = new_rs
        && spec_replicas(&rss[ni]) != p.replicas
    {
        scale(world, d, Source::Deployment, &rss[ni], p.replicas, 0);
        rss[ni]["spec"]["replicas"] = json!(p.replicas);
    }
}

fn write_status(
    world: &mut World,
    d: &Value,
    rss: &[Value],
    new_rs: Option<&Value>,
    p: &Plan,
    paused: bool,
    created: Option<(&str, String)>,
) {
    let now = world.clock.now_ms;
    let sum = |ptr: &str| rss.iter().map(|r| obj::int_at(r, ptr, 0)).sum::<i64>();
    let replicas = sum("/status/replicas");
    let ready = sum("/status/readyReplicas");
    let available = sum("/status/availableReplicas");
    let updated = new_rs
        .map(|r| obj::int_at(r, "/status/replicas", 0))
        .unwrap_or(0);
    let generation = obj::int_at(d, "/metadata/generation", 1);
    let old = d["status"].clone();
    let mut status = json!({
        "observedGeneration": generation,
        "replicas": replicas,
        "updatedReplicas": updated,
        "readyReplicas": ready,
        "availableReplicas": available,
        "conditions": old["conditions"].clone(),
    });
    if p.replicas - available > 0 {
        status["unavailableReplicas"] = json!(p.replicas - available);
    }
    if available >= p.replicas - p.unavailable {
        obj::set_condition(
            &mut status,
            "Available",
            "True",
            "MinimumReplicasAvailable",
            "Deployment has minimum availability.",
            now,
            false,
        );
    } else {
        obj::set_condition(
            &mut status,
            "Available",
            "False",
            "MinimumReplicasUnavailable",
            "Deployment does not have minimum availability.",
            now,
            false,
        );
    }
    let rs_name = new_rs.map(obj::name).unwrap_or_default();
    let cur_reason = obj::condition(&old, "Progressing")
        .map(|c| obj::str_at(c, "/reason"))
        .unwrap_or_default();
    if paused {
        if cur_reason != "DeploymentPaused" {
            obj::set_condition(
                &mut status,
                "Progressing",
                "Unknown",
                "DeploymentPaused",
                "Deployment is paused",
                now,
                true,
            );
        }
    } else if cur_reason == "DeploymentPaused" {
        obj::set_condition(
            &mut status,
            "Progressing",
            "Unknown",
            "DeploymentResumed",
            "Deployment is resumed",
            now,
            true,
        );
    } else if let Some((reason, msg)) = created {
        obj::set_condition(&mut status, "Progressing", "True", reason, &msg, now, true);
    } else {
        let complete_before = replicas == updated && cur_reason == "NewReplicaSetAvailable";
        let complete = updated == p.replicas && replicas == p.replicas && available == p.replicas;
        let old_i = |k: &str| obj::int_at(&old, k, 0);
        let progressed = updated > old_i("/updatedReplicas")
            || (replicas - updated) < (old_i("/replicas") - old_i("/updatedReplicas"))
            || ready > old_i("/readyReplicas")
            || available > old_i("/availableReplicas");
        let deadline_s = obj::int_at(d, "/spec/progressDeadlineSeconds", 600);
        let timed_out = match cur_reason {
            "ProgressDeadlineExceeded" => true,
            "NewReplicaSetAvailable" | "" => false,
            _ => obj::condition_time(&old, "Progressing", "lastUpdateTime")
                .is_some_and(|t| t + deadline_s * 1000 < now),
        };
        if !complete_before && !rs_name.is_empty() {
            if complete {
                let msg = format!("ReplicaSet \"{rs_name}\" has successfully progressed.");
                obj::set_condition(
                    &mut status,
                    "Progressing",
                    "True",
                    "NewReplicaSetAvailable",
                    &msg,
                    now,
                    false,
                );
            } else if progressed {
                let msg = format!("ReplicaSet \"{rs_name}\" is progressing.");
                obj::set_condition(
                    &mut status,
                    "Progressing",
                    "True",
                    "ReplicaSetUpdated",
                    &msg,
                    now,
                    true,
                );
            } else if timed_out {
                let msg = format!("ReplicaSet \"{rs_name}\" has timed out progressing.");
                if cur_reason != "ProgressDeadlineExceeded" {
                    let inv = Involved::of(d);
                    events::record(
                        world,
                        Source::Deployment,
                        &inv,
                        true,
                        "ProgressDeadlineExceeded",
                        &msg,
                    );
                }
                obj::set_condition(
                    &mut status,
                    "Progressing",
                    "False",
                    "ProgressDeadlineExceeded",
                    &msg,
                    now,
                    false,
                );
            }
        }
    }
    // The real controller lists Available first, then Progressing.
    if let Some(conds) = status["conditions"].as_array_mut() {
        conds.sort_by_key(|c| c["type"] != "Available");
    }
    world
        .store
        .modify(ids::DEPLOYMENTS, obj::namespace(d), obj::name(d), |d| {
            d["status"] = status;
        });
}

fn cleanup(world: &mut World, d: &Value, rss: &[Value], hash: &str) {
    let limit = obj::int_at(d, "/spec/revisionHistoryLimit", 10).max(0) as usize;
    if rss.len() <= limit + 1 {
        return;
    }
    let counts = replicaset::counts_by_owner(world);
    let mut idle: Vec<&Value> = rss
        .iter()
        .filter(|r| {
            obj::label(r, HASH_LABEL) != hash
                && spec_replicas(r) == 0
                && obj::int_at(r, "/status/replicas", 0) == 0
                && counts
                    .get(&hash_str(obj::uid(r)))
                    .is_none_or(|c| c.total == 0)
        })
        .collect();
    if idle.len() <= limit {
        return;
    }
    idle.sort_by_key(|r| revision(r, REVISION));
    let excess = idle.len() - limit;
    for r in idle.into_iter().take(excess) {
        let _ = world
            .store
            .delete(ids::REPLICASETS, obj::namespace(r), obj::name(r));
    }
}
