#![allow(clippy::unwrap_used, clippy::expect_used)]
//! What release control needs from the simulator's Kubernetes side, through HTTP, kube-rs and
//! the real kubectl 1.32: Leases, Events written by clients, verbs denied to the user (403 and
//! SelfSubjectAccessReview), the webhook sink, and the blue-green switch back after a
//! promotion. kubectl parts skip loudly when kubectl.1.32 is not installed.

mod support;

use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::coordination::v1::Lease;
use kube::Client;
use kube::api::{Api, PostParams, WatchEvent, WatchParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use serde_json::{Value, json};
use support::Fixture;
use support::kubectl::setup;

const NS: &str = "qd-control";
const LEASES: &str = "/apis/coordination.k8s.io/v1/namespaces/qd-control/leases";
const MERGE: &str = "application/merge-patch+json";
const JSON_PATCH: &str = "application/json-patch+json";

async fn client(fx: &Fixture) -> Client {
    // Both rustls providers are linked; pick one before kube builds its TLS config.
    let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
    let kc = Kubeconfig::read_from(&fx.handle.kubeconfig).unwrap();
    let cfg = kube::Config::from_custom_kubeconfig(kc, &KubeConfigOptions::default())
        .await
        .unwrap();
    Client::try_from(cfg).unwrap()
}

fn namespace(fx: &Fixture) {
    fx.create("/api/v1/namespaces", json!({"metadata": {"name": NS}}));
}

fn lease(name: &str, holder: &str) -> Value {
    json!({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
        "metadata": {"name": name},
        "spec": {"holderIdentity": holder, "leaseDurationSeconds": 15,
            "acquireTime": "2026-11-22T03:20:00.000000Z", "renewTime": "2026-11-22T03:20:00.000000Z",
            "leaseTransitions": 0}})
}

fn rv(obj: &Value) -> String {
    obj["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn leases_are_served_like_every_other_kind() {
    let fx = Fixture::start();
    namespace(&fx);
    let created = fx.create(LEASES, lease("rollout-orders-api", "alex@laptop"));
    assert_eq!(
        created["spec"]["renewTime"], "2026-11-22T03:20:00.000000Z",
        "MicroTime kept as sent"
    );
    let one = format!("{LEASES}/rollout-orders-api");
    let (code, list) = fx.send("GET", LEASES, "", "");
    assert_eq!(code, 200);
    assert_eq!(list["kind"], "LeaseList");
    assert_eq!(list["items"][0]["spec"]["holderIdentity"], "alex@laptop");

    // PUT with the resourceVersion read is a precondition: stale gives 409.
    let mut renewed = created.clone();
    renewed["spec"]["renewTime"] = json!("2026-11-22T03:20:05.000000Z");
    let (code, saved) = fx.send("PUT", &one, "application/json", &renewed.to_string());
    assert_eq!(code, 200, "{saved}");
    assert_ne!(rv(&saved), rv(&created));
    let (code, stale) = fx.send("PUT", &one, "application/json", &renewed.to_string());
    assert_eq!(code, 409, "{stale}");
    assert_eq!(stale["reason"], "Conflict");
    assert_eq!(
        stale["message"],
        "Operation cannot be fulfilled on leases.coordination.k8s.io \"rollout-orders-api\": the object has been modified; please apply your changes to the latest version and try again"
    );

    // Merge, JSON and strategic merge patches.
    let (code, p) = fx.send(
        "PATCH",
        &one,
        MERGE,
        r#"{"spec":{"holderIdentity":"sam@desk"}}"#,
    );
    assert_eq!(
        (code, &p["spec"]["holderIdentity"]),
        (200, &json!("sam@desk"))
    );
    let (code, p) = fx.send(
        "PATCH",
        &one,
        JSON_PATCH,
        r#"[{"op":"replace","path":"/spec/leaseTransitions","value":1}]"#,
    );
    assert_eq!((code, &p["spec"]["leaseTransitions"]), (200, &json!(1)));
    let (code, p) = fx.send(
        "PATCH",
        &one,
        "application/strategic-merge-patch+json",
        r#"{"spec":{"leaseDurationSeconds":30}}"#,
    );
    assert_eq!(
        (code, &p["spec"]["leaseDurationSeconds"]),
        (200, &json!(30))
    );
    assert_eq!(p["spec"]["holderIdentity"], "sam@desk");

    // kube-rs decodes them, and a watch sees a new one.
    fx.rt.block_on(async {
        let leases: Api<Lease> = Api::namespaced(client(&fx).await, NS);
        let got = leases.get("rollout-orders-api").await.unwrap();
        assert_eq!(got.spec.unwrap().lease_duration_seconds, Some(30));
        let from = leases.list(&Default::default()).await.unwrap();
        let from_rv = from.metadata.resource_version.unwrap();
        let mut events = leases
            .watch(&WatchParams::default(), &from_rv)
            .await
            .unwrap()
            .boxed();
        let typed: Lease = serde_json::from_value(lease("rollout-checkout", "kim@ops")).unwrap();
        leases.create(&PostParams::default(), &typed).await.unwrap();
        let first = tokio::time::timeout(Duration::from_secs(20), events.try_next())
            .await
            .unwrap()
            .unwrap();
        match first {
            Some(WatchEvent::Added(l)) => {
                assert_eq!(l.metadata.name.as_deref(), Some("rollout-checkout"))
            }
            other => panic!("expected ADDED, got {other:?}"),
        }
    });

    let (code, gone) = fx.send("DELETE", &one, "", "");
    assert_eq!(code, 200, "{gone}");
    let (code, _) = fx.send("GET", &one, "", "");
    assert_eq!(code, 404);
}

#[test]
fn kubectl_lists_leases_with_their_holder() {
    let Some((fx, k)) = setup() else { return };
    namespace(&fx);
    fx.create(LEASES, lease("rollout-orders-api", "alex@laptop"));
    let out = k.ok(&["get", "leases", "-n", NS]);
    let lines: Vec<Vec<&str>> = out
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(lines[0], ["NAME", "HOLDER", "AGE"], "{out}");
    assert_eq!(
        lines[1][..2],
        ["rollout-orders-api", "alex@laptop"],
        "{out}"
    );
    assert_eq!(lines.len(), 2, "{out}");
    // Discovery and the published OpenAPI know the kind.
    let out = k.ok(&["explain", "leases.spec.holderIdentity"]);
    assert!(out.contains("GROUP:      coordination.k8s.io"), "{out}");
    assert!(out.contains("holderIdentity"), "{out}");
}

fn rollout_event(name: &str, reason: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Event",
        "metadata": {"name": format!("checkout.{name}")},
        "involvedObject": {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
            "namespace": NS, "name": "checkout"},
        "reason": reason, "message": "alex@laptop promoted checkout: step 1/4 → 2/4",
        "type": "Normal", "source": {"component": "quarterdeck"},
        "reportingComponent": "quarterdeck", "reportingInstance": "laptop",
        "firstTimestamp": "2026-11-22T03:19:00Z", "lastTimestamp": "2026-11-22T03:19:00Z", "count": 1})
}

