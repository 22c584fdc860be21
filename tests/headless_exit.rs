//! The exit codes no other headless test produces: 1 (the API cannot be reached), 4 (the
//! credentials are rejected) and 130 (interrupted while waiting).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "headless/mod.rs"]
mod headless;

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use headless::Sim;

/// The simulator's kubeconfig with `from` replaced by `to`, written beside it.
fn altered_kubeconfig(sim: &Sim, from: &str, to: &str, name: &str) -> String {
    let text = std::fs::read_to_string(&sim.kubeconfig).unwrap();
    assert!(text.contains(from), "{text}");
    let path = sim.kubeconfig.with_file_name(name);
    std::fs::write(&path, text.replace(from, to)).unwrap();
    path.display().to_string()
}

#[test]
fn rejected_credentials_exit_4_and_an_unreachable_api_exits_1() {
    let sim = Sim::start(&[]);
    let wrong = altered_kubeconfig(&sim, &sim.token, "not-the-token", "wrong-token");
    let ran = sim.run(&["get", "releases", "--kubeconfig", &wrong]);
    assert_eq!(ran.code, 4, "{ran:?}");
    assert!(!ran.stderr.contains(&sim.token), "{ran:?}");
    let port = sim.url.rsplit(':').next().unwrap().to_string();
    let nowhere = altered_kubeconfig(&sim, &format!(":{port}"), ":1", "nowhere");
    let ran = sim.run(&["get", "releases", "--kubeconfig", &nowhere]);
    assert_eq!(ran.code, 1, "{ran:?}");
    assert!(ran.stderr.contains("127.0.0.1:1"), "{ran:?}");
}

#[test]
fn an_interrupted_wait_exits_130() {
    let sim = Sim::start(&[]);
    let mut child = sim
        .command(&["status", "bnpl/feature-store", "--wait"])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    // The first progress line says the watch is established; then interrupt it.
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    assert!(
        first.contains("step") || first.contains("Paused"),
        "{first}"
    );
    let ok = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok);
    std::thread::spawn(move || for _ in lines {});
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{status:?}");
}
