#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Argo analysis over HTTP: AnalysisTemplates and Rollouts created through the API, runs
//! measured against the simulated Prometheus, a version made bad with `POST /sim/version`, and
//! the promote Quarterdeck sends on an inconclusive pause. The clock is frozen and advanced
//! through `/sim/clock`.

mod support;

use serde_json::{Value, json};
use support::Fixture;

const MERGE: &str = "application/merge-patch+json";
const JSON: &str = "application/json";
const ARGO: &str = "/apis/argoproj.io/v1alpha1";

fn get(f: &Fixture, path: &str) -> Value {
    let (code, body) = f.send("GET", path, JSON, "");
    assert_eq!(code, 200, "GET {path}: {body}");
    body
}

fn rollout(f: &Fixture, ns: &str) -> Value {
    get(f, &format!("{ARGO}/namespaces/{ns}/rollouts/api"))
}

fn analysis_run(f: &Fixture, ns: &str, name: &str) -> Value {
    get(f, &format!("{ARGO}/namespaces/{ns}/analysisruns/{name}"))
}

/// The error ratio of the canary's pods, as API.md §5 writes it.
fn error_ratio(ns: &str) -> String {
    format!(
        "sum(rate(http_requests_total{{namespace=\"{ns}\",rollouts_pod_template_hash=\"{{{{args.canary-hash}}}}\",code=~\"5..\"}}[1m])) / sum(rate(http_requests_total{{namespace=\"{ns}\",rollouts_pod_template_hash=\"{{{{args.canary-hash}}}}\"}}[1m]))"
    )
}

/// Namespace `ns` with an AnalysisTemplate `errors` (these conditions) and a canary Rollout
/// `api` running `shop/api:1`, settled.
fn setup(f: &Fixture, ns: &str, conditions: Value, strategy: Value) {
    f.create("/api/v1/namespaces", json!({"metadata": {"name": ns}}));
    let mut metric = json!({"name": "errors", "interval": "10s", "initialDelay": "20s", "count": 2,
        "provider": {"prometheus": {"address": "http://prometheus.monitoring:9090", "query": error_ratio(ns)}}});
    for (k, v) in conditions.as_object().unwrap() {
        if v.is_null() {
            metric.as_object_mut().unwrap().remove(k);
        } else {
            metric[k] = v.clone();
        }
    }
    f.create(
        &format!("{ARGO}/namespaces/{ns}/analysistemplates"),
        json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "AnalysisTemplate",
          "metadata": {"name": "errors"},
          "spec": {"args": [{"name": "canary-hash"}], "metrics": [metric]}}),
    );
    f.create(
        &format!("{ARGO}/namespaces/{ns}/rollouts"),
        json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
          "metadata": {"name": "api"},
          "spec": {"replicas": 2,
            "selector": {"matchLabels": {"app": "api"}},
            "template": {"metadata": {"labels": {"app": "api"}},
              "spec": {"containers": [{"name": "api", "image": "shop/api:1"}]}},
            "strategy": {"canary": strategy}}}),
    );
    f.advance(30.0);
    assert_eq!(rollout(f, ns)["status"]["phase"], "Healthy");
}

fn analysis_ref() -> Value {
    json!({"templates": [{"templateName": "errors"}],
        "args": [{"name": "canary-hash", "valueFrom": {"podTemplateHashValue": "Latest"}}]})
}

fn step_strategy() -> Value {
    json!({"steps": [{"setWeight": 50}, {"analysis": analysis_ref()}, {"setWeight": 100}]})
}

fn set_image(f: &Fixture, ns: &str, image: &str) {
    let body =
        json!({"spec": {"template": {"spec": {"containers": [{"name": "api", "image": image}]}}}});
    let (code, resp) = f.send(
        "PATCH",
        &format!("{ARGO}/namespaces/{ns}/rollouts/api"),
        MERGE,
        &body.to_string(),
    );
    assert_eq!(code, 200, "{resp}");
}

fn set_version(f: &Fixture, image: &str, error_rate: f64) {
    let body = json!({"image": image, "error_rate": error_rate}).to_string();
    let (code, resp) = f.send("POST", "/sim/version", JSON, &body);
    assert_eq!(code, 200, "{resp}");
}

/// Advances in small steps until `done` holds for the Rollout (at most `seconds`).
fn advance_until(f: &Fixture, ns: &str, seconds: u32, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..seconds / 5 {
        let ro = rollout(f, ns);
        if done(&ro) {
            return ro;
        }
        f.advance(5.0);
    }
    let ro = rollout(f, ns);
    assert!(done(&ro), "not reached: {}", ro["status"]);
    ro
}

fn step_run_name(ro: &Value) -> String {
    ro["status"]["canary"]["currentStepAnalysisRunStatus"]["name"]
        .as_str()
        .unwrap_or_else(|| panic!("no step run: {}", ro["status"]))
        .to_string()
}

