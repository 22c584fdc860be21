#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Controller tests on a bare World (no HTTP): each drives simulated time and checks the
//! objects the real clients read.

use serde_json::{Value, json};

use super::obj;
use crate::logs::LogKey;
use crate::resources::{ResId, ids};
use crate::scenario::Scenario;
use crate::world::World;

const START: i64 = 1_767_225_600_000;

fn world_from(toml: &str) -> World {
    let s = Scenario::parse(toml, std::path::Path::new("test.toml")).unwrap();
    let mut w = World::new(7, START, 1.0);
    s.build(&mut w);
    w
}

fn get(w: &World, res: ResId, ns: &str, name: &str) -> Value {
    w.store.get(res, ns, name).cloned().unwrap_or(Value::Null)
}

fn rss(w: &World, ns: &str) -> Vec<Value> {
    w.store.list(ids::REPLICASETS, Some(ns)).cloned().collect()
}

fn rs_with_image<'a>(all: &'a [Value], image: &str) -> &'a Value {
    all.iter()
        .find(|r| obj::str_at(r, "/spec/template/spec/containers/0/image") == image)
        .unwrap_or_else(|| panic!("no ReplicaSet runs {image}"))
}

fn set_image(w: &mut World, ns: &str, name: &str, image: &str) {
    let a = super::Action::SetImage {
        namespace: ns.into(),
        name: name.into(),
        image: image.into(),
    };
    super::apply(w, &a).unwrap();
}

fn patch_status(w: &mut World, ns: &str, name: &str, patch: Value) {
    w.store.modify(ids::ROLLOUTS, ns, name, |r| {
        for (k, v) in patch.as_object().unwrap() {
            if v.is_null() {
                r["status"].as_object_mut().unwrap().remove(k);
            } else {
                r["status"][k] = v.clone();
            }
        }
    });
}

fn deployment_toml(strategy: &str, extra: &str) -> String {
    format!(
        r#"name = "t"
nodes = ["n1", "n2"]
settle_seconds = 60
[[workload]]
kind = "deployment"
namespace = "app"
name = "web"
replicas = 4
strategy = "{strategy}"
history = ["reg/web:1"]
image = "reg/web:2"
{extra}
"#
    )
}

/// Live pods and available pods of the Deployment's ReplicaSets, from the kubelet's view.
fn pod_counts(w: &World) -> (i64, i64) {
    let live = w.ctl.pods.values().filter(|p| p.active()).count() as i64;
    let avail = w
        .ctl
        .pods
        .values()
        .filter(|p| p.active() && p.ready())
        .count() as i64;
    (live, avail)
}

