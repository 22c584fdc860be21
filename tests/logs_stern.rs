//! `--since` and `--tail` as the Logs pane's streams send them, against the simulator over
//! HTTP: the pod log API gets `sinceSeconds` and `tailLines` and only those lines come back.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::{Duration, Instant};

use kube::Client;
use kube::config::{KubeConfigOptions, Kubeconfig};
use quarterdeck::integrations::kube::logs;
use quarterdeck::integrations::kube::sender::ContextSender;
use quarterdeck_core::msg::ContextMsg;
use quarterdeck_core::{LogStreamSpec, Msg};
use serde_json::json;
use support::Fixture;
use support::harness::PATIENCE;
use tokio::sync::mpsc;

const NS: &str = "qd-stern";

/// A pod whose log has ten lines two minutes old and ten lines written now.
fn fixture() -> Fixture {
    let fx = Fixture::start();
    fx.create("/api/v1/namespaces", json!({"metadata": {"name": NS}}));
    fx.create(
        &format!("/api/v1/namespaces/{NS}/pods"),
        json!({"metadata": {"name": "web"},
            "spec": {"containers": [{"name": "app", "image": "shop/web:1"}]}}),
    );
    for i in 0..10 {
        fx.log(NS, "web", "app", &format!("old {i}"));
    }
    fx.advance(120.0);
    for i in 0..10 {
        fx.log(NS, "web", "app", &format!("new {i}"));
    }
    fx
}

/// Streams `web`'s log with these start parameters until `last` arrives; every line got.
fn stream(fx: &Fixture, tail_lines: i64, since_seconds: Option<i64>, last: &str) -> Vec<String> {
    let kc = Kubeconfig::read_from(&fx.handle.kubeconfig).unwrap();
    let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let client = fx.rt.block_on(async {
        let cfg = kube::Config::from_custom_kubeconfig(kc, &KubeConfigOptions::default())
            .await
            .unwrap();
        Client::try_from(cfg).unwrap()
    });
    let spec = LogStreamSpec {
        id: 1,
        namespace: NS.into(),
        pod: "web".into(),
        container: "app".into(),
        previous: false,
        tail_lines,
        since_seconds,
    };
    let _runtime = fx.rt.enter();
    let task = logs::spawn(client, spec, ContextSender::new(0, tx));
    let mut got: Vec<String> = Vec::new();
    let deadline = Instant::now() + PATIENCE;
    while !got.iter().any(|l| l == last) {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {last}: {got:?}"
        );
        let msg = fx
            .rt
            .block_on(async { tokio::time::timeout(Duration::from_millis(200), rx.recv()).await });
        if let Ok(Some(Msg::Context(ContextMsg::From { msg, .. }))) = msg
            && let Msg::LogLines { lines, .. } = *msg
        {
            got.extend(lines.into_iter().map(|l| l.text.text));
        }
    }
    task.abort();
    got
}

fn numbered(tag: &str, range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|i| format!("{tag} {i}")).collect()
}

/// The lines a test wrote (the simulated pod writes its own traffic beside them).
fn ours<'a>(lines: &'a [String], tag: &str) -> Vec<&'a String> {
    lines
        .iter()
        .filter(|l| l.starts_with(&format!("{tag} ")))
        .collect()
}

#[test]
fn since_reaches_the_api_and_older_lines_stay_out() {
    let fx = fixture();
    // `--since 1m` without `--tail`: everything of the last minute (a negative tail is "all").
    let got = stream(&fx, -1, Some(60), "new 9");
    assert_eq!(
        ours(&got, "new"),
        numbered("new", 0..10).iter().collect::<Vec<_>>()
    );
    assert!(ours(&got, "old").is_empty(), "{got:?}");
    // Without `--since` the old lines are there, so the one above did filter.
    let all = stream(&fx, -1, None, "new 9");
    assert_eq!(
        ours(&all, "old"),
        numbered("old", 0..10).iter().collect::<Vec<_>>()
    );
}

#[test]
fn tail_reaches_the_api() {
    let fx = fixture();
    assert_eq!(stream(&fx, 3, None, "new 9"), numbered("new", 7..10));
    let got = stream(&fx, 12, Some(600), "new 9");
    assert_eq!(got.len(), 12, "{got:?}");
    assert_eq!(got[2..], numbered("new", 0..10));
}