#[test]
fn a_good_canary_passes_and_the_rollout_continues() {
    let f = Fixture::start();
    setup(
        &f,
        "good",
        json!({"successCondition": "result[0] < 0.05"}),
        step_strategy(),
    );
    let before = rollout(&f, "good")["status"]["currentPodHash"].clone();
    set_version(&f, "shop/api:2", 0.002);
    set_image(&f, "good", "shop/api:2");
    // Healthy on the new revision: the status read right after the patch may still be the
    // old revision's, Healthy too.
    let ro = advance_until(&f, "good", 180, |ro| {
        ro["status"]["phase"] == "Healthy" && ro["status"]["currentPodHash"] != before
    });
    let hash = ro["status"]["currentPodHash"].as_str().unwrap().to_string();
    let run = analysis_run(&f, "good", &step_run_name(&ro));
    assert_eq!(run["status"]["phase"], "Successful", "{}", run["status"]);
    assert_eq!(
        run["spec"]["args"],
        json!([{"name": "canary-hash", "value": hash}])
    );
    assert_eq!(run["metadata"]["labels"]["rollout-type"], "Step");
    assert_eq!(run["metadata"]["labels"]["step-index"], "1");
    assert_eq!(
        run["metadata"]["labels"]["rollouts-pod-template-hash"],
        hash
    );
    assert_eq!(
        run["metadata"]["annotations"]["rollout.argoproj.io/revision"],
        "2"
    );
    let owner = &run["metadata"]["ownerReferences"][0];
    assert_eq!(
        (owner["kind"].as_str(), owner["controller"].as_bool()),
        (Some("Rollout"), Some(true))
    );
    let m = &run["status"]["metricResults"][0];
    assert_eq!(
        (m["count"].as_i64(), m["successful"].as_i64()),
        (Some(2), Some(2)),
        "{m}"
    );
}

#[test]
fn a_bad_canary_fails_and_the_rollout_aborts() {
    let f = Fixture::start();
    setup(
        &f,
        "bad",
        json!({"successCondition": "result[0] < 0.05"}),
        step_strategy(),
    );
    set_image(&f, "bad", "shop/api:3");
    set_version(&f, "shop/api:3", 0.4);
    let ro = advance_until(&f, "bad", 180, |ro| ro["status"]["abort"] == true);
    assert_eq!(ro["status"]["phase"], "Degraded");
    let run = analysis_run(&f, "bad", &step_run_name(&ro));
    assert_eq!(run["status"]["phase"], "Failed", "{}", run["status"]);
    assert_eq!(
        run["status"]["message"],
        "Metric \"errors\" assessed Failed due to failed (1) > failureLimit (0)"
    );
    assert!(
        ro["status"]["message"]
            .as_str()
            .unwrap()
            .contains("assessed Failed"),
        "{}",
        ro["status"]
    );
}

#[test]
fn an_inconclusive_run_pauses_and_quarterdecks_promote_continues() {
    let f = Fixture::start();
    setup(
        &f,
        "unsure",
        json!({"successCondition": "result[0] < 0.01", "failureCondition": "result[0] > 0.5"}),
        step_strategy(),
    );
    set_image(&f, "unsure", "shop/api:4");
    set_version(&f, "shop/api:4", 0.1);
    let ro = advance_until(&f, "unsure", 180, |ro| ro["status"]["phase"] == "Paused");
    let st = &ro["status"];
    assert_eq!(
        st["pauseConditions"][0]["reason"], "InconclusiveAnalysisRun",
        "{st}"
    );
    assert_eq!(st["controllerPause"], true);
    assert_eq!(st["message"], "InconclusiveAnalysisRun");
    assert_eq!(
        st["canary"]["currentStepAnalysisRunStatus"]["status"],
        "Inconclusive"
    );
    // Exactly what Quarterdeck's promote sends here (patches.rs, the plugin's first rule).
    let body = json!({"status": {"pauseConditions": null, "controllerPause": false, "currentStepIndex": 2}});
    let (code, resp) = f.send(
        "PATCH",
        &format!("{ARGO}/namespaces/unsure/rollouts/api/status"),
        MERGE,
        &body.to_string(),
    );
    assert_eq!(code, 200, "{resp}");
    advance_until(&f, "unsure", 120, |ro| ro["status"]["phase"] == "Healthy");
}

#[test]
fn background_analysis_runs_from_its_step_and_is_terminated_on_completion() {
    let f = Fixture::start();
    let mut strategy =
        json!({"steps": [{"setWeight": 50}, {"pause": {"duration": "60s"}}, {"setWeight": 100}]});
    let mut bg = analysis_ref();
    bg["startingStep"] = json!(1);
    strategy["analysis"] = bg;
    setup(
        &f,
        "bg",
        json!({"failureCondition": "len(result) > 0 && result[0] > 0.05", "count": null}),
        strategy,
    );
    set_image(&f, "bg", "shop/api:5");
    let ro = advance_until(&f, "bg", 60, |ro| {
        ro["status"]["canary"]["currentBackgroundAnalysisRunStatus"]["name"].is_string()
    });
    let name = ro["status"]["canary"]["currentBackgroundAnalysisRunStatus"]["name"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        analysis_run(&f, "bg", &name)["metadata"]["labels"]["rollout-type"],
        "Background"
    );
    advance_until(&f, "bg", 180, |ro| ro["status"]["phase"] == "Healthy");
    f.advance(1.0);
    let run = analysis_run(&f, "bg", &name);
    assert_eq!(run["spec"]["terminate"], true);
    assert_eq!(run["status"]["phase"], "Successful", "{}", run["status"]);
    assert!(
        run["status"]["metricResults"][0]["count"].as_i64().unwrap() >= 2,
        "{}",
        run["status"]
    );
}
