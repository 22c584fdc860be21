#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Argo Rollouts through HTTP with exactly the patches the kubectl plugin sends (API.md §1.2):
//! merge patches to `/status` and to the main resource, and the JSON patch of `undo`. The clock
//! is frozen and advanced through `/sim/clock`.

mod support;

use serde_json::{Value, json};
use support::Fixture;

const MERGE: &str = "application/merge-patch+json";
const JSON: &str = "application/json";

fn rollout_path(ns: &str, name: &str) -> String {
    format!("/apis/argoproj.io/v1alpha1/namespaces/{ns}/rollouts/{name}")
}

fn get(f: &Fixture, path: &str) -> Value {
    let (code, body) = f.send("GET", path, JSON, "");
    assert_eq!(code, 200, "GET {path}: {body}");
    body
}

fn patch_status(f: &Fixture, ns: &str, name: &str, patch: Value) {
    let path = format!("{}/status", rollout_path(ns, name));
    let (code, body) = f.send("PATCH", &path, MERGE, &json!({"status": patch}).to_string());
    assert_eq!(code, 200, "PATCH {path}: {body}");
}

/// `kubectl argo rollouts promote`: the default status-patch rules, then the spec patch.
fn promote(f: &Fixture, ns: &str, name: &str) {
    let ro = get(f, &rollout_path(ns, name));
    let st = &ro["status"];
    let steps = ro["spec"]["strategy"]["canary"]["steps"]
        .as_array()
        .map_or(0, Vec::len) as i64;
    let i = st["currentStepIndex"].as_i64().unwrap_or(0);
    if st["pauseConditions"]
        .as_array()
        .is_some_and(|a| !a.is_empty())
    {
        patch_status(f, ns, name, json!({"pauseConditions": null}));
    } else if steps > 0 {
        patch_status(
            f,
            ns,
            name,
            json!({"pauseConditions": null, "currentStepIndex": (i + 1).min(steps)}),
        );
    }
    if ro["spec"]["paused"] == true {
        let (code, _) = f.send(
            "PATCH",
            &rollout_path(ns, name),
            MERGE,
            r#"{"spec":{"paused":false}}"#,
        );
        assert_eq!(code, 200);
    }
}

fn replicasets(f: &Fixture, ns: &str, app: &str) -> Vec<Value> {
    let list = get(
        f,
        &format!("/apis/apps/v1/namespaces/{ns}/replicasets?labelSelector=app%3D{app}"),
    );
    list["items"].as_array().cloned().unwrap_or_default()
}

