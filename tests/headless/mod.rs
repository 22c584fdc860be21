//! The real binary against `quarterdeck sim`, as a script would use it: no terminal, output
//! read from pipes, exit codes checked. The simulator runs frozen in a child process; tests
//! move its clock and read its world over HTTP.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use serde_json::Value;

/// A running `quarterdeck sim` and private config and state directories.
pub struct Sim {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The bearer token (from the kubeconfig).
    pub token: String,
    /// The kubeconfig the simulator wrote.
    pub kubeconfig: PathBuf,
    dirs: tempfile::TempDir,
}

/// What a command printed and how it ended.
#[derive(Debug)]
pub struct Ran {
    /// Exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Ran {
    /// stdout parsed as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", self.stdout, self.stderr))
    }
}

impl Sim {
    /// Starts `quarterdeck sim --frozen` (plus `args`) and waits until it listens.
    pub fn start(args: &[&str]) -> Sim {
        let dirs = tempfile::tempdir().unwrap();
        let kubeconfig = dirs.path().join("kubeconfig");
        let mut child = Command::new(env!("CARGO_BIN_EXE_quarterdeck"))
            .arg("sim")
            .arg("--frozen")
            .arg("--kubeconfig-out")
            .arg(&kubeconfig)
            .args(args)
            .env("QUARTERDECK_STATE_DIR", dirs.path().join("sim-state"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let url = loop {
            let line = lines.next().expect("sim exited before listening").unwrap();
            if let Some(rest) = line.strip_prefix("Quarterdeck simulator listening on ") {
                break rest.trim().to_string();
            }
        };
        // Keep draining what it prints so it never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        let text = std::fs::read_to_string(&kubeconfig).unwrap();
        let token = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("token: "))
            .unwrap()
            .trim_matches('"')
            .to_string();
        let config = dirs.path().join("config");
        std::fs::create_dir_all(&config).unwrap();
        std::fs::write(
            config.join("config.toml"),
            format!(
                "[github]\nbase_url = \"{url}/github\"\n[gitlab]\nbase_url = \"{url}/gitlab\"\n"
            ),
        )
        .unwrap();
        Sim {
            child,
            url,
            token,
            kubeconfig,
            dirs,
        }
    }

    /// Appends `text` to the private `config.toml`.
    pub fn configure(&self, text: &str) {
        let path = self.dirs.path().join("config/config.toml");
        let mut all = std::fs::read_to_string(&path).unwrap();
        all.push_str(text);
        std::fs::write(path, all).unwrap();
    }

    /// The private state directory (journal, log file).
    pub fn state_dir(&self) -> PathBuf {
        self.dirs.path().join("state")
    }

    /// The journal's lines, parsed.
    pub fn journal(&self) -> Vec<Value> {
        std::fs::read_to_string(self.state_dir().join("journal.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// The command with the environment pointing at the simulator, without a terminal.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_quarterdeck"));
        cmd.args(args)
            .env("KUBECONFIG", &self.kubeconfig)
            .env("QUARTERDECK_CONFIG_DIR", self.dirs.path().join("config"))
            .env("QUARTERDECK_STATE_DIR", self.state_dir())
            .env("HOME", self.dirs.path())
            .env("GITHUB_TOKEN", &self.token)
            .env("GITLAB_TOKEN", &self.token)
            .env_remove("GH_TOKEN")
            .stdin(Stdio::null());
        cmd
    }

    /// Runs `quarterdeck ARGS` to its end.
    pub fn run(&self, args: &[&str]) -> Ran {
        let out = self.command(args).output().unwrap();
        Ran {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Sends an HTTP request with the token; returns (status, body as JSON or string).
    pub fn http(&self, method: &str, path: &str, body: &str) -> (u16, Value) {
        let addr = self.url.trim_start_matches("http://");
        let mut s = TcpStream::connect(addr).unwrap();
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.token,
            body.len()
        )
        .unwrap();
        let mut answer = Vec::new();
        s.read_to_end(&mut answer).unwrap();
        let text = String::from_utf8_lossy(&answer);
        let (head, rest) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status: u16 = head.split_whitespace().nth(1).unwrap().parse().unwrap();
        let body = if head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked")
        {
            dechunk(rest)
        } else {
            rest.to_string()
        };
        (
            status,
            serde_json::from_str(&body).unwrap_or(Value::String(body)),
        )
    }

    /// GETs a path and asserts 200.
    pub fn get(&self, path: &str) -> Value {
        let (code, body) = self.http("GET", path, "");
        assert_eq!(code, 200, "GET {path}: {body}");
        body
    }

    /// Moves the frozen clock forward synchronously.
    pub fn advance(&self, seconds: f64) {
        let (code, body) = self.http(
            "POST",
            "/sim/clock",
            &format!("{{\"advance_seconds\":{seconds}}}"),
        );
        assert_eq!(code, 200, "{body}");
    }
}

fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 || tail.len() < n {
            break;
        }
        out.push_str(&tail[..n]);
        rest = tail[n..].trim_start_matches("\r\n");
    }
    out
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
