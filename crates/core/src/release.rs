//! Releases: one row per Deployment or Rollout, derived from the watched objects, and the
//! pods and revision history that belong to a release.

use std::collections::HashMap;

use super::cluster::Cluster;
use super::deployment::ReplicaSet;
use super::meta::ObjectKey;
use super::phase::Phase;
use super::pod::{Pod, PodRole};

/// Which kind of workload a release is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WorkloadKind {
    /// An apps/v1 Deployment.
    Deployment,
    /// An Argo Rollout.
    Rollout,
}

impl WorkloadKind {
    /// The Kubernetes kind name as it appears in ownerReferences.
    pub(crate) fn kind_name(self) -> &'static str {
        match self {
            WorkloadKind::Deployment => "Deployment",
            WorkloadKind::Rollout => "Rollout",
        }
    }
}

/// Identifies a release: the workload's kind, namespace and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReleaseId {
    /// Namespace and name of the workload.
    pub key: ObjectKey,
    /// Deployment or Rollout.
    pub kind: WorkloadKind,
}

/// One row of the Releases pane.
#[derive(Debug, Clone, PartialEq)]
pub struct Release {
    /// Which workload.
    pub id: ReleaseId,
    /// `rolling`, `recreate`, `canary` or `blue-green`.
    pub strategy: &'static str,
    /// Derived phase.
    pub phase: Phase,
    /// The rollout was aborted (shown instead of the phase word).
    pub aborted: bool,
    /// The phase message.
    pub message: String,
    /// Current revision.
    pub revision: Option<i64>,
    /// Canary step `(index, count)`.
    pub step: Option<(u32, u32)>,
    /// Canary weight `(desired, actual)`; `None` for Deployments and blue-green.
    pub weight: Option<(u32, u32)>,
    /// Ready replicas.
    pub ready: i32,
    /// Desired replicas.
    pub desired: i32,
    /// When the release last changed state, Unix ms.
    pub last_change_ms: Option<i64>,
    /// Image of the newest revision.
    pub image: String,
}

impl Release {
    /// The phase word, or `Aborted` when the rollout was aborted.
    pub fn phase_word(&self) -> &'static str {
        if self.aborted {
            "Aborted"
        } else {
            self.phase.word()
        }
    }
}

/// A revision of a release (one ReplicaSet), newest first in history lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    /// Revision number.
    pub number: i64,
    /// Image of the pod template.
    pub image: String,
    /// ReplicaSet name.
    pub replicaset: String,
    /// Pod-template hash.
    pub hash: String,
    /// Pods the ReplicaSet runs now.
    pub replicas: i32,
    /// Why it was made (`kubernetes.io/change-cause`).
    pub change_cause: Option<String>,
    /// When its ReplicaSet was created, Unix ms.
    pub created_ms: Option<i64>,
}

