#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The real kubectl 1.32 `rollout` commands against the default world: status (watching while
//! the test advances the frozen clock), history, undo with renumbering, restart, pause, resume,
//! set image and scale. Skips loudly when kubectl.1.32 is not installed (fails under `CI=true`).

mod support;

use std::process::Stdio;
use std::time::{Duration, Instant};

use support::Fixture;
use support::kubectl::{Kubectl, setup};

const DEPLOY: &str = "deploy/globeco-order-generation-service";
const IMAGE: &str = "kasbench/globeco-order-generation-service";

/// Runs `kubectl ARGS` (a `rollout status`) while advancing the simulated clock by `step_s`
/// at each look; returns (success, stdout, stderr).
fn status_while_advancing(
    k: &Kubectl,
    fx: &Fixture,
    args: &[&str],
    step_s: f64,
) -> (bool, String, String) {
    let mut child = k
        .command(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
        fx.advance(step_s);
    }
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

fn image_of(k: &Kubectl) -> String {
    k.ok(&[
        "-n",
        "globeco",
        "get",
        DEPLOY,
        "-o",
        "jsonpath={.spec.template.spec.containers[0].image}",
    ])
}

#[test]
fn rollout_status_history_and_undo() {
    let Some((fx, k)) = setup() else { return };
    k.ok(&[
        "-n",
        "globeco",
        "set",
        "image",
        DEPLOY,
        &format!("globeco-order-generation-service={IMAGE}:1.5.0"),
    ]);
    let (ok, out, err) = status_while_advancing(
        &k,
        &fx,
        &[
            "-n",
            "globeco",
            "rollout",
            "status",
            DEPLOY,
            "--timeout=60s",
        ],
        3.0,
    );
    assert!(ok, "rollout status failed: {out} {err}");
    assert!(out.contains("successfully rolled out"), "{out}");

    let history = k.ok(&["-n", "globeco", "rollout", "history", DEPLOY]);
    let revs: Vec<&str> = history
        .lines()
        .skip(2)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(revs, ["1", "2", "3", "4"], "{history}");

    k.ok(&["-n", "globeco", "rollout", "undo", DEPLOY]);
    assert_eq!(image_of(&k), format!("{IMAGE}:1.3.2"));
    fx.advance(90.0);
    let history = k.ok(&["-n", "globeco", "rollout", "history", DEPLOY]);
    let revs: Vec<&str> = history
        .lines()
        .skip(2)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(
        revs,
        ["1", "2", "4", "5"],
        "revision 3 renumbered to 5: {history}"
    );

    k.ok(&[
        "-n",
        "globeco",
        "rollout",
        "undo",
        DEPLOY,
        "--to-revision=1",
    ]);
    assert_eq!(image_of(&k), format!("{IMAGE}:1.1.4"));
    let (ok, out, err) = status_while_advancing(
        &k,
        &fx,
        &[
            "-n",
            "globeco",
            "rollout",
            "status",
            DEPLOY,
            "--timeout=60s",
        ],
        3.0,
    );
    assert!(ok, "{out} {err}");

    fx.advance(400.0);
    let out = k.run(&[
        "-n",
        "ml-platform",
        "rollout",
        "status",
        "deploy/customer-intelligence-api",
        "--timeout=20s",
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "error: deployment \"customer-intelligence-api\" exceeded its progress deadline"
        ),
        "{stderr}"
    );
}

#[test]
fn restart_pause_resume_and_scale() {
    let Some((fx, k)) = setup() else { return };
    let rs_before = k
        .ok(&["-n", "globeco", "get", "rs", "-o", "name"])
        .lines()
        .count();
    k.ok(&["-n", "globeco", "rollout", "restart", DEPLOY]);
    let (ok, out, err) = status_while_advancing(
        &k,
        &fx,
        &[
            "-n",
            "globeco",
            "rollout",
            "status",
            DEPLOY,
            "--timeout=60s",
        ],
        3.0,
    );
    assert!(ok, "{out} {err}");
    assert_eq!(
        k.ok(&["-n", "globeco", "get", "rs", "-o", "name"])
            .lines()
            .count(),
        rs_before + 1,
        "restart makes a new ReplicaSet"
    );

    k.ok(&["-n", "globeco", "rollout", "pause", DEPLOY]);
    k.ok(&[
        "-n",
        "globeco",
        "set",
        "image",
        DEPLOY,
        &format!("globeco-order-generation-service={IMAGE}:1.6.0"),
    ]);
    fx.advance(30.0);
    assert_eq!(
        k.ok(&["-n", "globeco", "get", "rs", "-o", "name"])
            .lines()
            .count(),
        rs_before + 1,
        "paused: no new ReplicaSet"
    );
    k.ok(&["-n", "globeco", "rollout", "resume", DEPLOY]);
    let (ok, out, err) = status_while_advancing(
        &k,
        &fx,
        &[
            "-n",
            "globeco",
            "rollout",
            "status",
            DEPLOY,
            "--timeout=60s",
        ],
        3.0,
    );
    assert!(ok, "{out} {err}");

    k.ok(&["-n", "globeco", "scale", DEPLOY, "--replicas=6"]);
    fx.advance(30.0);
    let ready = k.ok(&[
        "-n",
        "globeco",
        "get",
        DEPLOY,
        "-o",
        "jsonpath={.status.readyReplicas}",
    ]);
    assert_eq!(ready, "6");
}
