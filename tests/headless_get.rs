//! The read commands against `quarterdeck sim`: `get …` in every format, `journal`,
//! `completions`, `man`, and the files `quarterdeck sim` writes to point commands at it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "headless/mod.rs"]
mod headless;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use headless::Sim;
use serde_json::Value;
use unicode_width::UnicodeWidthStr;

fn names(list: &Value, key: &str) -> BTreeSet<String> {
    list[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            v["metadata"]["namespace"].as_str().unwrap().to_string()
                + "/"
                + v["metadata"]["name"].as_str().unwrap()
        })
        .collect()
}

#[test]
fn get_releases_lists_every_deployment_and_rollout_in_every_format() {
    let sim = Sim::start(&[]);
    let ran = sim.run(&["get", "-o", "json", "releases", "-A"]);
    assert_eq!(ran.code, 0, "{ran:?}");
    let doc = ran.json();
    let releases = doc["releases"].as_array().unwrap();
    let listed: BTreeSet<String> = releases
        .iter()
        .map(|r| {
            format!(
                "{}/{}",
                r["namespace"].as_str().unwrap(),
                r["name"].as_str().unwrap()
            )
        })
        .collect();
    let mut expected = names(&sim.get("/apis/apps/v1/deployments"), "items");
    expected.extend(names(
        &sim.get("/apis/argoproj.io/v1alpha1/rollouts"),
        "items",
    ));
    assert_eq!(listed, expected);
    let orders = releases.iter().find(|r| r["name"] == "orders-api").unwrap();
    let live = sim.get("/apis/argoproj.io/v1alpha1/namespaces/orders/rollouts/orders-api");
    assert_eq!(orders["kind"], "rollout");
    assert_eq!(orders["strategy"], "canary");
    assert_eq!(
        orders["image"],
        live["spec"]["template"]["spec"]["containers"][0]["image"]
    );
    for field in [
        "phase",
        "revision",
        "step_index",
        "desired_weight",
        "ready",
        "last_change",
    ] {
        assert!(orders.get(field).is_some(), "{field} missing: {orders}");
    }

    let yaml = sim.run(&["get", "-o", "yaml", "releases", "-A"]);
    assert_eq!(yaml.code, 0, "{yaml:?}");
    let from_yaml: Value = serde_saphyr::from_str(&yaml.stdout).unwrap();
    assert_eq!(
        from_yaml["releases"].as_array().unwrap().len(),
        releases.len()
    );

    let table = sim.run(&["get", "releases", "-A"]);
    assert_eq!(table.code, 0, "{table:?}");
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert!(lines[0].starts_with("RELEASE"), "{}", table.stdout);
    assert_eq!(lines.len(), releases.len() + 1);
    assert!(lines.iter().all(|l| l.width() <= 80), "{}", table.stdout);
    let bare = sim.run(&["get", "--no-headers", "releases", "-A"]);
    assert_eq!(bare.stdout.lines().count(), releases.len());
    assert!(!bare.stdout.contains("RELEASE"), "{}", bare.stdout);
}

#[test]
fn get_gates_lists_ci_gates_and_rollout_pauses_with_ids_approve_takes() {
    let sim = Sim::start(&[]);
    let ran = sim.run(&["get", "-o", "json", "gates", "-A"]);
    assert_eq!(ran.code, 0, "{ran:?}");
    let gates = ran.json()["gates"].as_array().unwrap().clone();
    // Every rollout the simulator shows paused for a human is a gate.
    let rollouts = sim.get("/apis/argoproj.io/v1alpha1/rollouts");
    let paused: Vec<String> = rollouts["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            r["status"]["pauseConditions"]
                .as_array()
                .is_some_and(|c| c.iter().any(|c| c["reason"] == "BlueGreenPause"))
        })
        .map(|r| {
            format!(
                "rollout:{}/{}",
                r["metadata"]["namespace"].as_str().unwrap(),
                r["metadata"]["name"].as_str().unwrap()
            )
        })
        .collect();
    assert!(!paused.is_empty());
    for id in &paused {
        let gate = gates
            .iter()
            .find(|g| &g["id"] == id)
            .unwrap_or_else(|| panic!("{id}"));
        assert_eq!(gate["kind"], "rollout_pause");
        assert!(gate["waiting_since"].is_string(), "{gate}");
    }
    let blocked = gates
        .iter()
        .find(|g| g["kind"] == "blocked_deployment")
        .expect("the simulated GitLab has a deployment waiting on approval");
    let id = blocked["id"].as_str().unwrap();
    assert!(
        id.starts_with("gitlab:bnpl/feature-store:deployment:"),
        "{id}"
    );
    assert_eq!(blocked["provider"], "gitlab");
    assert!(blocked["approvals_required"].as_u64().unwrap() >= 1);
    assert!(!blocked["who_may_approve"].as_array().unwrap().is_empty());
    assert!(blocked["you_may_approve"].is_boolean());
    for field in ["where", "what", "approving_will", "web_url"] {
        assert!(blocked[field].is_string(), "{field}: {blocked}");
    }
    // Read-only: nobody may approve through this session.
    let readonly = sim
        .run(&["get", "-o", "json", "gates", "-A", "--readonly"])
        .json();
    assert!(
        readonly["gates"]
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["you_may_approve"] == false)
    );
    // The table keeps the ids whole, so they can be copied into `approve`.
    let table = sim.run(&["get", "gates", "-A"]);
    assert!(table.stdout.contains(id), "{}", table.stdout);
    assert!(
        table.stdout.lines().all(|l| l.width() <= 80),
        "{}",
        table.stdout
    );
}