/// Every release in the cluster, sorted by namespace then name.
pub(crate) fn derive_releases(cluster: &Cluster) -> Vec<Release> {
    let deployments = cluster.deployments.keys().map(|key| ReleaseId {
        key: key.clone(),
        kind: WorkloadKind::Deployment,
    });
    let rollouts = cluster.rollouts.keys().map(|key| ReleaseId {
        key: key.clone(),
        kind: WorkloadKind::Rollout,
    });
    let mut out: Vec<Release> = deployments
        .chain(rollouts)
        .filter_map(|id| derive_release(cluster, id))
        .collect();
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

/// The row of release `id`, or `None` when its workload is gone.
pub(crate) fn derive_release(cluster: &Cluster, id: ReleaseId) -> Option<Release> {
    match id.kind {
        WorkloadKind::Deployment => {
            let d = cluster.deployments.get(&id.key)?;
            let (phase, message) = d.phase();
            Some(Release {
                id,
                strategy: match d.strategy {
                    super::deployment::DeployStrategy::RollingUpdate => "rolling",
                    super::deployment::DeployStrategy::Recreate => "recreate",
                },
                phase,
                aborted: false,
                message,
                revision: d.revision,
                step: None,
                weight: None,
                ready: d.ready,
                desired: d.desired,
                last_change_ms: d.last_change_ms(),
                image: d.image.clone(),
            })
        }
        WorkloadKind::Rollout => {
            let r = cluster.rollouts.get(&id.key)?;
            let (phase, message) = r.phase();
            let weight = (!r.is_blue_green()).then(|| {
                let avail = canary_available(cluster, &id.key).unwrap_or(0);
                (r.desired_weight(), r.actual_weight(avail))
            });
            Some(Release {
                id,
                strategy: if r.is_blue_green() {
                    "blue-green"
                } else {
                    "canary"
                },
                phase,
                aborted: r.abort,
                message,
                revision: r.revision,
                step: r.step(),
                weight,
                ready: r.ready,
                desired: r.desired,
                last_change_ms: r.last_change_ms(),
                image: r.image.clone(),
            })
        }
    }
}

/// The release a changed object's row belongs to: a workload's own, or the Rollout owning
/// a ReplicaSet (its canary's available pods set the actual weight). A Deployment's
/// ReplicaSets are read by no row.
pub(crate) fn row_of(
    kind: super::cluster::Kind,
    key: &ObjectKey,
    owner: Option<&super::meta::Owner>,
) -> Option<ReleaseId> {
    use super::cluster::Kind;
    match kind {
        Kind::Deployments => Some(ReleaseId {
            key: key.clone(),
            kind: WorkloadKind::Deployment,
        }),
        Kind::Rollouts => Some(ReleaseId {
            key: key.clone(),
            kind: WorkloadKind::Rollout,
        }),
        Kind::ReplicaSets => owner.filter(|o| o.kind == "Rollout").map(|o| ReleaseId {
            key: ObjectKey::new(&key.namespace, &o.name),
            kind: WorkloadKind::Rollout,
        }),
        Kind::Pods | Kind::Events | Kind::AnalysisRuns => None,
    }
}

/// Available replicas of a canary Rollout's current (canary) ReplicaSet.
fn canary_available(cluster: &Cluster, rollout: &ObjectKey) -> Option<i32> {
    let r = cluster.rollouts.get(rollout)?;
    let range = ObjectKey::new(&rollout.namespace, "")..;
    cluster
        .replicasets
        .range(range)
        .take_while(|(k, _)| k.namespace == rollout.namespace)
        .map(|(_, rs)| rs)
        .filter(|rs| {
            rs.owner
                .as_ref()
                .is_some_and(|o| o.kind == "Rollout" && o.name == rollout.name)
                && !rs.hash.is_empty()
                && rs.hash == r.current_pod_hash
        })
        .last()
        .map(|rs| rs.available)
}

/// READY as a user reads it: the ready pods of the side that serves users, counted against
/// the desired replicas, with the pods beyond them apart — a rolling surge or a canary's extra
/// pod, or the whole preview side of a blue-green rollout. Argo counts both sides (and a
/// canary's surge) in `readyReplicas`, which read as "5/4" or "6/3".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Readiness {
    /// Ready pods counted against `desired` (never more than it).
    pub ready: i32,
    /// Desired replicas.
    pub desired: i32,
    /// Pods beyond the desired count: a surge, a canary's extra pod, a blue-green preview.
    pub extra: i32,
}

/// The readiness of `release`, from its workload and, for blue-green, its ReplicaSets.
pub fn readiness(cluster: &Cluster, release: &Release) -> Readiness {
    let capped = |ready: i32, desired: i32, total: i32| Readiness {
        ready: ready.min(desired),
        desired,
        extra: (total - desired).max(0),
    };
    let fallback = capped(release.ready, release.desired, release.ready);
    match release.id.kind {
        WorkloadKind::Deployment => cluster
            .deployments
            .get(&release.id.key)
            .map_or(fallback, |d| capped(d.ready, d.desired, d.replicas)),
        WorkloadKind::Rollout => {
            let Some(r) = cluster.rollouts.get(&release.id.key) else {
                return fallback;
            };
            if !r.is_blue_green() {
                return capped(r.ready, r.desired, r.replicas);
            }
            let active = r.active_selector.as_deref().unwrap_or(&r.stable_rs);
            let side = |hash: &str| {
                cluster.replicasets.values().find(|rs| {
                    !hash.is_empty()
                        && rs.hash == hash
                        && owned_by(rs.owner.as_ref(), &rs.key.namespace, &release.id)
                })
            };
            let Some(active_rs) = side(active) else {
                return capped(r.ready, r.desired, r.replicas);
            };
            let preview = r
                .preview_selector
                .as_deref()
                .filter(|p| *p != active)
                .and_then(side)
                .map_or(0, |rs| rs.replicas);
            Readiness {
                ready: active_rs.ready.min(r.desired),
                desired: r.desired,
                extra: preview,
            }
        }
    }
}

