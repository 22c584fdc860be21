//! The Logs pane of the real dashboard (event loop, driver, merge queue) on the simulator
//! during a 50,000 lines/s burst: a paused view keeps the lines being read, and a key press
//! is not queued behind the log lines.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use quarterdeck::effects::ControlSetup;
use serde_json::json;
use support::Fixture;

const NS: &str = "bnpl";

fn burst(fx: &Fixture, pod: &str, tag: &str, lines: u64, rate: Option<u64>) {
    let mut body = json!({"namespace": NS, "pod": pod, "tag": tag, "lines": lines});
    if let Some(r) = rate {
        body["rate"] = json!(r);
    }
    let (code, resp) = fx.send(
        "POST",
        "/sim/logs/burst",
        "application/json",
        &body.to_string(),
    );
    assert_eq!(code, 200, "{resp}");
}

fn feature_store_pod(fx: &Fixture) -> String {
    let (_, pods) = fx.send("GET", &format!("/api/v1/namespaces/{NS}/pods"), "", "");
    pods["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["metadata"]["name"].as_str())
        .find(|n| n.starts_with("feature-store-"))
        .unwrap()
        .to_string()
}

#[test]
fn a_paused_view_keeps_its_lines_through_a_burst_and_keys_go_first() {
    let fx = Fixture::start();
    let mut app =
        support::harness::dashboard(&fx, &fx.handle.kubeconfig, NS, |user| ControlSetup {
            journal: None,
            webhook: None,
            user,
            host: "test-host".into(),
        });
    let rt = &fx.rt;
    rt.block_on(app.frame("feature-store selected", |f| f.contains("› feature-store")));
    let pod = feature_store_pod(&fx);
    burst(&fx, &pod, "mark", 30, None);
    app.keys("3");
    rt.block_on(app.frame("the marked lines", |f| f.contains("mark 29")));
    app.keys("kkkkk");
    let paused = rt.block_on(app.frame("a paused view", |f| {
        f.contains("‖ paused") && f.contains("newer") && !f.contains("mark 29 ")
    }));
    let page: Vec<String> = (0..30)
        .map(|n| format!("mark {n} "))
        .filter(|m| paused.contains(m.as_str()))
        .collect();
    assert!(page.len() >= 5, "{paused}");
    // Three times the pane's buffer, at 50,000 lines a second.
    burst(&fx, &pod, "flood", 60_000, Some(50_000));
    rt.block_on(app.frame("the burst under way", |f| f.contains("newer")));
    let before = app.all.lock().unwrap().len();
    app.keys("t");
    rt.block_on(app.frame("timestamps shown", |f| f.contains("03:20:00.000 ")));
    let frames = app.all.lock().unwrap().clone();
    let shown = frames[before..]
        .iter()
        .position(|f| f.contains("03:20:00.000 "))
        .unwrap();
    assert!(shown <= 1, "the key waited {shown} frames");
    app.keys("t");
    // 20,000 newer lines below: the whole buffer turned over beneath the page.
    let end = rt.block_on(app.frame("the buffer turned over below the page", |f| {
        f.contains("↓ 20000 newer") && !f.contains("03:20:00.000 ")
    }));
    for m in &page {
        assert!(end.contains(m.as_str()), "{m} left the view:\n{end}");
    }
    assert!(!end.contains("flood"), "the paused view moved:\n{end}");
    assert!(!end.contains("Waiting for log lines"));
}