#[test]
fn rolling_update_respects_surge_and_unavailable_and_completes() {
    let mut w = world_from(&deployment_toml(
        "rolling",
        "max_surge = \"1\"\nmax_unavailable = \"1\"",
    ));
    let d = get(&w, ids::DEPLOYMENTS, "app", "web");
    assert_eq!(
        obj::annotation(&d, "deployment.kubernetes.io/revision"),
        "2"
    );
    assert_eq!(rss(&w, "app").len(), 2);
    set_image(&mut w, "app", "web", "reg/web:3");
    for _ in 0..900 {
        w.advance(100.0);
        let (live, avail) = pod_counts(&w);
        assert!(live <= 5, "more than replicas+surge pods: {live}");
        assert!(
            avail >= 3,
            "fewer than replicas-unavailable available: {avail}"
        );
    }
    let d = get(&w, ids::DEPLOYMENTS, "app", "web");
    let st = &d["status"];
    assert_eq!(st["observedGeneration"], d["metadata"]["generation"]);
    assert_eq!(
        (
            st["replicas"].as_i64(),
            st["updatedReplicas"].as_i64(),
            st["availableReplicas"].as_i64()
        ),
        (Some(4), Some(4), Some(4))
    );
    let prog = obj::condition(st, "Progressing").unwrap();
    let all = rss(&w, "app");
    let new = rs_with_image(&all, "reg/web:3");
    assert_eq!(prog["reason"], "NewReplicaSetAvailable");
    assert_eq!(
        prog["message"],
        format!(
            "ReplicaSet \"{}\" has successfully progressed.",
            obj::name(new)
        )
    );
    assert_eq!(
        obj::condition(st, "Available").unwrap()["reason"],
        "MinimumReplicasAvailable"
    );
    assert_eq!(
        obj::annotation(new, "deployment.kubernetes.io/revision"),
        "3"
    );
    assert_eq!(
        obj::annotation(&d, "deployment.kubernetes.io/revision"),
        "3"
    );
    let hash = obj::label(new, "pod-template-hash");
    assert_eq!(obj::name(new), format!("web-{hash}"));
    assert_eq!(
        new["spec"]["selector"]["matchLabels"]["pod-template-hash"],
        hash
    );
    assert_eq!(
        new["metadata"]["ownerReferences"][0]["uid"],
        d["metadata"]["uid"]
    );
    assert_eq!(new["metadata"]["ownerReferences"][0]["controller"], true);
    assert_eq!(
        obj::int_at(rs_with_image(&all, "reg/web:2"), "/spec/replicas", -1),
        0
    );
    for p in w.store.list(ids::PODS, Some("app")) {
        assert!(obj::name(p).starts_with(&format!("web-{hash}-")));
        assert_eq!(p["status"]["phase"], "Running");
        assert!(
            p["status"]["podIP"]
                .as_str()
                .unwrap()
                .starts_with("10.244.")
        );
        assert_eq!(
            obj::condition(&p["status"], "Ready").unwrap()["status"],
            "True"
        );
    }
    let scaled = w.store.list(ids::EVENTS, Some("app")).any(|e| {
        e["reason"] == "ScalingReplicaSet"
            && e["message"] == format!("Scaled up replica set {} from 0 to 1", obj::name(new))
    });
    assert!(scaled, "ScalingReplicaSet event for the new ReplicaSet");
}

#[test]
fn rollback_reuses_the_replicaset_and_renumbers_it() {
    let mut w = world_from(&deployment_toml("rolling", ""));
    set_image(&mut w, "app", "web", "reg/web:3");
    w.advance(90_000.0);
    // What `kubectl rollout undo` sends: the previous RS's template without pod-template-hash.
    let all = rss(&w, "app");
    let mut tpl = rs_with_image(&all, "reg/web:2")["spec"]["template"].clone();
    tpl["metadata"]["labels"]
        .as_object_mut()
        .unwrap()
        .remove("pod-template-hash");
    tpl["metadata"]["creationTimestamp"] = Value::Null;
    w.store.modify(ids::DEPLOYMENTS, "app", "web", |d| {
        d["spec"]["template"] = tpl.clone()
    });
    w.advance(90_000.0);
    let all = rss(&w, "app");
    assert_eq!(all.len(), 3, "no new ReplicaSet for a reused template");
    let reused = rs_with_image(&all, "reg/web:2");
    assert_eq!(
        obj::annotation(reused, "deployment.kubernetes.io/revision"),
        "4"
    );
    assert_eq!(
        obj::annotation(reused, "deployment.kubernetes.io/revision-history"),
        "2"
    );
    let mut revs: Vec<String> = all
        .iter()
        .map(|r| obj::annotation(r, "deployment.kubernetes.io/revision").to_string())
        .collect();
    revs.sort();
    assert_eq!(revs, ["1", "3", "4"]);
    assert_eq!(obj::int_at(reused, "/status/availableReplicas", 0), 4);
    let d = get(&w, ids::DEPLOYMENTS, "app", "web");
    assert_eq!(
        obj::annotation(&d, "deployment.kubernetes.io/revision"),
        "4"
    );
}

#[test]
fn recreate_never_runs_old_and_new_together() {
    let mut w = world_from(&deployment_toml("recreate", ""));
    set_image(&mut w, "app", "web", "reg/web:3");
    for _ in 0..900 {
        w.advance(100.0);
        let images: std::collections::BTreeSet<String> = w
            .store
            .list(ids::PODS, Some("app"))
            .map(|p| obj::str_at(p, "/spec/containers/0/image").to_string())
            .collect();
        assert!(images.len() <= 1, "old and new pods together: {images:?}");
    }
    let d = get(&w, ids::DEPLOYMENTS, "app", "web");
    assert_eq!(d["status"]["availableReplicas"], 4);
    assert_eq!(
        obj::condition(&d["status"], "Progressing").unwrap()["reason"],
        "NewReplicaSetAvailable"
    );
}

