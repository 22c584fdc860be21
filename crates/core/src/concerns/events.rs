//! The Events pane: the selected release's events, newest first, and how far they are
//! scrolled.

use crate::cluster::Cluster;
use crate::cursor::step;
use crate::event::Event;
use crate::meta::ObjectKey;
use crate::release::{ReleaseId, history};

/// The Events pane's scroll position and text filter.
#[derive(Debug, Default)]
pub struct EventList {
    /// Scroll offset.
    pub scroll: usize,
    /// Text filter (case-insensitive substring of reason, object or message).
    pub filter: String,
    /// Across all namespaces, the namespace whose events are watched: the selected release's.
    pub watching: Option<String>,
}

impl EventList {
    /// The events that pass the filter, in the same order.
    pub fn shown<'a>(&self, events: Vec<&'a Event>) -> Vec<&'a Event> {
        if self.filter.is_empty() {
            return events;
        }
        let needle = self.filter.to_lowercase();
        events
            .into_iter()
            .filter(|e| {
                [&e.reason, &e.object_name, &e.message]
                    .iter()
                    .any(|t| t.to_lowercase().contains(&needle))
            })
            .collect()
    }

    /// Scrolls by `delta` rows within `len` events.
    pub(crate) fn move_cursor(&mut self, delta: isize, len: usize) {
        self.scroll = step(self.scroll, delta, len);
    }
}

/// Events about release `id`, its ReplicaSets and pods, newest first: matched by the involved
/// object and its owners, never by name alone (`orders` must not take `orders-api`'s).
pub fn release_events<'a>(cluster: &'a Cluster, id: &ReleaseId) -> Vec<&'a Event> {
    let replicasets: Vec<String> = history(cluster, id)
        .into_iter()
        .map(|r| r.replicaset)
        .collect();
    // Drawn every frame: read the release's namespace alone, not every event of the cluster.
    let range = ObjectKey::new(&id.key.namespace, "")..;
    let mut out: Vec<&Event> = cluster
        .events
        .range(range)
        .take_while(|(k, _)| k.namespace == id.key.namespace)
        .map(|(_, e)| e)
        .filter(|e| involves(cluster, id, &replicasets, e))
        .collect();
    out.sort_by(|a, b| b.last_ms.cmp(&a.last_ms).then(a.key.cmp(&b.key)));
    out
}

/// Whether event `e` is about the workload, one of its ReplicaSets, or one of their pods.
fn involves(cluster: &Cluster, id: &ReleaseId, replicasets: &[String], e: &Event) -> bool {
    match e.object_kind.as_str() {
        "ReplicaSet" => replicasets.contains(&e.object_name),
        "Pod" => {
            let key = ObjectKey::new(&e.key.namespace, &e.object_name);
            match cluster.pods.get(&key).and_then(|p| p.owner.as_ref()) {
                Some(owner) => owner.kind == "ReplicaSet" && replicasets.contains(&owner.name),
                // A pod already gone: its name is its ReplicaSet's plus a suffix.
                None => replicasets.iter().any(|rs| {
                    e.object_name
                        .strip_prefix(rs.as_str())
                        .is_some_and(|rest| rest.starts_with('-'))
                }),
            }
        }
        kind => kind == id.kind.kind_name() && e.object_name == id.key.name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::Object;
    use crate::release::WorkloadKind;
    use crate::sample::{deployment, event, pod, replicaset};

    #[test]
    fn a_release_takes_the_events_of_its_objects_not_of_a_longer_name() {
        let mut cluster = Cluster::default();
        for object in [
            Object::Deployment(deployment("shop", "orders", 2, 1, 1)),
            Object::ReplicaSet(replicaset("shop", "Deployment", "orders", "aaa111", 2, 1)),
            Object::Pod(pod("shop", "orders", "aaa111", "x1")),
            Object::Deployment(deployment("shop", "orders-api", 3, 1, 1)),
            Object::ReplicaSet(replicaset(
                "shop",
                "Deployment",
                "orders-api",
                "bbb222",
                3,
                1,
            )),
            Object::Pod(pod("shop", "orders-api", "bbb222", "y1")),
            Object::Event(event(
                "shop",
                "Deployment",
                "orders",
                false,
                "Scaled",
                "",
                1,
            )),
            Object::Event(event(
                "shop",
                "ReplicaSet",
                "orders-aaa111",
                false,
                "Made",
                "",
                2,
            )),
            Object::Event(event(
                "shop",
                "Pod",
                "orders-aaa111-x1",
                true,
                "BackOff",
                "",
                3,
            )),
            // A pod already deleted, recognised by its ReplicaSet's name.
            Object::Event(event(
                "shop",
                "Pod",
                "orders-aaa111-gone",
                false,
                "Killing",
                "",
                4,
            )),
            Object::Event(event(
                "shop",
                "Deployment",
                "orders-api",
                false,
                "Scaled",
                "",
                1,
            )),
            Object::Event(event(
                "shop",
                "ReplicaSet",
                "orders-api-bbb222",
                false,
                "Made",
                "",
                2,
            )),
            Object::Event(event(
                "shop",
                "Pod",
                "orders-api-bbb222-y1",
                true,
                "BackOff",
                "",
                3,
            )),
        ] {
            cluster.upsert(object);
        }
        let id = ReleaseId {
            kind: WorkloadKind::Deployment,
            key: ObjectKey::new("shop", "orders"),
        };
        let names: Vec<&str> = release_events(&cluster, &id)
            .iter()
            .map(|e| e.object_name.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "orders",
                "orders-aaa111",
                "orders-aaa111-x1",
                "orders-aaa111-gone"
            ]
        );
    }

    #[test]
    fn a_release_takes_no_event_of_a_neighbouring_namespace() {
        // The read covers the release's namespace alone: the namespaces sorting right before
        // and after it ("sho", "shop-2") hold events about objects of the same name.
        let mut cluster = Cluster::default();
        cluster.upsert(Object::Deployment(deployment("shop", "orders", 2, 1, 1)));
        for (ns, mins_ago) in [("sho", 1), ("shop", 2), ("shop-2", 3), ("shoq", 4)] {
            cluster.upsert(Object::Event(event(
                ns,
                "Deployment",
                "orders",
                false,
                "Scaled",
                "",
                mins_ago,
            )));
        }
        let id = ReleaseId {
            kind: WorkloadKind::Deployment,
            key: ObjectKey::new("shop", "orders"),
        };
        let namespaces: Vec<&str> = release_events(&cluster, &id)
            .iter()
            .map(|e| e.key.namespace.as_str())
            .collect();
        assert_eq!(namespaces, ["shop"]);
    }
}
