//! The real kubectl 1.32 pointed at a simulator, with a fresh HOME and cache directory so that
//! nothing of the user's own kubectl setup (config, discovery cache, plugins) takes part.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;

use super::Fixture;

/// kubectl 1.32: the Cloud SDK's copy, or the first `kubectl.1.32` on PATH.
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

/// A frozen simulator and a kubectl for it. Without kubectl.1.32 the test is skipped with a
/// loud line; under `CI=true` it fails instead, so CI never passes by running nothing.
pub fn setup() -> Option<(Fixture, Kubectl)> {
    let Some(bin) = kubectl_path() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "kubectl.1.32 not found, and CI=true forbids skipping"
        );
        eprintln!("SKIPPED: kubectl.1.32 not found");
        return None;
    };
    let fx = Fixture::start();
    let k = Kubectl {
        bin,
        home: tempfile::tempdir().unwrap(),
        kubeconfig: fx.handle.kubeconfig.clone(),
        request_timeout: None,
    };
    Some((fx, k))
}

/// kubectl with the simulator's kubeconfig and a home of its own.
pub struct Kubectl {
    bin: PathBuf,
    home: tempfile::TempDir,
    kubeconfig: PathBuf,
    request_timeout: Option<&'static str>,
}

impl Kubectl {
    /// Gives every call `--request-timeout` (a hung request then fails instead of hanging).
    pub fn with_request_timeout(mut self, timeout: &'static str) -> Self {
        self.request_timeout = Some(timeout);
        self
    }

    /// The command for `kubectl ARGS`, not yet run.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.bin);
        cmd.env_clear()
            .env("HOME", self.home.path())
            .env("PATH", "/usr/bin:/bin")
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .arg("--cache-dir")
            .arg(self.home.path().join("cache"));
        if let Some(timeout) = self.request_timeout {
            cmd.arg(format!("--request-timeout={timeout}"));
        }
        cmd.args(args);
        cmd
    }

    /// Runs to the end.
    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    /// Runs and expects success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "kubectl {args:?} failed: {stderr}");
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs and expects failure; returns stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(!out.status.success(), "kubectl {args:?} should fail");
        String::from_utf8(out.stderr).unwrap()
    }

    /// Starts a long-running kubectl whose stdout lines arrive on a channel.
    pub fn spawn(&self, args: &[&str]) -> (Child, mpsc::Receiver<String>) {
        let mut child = self
            .command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        (child, rx)
    }
}
