//! The object store: every simulated object as JSON, one global resourceVersion counter, and a
//! bounded window of changes that watches resume from. Like etcd behind the real API server,
//! it knows nothing of HTTP or controllers.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use serde_json::{Value, json};
use tokio::sync::broadcast;

use super::resources::ResId;
use super::status::ApiError;

/// How many past changes are kept for watches to resume from.
const HISTORY: usize = 50_000;

/// What happened to an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChangeKind {
    /// Created.
    Added,
    /// Updated.
    Modified,
    /// Removed.
    Deleted,
}

impl ChangeKind {
    /// The watch event type for this change.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "ADDED",
            ChangeKind::Modified => "MODIFIED",
            ChangeKind::Deleted => "DELETED",
        }
    }
}

/// One change, as a watch delivers it.
#[derive(Debug)]
pub(crate) struct Change {
    /// The resourceVersion the change produced.
    pub(crate) rv: u64,
    /// Which kind changed.
    pub(crate) res: ResId,
    /// Added, modified or deleted.
    pub(crate) kind: ChangeKind,
    /// The object after the change (before it, for deletes, with the delete's RV).
    pub(crate) object: Arc<Value>,
}

/// A watch resumed from a resourceVersion older than the kept window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Expired {
    /// The oldest resourceVersion still resumable.
    pub(crate) oldest: u64,
}

type Objects = BTreeMap<(String, String), Value>;

/// All objects and their recent history.
pub struct Store {
    rv: u64,
    objects: BTreeMap<ResId, Objects>,
    history: VecDeque<Arc<Change>>,
    /// Watches from an RV below this get 410.
    oldest_rv: u64,
    uid_seq: u64,
    uid_salt: u64,
    tx: broadcast::Sender<Arc<Change>>,
}

impl Store {
    /// An empty store whose uids derive from `seed` (same seed ⇒ same uids).
    pub(crate) fn new(seed: u64) -> Self {
        let (tx, _) = broadcast::channel(65_536);
        Self {
            rv: 1000,
            objects: BTreeMap::new(),
            history: VecDeque::new(),
            oldest_rv: 1000,
            uid_seq: 0,
            uid_salt: seed,
            tx,
        }
    }

    /// Makes an empty store continue numbering after `rv` (a new world replacing an old one,
    /// so resumed watches see 410 instead of the new world's changes under old numbers).
    pub(crate) fn start_after(&mut self, rv: u64) {
        self.rv = self.rv.max(rv);
        self.oldest_rv = self.oldest_rv.max(rv);
    }

    /// The latest resourceVersion.
    pub(crate) fn current_rv(&self) -> u64 {
        self.rv
    }

    /// A receiver for every change from now on.
    pub(crate) fn subscribe(&self) -> broadcast::Receiver<Arc<Change>> {
        self.tx.subscribe()
    }

    /// Changes strictly after `rv`, or [`Expired`] when `rv` is older than the kept window.
    pub(crate) fn changes_since(&self, rv: u64) -> Result<Vec<Arc<Change>>, Expired> {
        if rv < self.oldest_rv {
            return Err(Expired {
                oldest: self.oldest_rv,
            });
        }
        let start = self.history.partition_point(|c| c.rv <= rv);
        Ok(self.history.iter().skip(start).cloned().collect())
    }

    /// Whether resuming from `rv` is no longer possible (it is older than the kept window).
    pub(crate) fn is_expired(&self, rv: u64) -> bool {
        rv < self.oldest_rv
    }

    /// Forgets all history, so any resume from an RV before now gets 410 (the "expire RVs" fault).
    pub fn compact(&mut self) {
        self.history.clear();
        self.oldest_rv = self.rv;
    }

    /// One object.
    pub(crate) fn get(&self, res: ResId, namespace: &str, name: &str) -> Option<&Value> {
        self.objects
            .get(&res)
            .and_then(|m| m.get(&(namespace.to_string(), name.to_string())))
    }

