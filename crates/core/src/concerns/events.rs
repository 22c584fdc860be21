//! The Events pane: the selected release's events, newest first, and how far they are
//! scrolled.

use crate::cluster::Cluster;
use crate::cursor::step;
use crate::event::Event;
use crate::release::ReleaseId;

/// The Events pane's scroll position.
#[derive(Debug, Default)]
pub struct EventList {
    /// Scroll offset.
    pub scroll: usize,
}

impl EventList {
    /// Scrolls by `delta` rows within `len` events.
    pub(crate) fn move_cursor(&mut self, delta: isize, len: usize) {
        self.scroll = step(self.scroll, delta, len);
    }
}

/// Events about release `id`, its ReplicaSets and pods, newest first.
pub fn release_events<'a>(cluster: &'a Cluster, id: &ReleaseId) -> Vec<&'a Event> {
    let prefix = format!("{}-", id.key.name);
    let mut out: Vec<&Event> = cluster
        .events
        .values()
        .filter(|e| {
            e.key.namespace == id.key.namespace
                && (e.object_name == id.key.name || e.object_name.starts_with(&prefix))
        })
        .collect();
    out.sort_by(|a, b| b.last_ms.cmp(&a.last_ms).then(a.key.cmp(&b.key)));
    out
}
