//! What the watches have told us about the cluster, keyed by kind, namespace and name.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};

use super::analysis::AnalysisRun;
use super::deployment::{Deployment, ReplicaSet};
use super::event::Event;
use super::meta::ObjectKey;
use super::pod::Pod;
use super::rollout::Rollout;

/// The kinds Quarterdeck watches; each is one source with its own connection state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// apps/v1 Deployments.
    Deployments,
    /// apps/v1 ReplicaSets.
    ReplicaSets,
    /// v1 Pods.
    Pods,
    /// argoproj.io/v1alpha1 Rollouts.
    Rollouts,
    /// v1 Events.
    Events,
    /// argoproj.io/v1alpha1 AnalysisRuns.
    AnalysisRuns,
}

impl Kind {
    /// Every watched kind, in status-bar order.
    pub const ALL: [Kind; 6] = [
        Kind::Deployments,
        Kind::ReplicaSets,
        Kind::Pods,
        Kind::Rollouts,
        Kind::Events,
        Kind::AnalysisRuns,
    ];

    /// Plural lowercase name, as kubectl spells the resource.
    pub fn plural(self) -> &'static str {
        match self {
            Kind::Deployments => "deployments",
            Kind::ReplicaSets => "replicasets",
            Kind::Pods => "pods",
            Kind::Rollouts => "rollouts",
            Kind::Events => "events",
            Kind::AnalysisRuns => "analysisruns",
        }
    }

    /// A short label for the status bar.
    pub fn short(self) -> &'static str {
        match self {
            Kind::Deployments => "deploy",
            Kind::ReplicaSets => "rs",
            Kind::Pods => "pods",
            Kind::Rollouts => "rollouts",
            Kind::Events => "events",
            Kind::AnalysisRuns => "ar",
        }
    }
}

/// One slim object of any watched kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Object {
    /// A Deployment.
    Deployment(Deployment),
    /// A ReplicaSet.
    ReplicaSet(ReplicaSet),
    /// A Pod.
    Pod(Pod),
    /// A Rollout.
    Rollout(Rollout),
    /// An Event.
    Event(Event),
    /// An AnalysisRun.
    AnalysisRun(AnalysisRun),
}

impl Object {
    /// The kind this object belongs to.
    pub fn kind(&self) -> Kind {
        match self {
            Object::Deployment(_) => Kind::Deployments,
            Object::ReplicaSet(_) => Kind::ReplicaSets,
            Object::Pod(_) => Kind::Pods,
            Object::Rollout(_) => Kind::Rollouts,
            Object::Event(_) => Kind::Events,
            Object::AnalysisRun(_) => Kind::AnalysisRuns,
        }
    }

    /// Namespace and name.
    pub fn key(&self) -> &ObjectKey {
        match self {
            Object::Deployment(o) => &o.key,
            Object::ReplicaSet(o) => &o.key,
            Object::Pod(o) => &o.key,
            Object::Rollout(o) => &o.key,
            Object::Event(o) => &o.key,
            Object::AnalysisRun(o) => &o.key,
        }
    }
}

/// Events kept at most; the oldest go first (a busy namespace emits thousands).
pub(crate) const MAX_EVENTS: usize = 2_000;

/// Everything known about the cluster.
#[derive(Debug, Clone, Default)]
pub struct Cluster {
    /// Deployments by key.
    pub deployments: BTreeMap<ObjectKey, Deployment>,
    /// ReplicaSets by key.
    pub replicasets: BTreeMap<ObjectKey, ReplicaSet>,
    /// Pods by key.
    pub pods: BTreeMap<ObjectKey, Pod>,
    /// Rollouts by key.
    pub rollouts: BTreeMap<ObjectKey, Rollout>,
    /// Events by key.
    pub events: BTreeMap<ObjectKey, Event>,
    /// AnalysisRuns by key.
    pub analysis_runs: BTreeMap<ObjectKey, AnalysisRun>,
    /// The events ordered oldest first (last seen, then key), so making room is no scan.
    events_by_age: BTreeSet<(i64, ObjectKey)>,
    /// Changes to the events, ReplicaSets and pods of each namespace, and to whole kinds:
    /// what a release's event list reads, so it is derived again only when one changed.
    stamps: EventStamps,
}

/// Where every stamp comes from: unique in the process, so two clusters (before and after a
/// context switch) never show the same stamp for different contents.
static STAMP: AtomicU64 = AtomicU64::new(1);

fn next_stamp() -> u64 {
    STAMP.fetch_add(1, Ordering::Relaxed)
}

