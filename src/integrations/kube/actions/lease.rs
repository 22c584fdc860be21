//! The coordination Lease that tells other Quarterdecks who is about to act on a target
//! (`coordination.k8s.io/v1`). Taking it creates it, or replaces it with the resourceVersion
//! just read when it is ours or has expired, so two takers can never both win.

use std::collections::BTreeMap;

use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use k8s_openapi::jiff::Timestamp;
use kube::api::{Api, DeleteParams, PostParams, Preconditions};

use super::super::client::innermost;
use quarterdeck_core::control::{LeaseAnswer, LeaseInfo};

/// How long a Lease counts without renewal.
pub const LEASE_SECONDS: i32 = 15;
/// The label every Quarterdeck Lease carries, which the watch selects on.
pub const MANAGED_BY: &str = "app.kubernetes.io/managed-by=quarterdeck";
const ACTION: &str = "quarterdeck.dev/action";
const TARGET: &str = "quarterdeck.dev/target";
/// Conflicting writers get this many reads before the answer is "unavailable".
const ATTEMPTS: usize = 3;

fn ms(t: &MicroTime) -> i64 {
    t.0.as_millisecond()
}

fn annotation(l: &Lease, key: &str) -> String {
    l.metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(key).cloned())
        .unwrap_or_default()
}

/// When the Lease stops counting unless renewed, Unix ms.
fn expires_ms(l: &Lease) -> i64 {
    let spec = l.spec.as_ref();
    let from = spec
        .and_then(|s| s.renew_time.as_ref().or(s.acquire_time.as_ref()))
        .map_or(0, ms);
    let secs = spec.and_then(|s| s.lease_duration_seconds).unwrap_or(0);
    from + i64::from(secs) * 1000
}

fn holder_of(l: &Lease) -> &str {
    l.spec
        .as_ref()
        .and_then(|s| s.holder_identity.as_deref())
        .unwrap_or_default()
}

/// The Lease as the model shows it.
pub(crate) fn info(l: &Lease) -> LeaseInfo {
    LeaseInfo {
        namespace: l.metadata.namespace.clone().unwrap_or_default(),
        name: l.metadata.name.clone().unwrap_or_default(),
        holder: holder_of(l).to_string(),
        action: annotation(l, ACTION),
        target: annotation(l, TARGET),
        expires_ms: expires_ms(l),
    }
}

/// What to do with the Lease as read.
#[derive(Debug, Clone, PartialEq)]
enum Decision {
    /// None exists: create it.
    Create,
    /// Ours, or expired: replace it (with the resourceVersion read).
    Replace,
    /// Someone else holds it.
    HeldBy(LeaseInfo),
}

fn decide(existing: Option<&Lease>, holder: &str, now_ms: i64) -> Decision {
    match existing {
        None => Decision::Create,
        Some(l) if holder_of(l) == holder || holder_of(l).is_empty() => Decision::Replace,
        Some(l) if expires_ms(l) < now_ms => Decision::Replace,
        Some(l) => Decision::HeldBy(info(l)),
    }
}

/// `existing` (or a new Lease) held by `holder` from `now`, announcing `action` on `target`.
fn held(
    existing: Option<&Lease>,
    name: &str,
    holder: &str,
    action: &str,
    target: &str,
    now: Timestamp,
) -> Lease {
    let mut l = existing.cloned().unwrap_or_else(|| Lease {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            ..ObjectMeta::default()
        },
        spec: None,
    });
    let (label, value) = MANAGED_BY.split_once('=').unwrap_or_default();
    l.metadata
        .labels
        .get_or_insert_with(BTreeMap::new)
        .insert(label.into(), value.into());
    let annotations = l.metadata.annotations.get_or_insert_with(BTreeMap::new);
    annotations.insert(ACTION.into(), action.into());
    annotations.insert(TARGET.into(), target.into());
    let mut spec = l.spec.take().unwrap_or_default();
    let changed_hands = spec.holder_identity.as_deref() != Some(holder);
    if changed_hands {
        spec.acquire_time = Some(MicroTime(now));
        if spec.holder_identity.is_some() {
            spec.lease_transitions = Some(spec.lease_transitions.unwrap_or(0) + 1);
        }
    }
    spec.holder_identity = Some(holder.to_string());
    spec.lease_duration_seconds = Some(LEASE_SECONDS);
    spec.renew_time = Some(MicroTime(now));
    l.spec = Some(spec);
    l
}

fn unavailable(e: &kube::Error) -> LeaseAnswer {
    LeaseAnswer::Unavailable(match e {
        kube::Error::Api(s) => s.message.clone(),
        other => innermost(other),
    })
}

fn conflict(e: &kube::Error) -> bool {
    matches!(e, kube::Error::Api(s) if s.code == 409)
}

