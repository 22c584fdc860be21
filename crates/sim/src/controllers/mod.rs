//! The controllers that make the world move: Deployments, ReplicaSets, pods (scheduler and
//! kubelet), Argo Rollouts with their analysis, and Events. They read and write the JSON objects
//! in the store and are driven only by the simulated clock and the world's seeded randomness,
//! once per [`crate::world::STEP_MS`].

pub(crate) mod analysis;
pub(crate) mod bluegreen;
pub(crate) mod canary;
mod canary_replicas;
pub(crate) mod defaults;
pub(crate) mod deployment;
pub(crate) mod events;
pub(crate) mod obj;
pub(crate) mod pod;
pub(crate) mod pod_status;
pub(crate) mod replicaset;
pub(crate) mod rollout;

use std::collections::HashMap;

use serde_json::json;

use super::resources::ids;
use super::world::{Behaviour, World};

/// Something the scenario or the control API does to the world.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Action {
    /// Set the image of a Deployment's or Rollout's first container (starts a rollout).
    SetImage {
        /// Namespace.
        namespace: String,
        /// Deployment or Rollout name.
        name: String,
        /// The new image.
        image: String,
    },
    /// Change how an image behaves.
    SetBehaviour {
        /// The image.
        image: String,
        /// Its behaviour from now on.
        behaviour: Behaviour,
    },
}

/// An action named a workload that does not exist.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("no Deployment or Rollout \"{name}\" in namespace \"{namespace}\"")]
pub(crate) struct NoWorkload {
    /// Namespace asked for.
    pub(crate) namespace: String,
    /// Name asked for.
    pub(crate) name: String,
}

/// Applies an action now. Returns the kind of workload changed, for SetImage.
pub(crate) fn apply(world: &mut World, action: &Action) -> Result<&'static str, NoWorkload> {
    match action {
        Action::SetImage {
            namespace,
            name,
            image,
        } => {
            for (res, kind) in [(ids::DEPLOYMENTS, "Deployment"), (ids::ROLLOUTS, "Rollout")] {
                let done = world.store.modify(res, namespace, name, |w| {
                    w["spec"]["template"]["spec"]["containers"][0]["image"] = json!(image);
                });
                if done.is_some() {
                    return Ok(kind);
                }
            }
            Err(NoWorkload {
                namespace: namespace.clone(),
                name: name.clone(),
            })
        }
        Action::SetBehaviour { image, behaviour } => {
            world.set_behaviour(image, behaviour.clone());
            Ok("Image")
        }
    }
}

/// Controller state kept beside the store (timers the objects do not carry).
#[derive(Default)]
pub(crate) struct State {
    /// The kubelet's view of every pod.
    pub(crate) pods: pod::PodTable,
    /// Event dedup and retention.
    pub(crate) events: events::EventLog,
    /// Template hashes by (uid, generation).
    pub(crate) hashes: HashMap<(String, i64), String>,
    /// Actions waiting for their simulated time, in time order.
    pub(crate) scheduled: Vec<(i64, Action)>,
    /// Steps run so far.
    pub(crate) steps: u64,
    /// Per node index: how many pod IPs its range has handed out (IPAM: unique per node).
    pub(crate) pod_ips: HashMap<usize, u32>,
    /// Per workload uid: the resourceVersions it was last reconciled at while settled.
    pub(crate) settled: HashMap<String, u64>,
}

/// A fingerprint of a workload and its ReplicaSets' resourceVersions: when it did not change
/// and the workload is settled (nothing waits on time), reconciling again would change nothing.
pub(crate) fn fingerprint(
    world: &World,
    workload: &serde_json::Value,
    rss: &[(String, String)],
) -> u64 {
    let mut h = super::rng::hash_str(obj::str_at(workload, "/metadata/resourceVersion"));
    for (ns, n) in rss {
        let rv = world
            .store
            .get(ids::REPLICASETS, ns, n)
            .map(|r| obj::str_at(r, "/metadata/resourceVersion"))
            .unwrap_or_default();
        h = super::rng::mix(h ^ super::rng::hash_str(rv));
    }
    h
}

/// Runs every controller once.
pub(crate) fn step(world: &mut World) {
    let now = world.clock.now_ms;
    while world
        .ctl
        .scheduled
        .first()
        .is_some_and(|(at, _)| *at <= now)
    {
        let (_, action) = world.ctl.scheduled.remove(0);
        if let Err(e) = apply(world, &action) {
            tracing::warn!("scheduled action skipped: {e}");
        }
    }
    world.ctl.steps += 1;
    deployment::sync_all(world);
    analysis::sync_all(world);
    rollout::sync_all(world);
    replicaset::sync_all(world);
    pod::sync_all(world);
}

#[cfg(test)]
mod tests;
