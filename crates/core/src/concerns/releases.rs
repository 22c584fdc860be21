//! The Releases pane: one row per Deployment and Rollout, the name filter, and the selection
//! every other pane follows.

use crate::cluster::Cluster;
use crate::cursor::step;
use crate::release::{Release, ReleaseId, derive_release, derive_releases};

/// The release rows and which one is selected.
#[derive(Debug, Default)]
pub struct ReleaseList {
    /// One row per Deployment / Rollout, derived from the cluster.
    pub rows: Vec<Release>,
    /// Name filter (substring, case-insensitive; matches the namespace too).
    pub filter: String,
    /// The highlighted release (stays put when rows move).
    pub selected: Option<ReleaseId>,
    /// The user chose the selection; until then it is the first visible row, whichever
    /// watch happened to answer first.
    pub chosen: bool,
}

impl ReleaseList {
    /// Re-derives the rows; returns whether the selection is still one of them and whether
    /// any row changed.
    pub(crate) fn derive(&mut self, cluster: &Cluster) -> (bool, bool) {
        let rows = derive_releases(cluster);
        let changed = rows != self.rows;
        self.rows = rows;
        let still_there = self
            .selected
            .as_ref()
            .is_some_and(|id| self.rows.iter().any(|r| &r.id == id));
        (still_there, changed)
    }

    /// Re-derives the row of release `id` alone (its workload changed); returns whether it
    /// changed. Rows stay sorted by id.
    pub(crate) fn derive_one(&mut self, cluster: &Cluster, id: ReleaseId) -> bool {
        let at = self.rows.binary_search_by(|r| r.id.cmp(&id));
        match (at, derive_release(cluster, id)) {
            (Ok(i), Some(row)) if self.rows[i] == row => false,
            (Ok(i), Some(row)) => {
                self.rows[i] = row;
                true
            }
            (Ok(i), None) => {
                self.rows.remove(i);
                true
            }
            (Err(i), Some(row)) => {
                self.rows.insert(i, row);
                true
            }
            (Err(_), None) => false,
        }
    }

    /// Whether the selection is one of the rows.
    pub(crate) fn selection_exists(&self) -> bool {
        self.selected
            .as_ref()
            .is_some_and(|id| self.rows.binary_search_by(|r| r.id.cmp(id)).is_ok())
    }

    /// Rows that pass the filter, in display order.
    pub fn visible(&self) -> Vec<&Release> {
        let needle = self.filter.to_lowercase();
        self.rows
            .iter()
            .filter(|r| {
                needle.is_empty()
                    || r.id.key.name.to_lowercase().contains(&needle)
                    || r.id.key.namespace.to_lowercase().contains(&needle)
            })
            .collect()
    }

    /// Index of the selected release among the visible ones.
    pub fn cursor(&self) -> Option<usize> {
        let sel = self.selected.as_ref()?;
        self.visible().iter().position(|r| &r.id == sel)
    }

    /// The selected release's row.
    pub(crate) fn selected_row(&self) -> Option<&Release> {
        let sel = self.selected.as_ref()?;
        self.rows.iter().find(|r| &r.id == sel)
    }

    /// The first visible release (what gets selected when the selection goes away).
    pub(crate) fn first_visible(&self) -> Option<ReleaseId> {
        self.visible().first().map(|r| r.id.clone())
    }

    /// The release `delta` visible rows away from the selection, if any row is visible.
    pub(crate) fn moved(&self, delta: isize) -> Option<ReleaseId> {
        let visible = self.visible();
        if visible.is_empty() {
            return None;
        }
        let next = step(self.cursor().unwrap_or(0), delta, visible.len());
        visible.get(next).map(|r| r.id.clone())
    }
}
