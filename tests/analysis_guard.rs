//! The rollback guard end to end: the real event loop, driver and simulator (its Prometheus
//! included). The demo world's feature-store canary is made bad through `/sim/version`, the
//! frozen clock is advanced past the trigger's window, and the guard proposes the rollback (one
//! key, the usual confirmation) or performs it by itself. The world, the journal and the
//! webhook sink are read back over HTTP and from disk, never through our own model.
//!
//! The trigger here holds for one minute, not the seed's two: the demo world's own Argo
//! background analysis (failure limit 3, every 30 s) aborts the canary by itself after about
//! two minutes, and the guard is what acts before that.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use quarterdeck::control::journal::Journal;
use quarterdeck::control::webhook::Webhook;
use quarterdeck::effects::{AnalysisSetup, ControlSetup};
use quarterdeck::integrations::prometheus::Auth;
use quarterdeck::integrations::rest::{Pacing, Token};
use quarterdeck_core::analysis::{
    AnalysisConfig, GuardMode, ReleaseAnalysisConfig, Signal, Trigger,
};
use quarterdeck_core::release::WorkloadKind;
use serde_json::{Value, json};
use support::Fixture;
use support::harness::{Harness, PATIENCE};

const NS: &str = "bnpl";
const ROLLOUT: &str = "/apis/argoproj.io/v1alpha1/namespaces/bnpl/rollouts/feature-store";
const CANARY: &str = "gcr.io/feature-store-prod/feature-store:e51f6b3";
const STABLE: &str = "gcr.io/feature-store-prod/feature-store:c4e7a90";

/// The dashboard on `bnpl` with an error-ratio trigger (> 1% for 1m) against the simulator's
/// Prometheus and the guard in `guard` mode; control journals into `state` and notifies the
/// webhook sink.
fn dashboard(fx: &Fixture, state: &std::path::Path, guard: GuardMode) -> Harness {
    let url = format!("{}/prometheus", fx.handle.base_url());
    // The release's own trigger: it wins over the two-minute ones of its AnalysisTemplates.
    let config = AnalysisConfig {
        default_guard: guard,
        url: Some(url),
        releases: vec![ReleaseAnalysisConfig {
            name: "feature-store".into(),
            kind: WorkloadKind::Rollout,
            workload: "feature-store".into(),
            namespace: NS.into(),
            context: None,
            prometheus: None,
            triggers: Some(vec![Trigger {
                signal: Signal::ErrorRatio,
                above: 0.01,
                for_ms: 60_000,
            }]),
            guard,
            auto_protected: false,
        }],
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
    support::harness::dashboard_with(
        fx,
        &fx.handle.kubeconfig,
        NS,
        |user| ControlSetup {
            journal: Some(Journal::in_dir(state)),
            webhook: Some(Webhook::new(&format!("{}/sim/webhook", fx.handle.base_url())).unwrap()),
            user,
            host: "test-host".into(),
        },
        |model| model.analysis.config = config,
        Some(analysis),
    )
}

fn rollout(fx: &Fixture) -> Value {
    let (code, body) = fx.send("GET", ROLLOUT, "application/json", "");
    assert_eq!(code, 200, "{body}");
    body
}

/// Makes the canary's version answer 20% of its requests with a 5xx, then lets 90 simulated
/// seconds pass: the trigger has held for over a minute, and Argo's analysis has counted at
/// most three failed measurements (its limit is three).
fn canary_goes_bad(fx: &Fixture) {
    let (code, body) = fx.send(
        "POST",
        "/sim/version",
        "application/json",
        &json!({"image": CANARY, "error_rate": 0.2, "latency_ms": 22}).to_string(),
    );
    assert_eq!(code, 200, "{body}");
    for _ in 0..3 {
        fx.advance(30.0);
    }
    assert_ne!(
        rollout(fx)["status"]["abort"],
        true,
        "Argo's analysis aborted the canary before the guard could act"
    );
}

/// Waits, on the simulator's answers, until the rollout is aborted and its template is the
/// stable image again.
fn rolled_back(fx: &Fixture) -> Value {
    let deadline = std::time::Instant::now() + PATIENCE;
    loop {
        let ro = rollout(fx);
        let image = ro["spec"]["template"]["spec"]["containers"][0]["image"].clone();
        if image == STABLE || std::time::Instant::now() > deadline {
            return ro;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// The first journal line recording `action`, waiting for it (with a deadline).
fn journaled(state: &std::path::Path, action: &str) -> Value {
    let deadline = std::time::Instant::now() + PATIENCE;
    loop {
        let lines: Vec<Value> = std::fs::read_to_string(state.join("journal.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        if let Some(l) = lines.iter().find(|l| l["action"] == action) {
            return l.clone();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no {action} in the journal: {lines:#?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn a_bad_canary_is_proposed_for_rollback_behind_the_usual_confirmation() {
    let fx = Fixture::start();
    let state = tempfile::tempdir().unwrap();
    let mut ui = dashboard(&fx, state.path(), GuardMode::Propose);
    fx.rt.block_on(async {
        ui.frame("feature-store analysed", |f| f.contains("feature-store"))
            .await;
    });
    canary_goes_bad(&fx);
    let banner = fx
        .rt
        .block_on(ui.frame("the guard's proposal", |f| f.contains("B roll back")));
    assert!(banner.contains("feature-store"), "{banner}");
    assert!(banner.contains("error ratio"), "{banner}");
    // Proposing touches nothing.
    assert_ne!(rollout(&fx)["status"]["abort"], true);
    ui.keys("B");
    let confirm = fx.rt.block_on(ui.frame("the rollback's confirmation", |f| {
        f.contains("abort, then undo")
    }));
    assert!(confirm.contains(STABLE), "{confirm}");
    ui.keys("y");
    let line = journaled(state.path(), "undo");
    assert_eq!(line["result"], "done", "{line:#}");
    assert_eq!(line["by"], "user", "{line}");
    let ro = rolled_back(&fx);
    assert_eq!(
        ro["spec"]["template"]["spec"]["containers"][0]["image"],
        STABLE
    );
}

#[test]
fn the_automatic_guard_rolls_back_by_itself_once() {
    let fx = Fixture::start();
    let state = tempfile::tempdir().unwrap();
    let mut ui = dashboard(&fx, state.path(), GuardMode::Auto);
    fx.rt.block_on(async {
        ui.frame("feature-store analysed", |f| f.contains("feature-store"))
            .await;
    });
    canary_goes_bad(&fx);
    let ro = rolled_back(&fx);
    assert_eq!(
        ro["spec"]["template"]["spec"]["containers"][0]["image"],
        STABLE
    );
    assert_eq!(ro["status"]["abort"], true, "{}", ro["status"]);
    let line = journaled(state.path(), "undo");
    assert_eq!(line["result"], "done", "{line:#}");
    assert_eq!(line["by"], "guard", "{line}");
    // Posted after the journal line is written: wait for it.
    let bodies = fx.webhook_bodies(1);
    assert!(
        bodies.iter().any(|b| b.to_string().contains("guard")),
        "no webhook notification names the guard: {bodies:#?}"
    );
    let undone = std::fs::read_to_string(state.path().join("journal.jsonl"))
        .unwrap()
        .lines()
        .filter(|l| l.contains("\"undo\"") && l.contains("\"done\""))
        .count();
    assert_eq!(undone, 1, "the guard acted more than once for one incident");
}
