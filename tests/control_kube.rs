#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Release control on the cluster against the simulator: every workload action as the Argo
//! Rollouts plugin and kubectl send it, the precondition (a moved target is refused, a status
//! change is not), permissions and the 403 verbatim, Leases, and the Event left behind. The
//! world is asserted through the simulator's HTTP API, never through our own model. While the
//! API answers 503, a read is asked again a few times and a write never.

mod support;

use std::time::Duration;

use kube::Client;
use kube::api::{Api, ApiResource, DynamicObject, Patch, PatchParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use quarterdeck::integrations::kube::actions::{
    act, check_access, follow_leases, read_state, release, renew, take,
};
use quarterdeck_core::Scope;
use quarterdeck_core::control::{
    Access, AccessKey, Expect, LeaseAnswer, Op, Outcome, Params, Request, Subject,
};
use quarterdeck_core::meta::ObjectKey;
use quarterdeck_core::release::{ReleaseId, Revision, WorkloadKind};
use serde_json::{Value, json};
use support::Fixture;

const USER: &str = "admin@kind-quarterdeck";

fn client(fx: &Fixture) -> Client {
    fx.rt.block_on(async {
        // Both rustls providers are linked; pick one before kube builds its TLS config.
        let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
        let kc = Kubeconfig::read_from(&fx.handle.kubeconfig).unwrap();
        let cfg = kube::Config::from_custom_kubeconfig(kc, &KubeConfigOptions::default())
            .await
            .unwrap();
        quarterdeck::integrations::kube::client::build(cfg).unwrap()
    })
}

fn id(kind: WorkloadKind, ns: &str, name: &str) -> ReleaseId {
    ReleaseId {
        key: ObjectKey {
            namespace: ns.into(),
            name: name.into(),
        },
        kind,
    }
}

fn path(w: &ReleaseId) -> String {
    let (ns, name) = (&w.key.namespace, &w.key.name);
    match w.kind {
        WorkloadKind::Rollout => {
            format!("/apis/argoproj.io/v1alpha1/namespaces/{ns}/rollouts/{name}")
        }
        WorkloadKind::Deployment => format!("/apis/apps/v1/namespaces/{ns}/deployments/{name}"),
    }
}

fn get(fx: &Fixture, path: &str) -> Value {
    let (code, body) = fx.send("GET", path, "application/json", "");
    assert_eq!(code, 200, "GET {path}: {body}");
    body
}

fn image(obj: &Value) -> String {
    obj["spec"]["template"]["spec"]["containers"][0]["image"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// The workload's ReplicaSets as (revision, hash, image, replicas), oldest first.
fn revisions(fx: &Fixture, w: &ReleaseId) -> Vec<(i64, String, String, i64)> {
    let obj = get(fx, &path(w));
    let uid = obj["metadata"]["uid"].clone();
    let (annotation, label) = match w.kind {
        WorkloadKind::Rollout => ("rollout.argoproj.io/revision", "rollouts-pod-template-hash"),
        WorkloadKind::Deployment => ("deployment.kubernetes.io/revision", "pod-template-hash"),
    };
    let list = get(
        fx,
        &format!("/apis/apps/v1/namespaces/{}/replicasets", w.key.namespace),
    );
    let mut out: Vec<_> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|rs| rs["metadata"]["ownerReferences"][0]["uid"] == uid)
        .map(|rs| {
            (
                rs["metadata"]["annotations"][annotation]
                    .as_str()
                    .unwrap()
                    .parse()
                    .unwrap(),
                rs["metadata"]["labels"][label]
                    .as_str()
                    .unwrap()
                    .to_string(),
                image(rs),
                rs["spec"]["replicas"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    out.sort();
    out
}

fn revision(r: &(i64, String, String, i64)) -> Revision {
    Revision {
        number: r.0,
        image: r.2.clone(),
        replicaset: String::new(),
        hash: r.1.clone(),
        replicas: i32::try_from(r.3).unwrap(),
        change_cause: None,
        created_ms: None,
    }
}

/// A request confirmed on the state the workload is in now.
fn confirmed(fx: &Fixture, c: &Client, op: Op, w: &ReleaseId, to: Option<Revision>) -> Request {
    let state = fx.rt.block_on(read_state(c, w)).unwrap();
    Request {
        id: 1,
        context: "quarterdeck-sim".into(),
        op,
        subject: Subject::Workload(w.clone()),
        params: Params {
            revision: to,
            ..Params::default()
        },
        expect: Expect::Workload(state),
        shown: Vec::new(),
    }
}

fn send(fx: &Fixture, c: &Client, r: &Request) -> Outcome {
    fx.rt.block_on(act(c, r, USER))
}

fn done(fx: &Fixture, c: &Client, op: Op, w: &ReleaseId, to: Option<Revision>) -> String {
    let r = confirmed(fx, c, op, w, to);
    match send(fx, c, &r) {
        Outcome::Done { after } => after,
        other => panic!("{op:?} on {}: {other:?}", w.key.name),
    }
}

fn patch_status(fx: &Fixture, w: &ReleaseId, status: Value) {
    let p = format!("{}/status", path(w));
    let (code, body) = fx.send(
        "PATCH",
        &p,
        "application/merge-patch+json",
        &json!({ "status": status }).to_string(),
    );
    assert_eq!(code, 200, "{body}");
}

/// The Quarterdeck Events on `name` in `ns`.
fn our_events(fx: &Fixture, ns: &str, name: &str) -> Vec<Value> {
    let list = get(fx, &format!("/api/v1/namespaces/{ns}/events"));
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["involvedObject"]["name"] == name)
        .filter(|e| e["source"]["component"] == "quarterdeck")
        .cloned()
        .collect()
}

#[test]
fn feature_store_is_promoted_step_by_step_to_full_and_each_promote_leaves_an_event() {
    let fx = Fixture::start();
    let c = client(&fx);
    let w = id(WorkloadKind::Rollout, "bnpl", "feature-store");
    let mut promotes = 0;
    for _ in 0..10 {
        let ro = get(&fx, &path(&w));
        if ro["status"]["phase"] == "Healthy" {
            break;
        }
        if ro["status"]["phase"] == "Paused" {
            done(&fx, &c, Op::Promote, &w, None);
            promotes += 1;
        }
        fx.advance(30.0);
    }
    let ro = get(&fx, &path(&w));
    assert_eq!(ro["status"]["phase"], "Healthy", "{}", ro["status"]);
    assert_eq!(ro["status"]["stableRS"], ro["status"]["currentPodHash"]);
    assert_eq!(ro["status"]["currentStepIndex"], 5);
    assert_eq!(promotes, 2, "two pauses, two promotes");

    let events = our_events(&fx, "bnpl", "feature-store");
    assert_eq!(events.len(), 2, "{events:?}");
    let e = &events[0];
    assert_eq!(e["reason"], "QuarterdeckPromote");
    assert_eq!(e["type"], "Normal");
    assert_eq!(e["reportingComponent"], "quarterdeck");
    assert_eq!(e["involvedObject"]["uid"], ro["metadata"]["uid"]);
    assert_eq!(e["involvedObject"]["kind"], "Rollout");
    assert_eq!(e["involvedObject"]["apiVersion"], "argoproj.io/v1alpha1");
    assert!(e["involvedObject"]["resourceVersion"].is_string());
    let message = e["message"].as_str().unwrap();
    assert!(
        message.starts_with("admin@kind-quarterdeck promoted feature-store via Quarterdeck: "),
        "{message}"
    );
    assert!(message.contains("paused true → false"), "{message}");
}

#[test]
fn an_abort_drops_the_canary_to_zero_and_a_retry_starts_it_again() {
    let fx = Fixture::start();
    let c = client(&fx);
    let w = id(WorkloadKind::Rollout, "bnpl", "feature-store");
    let canary_hash = get(&fx, &path(&w))["status"]["currentPodHash"].clone();
    let canary_replicas = |fx: &Fixture| {
        revisions(fx, &w)
            .into_iter()
            .find(|r| json!(r.1) == canary_hash)
            .unwrap()
            .3
    };
    assert!(canary_replicas(&fx) > 0);
    done(&fx, &c, Op::Abort, &w, None);
    fx.advance(20.0);
    let ro = get(&fx, &path(&w));
    assert_eq!(ro["status"]["phase"], "Degraded", "{}", ro["status"]);
    assert_eq!(ro["status"]["abort"], true);
    assert_eq!(canary_replicas(&fx), 0, "weight 0");

    done(&fx, &c, Op::Retry, &w, None);
    fx.advance(15.0);
    let ro = get(&fx, &path(&w));
    assert_ne!(ro["status"]["phase"], "Degraded", "{}", ro["status"]);
    assert!(canary_replicas(&fx) > 0, "the canary comes back");
    let reasons: Vec<Value> = our_events(&fx, "bnpl", "feature-store")
        .iter()
        .map(|e| e["reason"].clone())
        .collect();
    assert_eq!(
        reasons,
        [json!("QuarterdeckAbort"), json!("QuarterdeckRetry")]
    );
}

#[test]
fn orders_api_is_undone_to_the_previous_revision() {
    let fx = Fixture::start();
    let c = client(&fx);
    let w = id(WorkloadKind::Rollout, "orders", "orders-api");
    let revs = revisions(&fx, &w);
    let previous = revs[revs.len() - 2].clone();
    assert_ne!(image(&get(&fx, &path(&w))), previous.2);
    done(&fx, &c, Op::Undo, &w, Some(revision(&previous)));
    fx.advance(2.0);
    let ro = get(&fx, &path(&w));
    assert_eq!(image(&ro), previous.2);
    assert_eq!(ro["status"]["currentPodHash"], previous.1);
    assert!(
        ro["spec"]["template"]["metadata"]["labels"]
            .get("rollouts-pod-template-hash")
            .is_none()
    );
}

#[test]
fn customer_intelligence_is_undone_to_a_chosen_revision_and_kubectl_sees_it_renumbered() {
    let Some((fx, k)) = support::kubectl::setup() else {
        return;
    };
    let c = client(&fx);
    let w = id(
        WorkloadKind::Deployment,
        "ml-platform",
        "customer-intelligence-api",
    );
    let history = |k: &support::kubectl::Kubectl| -> Vec<i64> {
        let out = k.ok(&[
            "-n",
            "ml-platform",
            "rollout",
            "history",
            "deploy/customer-intelligence-api",
        ]);
        out.lines()
            .skip(2)
            .filter_map(|l| l.split_whitespace().next()?.parse().ok())
            .collect()
    };
    let before = history(&k);
    let revs = revisions(&fx, &w);
    assert_eq!(before, revs.iter().map(|r| r.0).collect::<Vec<_>>());
    let chosen = revs[1].clone();
    let max = revs.last().unwrap().0;
    done(&fx, &c, Op::Undo, &w, Some(revision(&chosen)));
    let d = get(&fx, &path(&w));
    assert_eq!(image(&d), chosen.2);
    assert!(
        d["spec"]["template"]["metadata"]["labels"]
            .get("pod-template-hash")
            .is_none()
    );
    fx.advance(5.0);
    let after = history(&k);
    let mut want: Vec<i64> = before.into_iter().filter(|n| *n != chosen.0).collect();
    want.push(max + 1);
    assert_eq!(
        after,
        want,
        "revision {} renumbered to {}",
        chosen.0,
        max + 1
    );
    let reused = revisions(&fx, &w)
        .into_iter()
        .find(|r| r.1 == chosen.1)
        .unwrap();
    assert_eq!(reused.0, max + 1);
}

#[test]
fn blue_green_is_promoted_then_switched_back_at_once() {
    let fx = Fixture::start();
    let c = client(&fx);
    let w = id(WorkloadKind::Rollout, "observability", "producer");
    let ro = get(&fx, &path(&w));
    let old_hash = ro["status"]["stableRS"].clone();
    let new_hash = ro["status"]["currentPodHash"].clone();
    assert_ne!(old_hash, new_hash);
    done(&fx, &c, Op::Promote, &w, None);
    fx.advance(5.0);
    let ro = get(&fx, &path(&w));
    assert_eq!(
        ro["status"]["blueGreen"]["activeSelector"], new_hash,
        "{}",
        ro["status"]
    );

    let previous = revisions(&fx, &w)
        .into_iter()
        .find(|r| json!(r.1) == old_hash)
        .unwrap();
    assert!(previous.3 > 0, "the previous pods still run");
    done(&fx, &c, Op::SwitchBack, &w, Some(revision(&previous)));
    fx.advance(2.0);
    let ro = get(&fx, &path(&w));
    assert_eq!(
        ro["status"]["blueGreen"]["activeSelector"], old_hash,
        "{}",
        ro["status"]
    );
    assert_eq!(ro["status"]["stableRS"], old_hash);
    let svc = get(&fx, "/api/v1/namespaces/observability/services/producer");
    assert_eq!(
        svc["spec"]["selector"]["rollouts-pod-template-hash"],
        old_hash
    );
}

#[test]
fn a_deployment_is_paused_resumed_and_restarted() {
    let fx = Fixture::start();
    let c = client(&fx);
    let w = id(
        WorkloadKind::Deployment,
        "globeco",
        "globeco-order-generation-service",
    );
    done(&fx, &c, Op::Pause, &w, None);
    assert_eq!(get(&fx, &path(&w))["spec"]["paused"], true);
    // kubectl refuses to undo a paused Deployment; so do we, without writing.
    let rv = get(&fx, &path(&w))["metadata"]["resourceVersion"].clone();
    let previous = revisions(&fx, &w)[0].clone();
    let r = confirmed(&fx, &c, Op::Undo, &w, Some(revision(&previous)));
    let Outcome::Refused { why } = send(&fx, &c, &r) else {
        panic!("undo of a paused Deployment was not refused");
    };
    assert!(why.contains("paused: resume it first"), "{why}");
    assert_eq!(get(&fx, &path(&w))["metadata"]["resourceVersion"], rv);

    done(&fx, &c, Op::Resume, &w, None);
    assert!(
        get(&fx, &path(&w))["spec"]
            .get("paused")
            .is_none_or(|p| p == false)
    );
    let generation = get(&fx, &path(&w))["metadata"]["generation"]
        .as_i64()
        .unwrap();
    done(&fx, &c, Op::Restart, &w, None);
    let d = get(&fx, &path(&w));
    let at = d["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"]
        .as_str()
        .unwrap();
    assert!(chrono::DateTime::parse_from_rfc3339(at).is_ok(), "{at}");
    assert_eq!(
        d["metadata"]["generation"].as_i64().unwrap(),
        generation + 1
    );
    let reasons: Vec<Value> = our_events(&fx, "globeco", "globeco-order-generation-service")
        .iter()
        .map(|e| e["reason"].clone())
        .collect();
    assert_eq!(
        reasons,
        [
            json!("QuarterdeckPause"),
            json!("QuarterdeckResume"),
            json!("QuarterdeckRestart")
        ]
    );
}

#[test]
fn a_target_that_moved_after_confirmation_is_refused_and_left_untouched() {
    let fx = Fixture::start();
    let c = client(&fx);
    let w = id(WorkloadKind::Rollout, "bnpl", "feature-store");
    let r = confirmed(&fx, &c, Op::Promote, &w, None);
    // Someone else promotes first and the controller moves on to the next step.
    patch_status(&fx, &w, json!({"pauseConditions": null}));
    fx.advance(30.0);
    let before = get(&fx, &path(&w));
    let Outcome::Refused { why } = send(&fx, &c, &r) else {
        panic!("a moved target was not refused");
    };
    assert!(
        why.starts_with("feature-store changed since you confirmed (step 1/5 → "),
        "{why}"
    );
    assert!(why.ends_with("; nothing was done"), "{why}");
    let after = get(&fx, &path(&w));
    assert_eq!(
        after["metadata"]["resourceVersion"],
        before["metadata"]["resourceVersion"]
    );
    assert_eq!(after["spec"], before["spec"]);
    assert_eq!(after["status"], before["status"]);
    assert!(our_events(&fx, "bnpl", "feature-store").is_empty());
}

#[test]
fn a_status_only_change_after_confirmation_goes_through() {
    let fx = Fixture::start();
    let c = client(&fx);
    let w = id(WorkloadKind::Rollout, "bnpl", "feature-store");
    let r = confirmed(&fx, &c, Op::Promote, &w, None);
    let rv = get(&fx, &path(&w))["metadata"]["resourceVersion"].clone();
    patch_status(
        &fx,
        &w,
        json!({"message": "reconciling", "readyReplicas": 4}),
    );
    assert_ne!(get(&fx, &path(&w))["metadata"]["resourceVersion"], rv);
    let Outcome::Done { after } = send(&fx, &c, &r) else {
        panic!("a status-only change refused the promote");
    };
    assert!(after.contains("step 1/5"), "{after}");
    let ro = get(&fx, &path(&w));
    assert!(
        ro["status"].get("pauseConditions").is_none(),
        "{}",
        ro["status"]
    );
}

#[test]
fn a_denied_verb_is_denied_by_access_review_and_its_403_is_shown_verbatim() {
    let fx = Fixture::start();
    let c = client(&fx);
    let deny = json!({"deny": [{"verb": "patch", "group": "argoproj.io", "resource": "rollouts",
        "subresource": "status", "namespace": "bnpl"}]});
    let (code, body) = fx.send(
        "POST",
        "/sim/permissions",
        "application/json",
        &deny.to_string(),
    );
    assert_eq!(code, 200, "{body}");
    let key = |sub: &str| AccessKey {
        context: "quarterdeck-sim".into(),
        namespace: "bnpl".into(),
        group: "argoproj.io".into(),
        resource: "rollouts".into(),
        subresource: sub.into(),
        verb: "patch".into(),
    };
    let answers = fx.rt.block_on(check_access(&c, &[key("status"), key("")]));
    assert_eq!(answers[0].0, key("status"));
    let Access::Denied(why) = &answers[0].1 else {
        panic!("status patch allowed: {answers:?}");
    };
    assert!(
        why.contains("cannot patch resource \"rollouts/status\""),
        "{why}"
    );
    assert_eq!(answers[1], (key(""), Access::Allowed));

    let w = id(WorkloadKind::Rollout, "bnpl", "feature-store");
    let rv = get(&fx, &path(&w))["metadata"]["resourceVersion"].clone();
    let r = confirmed(&fx, &c, Op::Abort, &w, None);
    let Outcome::Failed { error } = send(&fx, &c, &r) else {
        panic!("a forbidden abort did not fail");
    };
    assert_eq!(
        error,
        "rollouts.argoproj.io \"feature-store\" is forbidden: User \"quarterdeck-sim-admin\" cannot patch resource \"rollouts/status\" in API group \"argoproj.io\" in the namespace \"bnpl\""
    );
    assert_eq!(get(&fx, &path(&w))["metadata"]["resourceVersion"], rv);
}

#[test]
fn a_held_lease_answers_the_second_taker_with_its_holder() {
    let fx = Fixture::start();
    let c = client(&fx);
    let (ns, name) = ("orders", "quarterdeck-rollout-orders-api");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let watcher = {
        let c = c.clone();
        fx.rt.spawn(async move {
            follow_leases(&c, &Scope::Namespace("orders".into()), |s| {
                tx.send(s).is_ok()
            })
            .await;
        })
    };
    let next_snapshot = |rx: &mut tokio::sync::mpsc::UnboundedReceiver<_>, want: usize| {
        fx.rt.block_on(async {
            tokio::time::timeout(Duration::from_secs(20), async {
                loop {
                    let s: Vec<_> = rx.recv().await.unwrap();
                    if s.len() == want {
                        return s;
                    }
                }
            })
            .await
            .expect("no such Lease snapshot")
        })
    };
    next_snapshot(&mut rx, 0);

    let alex = fx
        .rt
        .block_on(take(&c, ns, name, "alex@laptop", "promote", "orders-api"));
    assert_eq!(alex, LeaseAnswer::Held);
    let seen = next_snapshot(&mut rx, 1);
    assert_eq!(seen[0].holder, "alex@laptop");
    let lease = get(
        &fx,
        &format!("/apis/coordination.k8s.io/v1/namespaces/{ns}/leases/{name}"),
    );
    assert_eq!(lease["spec"]["holderIdentity"], "alex@laptop");
    assert_eq!(lease["spec"]["leaseDurationSeconds"], 15);
    assert_eq!(
        lease["metadata"]["labels"]["app.kubernetes.io/managed-by"],
        "quarterdeck"
    );
    assert_eq!(
        lease["metadata"]["annotations"]["quarterdeck.dev/action"],
        "promote"
    );

    let LeaseAnswer::HeldBy(info) =
        fx.rt
            .block_on(take(&c, ns, name, "sam@desk", "abort", "orders-api"))
    else {
        panic!("the second taker got the Lease");
    };
    assert_eq!(
        (
            info.holder.as_str(),
            info.action.as_str(),
            info.target.as_str()
        ),
        ("alex@laptop", "promote", "orders-api")
    );
    assert_eq!(
        fx.rt.block_on(renew(&c, ns, name, "alex@laptop")),
        LeaseAnswer::Held
    );
    // Releasing someone else's Lease leaves it alone; the holder's release deletes it.
    fx.rt.block_on(release(&c, ns, name, "sam@desk")).unwrap();
    get(
        &fx,
        &format!("/apis/coordination.k8s.io/v1/namespaces/{ns}/leases/{name}"),
    );
    fx.rt
        .block_on(release(&c, ns, name, "alex@laptop"))
        .unwrap();
    next_snapshot(&mut rx, 0);
    assert_eq!(
        fx.rt
            .block_on(take(&c, ns, name, "sam@desk", "abort", "orders-api")),
        LeaseAnswer::Held
    );
    watcher.abort();
}

#[test]
fn where_leases_are_forbidden_they_are_unavailable_and_the_watch_sends_one_empty_snapshot() {
    let fx = Fixture::start();
    let c = client(&fx);
    let deny = json!({"deny": [{"verb": "*", "group": "coordination.k8s.io", "resource": "*"}]});
    let (code, body) = fx.send(
        "POST",
        "/sim/permissions",
        "application/json",
        &deny.to_string(),
    );
    assert_eq!(code, 200, "{body}");
    let LeaseAnswer::Unavailable(why) = fx.rt.block_on(take(
        &c,
        "orders",
        "quarterdeck-x",
        "me@host",
        "promote",
        "x",
    )) else {
        panic!("a forbidden Lease was taken");
    };
    assert!(why.contains("forbidden"), "{why}");
    let mut snapshots = Vec::new();
    fx.rt.block_on(async {
        tokio::time::timeout(
            Duration::from_secs(20),
            follow_leases(&c, &Scope::All, |s| {
                snapshots.push(s);
                true
            }),
        )
        .await
        .expect("the watch did not stop");
    });
    assert_eq!(snapshots, vec![Vec::new()]);
}

/// How many Kubernetes requests of `verb` on `resource` the simulator answered with `status`.
fn served(fx: &Fixture, verb: &str, resource: &str, status: u16) -> u64 {
    get(fx, "/sim/stats")["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            r["api"] == "kubernetes"
                && r["verb"] == verb
                && r["resource"] == resource
                && r["status"] == status
        })
        .map(|r| r["count"].as_u64().unwrap())
        .sum()
}

/// POSTs a `/sim/` control and asserts it was taken.
fn post(fx: &Fixture, path: &str, body: Value) {
    let (code, answer) = fx.send("POST", path, "application/json", &body.to_string());
    assert_eq!(code, 200, "{answer}");
}

fn fail_next(fx: &Fixture, status: u16, count: u32) {
    post(
        fx,
        "/sim/faults",
        json!({"fail_next": {"status": status, "count": count}}),
    );
}

#[test]
fn a_read_answered_503_is_asked_again_and_goes_through() {
    let fx = Fixture::start();
    let c = client(&fx);
    let w = id(WorkloadKind::Rollout, "bnpl", "feature-store");
    fail_next(&fx, 503, 2);
    let state = fx.rt.block_on(read_state(&c, &w));
    assert!(state.is_ok(), "{state:?}");
    assert_eq!(served(&fx, "get", "rollouts", 503), 2);
    assert_eq!(served(&fx, "get", "rollouts", 200), 1);
}

#[test]
fn a_write_answered_503_is_sent_once_and_reported_as_an_unavailable_api() {
    let fx = Fixture::start();
    let c = client(&fx);
    let w = id(WorkloadKind::Rollout, "bnpl", "feature-store");
    let before = get(&fx, &path(&w));
    let patch = Patch::Merge(json!({"spec": {"paused": true}}));
    let rollouts = ApiResource {
        group: "argoproj.io".into(),
        version: "v1alpha1".into(),
        api_version: "argoproj.io/v1alpha1".into(),
        kind: "Rollout".into(),
        plural: "rollouts".into(),
    };
    let api: Api<DynamicObject> = Api::namespaced_with(c.clone(), "bnpl", &rollouts);
    fail_next(&fx, 503, 1);
    let answer = fx
        .rt
        .block_on(api.patch("feature-store", &PatchParams::default(), &patch));
    let Err(kube::Error::Api(status)) = answer else {
        panic!("the 503 reached the caller: {answer:?}");
    };
    assert_eq!(status.code, 503);
    assert_eq!(served(&fx, "patch", "rollouts", 503), 1, "sent once");
    assert_eq!(served(&fx, "patch", "rollouts", 200), 0, "never again");
    assert_eq!(get(&fx, &path(&w))["spec"], before["spec"]);
}

#[test]
fn an_action_during_an_outage_is_refused_after_a_few_reads_and_sends_nothing() {
    let fx = Fixture::start();
    let c = client(&fx);
    let w = id(WorkloadKind::Rollout, "bnpl", "feature-store");
    let request = confirmed(&fx, &c, Op::Abort, &w, None);
    // The clock is frozen, so the outage lasts until it is ended below.
    post(&fx, "/sim/outage", json!({"seconds": 60}));
    let Outcome::Refused { why } = send(&fx, &c, &request) else {
        panic!("an action during an outage went on");
    };
    assert!(why.contains("Kubernetes API unavailable (503"), "{why}");
    assert!(why.ends_with("nothing was done"), "{why}");
    let reads = served(&fx, "get", "rollouts", 503);
    assert!((2..=4).contains(&reads), "{reads} reads");
    assert_eq!(served(&fx, "patch", "rollouts", 503), 0);
    post(&fx, "/sim/outage", json!({"seconds": 0}));
    assert_ne!(get(&fx, &path(&w))["status"]["abort"], true);
}
