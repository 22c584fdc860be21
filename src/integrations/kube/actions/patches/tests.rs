//! The patches against real-shaped objects, as the plugin and kubectl would send them.

use serde_json::{Value, json};

use super::*;

/// orders-api as the controller leaves it: a canary paused at step 3/8.
fn paused_canary() -> Value {
    json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
      "metadata": {"name": "orders-api", "namespace": "orders", "resourceVersion": "812", "generation": 4},
      "spec": {"replicas": 4, "strategy": {"canary": {"steps": [
          {"setWeight": 10}, {"pause": {"duration": "30s"}}, {"setWeight": 25}, {"pause": {}},
          {"setWeight": 50}, {"pause": {}}, {"setWeight": 75}, {"pause": {}}]}}},
      "status": {"currentStepIndex": 3, "currentPodHash": "7c9d", "stableRS": "5f6b",
          "controllerPause": true, "phase": "Paused",
          "pauseConditions": [{"reason": "CanaryPauseStep", "startTime": "2026-11-22T03:19:00Z"}]}})
}

fn status_body(s: &Step) -> &Value {
    assert_eq!(s.target, Target::Status);
    let Body::Merge(v) = &s.body else {
        panic!("not a merge patch")
    };
    &v["status"]
}

#[test]
fn promote_at_a_pause_clears_the_conditions_and_leaves_the_step_to_the_controller() {
    let steps = promote(&paused_canary());
    assert_eq!(steps.len(), 1);
    assert_eq!(status_body(&steps[0]), &json!({"pauseConditions": null}));
}

#[test]
fn promote_during_a_step_without_pause_skips_to_the_next_capped_at_the_end() {
    let mut ro = paused_canary();
    ro["status"]["pauseConditions"] = json!([]);
    ro["status"]["currentStepIndex"] = json!(4);
    let steps = promote(&ro);
    assert_eq!(
        status_body(&steps[0]),
        &json!({"pauseConditions": null, "currentStepIndex": 5})
    );
    ro["status"]["currentStepIndex"] = json!(8);
    assert_eq!(status_body(&promote(&ro)[0])["currentStepIndex"], 8);
    ro["status"]
        .as_object_mut()
        .unwrap()
        .remove("currentStepIndex");
    assert_eq!(status_body(&promote(&ro)[0])["currentStepIndex"], 1);
}

#[test]
fn promote_after_inconclusive_analysis_clears_the_controller_pause_too() {
    let mut ro = paused_canary();
    ro["status"]["canary"] =
        json!({"currentStepAnalysisRunStatus": {"name": "a", "status": "Inconclusive"}});
    assert_eq!(
        status_body(&promote(&ro)[0]),
        &json!({"pauseConditions": null, "controllerPause": false, "currentStepIndex": 4})
    );
}

#[test]
fn promote_of_a_manually_paused_rollout_patches_status_then_spec() {
    let mut ro = paused_canary();
    ro["spec"]["paused"] = json!(true);
    let steps = promote(&ro);
    assert_eq!(steps.len(), 2);
    assert_eq!(steps[0].target, Target::Status);
    assert_eq!(
        steps[1],
        Step {
            target: Target::Main,
            body: Body::Merge(json!({"spec": {"paused": false}}))
        }
    );
}

#[test]
fn promote_of_a_blue_green_not_paused_sends_nothing() {
    let ro = json!({"spec": {"strategy": {"blueGreen": {"activeService": "p"}}},
        "status": {"currentPodHash": "a", "stableRS": "b"}});
    assert!(promote(&ro).is_empty());
    let mut waiting = ro.clone();
    waiting["status"]["pauseConditions"] = json!([{"reason": "BlueGreenPause"}]);
    assert_eq!(
        status_body(&promote(&waiting)[0]),
        &json!({"pauseConditions": null})
    );
}

#[test]
fn promote_full_only_while_the_canary_is_not_stable() {
    let steps = promote_full(&paused_canary());
    assert_eq!(status_body(&steps[0]), &json!({"promoteFull": true}));
    let mut done = paused_canary();
    done["status"]["stableRS"] = json!("7c9d");
    assert!(promote_full(&done).is_empty());
}

#[test]
fn every_patch_carries_the_resource_version_read() {
    let merge = abort()[0].at("812");
    assert_eq!(
        merge,
        Body::Merge(json!({"status": {"abort": true}, "metadata": {"resourceVersion": "812"}}))
    );
    let Body::Strategic(v) = restart_deployment("2026-11-22T03:20:00Z")[0].at("9") else {
        panic!("not strategic")
    };
    assert_eq!(v["metadata"]["resourceVersion"], "9");
    assert_eq!(
        v["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"],
        "2026-11-22T03:20:00Z"
    );
    let Body::Json(ops) = undo_rollout(json!({"spec": {}}))[0].at("812") else {
        panic!("not a JSON patch")
    };
    assert_eq!(
        ops[0],
        json!({"op": "test", "path": "/metadata/resourceVersion", "value": "812"})
    );
    assert_eq!(ops[1]["op"], "replace");
    assert_eq!(ops[1]["path"], "/spec/template");
}

#[test]
fn switch_back_is_an_undo_then_a_full_promotion() {
    let ro = json!({"spec": {"strategy": {"blueGreen": {}}},
        "status": {"currentPodHash": "a", "stableRS": "a"}});
    let steps = switch_back(&ro, json!({"metadata": {}}));
    assert_eq!(steps.len(), 2);
    assert!(matches!(steps[0].body, Body::Json(_)));
    assert_eq!(status_body(&steps[1]), &json!({"promoteFull": true}));
}

#[test]
fn deployment_pause_resume_and_rollout_restart_bodies() {
    assert_eq!(
        pause_deployment()[0].body,
        Body::Strategic(json!({"spec": {"paused": true}}))
    );
    assert_eq!(
        resume_deployment()[0].body,
        Body::Strategic(json!({"spec": {"paused": null}}))
    );
    assert_eq!(
        restart_rollout("2026-11-22T03:20:00Z")[0].body,
        Body::Merge(json!({"spec": {"restartAt": "2026-11-22T03:20:00Z"}}))
    );
    assert_eq!(
        retry()[0].body,
        Body::Merge(json!({"status": {"abort": false}}))
    );
}
