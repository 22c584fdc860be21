//! Rollback triggers from a Rollout's AnalysisTemplates end to end: the real event loop and
//! driver against the simulator, with no trigger in config. The demo world's feature-store
//! canary names the cluster templates `error-rate` (5xx ratio, > 0.01) and `latency-p95`
//! (> 0.05 s), each measured every 30 s with a failure limit of 3: the Analysis pane shows
//! both thresholds held for two minutes and marked as the templates', and the simulator
//! counts the reads of both templates.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use quarterdeck::effects::{AnalysisSetup, ControlSetup};
use quarterdeck::integrations::prometheus::Auth;
use quarterdeck::integrations::rest::{Pacing, Token};
use quarterdeck_core::analysis::{AnalysisConfig, GuardMode};
use serde_json::Value;
use support::Fixture;

/// How many times the simulator answered `GET` of a cluster template with `status`.
fn template_gets(fx: &Fixture, status: u64) -> u64 {
    let (code, stats) = fx.send("GET", "/sim/stats", "application/json", "");
    assert_eq!(code, 200, "{stats}");
    stats["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            r["api"] == "kubernetes"
                && r["verb"] == "get"
                && r["resource"] == "clusteranalysistemplates"
                && r["status"] == status
        })
        .map(|r| r["count"].as_u64().unwrap())
        .sum()
}

#[test]
fn feature_store_s_triggers_come_from_its_templates_without_config() {
    let fx = Fixture::start();
    let (code, _) = fx.send("DELETE", "/sim/stats", "application/json", "");
    assert_eq!(code, 204);
    let config = AnalysisConfig {
        url: Some(format!("{}/prometheus", fx.handle.base_url())),
        default_triggers: Vec::new(),
        default_guard: GuardMode::Propose,
        ..AnalysisConfig::default()
    };
    let analysis = AnalysisSetup {
        auth: Some(Auth::Bearer(Token::new(
            fx.handle.token.clone(),
            "the simulator",
        ))),
        pacing: Pacing {
            fast_ms: 500,
            slow_ms: 2_000,
        },
    };
    let mut ui = support::harness::dashboard_with(
        &fx,
        &fx.handle.kubeconfig,
        "bnpl",
        |user| ControlSetup {
            journal: None,
            webhook: None,
            user,
            host: "test-host".into(),
        },
        |model| model.analysis.config = config,
        Some(analysis),
    );
    fx.rt
        .block_on(ui.frame("feature-store listed", |f| f.contains("feature-store")));
    ui.keys("v");
    let pane = fx
        .rt
        .block_on(ui.frame("thresholds from the templates", |f| {
            f.contains("> 1% /2m tmpl") && f.contains("> 50ms /2m tmpl")
        }));
    // p99 and health failures: no template measures them, and config names no trigger.
    let line = |label: &str| {
        pane.lines()
            .find(|l| l.contains(label))
            .unwrap_or_else(|| panic!("no {label} row:\n{pane}"))
            .to_string()
    };
    assert!(line("error ratio").contains("> 1% /2m tmpl"), "{pane}");
    assert!(line("p95 latency").contains("> 50ms /2m tmpl"), "{pane}");
    assert!(line("p99 latency").contains("no trigger"), "{pane}");
    assert!(line("health failures").contains("no trigger"), "{pane}");
    // Both templates were read from the cluster, each under its own name.
    assert!(template_gets(&fx, 200) >= 2, "{}", template_gets(&fx, 200));
    assert_eq!(template_gets(&fx, 404), 0);
    let (code, t): (u16, Value) = fx.send(
        "GET",
        "/apis/argoproj.io/v1alpha1/clusteranalysistemplates/latency-p95",
        "application/json",
        "",
    );
    assert_eq!(code, 200);
    assert_eq!(
        t["spec"]["metrics"][0]["failureCondition"],
        "len(result) > 0 && result[0] > 0.05"
    );
}
