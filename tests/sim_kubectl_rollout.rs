#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The real kubectl 1.32 `rollout` commands against the default world: status (watching while
//! the test advances the frozen clock), history, undo with renumbering, restart, pause, resume,
//! set image and scale. Skips loudly when kubectl.1.32 is not installed.

mod support;

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use support::Fixture;

const DEPLOY: &str = "deploy/globeco-order-generation-service";
const IMAGE: &str = "kasbench/globeco-order-generation-service";

fn kubectl_path() -> Option<PathBuf> {
    let fixed = PathBuf::from("/usr/lib/google-cloud-sdk/bin/kubectl.1.32");
    if fixed.exists() {
        return Some(fixed);
    }
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join("kubectl.1.32"))
            .find(|c| c.exists())
    })
}

struct Kubectl {
    bin: PathBuf,
    home: tempfile::TempDir,
    kubeconfig: PathBuf,
}

impl Kubectl {
    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.bin);
        cmd.env_clear()
            .env("HOME", self.home.path())
            .env("PATH", "/usr/bin:/bin")
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .arg("--cache-dir")
            .arg(self.home.path().join("cache"))
            .args(args);
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "kubectl {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs `rollout status` while advancing the simulated clock; returns (success, stdout, stderr).
    fn status_while_advancing(
        &self,
        fx: &Fixture,
        args: &[&str],
        step_s: f64,
    ) -> (bool, String, String) {
        let mut child = self
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
            advance(fx, step_s);
        }
        let _ = child.kill();
        let out = child.wait_with_output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into(),
            String::from_utf8_lossy(&out.stderr).into(),
        )
    }
}

fn advance(fx: &Fixture, seconds: f64) {
    let (code, body) = fx.send(
        "POST",
        "/sim/clock",
        "application/json",
        &json!({"advance_seconds": seconds}).to_string(),
    );
    assert_eq!(code, 200, "{body}");
}

fn setup() -> Option<(Fixture, Kubectl)> {
    let Some(bin) = kubectl_path() else {
        eprintln!("SKIPPED: kubectl.1.32 not found");
        return None;
    };
    let fx = Fixture::start();
    let k = Kubectl {
        bin,
        home: tempfile::tempdir().unwrap(),
        kubeconfig: fx.handle.kubeconfig.clone(),
    };
    Some((fx, k))
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
    let (ok, out, err) = k.status_while_advancing(
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
    advance(&fx, 90.0);
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
    let (ok, out, err) = k.status_while_advancing(
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

    advance(&fx, 400.0);
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
    let (ok, out, err) = k.status_while_advancing(
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
    advance(&fx, 30.0);
    assert_eq!(
        k.ok(&["-n", "globeco", "get", "rs", "-o", "name"])
            .lines()
            .count(),
        rs_before + 1,
        "paused: no new ReplicaSet"
    );
    k.ok(&["-n", "globeco", "rollout", "resume", DEPLOY]);
    let (ok, out, err) = k.status_while_advancing(
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
    advance(&fx, 30.0);
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
