//! The pod log stream against the simulator, end to end over HTTP: hostile bytes, identical
//! lines in one instant and dropped connections, checked line by line against the
//! simulator's own record of what the container wrote.

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

const NS: &str = "qd-logs";

fn fixture() -> Fixture {
    let fx = Fixture::start();
    fx.create("/api/v1/namespaces", json!({"metadata": {"name": NS}}));
    fx.create(
        &format!("/api/v1/namespaces/{NS}/pods"),
        json!({"metadata": {"name": "web"},
            "spec": {"containers": [{"name": "app", "image": "shop/web:1"}]}}),
    );
    fx
}

fn burst(fx: &Fixture, tag: &str, lines: u64, kind: &str, rate: Option<u64>) {
    let mut body = json!({"namespace": NS, "pod": "web", "tag": tag, "lines": lines, "kind": kind});
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

/// The container's lines as the simulator recorded them.
fn record(fx: &Fixture) -> Vec<String> {
    let (code, resp) = fx.send(
        "GET",
        &format!("/sim/logs/record?namespace={NS}&pod=web"),
        "",
        "",
    );
    assert_eq!(code, 200, "{resp}");
    resp["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["text"].as_str().unwrap().to_string())
        .collect()
}

/// A running stream of `web`'s log and the lines it delivered so far.
struct Stream {
    rx: mpsc::UnboundedReceiver<Msg>,
    got: Vec<String>,
    _task: tokio::task::JoinHandle<()>,
}

impl Stream {
    fn start(fx: &Fixture) -> Stream {
        let kc = Kubeconfig::read_from(&fx.handle.kubeconfig).unwrap();
        let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
        let (tx, rx) = mpsc::unbounded_channel();
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
            tail_lines: 100_000,
            since_seconds: None,
        };
        // The stream runs on the fixture's runtime.
        let _runtime = fx.rt.enter();
        let task = logs::spawn(client, spec, ContextSender::new(0, tx));
        Stream {
            rx,
            got: Vec::new(),
            _task: task,
        }
    }

    /// Waits (up to the harness's patience) until `done` holds for the lines delivered.
    fn until(&mut self, fx: &Fixture, what: &str, done: impl Fn(&[String]) -> bool) {
        let deadline = Instant::now() + PATIENCE;
        while !done(&self.got) {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}: {} lines",
                self.got.len()
            );
            let msg = fx.rt.block_on(async {
                tokio::time::timeout(Duration::from_millis(200), self.rx.recv()).await
            });
            if let Ok(Some(Msg::Context(ContextMsg::From { msg, .. }))) = msg
                && let Msg::LogLines { lines, .. } = *msg
            {
                self.got.extend(lines.into_iter().map(|l| l.text.text));
            }
        }
    }
}

fn tagged<'a>(lines: &'a [String], tag: &str) -> Vec<&'a str> {
    lines
        .iter()
        .filter(|l| l.starts_with(&format!("{tag} ")))
        .map(String::as_str)
        .collect()
}

#[test]
fn an_invalid_byte_does_not_stop_the_stream() {
    let fx = fixture();
    burst(&fx, "bad", 20, "invalid_utf8", None);
    let mut stream = Stream::start(&fx);
    burst(&fx, "after", 3, "numbered", None);
    stream.until(&fx, "the lines after the bad bytes", |l| {
        l.iter().any(|t| t == "after 2")
    });
    let bad = tagged(&stream.got, "bad");
    assert_eq!(bad.len(), 20);
    assert_eq!(bad[0], "bad 0 bad \u{fffd}\u{fffd}\u{fffd} bytes");
    assert_eq!(
        tagged(&stream.got, "after"),
        ["after 0", "after 1", "after 2"]
    );
}

#[test]
fn identical_lines_in_one_instant_arrive_as_many_through_a_resume() {
    let fx = fixture();
    burst(&fx, "same", 300, "identical", None);
    let mut stream = Stream::start(&fx);
    stream.until(&fx, "300 identical lines", |l| {
        tagged(l, "same").len() >= 300
    });
    // The connection drops; the resume replays the whole (frozen) second.
    fx.send("POST", "/sim/logs/cut", "application/json", "{}");
    burst(&fx, "same", 2, "identical", None);
    burst(&fx, "end", 1, "numbered", None);
    stream.until(&fx, "the line after the resume", |l| {
        l.iter().any(|t| t == "end 0")
    });
    assert_eq!(tagged(&stream.got, "same").len(), 302);
    let sent = record(&fx);
    assert_eq!(stream.got, sent, "every line once, in the order written");
}

#[test]
fn dropped_connections_during_a_burst_lose_and_repeat_nothing() {
    let fx = fixture();
    burst(&fx, "warm", 1, "numbered", None);
    let mut stream = Stream::start(&fx);
    stream.until(&fx, "the stream to start", |l| !l.is_empty());
    burst(&fx, "b", 4_000, "mixed", Some(20_000));
    for cut in 1..=3 {
        stream.until(&fx, "more of the burst", |l| {
            tagged(l, "b").len() >= cut * 900
        });
        fx.send("POST", "/sim/logs/cut", "application/json", "{}");
    }
    stream.until(&fx, "the whole burst", |l| tagged(l, "b").len() >= 4_000);
    let sent = record(&fx);
    assert_eq!(tagged(&sent, "b").len(), 4_000);
    let cut =
        |l: &[String]| -> Vec<String> { l.iter().map(|t| t.chars().take(64).collect()).collect() };
    assert_eq!(
        cut(&stream.got),
        cut(&sent),
        "every line once, in the order written"
    );
}
