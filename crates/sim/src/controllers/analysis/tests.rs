#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Analysis on a bare World: runs created from templates, measured against the simulated
//! Prometheus, and the Rollout's reactions.

use serde_json::{Value, json};

use crate::controllers::{Action, apply};
use crate::resources::ids;
use crate::scenario::Scenario;
use crate::world::World;

const START: i64 = 1_767_225_600_000;

fn world_from(toml: &str) -> World {
    let s = Scenario::parse(toml, std::path::Path::new("test.toml")).unwrap();
    let mut w = World::new(7, START, 1.0);
    s.build(&mut w);
    w
}

fn ro(w: &World, ns: &str, name: &str) -> Value {
    w.store.get(ids::ROLLOUTS, ns, name).cloned().unwrap()
}

fn run(w: &World, ns: &str, name: &str) -> Value {
    w.store.get(ids::ANALYSISRUNS, ns, name).cloned().unwrap()
}

/// A canary whose step 1 is an analysis with the given condition on the canary's error ratio.
fn world_with_step(condition: &str, error_rate: f64) -> World {
    let toml = format!(
        r#"name = "t"
nodes = ["n1"]
settle_seconds = 60
[[analysis_template]]
name = "errors"
namespace = "shop"
args = ["hash", "window"]
[[analysis_template.metric]]
name = "errors"
interval = "10s"
initialDelay = "30s"
count = 2
{condition}
query = 'sum(rate(http_requests_total{{namespace="shop",rollouts_pod_template_hash="{{{{args.hash}}}}",code=~"5.."}}[{{{{args.window}}}}])) / sum(rate(http_requests_total{{namespace="shop",rollouts_pod_template_hash="{{{{args.hash}}}}"}}[{{{{args.window}}}}]))'
[[version]]
image = "reg/api:3"
error_rate = {error_rate}
[[workload]]
kind = "rollout"
namespace = "shop"
name = "api"
replicas = 4
strategy = "canary"
image = "reg/api:2"
steps = [{{ setWeight = 50 }}, {{ analysis = {{ template = "errors", args = [{{ name = "hash", podTemplateHashValue = "Latest" }}, {{ name = "window", value = "1m" }}] }} }}, {{ setWeight = 100 }}]
"#
    );
    let mut w = world_from(&toml);
    apply(
        &mut w,
        &Action::SetImage {
            namespace: "shop".into(),
            name: "api".into(),
            image: "reg/api:3".into(),
        },
    )
    .unwrap();
    w
}

fn step_run(w: &World) -> Value {
    let st = ro(w, "shop", "api")["status"].clone();
    let name = st["canary"]["currentStepAnalysisRunStatus"]["name"]
        .as_str()
        .unwrap_or_else(|| panic!("no step run: {st}"))
        .to_string();
    run(w, "shop", &name)
}

#[test]
fn a_good_canary_passes_its_step_analysis_with_args_resolved() {
    let mut w = world_with_step("successCondition = \"result[0] < 0.05\"", 0.002);
    w.advance(90_000.0);
    let st = ro(&w, "shop", "api")["status"].clone();
    assert_eq!(st["phase"], "Healthy", "{st}");
    let r = step_run(&w);
    assert_eq!(r["status"]["phase"], "Successful", "{}", r["status"]);
    assert_eq!(r["status"]["metricResults"][0]["count"], 2);
    assert_eq!(r["status"]["runSummary"]["successful"], 1);
    let hash = st["currentPodHash"].as_str().unwrap();
    assert_eq!(
        r["spec"]["args"],
        json!([{"name": "hash", "value": hash}, {"name": "window", "value": "1m"}])
    );
    assert!(
        r["spec"]["metrics"][0]["provider"]["prometheus"]["query"]
            .as_str()
            .unwrap()
            .contains("{{args.hash}}"),
        "metrics are copied as written; args are substituted when measuring"
    );
    assert_eq!(
        r["metadata"]["annotations"]["rollout.argoproj.io/revision"],
        "2"
    );
    assert_eq!(r["metadata"]["labels"]["rollouts-pod-template-hash"], hash);
}