#[test]
fn bad_version_crash_loops_with_growing_backoff_then_misses_the_deadline() {
    let extra = "progress_deadline_seconds = 120\n[[version]]\nimage = \"reg/web:3\"\nbad = true\n";
    let mut w = world_from(&deployment_toml("rolling", extra));
    set_image(&mut w, "app", "web", "reg/web:3");
    let mut restarts_at: Vec<i64> = Vec::new();
    let mut last = 0;
    let mut watched = String::new();
    for _ in 0..3000 {
        w.advance(100.0);
        if watched.is_empty()
            && let Some(p) = w
                .store
                .list(ids::PODS, Some("app"))
                .find(|p| obj::str_at(p, "/spec/containers/0/image") == "reg/web:3")
        {
            watched = obj::name(p).to_string();
        }
        let n = obj::int_at(
            &get(&w, ids::PODS, "app", &watched),
            "/status/containerStatuses/0/restartCount",
            0,
        );
        if n > last {
            restarts_at.push(w.clock.now_ms);
            last = n;
        }
    }
    assert!(
        restarts_at.len() >= 4,
        "restarts: {restarts_at:?} {}",
        get(&w, ids::PODS, "app", &watched)
    );
    let gaps: Vec<i64> = restarts_at.windows(2).map(|p| p[1] - p[0]).collect();
    assert!(
        gaps.windows(2).all(|g| g[1] > g[0]),
        "back-off grows: {gaps:?}"
    );
    let p = get(&w, ids::PODS, "app", &watched);
    let cs = &p["status"]["containerStatuses"][0];
    assert_eq!(cs["lastState"]["terminated"]["exitCode"], 1);
    assert_eq!(cs["lastState"]["terminated"]["reason"], "Error");
    if cs["state"]["waiting"].is_object() {
        assert_eq!(cs["state"]["waiting"]["reason"], "CrashLoopBackOff");
        assert!(
            cs["state"]["waiting"]["message"]
                .as_str()
                .unwrap()
                .starts_with("back-off ")
        );
    }
    let key = LogKey {
        namespace: "app".into(),
        pod: watched.clone(),
        container: "web".into(),
    };
    assert!(
        w.logs.previous(&key).is_some_and(|l| !l.is_empty()),
        "logs --previous has the old instance"
    );
    assert!(
        w.store
            .list(ids::EVENTS, Some("app"))
            .any(|e| e["reason"] == "BackOff"
                && e["message"].as_str().unwrap().starts_with(&format!(
                    "Back-off restarting failed container web in pod {watched}"
                )))
    );
    let d = get(&w, ids::DEPLOYMENTS, "app", "web");
    let prog = obj::condition(&d["status"], "Progressing").unwrap();
    assert_eq!(prog["status"], "False");
    assert_eq!(prog["reason"], "ProgressDeadlineExceeded");
    let all = rss(&w, "app");
    let bad = rs_with_image(&all, "reg/web:3");
    assert_eq!(
        prog["message"],
        format!(
            "ReplicaSet \"{}\" has timed out progressing.",
            obj::name(bad)
        )
    );
    assert!(
        obj::int_at(
            rs_with_image(&all, "reg/web:2"),
            "/status/availableReplicas",
            0
        ) >= 3,
        "old RS still serves"
    );
}

#[test]
fn paused_deployment_does_not_roll() {
    let mut w = world_from(&deployment_toml("rolling", ""));
    w.store.modify(ids::DEPLOYMENTS, "app", "web", |d| {
        d["spec"]["paused"] = json!(true)
    });
    set_image(&mut w, "app", "web", "reg/web:3");
    w.advance(30_000.0);
    assert_eq!(rss(&w, "app").len(), 2);
    let d = get(&w, ids::DEPLOYMENTS, "app", "web");
    assert_eq!(
        obj::condition(&d["status"], "Progressing").unwrap()["reason"],
        "DeploymentPaused"
    );
    w.store.modify(ids::DEPLOYMENTS, "app", "web", |d| {
        d["spec"]["paused"] = Value::Null
    });
    w.advance(90_000.0);
    let all = rss(&w, "app");
    assert_eq!(
        obj::int_at(
            rs_with_image(&all, "reg/web:3"),
            "/status/availableReplicas",
            0
        ),
        4
    );
}