#[test]
fn get_pipeline_rollout_history_and_pods_describe_one_release() {
    let sim = Sim::start(&[]);
    let pipeline = sim.run(&["get", "-o", "json", "pipeline", "bnpl/feature-store"]);
    assert_eq!(pipeline.code, 0, "{pipeline:?}");
    let p = pipeline.json();
    assert_eq!(p["release"], "bnpl/feature-store");
    assert_eq!(p["provider"], "gitlab");
    let live = sim.get("/gitlab/api/v4/projects/bnpl%2Ffeature-store/pipelines");
    assert_eq!(p["run"]["id"], live[0]["id"], "the newest run is shown");
    assert!(!p["jobs"].as_array().unwrap().is_empty());
    assert!(p["runs"].as_array().unwrap().len() > 1);

    let rollout = sim
        .run(&["get", "-o", "json", "rollout", "orders/orders-api"])
        .json();
    let live = sim.get("/apis/argoproj.io/v1alpha1/namespaces/orders/rollouts/orders-api");
    let steps = live["spec"]["strategy"]["canary"]["steps"]
        .as_array()
        .unwrap();
    assert_eq!(rollout["steps"].as_array().unwrap().len(), steps.len());
    assert_eq!(rollout["step_count"], steps.len());
    assert_eq!(rollout["step_index"], live["status"]["currentStepIndex"]);

    let history = sim
        .run(&["get", "-o", "json", "history", "orders/orders-api"])
        .json();
    let revisions = history["revisions"].as_array().unwrap();
    let numbers: Vec<i64> = revisions
        .iter()
        .map(|r| r["revision"].as_i64().unwrap())
        .collect();
    assert!(numbers.windows(2).all(|w| w[0] > w[1]), "{numbers:?}");
    assert_eq!(revisions.iter().filter(|r| r["current"] == true).count(), 1);
    assert_eq!(revisions[0]["current"], true);

    let pods = sim.run(&["get", "-o", "json", "pods", "orders-api"]);
    assert_eq!(
        pods.code, 2,
        "orders-api is not in the default namespace: {pods:?}"
    );
    let pods = sim
        .run(&["get", "-o", "json", "pods", "orders/orders-api"])
        .json();
    let listed: BTreeSet<String> = pods["pods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect();
    let live: BTreeSet<String> = sim.get("/api/v1/namespaces/orders/pods")["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["metadata"]["name"].as_str().unwrap().to_string())
        .filter(|n| n.starts_with("orders-api-"))
        .collect();
    assert_eq!(listed, live);
    assert!(
        pods["pods"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["role"] == "canary")
    );
}

#[test]
fn an_unknown_release_exits_2_with_one_line_saying_what_to_do() {
    let sim = Sim::start(&[]);
    for what in ["pipeline", "rollout", "history", "pods"] {
        let ran = sim.run(&["get", what, "orders/nope"]);
        assert_eq!(ran.code, 2, "{ran:?}");
        assert_eq!(ran.stderr.lines().count(), 1, "{}", ran.stderr);
        assert!(ran.stderr.contains("get releases"), "{}", ran.stderr);
        assert!(ran.stdout.is_empty());
    }
}

fn entry(time: &str, target: &str, action: &str) -> String {
    serde_json::json!({
        "time": time, "user": "admin", "context": "sim", "target": target, "action": action,
        "before": "", "after": "", "confirmation": [], "result": "done", "by": "user"
    })
    .to_string()
}

#[test]
fn journal_filters_by_age_and_release() {
    let sim = Sim::start(&[]);
    let now = chrono::Utc::now();
    let at = |minutes: i64| (now - chrono::Duration::minutes(minutes)).to_rfc3339();
    std::fs::create_dir_all(sim.state_dir()).unwrap();
    let lines = [
        entry(&at(180), "rollout/orders-api in orders", "abort"),
        entry(&at(10), "rollout/orders-api in orders", "promote"),
        entry(&at(5), "rollout/feature-store in bnpl", "pause"),
    ];
    std::fs::write(
        sim.state_dir().join("journal.jsonl"),
        lines.join("\n") + "\n",
    )
    .unwrap();
    let actions = |args: &[&str]| -> Vec<String> {
        let ran = sim.run(args);
        assert_eq!(ran.code, 0, "{ran:?}");
        ran.json()["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        actions(&["journal", "-o", "json"]),
        ["abort", "promote", "pause"]
    );
    assert_eq!(
        actions(&["journal", "-o", "json", "--since", "1h"]),
        ["promote", "pause"]
    );
    assert_eq!(
        actions(&["journal", "-o", "json", "--release", "orders/orders-api"]),
        ["abort", "promote"]
    );
    assert_eq!(
        actions(&[
            "journal",
            "-o",
            "json",
            "--since",
            "2h",
            "--release",
            "orders-api"
        ]),
        ["promote"]
    );
    let table = sim.run(&["journal", "--since", "1h"]);
    assert_eq!(table.stdout.lines().count(), 3, "{}", table.stdout);
    let bad = sim.run(&["journal", "--since", "5x"]);
    assert_eq!(bad.code, 2, "{bad:?}");
    assert!(bad.stderr.contains("90s, 5m"), "{}", bad.stderr);
}

#[test]
fn completions_and_man_are_generated_from_the_command_line() {
    let sim = Sim::start(&[]);
    for shell in ["bash", "zsh", "fish"] {
        let ran = sim.run(&["completions", shell]);
        assert_eq!(ran.code, 0, "{ran:?}");
        assert!(ran.stdout.contains("promote"), "{shell}: {}", ran.stdout);
    }
    let man = sim.run(&["man"]);
    assert_eq!(man.code, 0, "{man:?}");
    assert!(
        man.stdout.starts_with(".ie") || man.stdout.contains("\n.TH "),
        "{}",
        man.stdout
    );
    assert!(man.stdout.contains("quarterdeck"));
}

#[test]
fn sim_writes_an_env_file_that_points_commands_at_it() {
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    let mut child = Command::new(env!("CARGO_BIN_EXE_quarterdeck"))
        .args(["sim", "--frozen", "--kubeconfig-out"])
        .arg(&kubeconfig)
        .env("QUARTERDECK_STATE_DIR", dir.path().join("state"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut printed = Vec::new();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let env_file = loop {
        let line = lines.next().expect("sim exited").unwrap();
        printed.push(line.clone());
        if let Some((_, path)) = line.split_once("source ") {
            break std::path::PathBuf::from(path.trim());
        }
    };
    let url = printed[0]
        .strip_prefix("Quarterdeck simulator listening on ")
        .unwrap();
    assert_eq!(
        printed[1],
        format!("export KUBECONFIG={}", kubeconfig.display())
    );
    assert!(
        printed.contains(&format!("# GitHub API: {url}/github")),
        "{printed:?}"
    );
    assert!(
        printed.contains(&format!("# GitLab API: {url}/gitlab")),
        "{printed:?}"
    );

    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&env_file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let text = std::fs::read_to_string(&env_file).unwrap();
    let vars: Vec<(String, String)> = text
        .lines()
        .filter_map(|l| l.strip_prefix("export "))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.trim_matches('\'').to_string()))
        .collect();
    let keys: Vec<&str> = vars.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "KUBECONFIG",
            "QUARTERDECK_CONFIG_DIR",
            "GITHUB_TOKEN",
            "GITLAB_TOKEN",
            "PROMETHEUS_TOKEN"
        ]
    );
    let token = &vars[2].1;
    assert!(!token.is_empty());
    assert!(
        printed.iter().all(|l| !l.contains(token.as_str())),
        "the token is never printed"
    );
    let config_dir = std::path::PathBuf::from(&vars[1].1);
    let config = std::fs::read_to_string(config_dir.join("config.toml")).unwrap();
    assert!(
        config.contains(&format!("base_url = \"{url}/gitlab\"")),
        "{config}"
    );
    assert!(
        config.contains(&format!("[prometheus]\nurl = \"{url}/prometheus\"")),
        "{config}"
    );
    assert!(
        config.contains("triggers = [\"error_ratio > 1% for 2m\", \"p95 > 50ms for 2m\", \"health_failures > 5%\"]\nguard = \"propose\""),
        "{config}"
    );

    // With only those variables, a command sees the simulated cluster and its CI.
    let ran = Command::new(env!("CARGO_BIN_EXE_quarterdeck"))
        .args(["get", "-o", "json", "pipeline", "bnpl/feature-store"])
        .env_clear()
        .envs(vars.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("HOME", dir.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(
        ran.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    let doc: Value = serde_json::from_slice(&ran.stdout).unwrap();
    assert_eq!(doc["provider"], "gitlab");
}