#[test]
fn events_written_by_a_client_are_listed_and_shown_by_kubectl() {
    let Some((fx, k)) = setup() else { return };
    namespace(&fx);
    let events = format!("/api/v1/namespaces/{NS}/events");
    fx.create(&events, rollout_event("a", "QuarterdeckPromote"));
    // events.k8s.io/v1 creates land in the same store.
    let v1 = json!({"apiVersion": "events.k8s.io/v1", "kind": "Event",
        "metadata": {"name": "checkout.b"},
        "eventTime": "2026-11-22T03:19:30.000000Z",
        "regarding": {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "namespace": NS, "name": "checkout"},
        "reason": "QuarterdeckAbort", "note": "alex@laptop aborted checkout", "type": "Warning",
        "action": "Abort", "reportingController": "quarterdeck", "reportingInstance": "laptop"});
    let created = fx.create(
        &format!("/apis/events.k8s.io/v1/namespaces/{NS}/events"),
        v1,
    );
    assert_eq!(created["apiVersion"], "events.k8s.io/v1");
    assert_eq!(created["note"], "alex@laptop aborted checkout");
    let (_, core) = fx.send("GET", &format!("{events}/checkout.b"), "", "");
    assert_eq!(core["message"], "alex@laptop aborted checkout");
    assert_eq!(core["involvedObject"]["kind"], "Rollout");

    let out = k.ok(&["get", "events", "-n", NS]);
    assert!(out.contains("QuarterdeckPromote"), "{out}");
    assert!(out.contains("rollout/checkout"), "{out}");
    assert!(
        out.contains("alex@laptop promoted checkout: step 1/4 → 2/4"),
        "{out}"
    );
    // `kubectl events --for` needs the kind known to discovery, and selects by field.
    let out = k.ok(&["events", "-n", NS, "--for", "rollout/checkout"]);
    assert!(out.contains("QuarterdeckPromote"), "{out}");
    assert!(out.contains("QuarterdeckAbort"), "{out}");
    let out = k.ok(&["events", "-n", NS, "--for", "rollout/other"]);
    assert!(!out.contains("Quarterdeck"), "{out}");
}