/// Takes Lease `name` in `ns` for `holder` (`user@host`), announcing `action` on `target`.
pub async fn take(
    client: &kube::Client,
    ns: &str,
    name: &str,
    holder: &str,
    action: &str,
    target: &str,
) -> LeaseAnswer {
    let api: Api<Lease> = Api::namespaced(client.clone(), ns);
    let pp = PostParams::default();
    for _ in 0..ATTEMPTS {
        let existing = match api.get_opt(name).await {
            Ok(l) => l,
            Err(e) => return unavailable(&e),
        };
        let now = Timestamp::now();
        let lease = held(existing.as_ref(), name, holder, action, target, now);
        let sent = match decide(existing.as_ref(), holder, now.as_millisecond()) {
            Decision::HeldBy(info) => return LeaseAnswer::HeldBy(info),
            Decision::Create => api.create(&pp, &lease).await,
            Decision::Replace => api.replace(name, &pp, &lease).await,
        };
        match sent {
            Ok(_) => return LeaseAnswer::Held,
            // Another taker got in between: read again and decide again.
            Err(e) if conflict(&e) => continue,
            Err(e) => return unavailable(&e),
        }
    }
    LeaseAnswer::Unavailable(format!("Lease {name} kept changing while being taken"))
}

/// Renews our Lease; `HeldBy` when someone else took it meanwhile.
pub async fn renew(client: &kube::Client, ns: &str, name: &str, holder: &str) -> LeaseAnswer {
    let api: Api<Lease> = Api::namespaced(client.clone(), ns);
    let existing = match api.get_opt(name).await {
        Ok(Some(l)) => l,
        Ok(None) => return LeaseAnswer::Unavailable(format!("Lease {name} is gone")),
        Err(e) => return unavailable(&e),
    };
    if holder_of(&existing) != holder {
        return LeaseAnswer::HeldBy(info(&existing));
    }
    let mut lease = existing;
    if let Some(spec) = lease.spec.as_mut() {
        spec.renew_time = Some(MicroTime(Timestamp::now()));
    }
    match api.replace(name, &PostParams::default(), &lease).await {
        Ok(_) => LeaseAnswer::Held,
        Err(e) if conflict(&e) => match api.get_opt(name).await {
            Ok(Some(l)) if holder_of(&l) != holder => LeaseAnswer::HeldBy(info(&l)),
            _ => unavailable(&e),
        },
        Err(e) => unavailable(&e),
    }
}

/// Gives our Lease back: deleted only while it is still ours (uid and resourceVersion
/// preconditions); someone else's, or none, is left alone.
pub async fn release(
    client: &kube::Client,
    ns: &str,
    name: &str,
    holder: &str,
) -> Result<(), String> {
    let api: Api<Lease> = Api::namespaced(client.clone(), ns);
    let lease = match api.get_opt(name).await {
        Ok(Some(l)) if holder_of(&l) == holder => l,
        Ok(_) => return Ok(()),
        Err(e) => return Err(innermost(&e)),
    };
    let dp = DeleteParams {
        preconditions: Some(Preconditions {
            uid: lease.metadata.uid.clone(),
            resource_version: lease.metadata.resource_version.clone(),
        }),
        ..DeleteParams::default()
    };
    match api.delete(name, &dp).await {
        Ok(_) => Ok(()),
        // Gone, or taken over since: not ours to delete any more.
        Err(kube::Error::Api(s)) if s.code == 404 || s.code == 409 => Ok(()),
        Err(e) => Err(innermost(&e)),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lease(holder: &str, renew: &str) -> Lease {
        serde_json::from_value(json!({
            "metadata": {"name": "quarterdeck-rollout-orders-api", "namespace": "orders",
                "annotations": {"quarterdeck.dev/action": "promote", "quarterdeck.dev/target": "orders-api"}},
            "spec": {"holderIdentity": holder, "leaseDurationSeconds": 15, "renewTime": renew}
        }))
        .unwrap()
    }

    const T0: i64 = 1_795_317_600_000; // 2026-11-22T03:20:00Z

    #[test]
    fn someone_elses_live_lease_is_held_by_them_until_it_expires() {
        let l = lease("alex@laptop", "2026-11-22T03:20:00.000000Z");
        let Decision::HeldBy(info) = decide(Some(&l), "me@host", T0 + 14_000) else {
            panic!("not held");
        };
        assert_eq!(info.holder, "alex@laptop");
        assert_eq!(info.action, "promote");
        assert_eq!(info.target, "orders-api");
        assert_eq!(info.expires_ms, T0 + 15_000);
        assert_eq!(decide(Some(&l), "me@host", T0 + 15_001), Decision::Replace);
        assert_eq!(decide(Some(&l), "alex@laptop", T0), Decision::Replace);
        assert_eq!(decide(None, "me@host", T0), Decision::Create);
    }

    #[test]
    fn taking_over_counts_a_transition_and_labels_the_lease() {
        let l = lease("alex@laptop", "2026-11-22T03:20:00.000000Z");
        let now = Timestamp::from_millisecond(T0 + 20_000).unwrap();
        let t = held(Some(&l), "x", "me@host", "abort", "orders-api", now);
        let spec = t.spec.as_ref().unwrap();
        assert_eq!(spec.holder_identity.as_deref(), Some("me@host"));
        assert_eq!(spec.lease_transitions, Some(1));
        assert_eq!(spec.lease_duration_seconds, Some(LEASE_SECONDS));
        assert_eq!(info(&t).action, "abort");
        assert_eq!(info(&t).expires_ms, T0 + 35_000);
        assert_eq!(
            t.metadata.labels.unwrap()["app.kubernetes.io/managed-by"],
            "quarterdeck"
        );
        let fresh = held(None, "x", "me@host", "promote", "web", now);
        assert_eq!(fresh.spec.unwrap().lease_transitions, None);
        assert_eq!(fresh.metadata.name.as_deref(), Some("x"));
    }
}