#[test]
fn a_bad_canary_fails_its_step_analysis_and_aborts() {
    let mut w = world_with_step("successCondition = \"result[0] < 0.05\"", 0.3);
    w.advance(90_000.0);
    let st = ro(&w, "shop", "api")["status"].clone();
    assert_eq!(st["abort"], true, "{st}");
    assert!(
        st["message"].as_str().unwrap().contains("assessed Failed"),
        "{st}"
    );
    let r = step_run(&w);
    assert_eq!(r["status"]["phase"], "Failed");
    let m = &r["status"]["metricResults"][0]["measurements"][0];
    assert_eq!(m["phase"], "Failed");
    assert!(m["value"].as_str().unwrap().starts_with('['), "{m}");
}

#[test]
fn an_inconclusive_step_pauses_until_a_promote() {
    let mut w = world_with_step(
        "successCondition = \"result[0] < 0.01\"\nfailureCondition = \"result[0] > 0.5\"",
        0.1,
    );
    w.advance(90_000.0);
    let st = ro(&w, "shop", "api")["status"].clone();
    assert_eq!(st["phase"], "Paused", "{st}");
    assert_eq!(
        st["pauseConditions"][0]["reason"],
        "InconclusiveAnalysisRun"
    );
    assert_eq!(st["controllerPause"], true);
    assert_eq!(
        st["canary"]["currentStepAnalysisRunStatus"]["status"],
        "Inconclusive"
    );
    // The plugin's promote for an inconclusive step (API.md §1.2 rule 1).
    w.store.modify(ids::ROLLOUTS, "shop", "api", |r| {
        r["status"]
            .as_object_mut()
            .unwrap()
            .remove("pauseConditions");
        r["status"]["controllerPause"] = json!(false);
        r["status"]["currentStepIndex"] = json!(2);
    });
    w.advance(60_000.0);
    let st = ro(&w, "shop", "api")["status"].clone();
    assert_eq!(st["phase"], "Healthy", "{st}");
}

#[test]
fn a_missing_template_is_an_error_run_that_aborts() {
    let mut w = world_with_step("successCondition = \"true\"", 0.0);
    w.store
        .delete(ids::ANALYSISTEMPLATES, "shop", "errors")
        .unwrap();
    w.advance(30_000.0);
    let r = step_run(&w);
    assert_eq!(r["status"]["phase"], "Error");
    assert!(
        r["status"]["message"]
            .as_str()
            .unwrap()
            .contains("\"errors\" not found"),
        "{}",
        r["status"]
    );
    assert_eq!(ro(&w, "shop", "api")["status"]["abort"], true);
}

#[test]
fn the_default_worlds_good_canaries_pass_their_background_analysis() {
    let s = Scenario::default_world().unwrap();
    let mut w = World::new(7, START, 1.0);
    s.build(&mut w);
    w.advance(600_000.0);
    let fs = ro(&w, "bnpl", "feature-store")["status"].clone();
    assert_eq!(fs["phase"], "Paused", "{fs}");
    assert_eq!(fs["pauseConditions"][0]["reason"], "CanaryPauseStep");
    let bg = &fs["canary"]["currentBackgroundAnalysisRunStatus"];
    let r = run(&w, "bnpl", bg["name"].as_str().unwrap());
    assert_eq!(r["status"]["phase"], "Running", "{}", r["status"]);
    assert_eq!(r["metadata"]["labels"]["rollout-type"], "Background");
    for m in r["status"]["metricResults"].as_array().unwrap() {
        assert!(m["count"].as_i64().unwrap() >= 10, "{m}");
        assert_eq!(m["failed"], 0, "{m}");
        assert_eq!(m["error"], 0, "{m}");
    }
    let orders = ro(&w, "orders", "orders-api")["status"].clone();
    assert_eq!(orders["phase"], "Healthy", "{orders}");
    let bg = &orders["canary"]["currentBackgroundAnalysisRunStatus"];
    let r = run(&w, "orders", bg["name"].as_str().unwrap());
    assert_eq!(r["spec"]["terminate"], true, "terminated on completion");
    assert_eq!(r["status"]["phase"], "Successful", "{}", r["status"]);
}
