//! Choosing the undo target among real-shaped ReplicaSets.

use serde_json::{Value, json};

use super::*;

fn deployment() -> Value {
    json!({"metadata": {"name": "web", "uid": "d-1", "annotations": {
            "deployment.kubernetes.io/revision": "3",
            "kubectl.kubernetes.io/last-applied-configuration": "{}",
            "team": "payments"}},
        "spec": {"selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "app", "image": "web:3"}]}}}})
}

fn rs(rev: i64, image: &str, owner: &str) -> Value {
    let hash = format!("h{rev}");
    json!({"metadata": {"name": format!("web-{hash}"),
            "labels": {"app": "web", "pod-template-hash": hash},
            "annotations": {"deployment.kubernetes.io/revision": rev.to_string(),
                "deployment.kubernetes.io/desired-replicas": "2",
                "kubernetes.io/change-cause": format!("deploy {image}")},
            "ownerReferences": [{"kind": "Deployment", "name": "web", "uid": owner, "controller": true}]},
        "spec": {"template": {"metadata": {"labels": {"app": "web", "pod-template-hash": hash}},
            "spec": {"containers": [{"name": "app", "image": image}]}}}})
}

fn history() -> Vec<Value> {
    vec![
        rs(1, "web:1", "d-1"),
        rs(3, "web:3", "d-1"),
        rs(2, "web:2", "d-1"),
        rs(7, "web:other", "someone-else"),
    ]
}

#[test]
fn the_previous_revision_is_the_second_highest_of_our_own() {
    let c = choose(&deployment(), &history(), WorkloadKind::Deployment, None)
        .unwrap()
        .unwrap();
    assert_eq!(c.number, 2);
    assert_eq!(c.hash, "h2");
    assert_eq!(
        c.template,
        json!({"metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "app", "image": "web:2"}]}})
    );
}

#[test]
fn a_chosen_revision_must_exist_and_differ_from_the_current_template() {
    let d = deployment();
    let c = choose(&d, &history(), WorkloadKind::Deployment, Some(1))
        .unwrap()
        .unwrap();
    assert_eq!(c.number, 1);
    assert_eq!(
        choose(&d, &history(), WorkloadKind::Deployment, Some(7)).unwrap_err(),
        "unable to find specified revision 7 in history"
    );
    assert_eq!(
        choose(&d, &history(), WorkloadKind::Deployment, Some(3)).unwrap(),
        None,
        "skipped rollback"
    );
    assert!(choose(&d, &history()[..1], WorkloadKind::Deployment, None).is_err());
}

#[test]
fn kubectl_keeps_its_own_revision_annotations_and_takes_the_rest_from_the_replicaset() {
    let a = deployment_annotations(&deployment(), &rs(2, "web:2", "d-1"));
    assert_eq!(
        a,
        json!({"deployment.kubernetes.io/revision": "3",
            "kubectl.kubernetes.io/last-applied-configuration": "{}",
            "kubernetes.io/change-cause": "deploy web:2"}),
        "team is dropped: the RS does not have it"
    );
}

#[test]
fn a_rollout_undo_removes_the_rollouts_hash_label() {
    let ro = json!({"metadata": {"uid": "r-1"},
        "spec": {"template": {"metadata": {"labels": {"app": "a"}}, "spec": {"containers": [{"image": "a:2"}]}}}});
    let old = json!({"metadata": {"labels": {"rollouts-pod-template-hash": "x1"},
            "annotations": {"rollout.argoproj.io/revision": "1"},
            "ownerReferences": [{"uid": "r-1", "controller": true}]},
        "spec": {"template": {"metadata": {"labels": {"app": "a", "rollouts-pod-template-hash": "x1"}},
            "spec": {"containers": [{"image": "a:1"}]}}}});
    let mut cur = old.clone();
    cur["metadata"]["annotations"]["rollout.argoproj.io/revision"] = json!("2");
    cur["spec"]["template"]["spec"]["containers"][0]["image"] = json!("a:2");
    let c = choose(&ro, &[old, cur], WorkloadKind::Rollout, Some(0))
        .unwrap()
        .unwrap();
    assert_eq!(c.hash, "x1");
    assert_eq!(c.template["metadata"]["labels"], json!({"app": "a"}));
}
