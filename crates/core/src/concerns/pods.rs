//! The Pods pane: the selected release's pods with their roles, problems first, the name
//! filter and the cursor.

use crate::cluster::Cluster;
use crate::cursor::step;
use crate::meta::ObjectKey;
use crate::pod::{Pod, PodRole};
use crate::release::{ReleaseId, Roles, RolesBasis, pod_order, pods_of};

/// What one pod's change did to the selected release's rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RowChange {
    /// The pod is not, and was not, one of the release's.
    Outside,
    /// The pod's row stayed, with the same role (it may have moved).
    Updated,
    /// The pod joined or left the rows, or its role changed.
    Membership,
}

/// The selected release's pod rows and the cursor.
#[derive(Debug, Default)]
pub struct PodList {
    /// The selected release's pods with their roles, problems first (derived, unfiltered;
    /// sorting thousands of pods is too slow to do on every frame).
    pub rows: Vec<(ObjectKey, PodRole)>,
    /// Pod name filter (substring, case-insensitive).
    pub filter: String,
    /// Highlighted row.
    pub cursor: usize,
    /// The release the rows were derived for, and what its pods' roles rested on then.
    basis: Option<(ReleaseId, RolesBasis)>,
}

impl PodList {
    /// Recomputes the rows of release `id`.
    pub(crate) fn derive(&mut self, cluster: &Cluster, id: Option<&ReleaseId>) {
        self.basis = id.and_then(|id| Some((id.clone(), Roles::of(cluster, id).basis()?)));
        self.rows = match id {
            Some(id) => pods_of(cluster, id)
                .into_iter()
                .map(|(p, role)| (p.key.clone(), role))
                .collect(),
            None => Vec::new(),
        };
    }

    /// Forgets the rows (the cluster they came from is gone).
    pub(crate) fn clear(&mut self) {
        self.rows.clear();
        self.basis = None;
    }

    /// Whether release `id`'s rows keep their roles after its workload or a ReplicaSet changed:
    /// a rollout's ReplicaSet updates are mostly counts, which move no pod from one role to
    /// another, and deriving the rows sorts every pod of the namespace.
    pub(crate) fn roles_kept(&self, cluster: &Cluster, id: &ReleaseId) -> bool {
        self.basis
            .as_ref()
            .is_some_and(|(known, basis)| known == id && Roles::of(cluster, id).rests_on(basis))
    }

    /// Brings one pod's row in line with the cluster after that pod alone changed: the other
    /// rows keep their roles (roles follow ReplicaSets and workloads, not pods), so only this
    /// row moves.
    pub(crate) fn apply_pod(
        &mut self,
        cluster: &Cluster,
        id: Option<&ReleaseId>,
        key: &ObjectKey,
    ) -> RowChange {
        let Some(id) = id.filter(|id| id.key.namespace == key.namespace) else {
            return RowChange::Outside;
        };
        let old = self
            .rows
            .iter()
            .position(|(k, _)| k == key)
            .map(|i| self.rows.remove(i).1);
        let new_row = cluster
            .pods
            .get(key)
            .and_then(|p| Roles::of(cluster, id).role(p).map(|role| (p, role)));
        let Some((pod, role)) = new_row else {
            return match old {
                Some(_) => RowChange::Membership,
                None => RowChange::Outside,
            };
        };
        // Every row's pod is in the cluster: rows are rebuilt or updated on each pod change.
        let at = self.rows.partition_point(|(k, r)| {
            cluster
                .pods
                .get(k)
                .is_some_and(|p| pod_order((p, *r), (pod, role)).is_lt())
        });
        self.rows.insert(at, (key.clone(), role));
        if old == Some(role) {
            RowChange::Updated
        } else {
            RowChange::Membership
        }
    }

    /// The rows that pass the filter.
    pub fn visible_rows(&self) -> impl Iterator<Item = &(ObjectKey, PodRole)> {
        let needle = self.filter.to_lowercase();
        self.rows
            .iter()
            .filter(move |(k, _)| needle.is_empty() || k.name.to_lowercase().contains(&needle))
    }

    /// The pods that pass the filter, problems first.
    pub fn visible<'a>(&'a self, cluster: &'a Cluster) -> Vec<(&'a Pod, PodRole)> {
        self.visible_rows()
            .filter_map(|(k, role)| cluster.pods.get(k).map(|p| (p, *role)))
            .collect()
    }

    /// The pod under the cursor.
    pub(crate) fn under_cursor<'a>(&self, cluster: &'a Cluster) -> Option<&'a Pod> {
        let n = self.visible_rows().count();
        let i = self.cursor.min(n.saturating_sub(1));
        let (key, _) = self.visible_rows().nth(i)?;
        cluster.pods.get(key)
    }

    /// Sets the filter; the cursor goes back to the first row.
    pub(crate) fn set_filter(&mut self, text: String) {
        self.filter = text;
        self.cursor = 0;
    }

    /// Moves the cursor by `delta` rows.
    pub(crate) fn move_cursor(&mut self, delta: isize) {
        let n = self.visible_rows().count();
        self.cursor = step(self.cursor.min(n.saturating_sub(1)), delta, n);
    }
}