fn deny(fx: &Fixture, rules: Value) {
    let (code, body) = fx.send(
        "POST",
        "/sim/permissions",
        "application/json",
        &json!({"deny": rules}).to_string(),
    );
    assert_eq!(code, 200, "{body}");
}

fn access_review(fx: &Fixture, attrs: Value) -> Value {
    let review = json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
        "spec": {"resourceAttributes": attrs}});
    let (code, body) = fx.send(
        "POST",
        "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
        "application/json",
        &review.to_string(),
    );
    assert_eq!(code, 201, "{body}");
    body["status"].clone()
}

fn user(fx: &Fixture) -> String {
    let (_, ssr) = fx.send(
        "POST",
        "/apis/authentication.k8s.io/v1/selfsubjectreviews",
        "application/json",
        r#"{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}"#,
    );
    ssr["status"]["userInfo"]["username"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn a_denied_verb_is_forbidden_verbatim_and_reviewed_as_not_allowed() {
    let fx = Fixture::start();
    namespace(&fx);
    let user = user(&fx);
    let rollout = "/apis/argoproj.io/v1alpha1/namespaces/bnpl/rollouts/feature-store";
    deny(
        &fx,
        json!([{"verb": "patch", "group": "argoproj.io", "resource": "rollouts",
        "subresource": "status", "namespace": "bnpl"}]),
    );
    let (code, status) = fx.send(
        "PATCH",
        &format!("{rollout}/status"),
        MERGE,
        r#"{"status":{"abort":true}}"#,
    );
    assert_eq!(code, 403, "{status}");
    assert_eq!(
        status["message"],
        format!(
            "rollouts.argoproj.io \"feature-store\" is forbidden: User \"{user}\" cannot patch resource \"rollouts/status\" in API group \"argoproj.io\" in the namespace \"bnpl\""
        )
    );
    assert_eq!(status["reason"], "Forbidden");
    assert_eq!(status["kind"], "Status");
    assert_eq!(
        status["details"],
        json!({"name": "feature-store", "group": "argoproj.io", "kind": "rollouts"})
    );
    let (_, ro) = fx.send("GET", rollout, "", "");
    assert_ne!(ro["status"]["abort"], true, "nothing was written");

    let denied = access_review(
        &fx,
        json!({"namespace": "bnpl", "verb": "patch", "group": "argoproj.io",
        "resource": "rollouts", "subresource": "status", "name": "feature-store"}),
    );
    assert_eq!(denied["allowed"], false, "{denied}");
    assert!(
        denied["reason"]
            .as_str()
            .unwrap()
            .contains("cannot patch resource \"rollouts/status\""),
        "{denied}"
    );

    // Other verbs, subresources and namespaces are unaffected.
    let (code, _) = fx.send("GET", rollout, "", "");
    assert_eq!(code, 200);
    let (code, body) = fx.send("PATCH", rollout, MERGE, r#"{"spec":{"paused":true}}"#);
    assert_eq!(code, 200, "{body}");
    for attrs in [
        json!({"namespace": "bnpl", "verb": "get", "group": "argoproj.io", "resource": "rollouts", "subresource": "status"}),
        json!({"namespace": "orders", "verb": "patch", "group": "argoproj.io", "resource": "rollouts", "subresource": "status"}),
        json!({"namespace": "bnpl", "verb": "patch", "group": "argoproj.io", "resource": "rollouts"}),
    ] {
        assert_eq!(
            access_review(&fx, attrs.clone())["allowed"],
            true,
            "{attrs}"
        );
    }

    // Every verb the sim serves is checked: a watch and a create of Leases here.
    deny(
        &fx,
        json!([{"verb": "*", "group": "coordination.k8s.io", "resource": "leases"}]),
    );
    let (code, status) = fx.send("GET", &format!("{LEASES}?watch=true"), "", "");
    assert_eq!(code, 403, "{status}");
    assert_eq!(
        status["message"],
        format!(
            "leases.coordination.k8s.io is forbidden: User \"{user}\" cannot watch resource \"leases\" in API group \"coordination.k8s.io\" in the namespace \"{NS}\""
        )
    );
    let (code, status) = fx.send(
        "POST",
        LEASES,
        "application/json",
        &lease("l", "me").to_string(),
    );
    assert_eq!(code, 403, "{status}");
    assert!(
        status["message"]
            .as_str()
            .unwrap()
            .contains("cannot create resource \"leases\""),
        "{status}"
    );

    // An empty list clears; loading a scenario clears too.
    deny(&fx, json!([]));
    fx.create(LEASES, lease("l", "me"));
    deny(
        &fx,
        json!([{"verb": "get", "group": "", "resource": "pods"}]),
    );
    let (code, _) = fx.send("GET", "/api/v1/namespaces/bnpl/pods/x", "", "");
    assert_eq!(code, 403);
    let (code, body) = fx.send(
        "POST",
        "/sim/scenario",
        "application/json",
        r#"{"name":"default"}"#,
    );
    assert_eq!(code, 200, "{body}");
    let (_, now) = fx.send("GET", "/sim/permissions", "", "");
    assert_eq!(now, json!({"deny": []}));
}

#[test]
fn kubectl_shows_the_403_as_the_api_server_words_it() {
    let Some((fx, k)) = setup() else { return };
    deny(
        &fx,
        json!([{"verb": "list", "group": "argoproj.io", "resource": "rollouts", "namespace": "bnpl"}]),
    );
    let err = k.fails(&["get", "rollouts", "-n", "bnpl"]);
    assert!(
        err.contains(&format!(
            "Error from server (Forbidden): rollouts.argoproj.io is forbidden: User \"{}\" cannot list resource \"rollouts\" in API group \"argoproj.io\" in the namespace \"bnpl\"",
            user(&fx)
        )),
        "{err}"
    );
    k.ok(&["get", "rollouts", "-n", "orders"]);
    // kubectl sends its access review as protobuf.
    let can = |args: &[&str]| {
        let out = k.run(&[&["auth", "can-i"], args].concat());
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    let denied = can(&["list", "rollouts.argoproj.io", "-n", "bnpl"]);
    assert!(
        denied.starts_with("no - ") && denied.contains("cannot list resource \"rollouts\""),
        "{denied}"
    );
    assert_eq!(can(&["get", "rollouts.argoproj.io", "-n", "bnpl"]), "yes");
    assert_eq!(
        can(&["list", "rollouts.argoproj.io", "-n", "orders"]),
        "yes"
    );
}

/// A client of the sink posts without the token, as to a Slack incoming-webhook URL.
fn post_webhook(fx: &Fixture, content_type: &str, body: &str) -> (u16, String) {
    let url = format!("{}/sim/webhook", fx.handle.base_url());
    fx.rt.block_on(async {
        let resp = reqwest::Client::new()
            .post(url)
            .header("content-type", content_type)
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        (resp.status().as_u16(), resp.text().await.unwrap())
    })
}

#[test]
fn the_webhook_sink_records_what_it_receives() {
    let fx = Fixture::start();
    let slack = json!({"text": "alex@laptop promoted orders-api: done"});
    assert_eq!(
        post_webhook(&fx, "application/json", &slack.to_string()),
        (200, "ok".to_string())
    );
    assert_eq!(post_webhook(&fx, "text/plain", "plain words").0, 200);
    let (code, got) = fx.send("GET", "/sim/webhook", "", "");
    assert_eq!(code, 200);
    let received = got["received"].as_array().unwrap();
    assert_eq!(received.len(), 2, "{got}");
    assert_eq!(received[0]["body"], slack);
    assert_eq!(received[0]["content_type"], "application/json");
    assert_eq!(received[0]["at"], "2026-11-22T03:20:00Z");
    assert_eq!(received[1]["body"], "plain words");
    assert_eq!(received[1]["content_type"], "text/plain");

    // A failing sink still receives; the fault says how it answers.
    let (code, body) = fx.send(
        "POST",
        "/sim/faults",
        "application/json",
        r#"{"webhook":{"status":500}}"#,
    );
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["webhook"], json!({"status": 500, "delay_ms": 0}));
    assert_eq!(post_webhook(&fx, "application/json", "{}").0, 500);
    let (_, got) = fx.send("GET", "/sim/webhook", "", "");
    assert_eq!(got["received"].as_array().unwrap().len(), 3);

    let (code, _) = fx.send("DELETE", "/sim/webhook", "", "");
    assert_eq!(code, 200);
    let (_, got) = fx.send("GET", "/sim/webhook", "", "");
    assert_eq!(got, json!({"received": []}));
    // Reading needs the token; only posting does not.
    let unauthenticated = fx.rt.block_on(async {
        reqwest::get(format!("{}/sim/webhook", fx.handle.base_url()))
            .await
            .unwrap()
            .status()
            .as_u16()
    });
    assert_eq!(unauthenticated, 401);
}

const PRODUCER: &str = "/apis/argoproj.io/v1alpha1/namespaces/observability/rollouts/producer";

fn producer(fx: &Fixture) -> Value {
    let (code, ro) = fx.send("GET", PRODUCER, "", "");
    assert_eq!(code, 200, "{ro}");
    ro
}

/// The producer's ReplicaSets, by revision.
fn replicasets(fx: &Fixture) -> Vec<Value> {
    let (_, list) = fx.send(
        "GET",
        "/apis/apps/v1/namespaces/observability/replicasets?labelSelector=app%3Dproducer",
        "",
        "",
    );
    let mut items = list["items"].as_array().unwrap().clone();
    items.sort_by_key(|r| {
        r["metadata"]["annotations"]["rollout.argoproj.io/revision"]
            .as_str()
            .unwrap()
            .parse::<i64>()
            .unwrap()
    });
    items
}

fn hash(rs: &Value) -> String {
    rs["metadata"]["labels"]["rollouts-pod-template-hash"]
        .as_str()
        .unwrap()
        .to_string()
}

fn replicas_of(fx: &Fixture, hash_wanted: &str) -> i64 {
    replicasets(fx)
        .iter()
        .find(|r| hash(r) == hash_wanted)
        .unwrap()["spec"]["replicas"]
        .as_i64()
        .unwrap()
}

/// Advances the frozen clock a step at a time until `done`, at most `seconds`.
fn advance_until(fx: &Fixture, seconds: u32, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..seconds {
        let ro = producer(fx);
        if done(&ro) {
            return ro;
        }
        fx.advance(1.0);
    }
    panic!("not reached in {seconds}s: {}", producer(fx)["status"]);
}

#[test]
fn blue_green_promoted_then_switched_back_to_the_previous_revision() {
    let fx = Fixture::start();
    let ro = advance_until(&fx, 300, |ro| {
        ro["status"]["pauseConditions"][0]["reason"] == "BlueGreenPause"
    });
    let before = ro["status"]["blueGreen"]["activeSelector"]
        .as_str()
        .unwrap()
        .to_string();
    let new = ro["status"]["currentPodHash"].as_str().unwrap().to_string();
    assert_ne!(before, new);
    let active_svc = format!(
        "/api/v1/namespaces/observability/services/{}",
        ro["spec"]["strategy"]["blueGreen"]["activeService"]
            .as_str()
            .unwrap()
    );

    // promote: the plugin clears the pause conditions on /status.
    let (code, body) = fx.send(
        "PATCH",
        &format!("{PRODUCER}/status"),
        MERGE,
        r#"{"status":{"pauseConditions":null}}"#,
    );
    assert_eq!(code, 200, "{body}");
    advance_until(&fx, 30, |ro| {
        ro["status"]["blueGreen"]["activeSelector"] == new
    });
    assert!(
        replicas_of(&fx, &before) > 0,
        "the previous revision keeps its pods for the scale-down delay"
    );

    // A stale resourceVersion on a /status merge patch is a conflict, and a failed JSON patch
    // test is 422; neither writes anything.
    let ro = producer(&fx);
    let (code, body) = fx.send(
        "PATCH",
        &format!("{PRODUCER}/status"),
        MERGE,
        &json!({"metadata": {"resourceVersion": "1"}, "status": {"promoteFull": true}}).to_string(),
    );
    assert_eq!((code, &body["reason"]), (409, &json!("Conflict")), "{body}");
    let (code, body) = fx.send(
        "PATCH",
        PRODUCER,
        JSON_PATCH,
        &json!([{"op": "test", "path": "/metadata/resourceVersion", "value": "1"},
            {"op": "replace", "path": "/spec/paused", "value": true}])
        .to_string(),
    );
    assert_eq!((code, &body["reason"]), (422, &json!("Invalid")), "{body}");
    assert_eq!(rv(&producer(&fx)), rv(&ro));

    // Switch back: undo to the previous revision (the plugin's JSON patch of the template,
    // with the fresh resourceVersion tested first), then promote --full.
    let rss = replicasets(&fx);
    let previous = &rss[rss.len() - 2];
    assert_eq!(hash(previous), before);
    let mut template = previous["spec"]["template"].clone();
    template["metadata"]["labels"]
        .as_object_mut()
        .unwrap()
        .remove("rollouts-pod-template-hash");
    let undo = json!([
        {"op": "test", "path": "/metadata/resourceVersion", "value": rv(&ro)},
        {"op": "replace", "path": "/spec/template", "value": template}]);
    let (code, body) = fx.send("PATCH", PRODUCER, JSON_PATCH, &undo.to_string());
    assert_eq!(code, 200, "{body}");
    let (code, body) = fx.send(
        "PATCH",
        &format!("{PRODUCER}/status"),
        MERGE,
        r#"{"status":{"promoteFull":true}}"#,
    );
    assert_eq!(code, 200, "{body}");
    let full = producer(&fx)["spec"]["replicas"].as_i64().unwrap();
    let ro = advance_until(&fx, 20, |ro| {
        assert_eq!(
            replicas_of(&fx, &before),
            full,
            "the previous ReplicaSet was never scaled down"
        );
        ro["status"]["blueGreen"]["activeSelector"] == before
    });
    assert_eq!(ro["status"]["stableRS"], before);
    let (_, svc) = fx.send("GET", &active_svc, "", "");
    assert_eq!(
        svc["spec"]["selector"]["rollouts-pod-template-hash"],
        before
    );
}