fn image(obj: &Value) -> String {
    obj["spec"]["template"]["spec"]["containers"][0]["image"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn canary_promote_undo_abort_and_retry() {
    let f = Fixture::start();
    // abort the orders-api canary, then retry it.
    let orders = rollout_path("orders", "orders-api");
    patch_status(&f, "orders", "orders-api", json!({"abort": true}));
    f.advance(20.0);
    let ro = get(&f, &orders);
    assert_eq!(ro["status"]["phase"], "Degraded", "{}", ro["status"]);
    assert!(
        ro["status"]["message"]
            .as_str()
            .unwrap()
            .starts_with("RolloutAborted: ")
    );
    let canary_hash = ro["status"]["currentPodHash"].clone();
    let canary = replicasets(&f, "orders", "orders-api")
        .into_iter()
        .find(|r| r["metadata"]["labels"]["rollouts-pod-template-hash"] == canary_hash)
        .unwrap();
    assert_eq!(canary["spec"]["replicas"], 0, "desired weight back to 0");
    patch_status(&f, "orders", "orders-api", json!({"abort": false}));
    f.advance(15.0);
    let ro = get(&f, &orders);
    assert_ne!(ro["status"]["phase"], "Degraded", "{}", ro["status"]);
    assert!(ro["status"].get("abortedAt").is_none());
    let canary = replicasets(&f, "orders", "orders-api")
        .into_iter()
        .find(|r| r["metadata"]["labels"]["rollouts-pod-template-hash"] == canary_hash)
        .unwrap();
    assert_eq!(
        canary["spec"]["replicas"], 1,
        "retry restarts at the first setWeight"
    );

    let path = rollout_path("bnpl", "feature-store");
    let before = get(&f, &path);
    assert_eq!(before["status"]["phase"], "Paused", "{}", before["status"]);
    let old_image = replicasets(&f, "bnpl", "feature-store")
        .into_iter()
        .find(|r| {
            r["metadata"]["labels"]["rollouts-pod-template-hash"] == before["status"]["stableRS"]
        })
        .map(|r| image(&r))
        .unwrap();
    // Promote step by step until the canary is fully promoted.
    let mut promotes = 0;
    for _ in 0..10 {
        let ro = get(&f, &path);
        if ro["status"]["phase"] == "Healthy" {
            break;
        }
        if ro["status"]["phase"] == "Paused" {
            promote(&f, "bnpl", "feature-store");
            promotes += 1;
        }
        f.advance(30.0);
    }
    let ro = get(&f, &path);
    assert_eq!(ro["status"]["phase"], "Healthy", "{}", ro["status"]);
    assert_eq!(ro["status"]["stableRS"], ro["status"]["currentPodHash"]);
    assert_eq!(ro["status"]["currentStepIndex"], 5);
    assert_eq!(promotes, 2, "two pauses, two promotes");
    assert_eq!(
        ro["status"]["observedGeneration"],
        json!(ro["metadata"]["generation"].as_i64().unwrap().to_string())
    );

    // undo: the previous revision's template without the hash label, as a JSON patch.
    let rss = replicasets(&f, "bnpl", "feature-store");
    let mut revs: Vec<(i64, Value)> = rss
        .into_iter()
        .map(|r| {
            (
                r["metadata"]["annotations"]["rollout.argoproj.io/revision"]
                    .as_str()
                    .unwrap()
                    .parse()
                    .unwrap(),
                r,
            )
        })
        .collect();
    revs.sort_by_key(|(n, _)| *n);
    let (prev_rev, prev) = revs[revs.len() - 2].clone();
    let max_rev = revs.last().unwrap().0;
    assert_eq!(image(&prev), old_image);
    let mut tpl = prev["spec"]["template"].clone();
    tpl["metadata"]["labels"]
        .as_object_mut()
        .unwrap()
        .remove("rollouts-pod-template-hash");
    let body = json!([{"op": "replace", "path": "/spec/template", "value": tpl}]).to_string();
    let (code, resp) = f.send("PATCH", &path, "application/json-patch+json", &body);
    assert_eq!(code, 200, "{resp}");
    f.advance(2.0);
    let ro = get(&f, &path);
    assert_eq!(image(&ro), old_image);
    assert_eq!(
        ro["status"]["currentPodHash"],
        prev["metadata"]["labels"]["rollouts-pod-template-hash"]
    );
    // promote --full finishes it.
    patch_status(&f, "bnpl", "feature-store", json!({"promoteFull": true}));
    f.advance(60.0);
    let ro = get(&f, &path);
    assert_eq!(ro["status"]["phase"], "Healthy", "{}", ro["status"]);
    assert_eq!(ro["status"]["stableRS"], ro["status"]["currentPodHash"]);
    let reused = replicasets(&f, "bnpl", "feature-store")
        .into_iter()
        .find(|r| r["metadata"]["name"] == prev["metadata"]["name"])
        .unwrap();
    assert_eq!(
        reused["metadata"]["annotations"]["rollout.argoproj.io/revision"],
        (max_rev + 1).to_string(),
        "reused RS renumbered from {prev_rev}"
    );
}

#[test]
fn a_rollout_selector_with_expressions_reaches_status_and_scale() {
    let f = Fixture::start();
    f.create("/api/v1/namespaces", json!({"metadata": {"name": "picky"}}));
    f.create(
        "/apis/argoproj.io/v1alpha1/namespaces/picky/rollouts",
        json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
          "metadata": {"name": "picky"},
          "spec": {"replicas": 1,
            "selector": {"matchLabels": {"tier": "web"}, "matchExpressions": [
              {"key": "env", "operator": "NotIn", "values": ["staging", "dev"]},
              {"key": "app", "operator": "Exists"}]},
            "template": {"metadata": {"labels": {"tier": "web", "env": "prod", "app": "shop"}},
              "spec": {"containers": [{"name": "app", "image": "shop/web:1"}]}},
            "strategy": {"canary": {"steps": [{"setWeight": 50}]}}}}),
    );
    f.advance(1.0);
    // As the Argo controller writes it (apimachinery's string form): sorted by key and value.
    let want = "app,env notin (dev,staging),tier=web";
    let path = rollout_path("picky", "picky");
    assert_eq!(get(&f, &path)["status"]["selector"], want);
    assert_eq!(
        get(&f, &format!("{path}/scale"))["status"]["selector"],
        want
    );
}

#[test]
fn blue_green_promote_switches_the_active_service() {
    let f = Fixture::start();
    let path = rollout_path("observability", "producer");
    let ro = get(&f, &path);
    assert_eq!(
        ro["status"]["pauseConditions"][0]["reason"], "BlueGreenPause",
        "{}",
        ro["status"]
    );
    let new_hash = ro["status"]["currentPodHash"].clone();
    assert_ne!(ro["status"]["blueGreen"]["activeSelector"], new_hash);
    assert_eq!(ro["status"]["blueGreen"]["previewSelector"], new_hash);
    promote(&f, "observability", "producer");
    f.advance(5.0);
    let ro = get(&f, &path);
    assert_eq!(
        ro["status"]["blueGreen"]["activeSelector"], new_hash,
        "{}",
        ro["status"]
    );
    assert_eq!(ro["status"]["stableRS"], new_hash);
    let svc = get(&f, "/api/v1/namespaces/observability/services/producer");
    assert_eq!(
        svc["spec"]["selector"]["rollouts-pod-template-hash"],
        new_hash
    );
    f.advance(40.0);
    assert_eq!(get(&f, &path)["status"]["phase"], "Healthy");
}