fn canary_toml(extra: &str) -> String {
    format!(
        r#"name = "t"
nodes = ["n1"]
settle_seconds = 60
[[workload]]
kind = "rollout"
namespace = "shop"
name = "api"
replicas = 4
strategy = "canary"
history = ["reg/api:1"]
image = "reg/api:2"
steps = [{{ setWeight = 25 }}, {{ pause = {{}} }}, {{ setWeight = 50 }}, {{ pause = {{ duration = "20s" }} }}, {{ setWeight = 100 }}]
{extra}
"#
    )
}

fn ro(w: &World) -> Value {
    get(w, ids::ROLLOUTS, "shop", "api")
}

#[test]
fn canary_pauses_then_promotes_step_by_step_to_stable() {
    let mut w = world_from(&canary_toml(""));
    let r = ro(&w);
    assert_eq!(r["status"]["phase"], "Healthy");
    assert_eq!(r["status"]["stableRS"], r["status"]["currentPodHash"]);
    assert_eq!(obj::annotation(&r, "rollout.argoproj.io/revision"), "2");
    set_image(&mut w, "shop", "api", "reg/api:3");
    w.advance(40_000.0);
    let r = ro(&w);
    let st = &r["status"];
    assert_eq!(st["currentStepIndex"], 1);
    assert_eq!(st["phase"], "Paused");
    assert_eq!(st["message"], "CanaryPauseStep");
    assert_eq!(st["pauseConditions"][0]["reason"], "CanaryPauseStep");
    assert_eq!(st["controllerPause"], true);
    assert_eq!(
        st["observedGeneration"],
        json!(r["metadata"]["generation"].as_i64().unwrap().to_string())
    );
    let all = rss(&w, "shop");
    let canary = rs_with_image(&all, "reg/api:3");
    assert_eq!(
        obj::label(canary, "rollouts-pod-template-hash"),
        st["currentPodHash"]
    );
    assert_eq!(obj::annotation(canary, "rollout.argoproj.io/revision"), "3");
    assert_eq!(obj::int_at(canary, "/spec/replicas", -1), 1);
    assert_eq!(
        obj::int_at(rs_with_image(&all, "reg/api:2"), "/spec/replicas", -1),
        3
    );
    // promote: the plugin clears pauseConditions on /status.
    patch_status(&mut w, "shop", "api", json!({"pauseConditions": null}));
    w.advance(15_000.0);
    let st = ro(&w)["status"].clone();
    assert_eq!(st["currentStepIndex"], 3, "{st}");
    assert_eq!(
        st["pauseConditions"][0]["reason"], "CanaryPauseStep",
        "timed pause"
    );
    w.advance(60_000.0);
    let st = ro(&w)["status"].clone();
    assert_eq!(st["currentStepIndex"], 5);
    assert_eq!(st["stableRS"], st["currentPodHash"]);
    assert_eq!(st["phase"], "Healthy");
    let all = rss(&w, "shop");
    assert_eq!(
        obj::int_at(rs_with_image(&all, "reg/api:2"), "/spec/replicas", -1),
        0
    );
    assert!(
        w.store
            .list(ids::EVENTS, Some("shop"))
            .any(|e| e["reason"] == "RolloutCompleted")
    );
}