/// The revisions (ReplicaSets) of a release, newest first.
pub fn history(cluster: &Cluster, id: &ReleaseId) -> Vec<Revision> {
    replicasets_of(cluster, id)
        .into_iter()
        .map(|rs| Revision {
            number: rs.revision.unwrap_or(0),
            image: rs.image.clone(),
            replicaset: rs.key.name.clone(),
            hash: rs.hash.clone(),
            replicas: rs.replicas,
            change_cause: rs.change_cause.clone(),
            created_ms: rs.created_ms,
        })
        .collect()
}

/// A release's ReplicaSets, newest revision first, borrowed: what the paths run on every
/// watch event read, without copying a revision's texts.
pub(crate) fn replicasets_of<'a>(cluster: &'a Cluster, id: &ReleaseId) -> Vec<&'a ReplicaSet> {
    // A release only owns ReplicaSets of its own namespace: look at that range alone, so the
    // cost follows the namespace, not the cluster.
    let range = ObjectKey::new(&id.key.namespace, "")..;
    let mut out: Vec<&ReplicaSet> = cluster
        .replicasets
        .range(range)
        .take_while(|(k, _)| k.namespace == id.key.namespace)
        .map(|(_, rs)| rs)
        .filter(|rs| owned_by(rs.owner.as_ref(), rs.key.namespace.as_str(), id))
        .collect();
    out.sort_by_key(|rs| std::cmp::Reverse(rs.revision.unwrap_or(0)));
    out
}

fn owned_by(owner: Option<&super::meta::Owner>, namespace: &str, id: &ReleaseId) -> bool {
    owner.is_some_and(|o| {
        o.kind == id.kind.kind_name() && o.name == id.key.name && namespace == id.key.namespace
    })
}

/// What a Deployment's pod roles were derived from (see [`Roles::basis`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RolesBasis {
    hashes: Vec<(String, String)>,
    newest: Option<String>,
    previous: Option<String>,
    rolling: bool,
}

/// Which pods belong to one release and in which role: built once from its ReplicaSets and
/// workload, then asked about any number of pods.
pub(crate) struct Roles<'a> {
    namespace: &'a str,
    /// ReplicaSet name → pod-template hash, for the release's ReplicaSets.
    hashes: HashMap<&'a str, &'a str>,
    newest_hash: Option<&'a str>,
    previous_hash: Option<&'a str>,
    rolling: bool,
    rollout: Option<&'a super::rollout::Rollout>,
}

impl<'a> Roles<'a> {
    /// The roles of release `id`'s pods as the cluster shows them now.
    pub(crate) fn of(cluster: &'a Cluster, id: &'a ReleaseId) -> Self {
        let revisions = replicasets_of(cluster, id);
        // While a Deployment rolls, its newest revision is on trial and the previous one
        // still serves: call them canary and stable, as the operator thinks of them.
        let rolling = cluster
            .deployments
            .get(&id.key)
            .is_some_and(|d| d.phase().0 != Phase::Healthy);
        let previous_hash = revisions
            .iter()
            .skip(1)
            .find(|rs| rs.replicas > 0)
            .map(|rs| rs.hash.as_str());
        let newest_hash = revisions.first().map(|rs| rs.hash.as_str());
        let hashes = revisions
            .iter()
            .map(|rs| (rs.key.name.as_str(), rs.hash.as_str()))
            .collect();
        let rollout = match id.kind {
            WorkloadKind::Rollout => cluster.rollouts.get(&id.key),
            WorkloadKind::Deployment => None,
        };
        Self {
            namespace: &id.key.namespace,
            hashes,
            newest_hash,
            previous_hash,
            rolling,
            rollout,
        }
    }

