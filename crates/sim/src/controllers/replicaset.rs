//! The ReplicaSet controller: keeps as many live pods as `spec.replicas`, deleting the least
//! useful first (unscheduled, then not ready, then the newest), and reports counts in status.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::events::{self, Involved, Source};
use super::{defaults, obj, pod};
use crate::resources::ids;
use crate::rng::hash_str;
use crate::world::{World, fmt_time};

/// Pod counts of one owner.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub(crate) struct Counts {
    /// Live (not terminating) pods.
    pub(crate) active: i64,
    /// Live and ready.
    pub(crate) ready: i64,
    /// Ready for minReadySeconds (computed with 0; callers with a minimum recount).
    pub(crate) available: i64,
    /// All pods including terminating ones.
    pub(crate) total: i64,
}

/// Pod counts grouped by the hash of the controller owner's uid.
pub(crate) fn counts_by_owner(world: &World) -> HashMap<u64, Counts> {
    let now = world.clock.now_ms;
    let mut out: HashMap<u64, Counts> = HashMap::new();
    for sim in world.ctl.pods.values() {
        if sim.owner == 0 {
            continue;
        }
        let c = out.entry(sim.owner).or_default();
        c.total += 1;
        if sim.active() {
            c.active += 1;
            if sim.ready() {
                c.ready += 1;
            }
            if sim.available(0, now) {
                c.available += 1;
            }
        }
    }
    out
}

/// A pod name: the owner's name and five random characters.
fn pod_name(world: &mut World, base: &str) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let suffix: String = (0..5)
        .map(|_| ALPHABET[world.rng.range(0, ALPHABET.len() as u64) as usize] as char)
        .collect();
    format!("{base}-{suffix}")
}

fn create_pod(world: &mut World, rs: &Value) {
    let ns = obj::namespace(rs).to_string();
    let rs_name = obj::name(rs).to_string();
    let name = pod_name(world, &rs_name);
    let tpl = &rs["spec"]["template"];
    let mut spec = tpl["spec"].clone();
    defaults::pod_from_template(&mut spec);
    let mut meta = json!({
        "name": name,
        "generateName": format!("{rs_name}-"),
        "namespace": ns,
        "labels": tpl["metadata"]["labels"],
        "ownerReferences": [obj::owner_ref(rs)],
    });
    if tpl["metadata"]["annotations"].is_object() {
        meta["annotations"] = tpl["metadata"]["annotations"].clone();
    }
    let pod = json!({"metadata": meta, "spec": spec, "status": {"phase": "Pending", "qosClass": "BestEffort"}});
    let now = fmt_time(world.clock.now_ms);
    if let Ok(created) = world.store.create(ids::PODS, pod, &now) {
        pod::adopt(world, &created);
        events::record(
            world,
            Source::ReplicaSet,
            &Involved::of(rs),
            false,
            "SuccessfulCreate",
            &format!("Created pod: {name}"),
        );
    }
}

/// Picks `n` live pods of an owner to delete, least useful first.
fn victims(world: &World, owner: u64, n: usize) -> Vec<(String, String)> {
    let mut pods: Vec<_> = world
        .ctl
        .pods
        .iter()
        .filter(|(_, p)| p.owner == owner && p.active())
        .collect();
    pods.sort_by_key(|(_, p)| {
        (
            p.scheduled_ms.is_some(),
            p.phase() == "Running",
            p.ready(),
            std::cmp::Reverse(p.ready_ms.unwrap_or(i64::MAX)),
            std::cmp::Reverse(p.created_ms),
        )
    });
    pods.into_iter().take(n).map(|(k, _)| k.clone()).collect()
}

/// One pass of the ReplicaSet controller over every ReplicaSet.
pub(crate) fn sync_all(world: &mut World) {
    let counts = counts_by_owner(world);
    let now = world.clock.now_ms;
    for (ns, name) in world.store.names(ids::REPLICASETS, None) {
        let Some(rs) = world.store.get(ids::REPLICASETS, &ns, &name) else {
            continue;
        };
        let owner = hash_str(obj::uid(rs));
        let c = counts.get(&owner).copied().unwrap_or_default();
        let want = obj::int_at(rs, "/spec/replicas", 1).max(0);
        let min_ready = obj::int_at(rs, "/spec/minReadySeconds", 0);
        let generation = obj::int_at(rs, "/metadata/generation", 1);
        if c.active != want {
            let rs = rs.clone();
            if c.active < want {
                for _ in c.active..want {
                    create_pod(world, &rs);
                }
            } else {
                for (pns, pname) in victims(world, owner, (c.active - want) as usize) {
                    pod::terminate(world, &pns, &pname);
                    events::record(
                        world,
                        Source::ReplicaSet,
                        &Involved::of(&rs),
                        false,
                        "SuccessfulDelete",
                        &format!("Deleted pod: {pname}"),
                    );
                }
            }
        }
        let available = if min_ready == 0 {
            c.available
        } else {
            world
                .ctl
                .pods
                .values()
                .filter(|p| p.owner == owner && p.active() && p.available(min_ready, now))
                .count() as i64
        };
        let status = json!({
            "replicas": c.active,
            "fullyLabeledReplicas": c.active,
            "readyReplicas": c.ready,
            "availableReplicas": available,
            "observedGeneration": generation,
        });
        let unchanged = world
            .store
            .get(ids::REPLICASETS, &ns, &name)
            .is_some_and(|r| r["status"] == status);
        if !unchanged {
            world.store.modify(ids::REPLICASETS, &ns, &name, |rs| {
                rs["status"] = status;
            });
        }
    }
}
