//! `quarterdeck sim` in a process of its own (so its CPU is not counted as the client's), and
//! its control API: stats, rollouts, the clock.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// A running simulator process.
pub struct Sim {
    child: Child,
    base: String,
    token: String,
    /// `KEY=VALUE` pairs of the env file it wrote: point a client at it.
    pub env: Vec<(String, String)>,
    rt: tokio::runtime::Runtime,
    http: reqwest::Client,
}

impl Sim {
    /// Starts `BIN sim --scenario FILE` (the default world when `None`) writing into `dir`.
    pub fn start(bin: &Path, scenario: Option<&Path>, dir: &Path) -> Sim {
        let mut cmd = Command::new(bin);
        cmd.arg("sim")
            .arg("--kubeconfig-out")
            .arg(dir.join("kubeconfig"));
        if let Some(s) = scenario {
            cmd.arg("--scenario").arg(s);
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the simulator");
        let stdout = child.stdout.take().expect("the simulator's stdout");
        let mut base = None;
        let mut env_file = None;
        for line in BufReader::new(stdout).lines() {
            let line = line.expect("read the simulator's stdout");
            if let Some(b) = line.strip_prefix("Quarterdeck simulator listening on ") {
                base = Some(b.trim().to_string());
            }
            if let Some(p) = line.strip_prefix("# the CI tokens and config: source ") {
                env_file = Some(PathBuf::from(p.trim()));
                break;
            }
        }
        let (Some(base), Some(env_file)) = (base, env_file) else {
            let _ = child.kill();
            panic!("the simulator did not start (no address or env file on its stdout)");
        };
        let env = read_env(&env_file);
        let token = env
            .iter()
            .find(|(k, _)| k == "GITHUB_TOKEN")
            .map(|(_, v)| v.clone())
            .expect("a token in the env file");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        Sim {
            child,
            base,
            token,
            env,
            rt,
            http: reqwest::Client::new(),
        }
    }

    fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .timeout(Duration::from_secs(30));
        if let Some(b) = body {
            req = req.json(&b);
        }
        self.rt.block_on(async {
            let resp = req.send().await.expect("the simulator answers");
            let status = resp.status();
            let text = resp.text().await.unwrap_or_default();
            assert!(status.is_success(), "{path}: {status} {text}");
            serde_json::from_str(&text).unwrap_or(Value::Null)
        })
    }

    /// `POST PATH` with a JSON body, its JSON answer.
    pub fn post(&self, path: &str, body: Value) -> Value {
        self.call(reqwest::Method::POST, path, Some(body))
    }

    /// `GET PATH`, its JSON answer.
    pub fn get(&self, path: &str) -> Value {
        self.call(reqwest::Method::GET, path, None)
    }

    /// `GET /sim/stats`.
    pub fn stats(&self) -> Value {
        self.get("/sim/stats")
    }

    /// `DELETE /sim/stats`: count afresh from now.
    pub fn reset_stats(&self) {
        self.call(reqwest::Method::DELETE, "/sim/stats", None);
    }

    /// Sets a Deployment's image: a rollout starts.
    pub fn rollout(&self, namespace: &str, name: &str, image: &str) {
        let body = json!({"namespace": namespace, "name": name, "image": image});
        self.post("/sim/rollout", body);
    }

    /// Freezes the clock: nothing in the world changes any more.
    pub fn freeze(&self) {
        let body = json!({"frozen": true});
        self.post("/sim/clock", body);
    }

    /// Waits until the Kubernetes API answers a pod list (the world is built).
    pub fn wait_ready(&self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            let ok = self.rt.block_on(async {
                let req = self
                    .http
                    .get(format!(
                        "{}/api/v1/namespaces/default/pods?limit=1",
                        self.base
                    ))
                    .bearer_auth(&self.token);
                req.send().await.is_ok_and(|r| r.status().is_success())
            });
            if ok {
                return;
            }
            assert!(Instant::now() < deadline, "the simulator never answered");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `export KEY=VALUE` lines of the simulator's env file, quotes removed.
fn read_env(path: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(path).expect("read the simulator's env file");
    text.lines()
        .filter_map(|l| l.strip_prefix("export "))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| {
            let v = v.trim();
            let v = v
                .strip_prefix('\'')
                .and_then(|v| v.strip_suffix('\''))
                .unwrap_or(v);
            (k.to_string(), v.replace(r"'\''", "'"))
        })
        .collect()
}
