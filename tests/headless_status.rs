//! `status [--wait]` and `logs` run as a script would: the real binary against
//! `quarterdeck sim --frozen`, the clock moved from the test, exit codes and JSON checked.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "headless/mod.rs"]
mod headless;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use headless::Sim;
use serde_json::Value;

/// A `status --wait` child: its stderr lines arrive on a channel so the test can wait for
/// one before it moves the clock.
struct Waiting {
    child: Child,
    lines: mpsc::Receiver<String>,
    stderr: Vec<String>,
}

impl Waiting {
    fn spawn(sim: &Sim, args: &[&str]) -> Waiting {
        let mut child = sim
            .command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, lines) = mpsc::channel();
        let err = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines() {
                if tx.send(line.unwrap()).is_err() {
                    return;
                }
            }
        });
        let mut w = Waiting {
            child,
            lines,
            stderr: Vec::new(),
        };
        // The first progress line is printed once the snapshot is in and the wait begins.
        let first = w.lines.recv_timeout(Duration::from_secs(60)).unwrap();
        w.stderr.push(first);
        w
    }

    /// Waits for the child to end (at most a minute); returns its code and stdout.
    fn finish(mut self) -> (i32, String, Vec<String>) {
        let deadline = Instant::now() + Duration::from_secs(60);
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            assert!(
                Instant::now() < deadline,
                "still waiting: {:?}",
                self.stderr
            );
            if let Ok(line) = self.lines.recv_timeout(Duration::from_millis(100)) {
                self.stderr.push(line);
            }
        };
        self.stderr.extend(self.lines.try_iter());
        let mut out = String::new();
        self.child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        (status.code().unwrap_or(-1), out, self.stderr)
    }
}

/// PATCHes `path` with a JSON merge patch (the harness's `http` sends plain JSON).
fn merge_patch(sim: &Sim, path: &str, body: &str) {
    let addr = sim.url.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "PATCH {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/merge-patch+json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        sim.token,
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

const PAUSED: &str = "bnpl/feature-store";
const TIMED: &str = "orders/orders-api";

#[test]
fn a_healthy_release_exits_0_and_a_paused_one_8() {
    let sim = Sim::start(&[]);
    let ran = sim.run(&[
        "status",
        "globeco/globeco-order-generation-service",
        "-o",
        "json",
    ]);
    assert_eq!(ran.code, 0, "{ran:?}");
    let json = ran.json();
    assert_eq!(json["phase"], "Healthy");
    assert_eq!(json["kind"], "deployment");
    assert_eq!(json["result"], "done");
    assert_eq!(json["ready"], json["desired"]);

    let ran = sim.run(&["status", PAUSED, "-o", "json"]);
    assert_eq!(ran.code, 8, "{ran:?}");
    let json = ran.json();
    assert_eq!(json["release"], PAUSED);
    assert_eq!(json["phase"], "Paused");
    assert_eq!(json["step"]["index"], 1);
    assert_eq!(json["step"]["count"], 5);
    assert_eq!(json["weight"], 10);
    assert_eq!(json["result"], "pending");

    let ran = sim.run(&["status", PAUSED]);
    assert_eq!(ran.code, 8, "{ran:?}");
    assert_eq!(ran.stdout.lines().count(), 1, "{ran:?}");
    assert!(ran.stdout.contains("step 1/5"), "{ran:?}");
}

#[test]
fn wait_follows_a_canary_to_its_end() {
    let sim = Sim::start(&[]);
    let waiting = Waiting::spawn(&sim, &["status", TIMED, "--wait", "-o", "json"]);
    for _ in 0..12 {
        sim.advance(10.0);
    }
    let (code, out, err) = waiting.finish();
    assert_eq!(code, 0, "{err:?}\n{out}");
    let json: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["phase"], "Healthy");
    assert_eq!(json["step"]["index"], 5);
    assert!(
        err.iter().any(|l| l.starts_with("step 3/5")),
        "progress lines: {err:?}"
    );
}

#[test]
fn wait_survives_dropped_watches_and_expired_resource_versions() {
    let sim = Sim::start(&[]);
    let waiting = Waiting::spawn(&sim, &["status", TIMED, "--wait"]);
    for i in 0..12 {
        let fault = if i % 2 == 0 {
            r#"{"drop_watches":true}"#
        } else {
            r#"{"expire_rvs":true,"drop_watches":true}"#
        };
        let (code, body) = sim.http("POST", "/sim/faults", fault);
        assert_eq!(code, 200, "{body}");
        sim.advance(10.0);
    }
    let (code, out, err) = waiting.finish();
    assert_eq!(code, 0, "{err:?}\n{out}");
    assert!(out.contains("Healthy"), "{out}");
}

#[test]
fn a_rollout_aborted_while_waiting_exits_5() {
    let sim = Sim::start(&[]);
    let waiting = Waiting::spawn(&sim, &["status", PAUSED, "--wait", "-o", "json"]);
    merge_patch(
        &sim,
        "/apis/argoproj.io/v1alpha1/namespaces/bnpl/rollouts/feature-store/status",
        r#"{"status":{"abort":true}}"#,
    );
    sim.advance(5.0);
    let (code, out, err) = waiting.finish();
    assert_eq!(code, 5, "{err:?}\n{out}");
    let json: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["aborted"], true);
    assert_eq!(json["result"], "failed");
}

#[test]
fn a_canary_paused_for_a_promote_times_out_with_6() {
    let sim = Sim::start(&[]);
    let waiting = Waiting::spawn(&sim, &["status", PAUSED, "--wait", "--timeout", "2s"]);
    sim.advance(30.0);
    let (code, out, err) = waiting.finish();
    assert_eq!(code, 6, "{err:?}\n{out}");
    assert!(out.contains("Paused"), "{out}");
    assert_eq!(sim.run(&["status", PAUSED, "--timeout", "2 s"]).code, 2);
}

#[test]
fn logs_prefix_each_line_with_its_pod_and_drop_escape_sequences() {
    let scenario = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/scenarios/hostile-logs.toml"
    );
    let sim = Sim::start(&["--scenario", scenario]);
    let pods = sim.get("/api/v1/namespaces/demo/pods");
    let names: Vec<String> = pods["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["metadata"]["name"].as_str().unwrap().to_string())
        .filter(|n| n.starts_with("terminal-chaos-"))
        .collect();
    assert!(!names.is_empty(), "{pods}");
    let (_, raw) = sim.http(
        "GET",
        &format!("/api/v1/namespaces/demo/pods/{}/log", names[0]),
        "",
    );
    assert!(
        raw.as_str().unwrap_or_default().contains('\u{1b}'),
        "the scenario's log is hostile: {raw}"
    );

    let ran = sim.run(&["logs", "demo/terminal-chaos"]);
    assert_eq!(ran.code, 0, "{ran:?}");
    assert!(ran.stdout.lines().count() > 10, "{ran:?}");
    for line in ran.stdout.lines() {
        let (pod, _) = line.split_once(' ').unwrap();
        assert!(names.iter().any(|n| n == pod), "{line:?}");
        assert!(!line.chars().any(char::is_control), "{line:?}");
    }
}