    /// What decides the roles of a Deployment's pods, to tell whether they may have changed:
    /// its ReplicaSets (name and hash), the newest and the serving revision, and whether it
    /// rolls. `None` for a Rollout, whose roles follow its status.
    pub(crate) fn basis(&self) -> Option<RolesBasis> {
        if self.rollout.is_some() {
            return None;
        }
        let mut hashes: Vec<(String, String)> = self
            .hashes
            .iter()
            .map(|(rs, hash)| (rs.to_string(), hash.to_string()))
            .collect();
        hashes.sort_unstable();
        Some(RolesBasis {
            hashes,
            newest: self.newest_hash.map(str::to_string),
            previous: self.previous_hash.map(str::to_string),
            rolling: self.rolling,
        })
    }

    /// Whether the roles rest on `basis` still.
    pub(crate) fn rests_on(&self, basis: &RolesBasis) -> bool {
        if self.rollout.is_some()
            || self.rolling != basis.rolling
            || self.newest_hash != basis.newest.as_deref()
            || self.previous_hash != basis.previous.as_deref()
            || self.hashes.len() != basis.hashes.len()
        {
            return false;
        }
        basis
            .hashes
            .iter()
            .all(|(rs, hash)| self.hashes.get(rs.as_str()) == Some(&hash.as_str()))
    }

    /// The role of `pod` in the release, or `None` when it is not one of its pods.
    pub(crate) fn role(&self, pod: &Pod) -> Option<PodRole> {
        if pod.key.namespace != self.namespace {
            return None;
        }
        let owner = pod.owner.as_ref()?;
        if owner.kind != "ReplicaSet" {
            return None;
        }
        let hash = *self.hashes.get(owner.name.as_str())?;
        let newest = Some(hash) == self.newest_hash;
        Some(match self.rollout {
            Some(r) => r.role_of(hash),
            None if newest && self.rolling => PodRole::Canary,
            None if newest => PodRole::Stable,
            None if self.rolling && Some(hash) == self.previous_hash => PodRole::Stable,
            None => PodRole::Old,
        })
    }
}

/// The order of the Pods pane: problems first, then by role and name.
pub(crate) fn pod_order(a: (&Pod, PodRole), b: (&Pod, PodRole)) -> std::cmp::Ordering {
    (a.0.health(), a.1, &a.0.key.name).cmp(&(b.0.health(), b.1, &b.0.key.name))
}

/// The pods of a release with their roles, problems first, then by role and name.
pub fn pods_of<'a>(cluster: &'a Cluster, id: &ReleaseId) -> Vec<(&'a Pod, PodRole)> {
    let roles = Roles::of(cluster, id);
    let range = ObjectKey::new(&id.key.namespace, "")..;
    let mut out: Vec<(&Pod, PodRole)> = cluster
        .pods
        .range(range)
        .take_while(|(k, _)| k.namespace == id.key.namespace)
        .filter_map(|(_, p)| roles.role(p).map(|role| (p, role)))
        .collect();
    out.sort_by(|a, b| pod_order(*a, *b));
    out
}

#[cfg(test)]
mod readiness_tests {
    use super::*;
    use crate::sample;

    fn row(cluster: &Cluster, name: &str) -> Readiness {
        let r = derive_releases(cluster)
            .into_iter()
            .find(|r| r.id.key.name == name)
            .unwrap_or_else(|| panic!("no release {name}"));
        readiness(cluster, &r)
    }

    #[test]
    fn a_blue_green_counts_its_active_side_and_the_preview_apart() {
        let (model, _) = sample::model_with(sample::showcase_objects(), 120, 40);
        // Argo's readyReplicas is 4 (both sides) for 2 desired.
        assert_eq!(
            row(&model.cluster, "producer"),
            Readiness {
                ready: 2,
                desired: 2,
                extra: 2
            }
        );
    }

    #[test]
    fn a_canary_with_its_extra_pod_reads_desired_plus_one() {
        let mut ro = sample::canary_paused("shop", "orders-api");
        (ro.replicas, ro.ready) = (5, 5);
        let (model, _) = sample::model_with(vec![crate::cluster::Object::Rollout(ro)], 120, 40);
        assert_eq!(
            row(&model.cluster, "orders-api"),
            Readiness {
                ready: 4,
                desired: 4,
                extra: 1
            }
        );
        let mut ro = sample::canary_paused("shop", "orders-api");
        (ro.replicas, ro.ready) = (5, 3);
        let (model, _) = sample::model_with(vec![crate::cluster::Object::Rollout(ro)], 120, 40);
        assert_eq!(row(&model.cluster, "orders-api").ready, 3);
    }
}
