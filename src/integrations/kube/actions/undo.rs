//! Choosing the revision an undo goes back to, as the plugin and kubectl do it: the
//! ReplicaSets whose controller is the workload, numbered by their revision annotation; the
//! chosen one's template without its pod-template-hash label (API.md §1.2, §2.1).

use serde_json::{Map, Value};

use quarterdeck_core::release::WorkloadKind;

/// Deployment annotations kubectl keeps from the Deployment itself on undo; every other
/// annotation comes from the ReplicaSet.
const KEPT: [&str; 6] = [
    "kubectl.kubernetes.io/last-applied-configuration",
    "deployment.kubernetes.io/revision",
    "deployment.kubernetes.io/revision-history",
    "deployment.kubernetes.io/desired-replicas",
    "deployment.kubernetes.io/max-replicas",
    "deprecated.deployment.rollback.to",
];

fn revision_annotation(kind: WorkloadKind) -> &'static str {
    match kind {
        WorkloadKind::Deployment => "deployment.kubernetes.io/revision",
        WorkloadKind::Rollout => "rollout.argoproj.io/revision",
    }
}

/// The label a controller adds to the template of each ReplicaSet.
pub(crate) fn hash_label(kind: WorkloadKind) -> &'static str {
    match kind {
        WorkloadKind::Deployment => "pod-template-hash",
        WorkloadKind::Rollout => "rollouts-pod-template-hash",
    }
}

/// The revision an undo goes back to.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Chosen {
    /// Its number.
    pub number: i64,
    /// Its pod-template hash.
    pub hash: String,
    /// Its template, hash label removed: what the patch sends.
    pub template: Value,
    /// The ReplicaSet.
    pub replicaset: Value,
}

fn controlled_by(rs: &Value, uid: &str) -> bool {
    rs.pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .is_some_and(|refs| {
            refs.iter()
                .any(|r| r["controller"] == true && r["uid"].as_str() == Some(uid))
        })
}

fn without_hash(template: &Value, kind: WorkloadKind) -> Value {
    let mut t = template.clone();
    if let Some(labels) = t
        .pointer_mut("/metadata/labels")
        .and_then(Value::as_object_mut)
    {
        labels.remove(hash_label(kind));
    }
    t
}

/// Picks revision `wanted` (`None` or 0: the previous one, the second highest) among `rss`
/// for `workload`. `Ok(None)` when the workload already runs that template ("skipped
/// rollback").
pub(crate) fn choose(
    workload: &Value,
    rss: &[Value],
    kind: WorkloadKind,
    wanted: Option<i64>,
) -> Result<Option<Chosen>, String> {
    let uid = workload
        .pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mut numbered: Vec<(i64, &Value)> = rss
        .iter()
        .filter(|rs| controlled_by(rs, uid))
        .filter_map(|rs| {
            let n = rs
                .pointer("/metadata/annotations")?
                .get(revision_annotation(kind))?
                .as_str()?
                .parse()
                .ok()?;
            Some((n, rs))
        })
        .collect();
    numbered.sort_by_key(|(n, _)| *n);
    let (number, rs) = match wanted.filter(|n| *n > 0) {
        Some(n) => numbered
            .iter()
            .find(|(m, _)| *m == n)
            .copied()
            .ok_or_else(|| format!("unable to find specified revision {n} in history"))?,
        None if numbered.len() < 2 => return Err("no rollout history found".into()),
        None => numbered[numbered.len() - 2],
    };
    let template = without_hash(
        &rs.pointer("/spec/template").cloned().unwrap_or_default(),
        kind,
    );
    let current = without_hash(
        &workload
            .pointer("/spec/template")
            .cloned()
            .unwrap_or_default(),
        kind,
    );
    if template == current {
        return Ok(None);
    }
    Ok(Some(Chosen {
        number,
        hash: rs
            .pointer("/metadata/labels")
            .and_then(|l| l.get(hash_label(kind)))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        template,
        replicaset: rs.clone(),
    }))
}

/// The Deployment's annotations after kubectl's undo: its own values of the kept set, every
/// other annotation from the ReplicaSet.
pub(crate) fn deployment_annotations(deployment: &Value, rs: &Value) -> Value {
    let empty = Map::new();
    let own = deployment
        .pointer("/metadata/annotations")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let theirs = rs
        .pointer("/metadata/annotations")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut out = Map::new();
    for k in KEPT {
        if let Some(v) = own.get(k) {
            out.insert(k.to_string(), v.clone());
        }
    }
    for (k, v) in theirs {
        if !KEPT.contains(&k.as_str()) {
            out.insert(k.clone(), v.clone());
        }
    }
    Value::Object(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