    /// All objects of a kind, in namespace then name order; `None` means every namespace.
    pub fn list<'a>(
        &'a self,
        res: ResId,
        namespace: Option<&'a str>,
    ) -> impl Iterator<Item = &'a Value> + 'a {
        self.objects
            .get(&res)
            .into_iter()
            .flat_map(|m| m.iter())
            .filter(move |((ns, _), _)| namespace.is_none_or(|want| want == ns))
            .map(|(_, v)| v)
    }

    /// Names of all objects of a kind in a namespace (a snapshot, so callers may mutate after).
    pub(crate) fn names(&self, res: ResId, namespace: Option<&str>) -> Vec<(String, String)> {
        self.objects
            .get(&res)
            .map(|m| {
                m.keys()
                    .filter(|(ns, _)| namespace.is_none_or(|want| want == ns))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Stores a new object: assigns uid, resourceVersion, creationTimestamp and generation.
    pub fn create(&mut self, res: ResId, mut obj: Value, now: &str) -> Result<Value, ApiError> {
        let def = res.def();
        let (ns, name) = key_of(&obj);
        if name.is_empty() {
            return Err(ApiError::invalid(format!(
                "{} \"\" is invalid: metadata.name: Required value: name or generateName is required",
                def.kind
            )));
        }
        if self.get(res, &ns, &name).is_some() {
            return Err(ApiError::already_exists(def.group, def.plural, &name));
        }
        self.uid_seq += 1;
        let uid = uid_from(self.uid_salt, self.uid_seq);
        self.rv += 1;
        let meta = ensure_object(&mut obj, "metadata");
        meta.insert("uid".into(), json!(uid));
        meta.insert("resourceVersion".into(), json!(self.rv.to_string()));
        meta.entry("creationTimestamp")
            .or_insert_with(|| json!(now));
        if !matches!(
            def.kind,
            "Pod"
                | "Event"
                | "Namespace"
                | "Node"
                | "Service"
                | "ConfigMap"
                | "Secret"
                | "ServiceAccount"
                | "Endpoints"
                | "LimitRange"
                | "StorageClass"
                | "PersistentVolume"
        ) {
            meta.insert("generation".into(), json!(1));
        }
        meta.remove("managedFields");
        obj["apiVersion"] = json!(def.api_version());
        obj["kind"] = json!(def.kind);
        self.objects
            .entry(res)
            .or_default()
            .insert((ns, name), obj.clone());
        self.record(res, ChangeKind::Added, obj.clone());
        Ok(obj)
    }

    /// Replaces an object. Bumps the resourceVersion, and `generation` when the spec changed.
    /// Writes nothing (and returns the stored object) when the object did not change, so
    /// controllers can reconcile freely without waking every watch.
    pub(crate) fn update(&mut self, res: ResId, mut obj: Value) -> Result<Value, ApiError> {
        let def = res.def();
        let (ns, name) = key_of(&obj);
        let Some(old) = self.get(res, &ns, &name) else {
            return Err(ApiError::not_found(def.group, def.plural, &name));
        };
        // Identity and bookkeeping fields are the server's, not the writer's.
        for field in ["uid", "creationTimestamp", "resourceVersion"] {
            if let Some(v) = old["metadata"].get(field).cloned() {
                obj["metadata"][field] = v;
            }
        }
        if let Some(g) = old["metadata"].get("generation").cloned() {
            let bump = old.get("spec") != obj.get("spec");
            let g = g.as_i64().unwrap_or(1);
            obj["metadata"]["generation"] = json!(if bump { g + 1 } else { g });
        }
        obj["apiVersion"] = json!(def.api_version());
        obj["kind"] = json!(def.kind);
        if let Some(meta) = obj["metadata"].as_object_mut() {
            meta.remove("managedFields");
        }
        if *old == obj {
            return Ok(obj);
        }
        self.rv += 1;
        obj["metadata"]["resourceVersion"] = json!(self.rv.to_string());
        self.objects
            .entry(res)
            .or_default()
            .insert((ns, name), obj.clone());
        self.record(res, ChangeKind::Modified, obj.clone());
        Ok(obj)
    }

    /// Applies `f` to a stored object and writes it back if it changed. Returns the result, or
    /// `None` when there is no such object.
    pub(crate) fn modify(
        &mut self,
        res: ResId,
        namespace: &str,
        name: &str,
        f: impl FnOnce(&mut Value),
    ) -> Option<Value> {
        let mut obj = self.get(res, namespace, name)?.clone();
        f(&mut obj);
        self.update(res, obj).ok()
    }

    /// Removes an object and records its deletion.
    pub fn delete(&mut self, res: ResId, namespace: &str, name: &str) -> Result<Value, ApiError> {
        let def = res.def();
        let removed = self
            .objects
            .get_mut(&res)
            .and_then(|m| m.remove(&(namespace.to_string(), name.to_string())));
        let Some(mut obj) = removed else {
            return Err(ApiError::not_found(def.group, def.plural, name));
        };
        self.rv += 1;
        obj["metadata"]["resourceVersion"] = json!(self.rv.to_string());
        self.record(res, ChangeKind::Deleted, obj.clone());
        Ok(obj)
    }

    fn record(&mut self, res: ResId, kind: ChangeKind, object: Value) {
        let change = Arc::new(Change {
            rv: self.rv,
            res,
            kind,
            object: Arc::new(object),
        });
        if self.history.len() == HISTORY
            && let Some(dropped) = self.history.pop_front()
        {
            self.oldest_rv = dropped.rv;
        }
        self.history.push_back(change.clone());
        // Nobody listening is fine; a lagging watcher notices and is closed by its handler.
        let _ = self.tx.send(change);
    }
}

/// (namespace, name) of an object; empty strings when absent.
pub(crate) fn key_of(obj: &Value) -> (String, String) {
    let meta = &obj["metadata"];
    (
        meta["namespace"].as_str().unwrap_or_default().to_string(),
        meta["name"].as_str().unwrap_or_default().to_string(),
    )
}

fn ensure_object<'a>(obj: &'a mut Value, field: &str) -> &'a mut serde_json::Map<String, Value> {
    if !obj[field].is_object() {
        obj[field] = json!({});
    }
    match obj[field].as_object_mut() {
        Some(m) => m,
        None => unreachable!("just made an object"),
    }
}