#[test]
fn abort_scales_the_canary_away_and_retry_starts_over() {
    let mut w = world_from(&canary_toml(""));
    set_image(&mut w, "shop", "api", "reg/api:3");
    w.advance(40_000.0);
    patch_status(&mut w, "shop", "api", json!({"abort": true}));
    w.advance(20_000.0);
    let st = ro(&w)["status"].clone();
    assert_eq!(st["phase"], "Degraded");
    assert!(
        st["message"]
            .as_str()
            .unwrap()
            .starts_with("RolloutAborted: Rollout aborted update to revision 3"),
        "{st}"
    );
    assert!(st["abortedAt"].is_string());
    let all = rss(&w, "shop");
    assert_eq!(
        obj::int_at(rs_with_image(&all, "reg/api:3"), "/spec/replicas", -1),
        0
    );
    assert_eq!(
        obj::int_at(
            rs_with_image(&all, "reg/api:2"),
            "/status/availableReplicas",
            -1
        ),
        4
    );
    patch_status(&mut w, "shop", "api", json!({"abort": false}));
    w.advance(30_000.0);
    let st = ro(&w)["status"].clone();
    assert!(st.get("abortedAt").is_none());
    assert_eq!(st["currentStepIndex"], 1);
    assert_eq!(st["phase"], "Paused");
    let all = rss(&w, "shop");
    assert_eq!(
        obj::int_at(rs_with_image(&all, "reg/api:3"), "/spec/replicas", -1),
        1
    );
}

#[test]
fn promote_full_skips_the_remaining_steps() {
    let mut w = world_from(&canary_toml(""));
    set_image(&mut w, "shop", "api", "reg/api:3");
    w.advance(40_000.0);
    patch_status(&mut w, "shop", "api", json!({"promoteFull": true}));
    w.advance(40_000.0);
    let st = ro(&w)["status"].clone();
    assert_eq!(st["phase"], "Healthy", "{st}");
    assert_eq!(st["stableRS"], st["currentPodHash"]);
    assert_eq!(st["promoteFull"], false);
    assert_eq!(st["currentStepIndex"], 5);
}

#[test]
fn failing_analysis_aborts_the_canary() {
    let template = r#"
[[analysis_template]]
name = "error-rate"
namespace = "shop"
args = ["hash"]
[[analysis_template.metric]]
name = "error-rate"
interval = "10s"
initialDelay = "30s"
count = 3
successCondition = "len(result) == 0 || result[0] < 0.01"
query = 'sum(rate(http_requests_total{namespace="shop",rollouts_pod_template_hash="{{args.hash}}",code=~"5.."}[1m])) / sum(rate(http_requests_total{namespace="shop",rollouts_pod_template_hash="{{args.hash}}"}[1m]))'
"#;
    let extra = format!("[[version]]\nimage = \"reg/api:3\"\nerror_rate = 0.08\n{template}");
    let toml = canary_toml(&extra).replace(
        "{ pause = {} }",
        "{ analysis = { template = \"error-rate\", args = [{ name = \"hash\", podTemplateHashValue = \"Latest\" }] } }",
    );
    let mut w = world_from(&toml);
    set_image(&mut w, "shop", "api", "reg/api:3");
    w.advance(60_000.0);
    let st = ro(&w)["status"].clone();
    assert_eq!(st["abort"], true, "{st}");
    assert_eq!(st["phase"], "Degraded");
    let run_name = st["canary"]["currentStepAnalysisRunStatus"]["name"]
        .as_str()
        .unwrap()
        .to_string();
    let run = get(&w, ids::ANALYSISRUNS, "shop", &run_name);
    assert_eq!(run["status"]["phase"], "Failed");
    assert_eq!(run["metadata"]["labels"]["rollout-type"], "Step");
    assert_eq!(run["metadata"]["labels"]["step-index"], "1");
    assert_eq!(run["metadata"]["ownerReferences"][0]["kind"], "Rollout");
}

