//! Release control end to end without a terminal: the real event loop, driver and simulator.
//! Keys go in, frames come out, and the world, the journal and the webhook sink are read back
//! over HTTP and from disk — never through our own model. The simulator's random token is a
//! canary: it must appear in no frame, journal line or notification.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use quarterdeck::control::journal::Journal;
use quarterdeck::control::webhook::Webhook;
use quarterdeck::effects::ControlSetup;
use serde_json::{Value, json};
use support::Fixture;
use support::harness::Harness;

const NS: &str = "bnpl";

/// The dashboard on the simulator's `bnpl` namespace, journaling into `state` and notifying
/// the simulator's webhook sink.
fn dashboard(fx: &Fixture, state: &std::path::Path) -> Harness {
    support::harness::dashboard(fx, &fx.handle.kubeconfig, NS, |user| ControlSetup {
        journal: Some(Journal::in_dir(state)),
        webhook: Some(Webhook::new(&format!("{}/sim/webhook", fx.handle.base_url())).unwrap()),
        user,
        host: "test-host".into(),
    })
}

fn rollout(fx: &Fixture) -> Value {
    let (code, body) = fx.send(
        "GET",
        &format!("/apis/argoproj.io/v1alpha1/namespaces/{NS}/rollouts/feature-store"),
        "application/json",
        "",
    );
    assert_eq!(code, 200, "{body}");
    body
}

fn journal_lines(state: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(state.join("journal.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn promote_from_the_keyboard_changes_the_world_and_leaves_a_record() {
    let fx = Fixture::start();
    let state = tempfile::tempdir().unwrap();
    let mut app = dashboard(&fx, state.path());
    let rt = &fx.rt;
    rt.block_on(app.frame("feature-store paused", |f| {
        f.contains("› feature-store") && f.contains("Paused")
    }));
    // The webhook fails (and is slow): actions must not notice.
    let fault = json!({"webhook": {"status": 500, "delay_ms": 2000}});
    let (code, _) = fx.send(
        "POST",
        "/sim/faults",
        "application/json",
        &fault.to_string(),
    );
    assert_eq!(code, 200);
    let before = rollout(&fx);
    assert!(
        before["status"]["pauseConditions"]
            .as_array()
            .is_some_and(|p| !p.is_empty())
    );

    // P opens the confirmation (after the permission check); nothing is sent before y.
    app.keys("P");
    let confirm = rt.block_on(app.frame("the confirmation", |f| {
        f.contains("Confirm: promote feature-store") && f.contains("[ Cancel ]")
    }));
    assert!(confirm.contains("namespace  bnpl"), "{confirm}");
    assert!(confirm.contains("setWeight"), "{confirm}");
    assert_eq!(
        rollout(&fx)["metadata"]["resourceVersion"],
        before["metadata"]["resourceVersion"]
    );

    // y sends: the pause is gone in the world, and the answer is on screen.
    app.keys("y");
    rt.block_on(app.frame("the answer", |f| f.contains("promote feature-store:")));
    let after = rollout(&fx);
    assert!(
        after["status"]["pauseConditions"].is_null()
            || after["status"]["pauseConditions"]
                .as_array()
                .is_some_and(Vec::is_empty),
        "{after}"
    );

    // One journal line, one notification, one Event naming the user.
    let lines = journal_lines(state.path());
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["action"], "promote");
    assert_eq!(lines[0]["result"], "done");
    assert_eq!(lines[0]["target"], "rollout/feature-store in bnpl");
    assert!(lines[0]["confirmation"].as_array().unwrap().len() >= 6);
    let hooks = fx.webhook_bodies(1);
    assert_eq!(hooks.len(), 1, "{hooks:?}");
    let text = hooks[0]["body"]["text"].as_str().unwrap();
    assert!(
        text.contains("promote rollout/feature-store in bnpl (context "),
        "{text}"
    );
    assert!(text.contains(" — done"), "{text}");
    let (_, events) = fx.send(
        "GET",
        &format!("/api/v1/namespaces/{NS}/events"),
        "application/json",
        "",
    );
    let ours: Vec<&Value> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["reason"] == "QuarterdeckPromote")
        .collect();
    assert_eq!(ours.len(), 1, "{events}");
    assert_eq!(ours[0]["involvedObject"]["name"], "feature-store");

    // Cancel at the confirmation is journaled too, and changes nothing.
    let rv = rollout(&fx)["metadata"]["resourceVersion"].clone();
    app.keys("S");
    rt.block_on(app.frame("the restart confirmation", |f| {
        f.contains("Confirm: restart feature-store")
    }));
    app.keys("\r");
    rt.block_on(app.frame("the cancel", |f| {
        f.contains("restart cancelled; nothing was done")
    }));
    assert_eq!(rollout(&fx)["metadata"]["resourceVersion"], rv);
    let lines = journal_lines(state.path());
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["result"], "cancelled");

    // A verb denied after the confirmation opened: the 403 is shown verbatim, nothing changed.
    app.keys("X");
    rt.block_on(app.frame("the abort confirmation", |f| {
        f.contains("Confirm: abort feature-store")
    }));
    let deny = json!({"deny": [{"verb": "patch", "group": "argoproj.io", "resource": "rollouts", "subresource": "status", "namespace": NS}]});
    let (code, _) = fx.send(
        "POST",
        "/sim/permissions",
        "application/json",
        &deny.to_string(),
    );
    assert_eq!(code, 200);
    app.keys("y");
    let failed = rt.block_on(app.frame("the 403", |f| f.contains("is forbidden")));
    assert!(
        failed.contains("cannot patch resource \"rollouts/status\""),
        "{failed}"
    );
    assert_eq!(rollout(&fx)["status"]["abort"], after["status"]["abort"]);
    assert_eq!(journal_lines(state.path())[2]["result"], "failed");

    // A denied verb is not offered: the menu greys it with the reason.
    app.keys("a");
    let menu = rt.block_on(app.frame("the greyed menu", |f| {
        f.contains("Actions: rollout/feature-store") && f.contains("not permitted")
    }));
    assert!(menu.contains("patch rollouts/status in bnpl"), "{menu}");
    app.keys("\u{1b}");

    // The canary: the simulator's token is nowhere.
    let token = &fx.handle.token;
    let journal = std::fs::read_to_string(state.path().join("journal.jsonl")).unwrap();
    assert!(!journal.contains(token.as_str()));
    let hooks = fx.webhook_bodies(3);
    assert!(
        !serde_json::to_string(&hooks)
            .unwrap()
            .contains(token.as_str())
    );
    assert!(
        app.all
            .lock()
            .unwrap()
            .iter()
            .all(|f| !f.contains(token.as_str()))
    );
}