/// Stamps that move whenever what [`Cluster::events_stamp`] covers changes.
#[derive(Debug, Clone, Default)]
struct EventStamps {
    /// Renewed when a whole kind is listed again or forgotten.
    epoch: u64,
    /// Renewed per namespace on each change of one of its events, ReplicaSets or pods.
    namespaces: BTreeMap<String, u64>,
}

impl EventStamps {
    fn touch(&mut self, kind: Kind, namespace: &str) {
        if matches!(kind, Kind::Events | Kind::ReplicaSets | Kind::Pods) {
            match self.namespaces.get_mut(namespace) {
                Some(n) => *n = next_stamp(),
                None => {
                    self.namespaces.insert(namespace.to_string(), next_stamp());
                }
            }
        }
    }
}

/// Where an event sorts among the others when room must be made.
fn event_age(e: &Event) -> (i64, ObjectKey) {
    (e.last_ms.unwrap_or(i64::MIN), e.key.clone())
}

impl Cluster {
    /// Inserts or replaces an object; returns the keys of the events dropped to make room.
    pub(crate) fn upsert(&mut self, object: Object) -> Vec<ObjectKey> {
        self.stamps.touch(object.kind(), &object.key().namespace);
        match object {
            Object::Deployment(o) => {
                self.deployments.insert(o.key.clone(), o);
            }
            Object::ReplicaSet(o) => {
                self.replicasets.insert(o.key.clone(), o);
            }
            Object::Pod(o) => {
                self.pods.insert(o.key.clone(), o);
            }
            Object::Rollout(o) => {
                self.rollouts.insert(o.key.clone(), o);
            }
            Object::Event(o) => {
                let age = event_age(&o);
                if let Some(old) = self.events.insert(o.key.clone(), o) {
                    self.events_by_age.remove(&event_age(&old));
                }
                self.events_by_age.insert(age);
                return self.trim_events();
            }
            Object::AnalysisRun(o) => {
                self.analysis_runs.insert(o.key.clone(), o);
            }
        }
        Vec::new()
    }

    /// Removes an object.
    pub fn delete(&mut self, kind: Kind, key: &ObjectKey) {
        self.stamps.touch(kind, &key.namespace);
        match kind {
            Kind::Deployments => {
                self.deployments.remove(key);
            }
            Kind::ReplicaSets => {
                self.replicasets.remove(key);
            }
            Kind::Pods => {
                self.pods.remove(key);
            }
            Kind::Rollouts => {
                self.rollouts.remove(key);
            }
            Kind::Events => {
                if let Some(e) = self.events.remove(key) {
                    self.events_by_age.remove(&event_age(&e));
                }
            }
            Kind::AnalysisRuns => {
                self.analysis_runs.remove(key);
            }
        }
    }

    /// Replaces every object of a kind (a fresh list after connecting or re-listing).
    pub fn replace(&mut self, kind: Kind, objects: Vec<Object>) {
        self.clear_kind(kind);
        for o in objects.into_iter().filter(|o| o.kind() == kind) {
            self.upsert(o);
        }
    }

    /// Forgets every object of a kind.
    pub(crate) fn clear_kind(&mut self, kind: Kind) {
        self.stamps.epoch = next_stamp();
        match kind {
            Kind::Deployments => self.deployments.clear(),
            Kind::ReplicaSets => self.replicasets.clear(),
            Kind::Pods => self.pods.clear(),
            Kind::Rollouts => self.rollouts.clear(),
            Kind::Events => {
                self.events.clear();
                self.events_by_age.clear();
            }
            Kind::AnalysisRuns => self.analysis_runs.clear(),
        }
    }

    /// Moves whenever an event, ReplicaSet or pod of `namespace` changed (or a whole kind was
    /// listed again) through this type's methods: a release's events read nothing else.
    pub fn events_stamp(&self, namespace: &str) -> (u64, u64) {
        (
            self.stamps.epoch,
            self.stamps.namespaces.get(namespace).copied().unwrap_or(0),
        )
    }

    /// Drops the oldest events beyond `MAX_EVENTS`; returns their keys.
    fn trim_events(&mut self) -> Vec<ObjectKey> {
        let mut dropped = Vec::new();
        while self.events.len() > MAX_EVENTS {
            let Some((_, key)) = self.events_by_age.pop_first() else {
                break;
            };
            self.events.remove(&key);
            self.stamps.touch(Kind::Events, &key.namespace);
            dropped.push(key);
        }
        dropped
    }
}
