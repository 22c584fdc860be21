//! Conversions from real-shaped API objects (JSON fixtures in tests/fixtures/kube/).

use k8s_openapi::api::apps::v1 as apps;
use k8s_openapi::api::core::v1 as core;
use kube::api::DynamicObject;

use super::*;
use quarterdeck_core::phase::Phase;
use quarterdeck_core::pod::{PodHealth, PodRole};
use quarterdeck_core::rollout::{CanaryStep, RolloutStrategy};

fn fixture<T: serde::de::DeserializeOwned>(name: &str) -> T {
    let path = format!("{}/tests/fixtures/kube/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn deployment_keeps_counts_revision_image_and_conditions() {
    let d = deployment(&fixture::<apps::Deployment>("deployment.json"));
    assert_eq!(d.key, ObjectKey::new("globeco", "order-generation"));
    assert_eq!(d.revision, Some(12));
    assert_eq!(
        (d.desired, d.replicas, d.updated, d.ready, d.available),
        (3, 4, 2, 3, 3)
    );
    assert_eq!(d.image, "ghcr.io/globeco/order-generation:2.14.1");
    assert_eq!(d.strategy, DeployStrategy::RollingUpdate);
    assert_eq!(d.conditions.len(), 2);
    assert_eq!(d.conditions[1].reason, "ReplicaSetUpdated");
    // generation 5 > observedGeneration 4: the spec change is not observed yet.
    let (phase, message) = d.phase();
    assert_eq!(phase, Phase::Progressing);
    assert!(message.contains("spec update"), "{message}");
    // 2026-11-22T02:58:10Z
    assert_eq!(d.last_change_ms(), Some(1_795_316_290_000));
}

#[test]
fn replicaset_keeps_owner_revision_hash_and_change_cause() {
    let rs = replicaset(&fixture::<apps::ReplicaSet>("replicaset.json"));
    assert_eq!(rs.owner.as_ref().unwrap().kind, "Deployment");
    assert_eq!(rs.owner.as_ref().unwrap().name, "order-generation");
    assert_eq!(rs.revision, Some(12));
    assert_eq!(rs.hash, "55f6d7c8b");
    assert_eq!(
        rs.change_cause.as_deref(),
        Some("deploy 2.14.1 (pipeline 8812)")
    );
    assert_eq!(
        (rs.desired, rs.replicas, rs.ready, rs.available),
        (2, 2, 1, 1)
    );
}

#[test]
fn crash_looping_pod_reads_like_kubectl() {
    let p = pod(&fixture::<core::Pod>("pod-crashloop.json"));
    assert_eq!(p.status, "CrashLoopBackOff");
    assert_eq!(p.last_reason.as_deref(), Some("OOMKilled"));
    assert_eq!(p.status_text(), "CrashLoopBackOff (OOMKilled)");
    assert_eq!((p.ready, p.total, p.restarts), (0, 1, 7));
    assert_eq!(p.node.as_deref(), Some("node-b2"));
    assert_eq!(p.hash, "84d9f6c7b");
    assert_eq!(p.owner.as_ref().unwrap().name, "feature-store-84d9f6c7b");
    assert_eq!(p.health(), PodHealth::Crash);
    assert_eq!(p.containers, vec!["feature-store".to_string()]);
}

#[test]
fn terminating_and_pending_pods() {
    let mut raw = fixture::<core::Pod>("pod-crashloop.json");
    raw.metadata.deletion_timestamp = raw.metadata.creation_timestamp.clone();
    assert_eq!(pod(&raw).status, "Terminating");
    assert_eq!(pod(&raw).health(), PodHealth::Terminating);
    let mut raw = fixture::<core::Pod>("pod-crashloop.json");
    let status = raw.status.as_mut().unwrap();
    status.phase = Some("Pending".into());
    let cs = &mut status.container_statuses.as_mut().unwrap()[0];
    cs.state.as_mut().unwrap().waiting.as_mut().unwrap().reason = Some("ImagePullBackOff".into());
    cs.last_state = None;
    let p = pod(&raw);
    assert_eq!(p.status_text(), "ImagePullBackOff");
    assert_eq!(p.health(), PodHealth::Crash);
}

#[test]
fn canary_paused_at_step_three_of_eight() {
    let r = rollout(&fixture::<DynamicObject>("rollout-canary-paused.json"));
    assert_eq!(r.key, ObjectKey::new("orders", "orders-api"));
    assert_eq!(r.revision, Some(4));
    assert_eq!(r.step(), Some((3, 8)));
    assert_eq!(r.desired_weight(), 25);
    // One of four available pods is canary: 25%.
    assert_eq!(r.actual_weight(1), 25);
    assert_eq!(r.phase(), (Phase::Paused, "CanaryPauseStep".to_string()));
    assert_eq!(r.pause_conditions[0].reason, "CanaryPauseStep");
    assert_eq!(r.image, "ghcr.io/acme/orders-api:2.4.0");
    let RolloutStrategy::Canary {
        steps,
        traffic_routing,
        max_weight,
    } = &r.strategy
    else {
        panic!("not a canary");
    };
    assert!(!traffic_routing);
    assert_eq!(*max_weight, 100);
    assert_eq!(steps[1], CanaryStep::Pause(Some("2m".into())));
    assert_eq!(steps[3], CanaryStep::Pause(None));
    assert_eq!(steps[5], CanaryStep::Analysis(vec!["success-rate".into()]));
    assert_eq!(steps[7], CanaryStep::Pause(Some("300s".into())));
    assert_eq!(r.role_of("7f9c4b6d5"), PodRole::Canary);
    assert_eq!(r.role_of("6c5f7d9b8"), PodRole::Stable);
    assert_eq!(r.role_of("0000"), PodRole::Old);
}

#[test]
fn blue_green_with_a_preview() {
    let r = rollout(&fixture::<DynamicObject>("rollout-bluegreen.json"));
    assert!(r.is_blue_green());
    assert_eq!(r.step(), None);
    assert_eq!(r.phase().0, Phase::Paused);
    assert_eq!(r.preview_selector.as_deref(), Some("9a7e5c3b1"));
    assert_eq!(r.role_of("9a7e5c3b1"), PodRole::Preview);
    assert_eq!(r.role_of("5d8b7c6f4"), PodRole::Stable);
    let RolloutStrategy::BlueGreen {
        auto_promotion,
        preview_service,
        ..
    } = &r.strategy
    else {
        panic!("not blue-green");
    };
    assert!(!auto_promotion);
    assert_eq!(preview_service.as_deref(), Some("producer-preview"));
}

#[test]
fn observed_generation_is_a_string_in_argo() {
    let mut raw = fixture::<DynamicObject>("rollout-canary-paused.json");
    raw.metadata.generation = Some(8);
    let r = rollout(&raw);
    assert_eq!(r.observed_generation.as_deref(), Some("7"));
    assert_eq!(r.phase().0, Phase::Progressing);
}

#[test]
fn a_canary_names_its_background_and_step_templates() {
    use quarterdeck_core::rollout::{AnalysisUse, TemplateRef};
    let r = rollout(&fixture::<DynamicObject>("rollout-canary-analysis.json"));
    let uses: Vec<(&str, bool, AnalysisUse)> = r
        .analysis
        .iter()
        .map(|u| (u.template.name.as_str(), u.template.cluster_scope, u.used))
        .collect();
    assert_eq!(
        uses,
        [
            ("error-rate", true, AnalysisUse::Background),
            ("latency-p95", true, AnalysisUse::Background),
            ("success-rate", false, AnalysisUse::Step(3)),
            ("error-rate", true, AnalysisUse::Step(3)),
        ]
    );
    let tref = |name: &str, cluster_scope| TemplateRef {
        name: name.into(),
        cluster_scope,
    };
    assert_eq!(
        r.template_refs(),
        [
            tref("error-rate", true),
            tref("latency-p95", true),
            tref("success-rate", false)
        ]
    );
    assert_eq!(
        r.steps()[3],
        CanaryStep::Analysis(vec!["success-rate".into(), "error-rate".into()])
    );
    // A Rollout without analysis names none.
    let plain = rollout(&fixture::<DynamicObject>("rollout-bluegreen.json"));
    assert!(plain.analysis.is_empty());
}

#[test]
fn a_blue_green_names_its_pre_and_post_promotion_templates() {
    use quarterdeck_core::rollout::AnalysisUse;
    let r = rollout(&fixture::<DynamicObject>("rollout-bluegreen-analysis.json"));
    let uses: Vec<(&str, bool, AnalysisUse)> = r
        .analysis
        .iter()
        .map(|u| (u.template.name.as_str(), u.template.cluster_scope, u.used))
        .collect();
    assert_eq!(
        uses,
        [
            ("smoke-tests", false, AnalysisUse::PrePromotion),
            ("error-rate", true, AnalysisUse::PostPromotion),
        ]
    );
}

#[test]
fn templates_keep_each_metric_as_written() {
    let t = analysis_template(&fixture::<DynamicObject>(
        "clusteranalysistemplate-error-rate.json",
    ));
    assert_eq!(t.name, "error-rate");
    assert!(t.cluster_scope);
    let m = &t.metrics[0];
    assert_eq!(m.interval.as_deref(), Some("30s"));
    assert_eq!(m.failure_limit.as_deref(), Some("3"));
    assert_eq!(
        m.failure_condition.as_deref(),
        Some("len(result) > 0 && result[0] > 0.01")
    );
    assert!(m.query.as_deref().unwrap().contains("code=~\"5..\""));

    let t = analysis_template(&fixture::<DynamicObject>("analysistemplate-mixed.json"));
    assert!(!t.cluster_scope);
    let names: Vec<&str> = t.metrics.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["p99", "probes", "success-rate", "smoke"]);
    assert_eq!(
        t.metrics[0].success_condition.as_deref(),
        Some("all(result, # < 0.25)")
    );
    assert_eq!(t.metrics[0].failure_limit, None);
    // A job metric has no Prometheus query.
    assert_eq!(t.metrics[3].query, None);
}

#[test]
fn real_templates_become_triggers_and_notes() {
    use quarterdeck_core::analysis::template::triggers;
    use quarterdeck_core::analysis::{Signal, Trigger};
    let templates = [
        analysis_template(&fixture::<DynamicObject>(
            "clusteranalysistemplate-error-rate.json",
        )),
        analysis_template(&fixture::<DynamicObject>("analysistemplate-mixed.json")),
    ];
    let (got, notes) = triggers(&templates);
    let t = |signal, above, for_ms| Trigger {
        signal,
        above,
        for_ms,
    };
    assert_eq!(
        got,
        [
            t(Signal::ErrorRatio, 0.01, 120_000),
            t(Signal::P99, 0.25, 60_000),
            t(Signal::HealthFailures, 0.05, 60_000),
        ]
    );
    assert_eq!(
        notes,
        [
            "template metric success-rate: not a signal Quarterdeck reads",
            "template metric smoke: not a Prometheus metric",
        ]
    );
}
