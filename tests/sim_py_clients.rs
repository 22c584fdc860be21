//! The simulated GitHub and GitLab checked by client libraries we did not write — PyGithub and
//! python-gitlab, driven by the scripts in `tests/clients/` — as the simulated Kubernetes is by
//! kubectl. `.ci/run` installs them into a venv outside the repository and names it in
//! `QUARTERDECK_PY_CLIENTS`; without them the tests skip loudly, and under `CI=true` they fail.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Command;

use quarterdeck_sim::{SimConfig, SimHandle};
use serde_json::Value;

/// Simulated start: 2026-11-22T03:20:00Z.
const START_MS: i64 = 1_795_404_000_000;

/// The venv's python when it has both libraries; `None` (a skip, or a failure under CI)
/// otherwise.
fn python() -> Option<PathBuf> {
    let venv = std::env::var_os("QUARTERDECK_PY_CLIENTS")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/quarterdeck-pyclients"))
        });
    let found = venv.map(|v| v.join("bin/python")).filter(|py| {
        Command::new(py)
            .args(["-c", "import github, gitlab"])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "PyGithub and python-gitlab not found (QUARTERDECK_PY_CLIENTS), and CI=true forbids skipping"
        );
        eprintln!("SKIPPED: no venv with PyGithub and python-gitlab (see .ci/run)");
    }
    found
}

/// Starts a frozen simulator, runs `script` against it and answers what it printed.
fn run(script: &str) -> Option<Value> {
    let py = python()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let handle: SimHandle = rt
        .block_on(quarterdeck_sim::start(SimConfig {
            frozen: true,
            start_ms: Some(START_MS),
            ..SimConfig::default()
        }))
        .unwrap();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/clients");
    // The client blocks; the simulator serves it from the runtime's own threads meanwhile.
    let out = Command::new(py)
        .arg(dir.join(script))
        .arg(handle.base_url())
        .arg(&handle.token)
        .env("NO_PROXY", "127.0.0.1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{script} failed:\n{}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    drop(rt);
    Some(serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}")))
}

#[test]
fn pygithub_reads_runs_jobs_environments_and_rate_limits() {
    let Some(seen) = run("github_client.py") else {
        return;
    };
    assert_eq!(seen["login"], "alex.morgan");
    assert_eq!(seen["repo"], "acme/orders-api");
    assert!(seen["runs_total"].as_u64().unwrap() > 12, "{seen}");
    assert_eq!(
        seen["runs_listed"], 12,
        "PyGithub follows Link past page one"
    );
    assert!(seen["steps"].as_u64().unwrap() > 0);
    assert_eq!(
        seen["environments"],
        serde_json::json!(["development", "production", "staging"])
    );
    assert!(seen["rate_remaining"].as_u64().unwrap() > 0);
    assert_eq!(seen["bad_token"], 401);
    // The newest run waits at its staging gate; its tag-only production deploy, which needs
    // only the build, is already skipped — as GitHub decides a job once its needs are done.
    let jobs = seen["jobs"].as_array().unwrap();
    let job = |name: &str| {
        jobs.iter()
            .find(|j| j["name"] == name)
            .unwrap_or_else(|| panic!("no job {name}: {seen}"))
    };
    assert_eq!(job("build")["conclusion"], "success", "{seen}");
    assert_eq!(job("deploy-production")["conclusion"], "skipped", "{seen}");
}

#[test]
fn python_gitlab_reads_pipelines_jobs_traces_and_approvals() {
    let Some(seen) = run("gitlab_client.py") else {
        return;
    };
    assert_eq!(seen["project"], "bnpl/feature-store");
    assert!(
        seen["pipelines_listed"].as_u64().unwrap() > 5,
        "python-gitlab follows Link past page one: {seen}"
    );
    assert!(seen["trace_bytes"].as_u64().unwrap() > 0, "{seen}");
    assert_eq!(
        seen["environments"],
        serde_json::json!(["production", "staging"])
    );
    let blocked = seen["blocked"].as_array().unwrap();
    assert_eq!(blocked.len(), 1, "{seen}");
    assert_eq!(blocked[0]["pending_approval_count"], 1);
    assert_eq!(blocked[0]["rules"], serde_json::json!([1]));
    assert_eq!(seen["required_approval_count"], 1);
    assert_eq!(seen["bearer_project"], 4211);
    assert_eq!(seen["bad_token"], 401);
}