/// A UUID-shaped id that depends only on the seed and a counter.
fn uid_from(salt: u64, seq: u64) -> String {
    let a = super::rng::mix(salt ^ seq.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let b = super::rng::mix(a ^ seq);
    format!(
        "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
        (a >> 32) as u32,
        (a >> 16) as u16,
        a as u16 & 0xfff,
        (b >> 48) as u16 & 0xfff,
        b & 0xffff_ffff_ffff
    )
}

#[cfg(test)]
mod tests {
    use super::super::resources::ids;
    use super::*;

    fn pod(name: &str) -> Value {
        json!({"metadata": {"name": name, "namespace": "default"}, "spec": {"containers": []}})
    }

    #[test]
    fn create_update_delete_bump_rv_and_record_history() {
        let mut s = Store::new(1);
        let start = s.current_rv();
        let created = s.create(ids::PODS, pod("a"), "2026-01-01T00:00:00Z");
        assert!(created.is_ok());
        assert!(s.create(ids::PODS, pod("a"), "now").is_err());
        let same = s.modify(ids::PODS, "default", "a", |_| {});
        assert!(same.is_some());
        assert_eq!(s.current_rv(), start + 1, "a no-op update writes nothing");
        s.modify(ids::PODS, "default", "a", |p| {
            p["status"] = json!({"phase": "Running"})
        });
        assert!(s.delete(ids::PODS, "default", "a").is_ok());
        let changes = s.changes_since(start).unwrap_or_default();
        let kinds: Vec<_> = changes.iter().map(|c| c.kind).collect();
        assert_eq!(
            kinds,
            [ChangeKind::Added, ChangeKind::Modified, ChangeKind::Deleted]
        );
        s.compact();
        assert!(s.changes_since(start).is_err());
        assert!(s.changes_since(s.current_rv()).is_ok());
    }

    #[test]
    fn generation_bumps_only_on_spec_change() {
        let mut s = Store::new(1);
        let d = json!({"metadata": {"name": "d", "namespace": "x"}, "spec": {"replicas": 1}});
        assert!(s.create(ids::DEPLOYMENTS, d, "t").is_ok());
        let after = s.modify(ids::DEPLOYMENTS, "x", "d", |d| {
            d["status"] = json!({"replicas": 1})
        });
        assert_eq!(
            after.map(|d| d["metadata"]["generation"].clone()),
            Some(json!(1))
        );
        let after = s.modify(ids::DEPLOYMENTS, "x", "d", |d| {
            d["spec"]["replicas"] = json!(3)
        });
        assert_eq!(
            after.map(|d| d["metadata"]["generation"].clone()),
            Some(json!(2))
        );
    }
}