#[test]
fn blue_green_waits_for_promotion_then_switches_the_active_service() {
    let toml = r#"name = "t"
nodes = ["n1"]
settle_seconds = 60
[[workload]]
kind = "rollout"
namespace = "obs"
name = "producer"
replicas = 2
strategy = "blue-green"
auto_promotion = false
image = "reg/producer:1"
"#;
    let mut w = world_from(toml);
    let old_hash = ro_bg(&w)["status"]["currentPodHash"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(ro_bg(&w)["status"]["blueGreen"]["activeSelector"], old_hash);
    set_image(&mut w, "obs", "producer", "reg/producer:2");
    w.advance(30_000.0);
    let st = ro_bg(&w)["status"].clone();
    let new_hash = st["currentPodHash"].as_str().unwrap().to_string();
    assert_ne!(new_hash, old_hash);
    assert_eq!(st["phase"], "Paused");
    assert_eq!(st["pauseConditions"][0]["reason"], "BlueGreenPause");
    assert_eq!(st["blueGreen"]["activeSelector"], old_hash);
    assert_eq!(st["blueGreen"]["previewSelector"], new_hash);
    let svc = |w: &World, n: &str| {
        get(w, ids::SERVICES, "obs", n)["spec"]["selector"]["rollouts-pod-template-hash"].clone()
    };
    assert_eq!(svc(&w, "producer-preview"), new_hash);
    assert_eq!(svc(&w, "producer"), old_hash);
    w.store.modify(ids::ROLLOUTS, "obs", "producer", |r| {
        r["status"]
            .as_object_mut()
            .unwrap()
            .remove("pauseConditions");
    });
    w.advance(5_000.0);
    let st = ro_bg(&w)["status"].clone();
    assert_eq!(st["blueGreen"]["activeSelector"], new_hash);
    assert_eq!(st["stableRS"], new_hash);
    assert_eq!(svc(&w, "producer"), new_hash);
    assert!(
        w.store
            .list(ids::EVENTS, Some("obs"))
            .any(|e| e["reason"] == "SwitchService")
    );
    w.advance(45_000.0);
    let all = rss(&w, "obs");
    assert_eq!(
        obj::int_at(rs_with_image(&all, "reg/producer:1"), "/spec/replicas", -1),
        0
    );
    assert_eq!(ro_bg(&w)["status"]["phase"], "Healthy");
}

#[test]
fn blue_green_switches_back_to_the_previous_replicaset_while_it_still_runs() {
    let toml = r#"name = "t"
nodes = ["n1"]
settle_seconds = 60
[[workload]]
kind = "rollout"
namespace = "obs"
name = "producer"
replicas = 2
strategy = "blue-green"
auto_promotion = false
image = "reg/producer:1"
"#;
    let mut w = world_from(toml);
    let old_hash = ro_bg(&w)["status"]["currentPodHash"].clone();
    set_image(&mut w, "obs", "producer", "reg/producer:2");
    w.advance(30_000.0);
    patch_status(&mut w, "obs", "producer", json!({"pauseConditions": null}));
    w.advance(5_000.0);
    let st = ro_bg(&w)["status"].clone();
    let new_hash = st["currentPodHash"].clone();
    assert_eq!(
        st["blueGreen"]["activeSelector"], new_hash,
        "promoted: {st}"
    );
    // The emergency path: undo to the previous template, then promote --full, within the
    // 30 s scale-down delay of the previous ReplicaSet.
    set_image(&mut w, "obs", "producer", "reg/producer:1");
    patch_status(&mut w, "obs", "producer", json!({"promoteFull": true}));
    let old_replicas = |w: &World| {
        let all = rss(w, "obs");
        obj::int_at(rs_with_image(&all, "reg/producer:1"), "/spec/replicas", -1)
    };
    for _ in 0..20 {
        w.advance(500.0);
        assert_eq!(
            old_replicas(&w),
            2,
            "the previous ReplicaSet was scaled down"
        );
    }
    let st = ro_bg(&w)["status"].clone();
    assert_eq!(st["currentPodHash"], old_hash);
    assert_eq!(st["blueGreen"]["activeSelector"], old_hash, "{st}");
    assert_eq!(st["stableRS"], old_hash);
    assert_eq!(st["promoteFull"], false);
    let active = get(&w, ids::SERVICES, "obs", "producer");
    assert_eq!(
        active["spec"]["selector"]["rollouts-pod-template-hash"],
        old_hash
    );
    // The switched-back ReplicaSet stays up for good; the demoted one goes after the delay.
    w.advance(60_000.0);
    assert_eq!(old_replicas(&w), 2);
    let all = rss(&w, "obs");
    assert_eq!(
        obj::int_at(rs_with_image(&all, "reg/producer:2"), "/spec/replicas", -1),
        0
    );
    assert_eq!(ro_bg(&w)["status"]["phase"], "Healthy");
}

fn ro_bg(w: &World) -> Value {
    get(w, ids::ROLLOUTS, "obs", "producer")
}

fn snapshot(w: &World) -> String {
    let mut out = String::new();
    for (i, _) in crate::resources::RESOURCES.iter().enumerate() {
        for o in w.store.list(ResId(i), None) {
            out += &serde_json::to_string(o).unwrap();
            out.push('\n');
        }
    }
    out
}

#[test]
fn same_seed_same_world() {
    let build = || {
        let mut w = World::new(42, START, 1.0);
        Scenario::default_world().unwrap().build(&mut w);
        w.advance(20_000.0);
        w.advance(12_300.0);
        w
    };
    let (a, b) = (build(), build());
    assert_eq!(a.store.current_rv(), b.store.current_rv());
    assert!(snapshot(&a) == snapshot(&b), "same seed, same objects");
    let (ns, pod) = a.ctl.pods.keys().next().cloned().unwrap();
    let container = a.ctl.pods.values().next().unwrap().containers[0]
        .name
        .clone();
    let key = LogKey {
        namespace: ns,
        pod,
        container,
    };
    assert!(!a.logs.lines(&key).is_empty());
    assert_eq!(a.logs.lines(&key), b.logs.lines(&key), "same log lines");
}

#[test]
fn default_world_starts_in_the_promised_states() {
    let mut w = World::new(1, START, 1.0);
    Scenario::default_world().unwrap().build(&mut w);
    assert_eq!(w.clock.now_ms, START);
    let fs = get(&w, ids::ROLLOUTS, "bnpl", "feature-store");
    assert_eq!(fs["status"]["phase"], "Paused");
    assert_eq!(
        fs["status"]["pauseConditions"][0]["reason"],
        "CanaryPauseStep"
    );
    let producer = get(&w, ids::ROLLOUTS, "observability", "producer");
    assert_eq!(
        producer["status"]["pauseConditions"][0]["reason"],
        "BlueGreenPause"
    );
    let ci_rss = rss(&w, "ml-platform");
    assert!(ci_rss.len() >= 4, "history to roll back to");
    let staging = get(
        &w,
        ids::DEPLOYMENTS,
        "globeco-staging",
        "globeco-order-generation-service",
    );
    assert_eq!(
        obj::condition(&staging["status"], "Progressing").unwrap()["reason"],
        "ReplicaSetUpdated"
    );
    let rv = w.store.current_rv();
    w.advance(3_000.0);
    assert!(
        w.store.current_rv() > rv,
        "a watcher sees movement within seconds"
    );
    w.advance(400_000.0);
    let ci = get(
        &w,
        ids::DEPLOYMENTS,
        "ml-platform",
        "customer-intelligence-api",
    );
    assert_eq!(
        obj::condition(&ci["status"], "Progressing").unwrap()["reason"],
        "ProgressDeadlineExceeded"
    );
    let orders = get(&w, ids::ROLLOUTS, "orders", "orders-api");
    assert_eq!(
        orders["status"]["phase"], "Healthy",
        "orders-api progresses on its own"
    );
}

#[test]
fn scenario_errors_name_file_line_and_key() {
    let bad = "name = \"x\"\nnodes = [\"n\"]\n[[workload]]\nkind = \"deployment\"\nnamespace = \"a\"\nname = \"b\"\nimage = \"i\"\nreplicaz = 3\n";
    let e = Scenario::parse(bad, std::path::Path::new("assets/scenarios/broken.toml"))
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("assets/scenarios/broken.toml: "), "{e}");
    assert!(e.contains("replicaz"), "{e}");
    assert!(e.contains("line 8"), "{e}");
    for f in ["default", "hostile-logs", "scale", "scale-20k"] {
        Scenario::named(f).unwrap();
    }
}

#[test]
fn a_scenario_is_a_file_or_a_built_in_name() {
    let named = Scenario::load(std::path::Path::new("ci-20")).unwrap();
    assert_eq!(named, Scenario::named("ci-20").unwrap());
    let e = Scenario::load(std::path::Path::new("ci-2"))
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("ci-2: no such scenario file; built-in scenarios: default,"),
        "{e}"
    );
}
