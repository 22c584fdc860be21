//! The changing commands against `quarterdeck sim`, without a terminal: what each changes in
//! the world, its exit code, its JSON, and its journal line.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "headless/mod.rs"]
mod headless;

use headless::{Ran, Sim};
use serde_json::Value;

const FEATURE_STORE: &str = "/apis/argoproj.io/v1alpha1/namespaces/bnpl/rollouts/feature-store";
const ORDERS_API: &str = "/apis/argoproj.io/v1alpha1/namespaces/orders/rollouts/orders-api";
const INTELLIGENCE: &str =
    "/apis/apps/v1/namespaces/ml-platform/deployments/customer-intelligence-api";

fn rv(sim: &Sim, path: &str) -> String {
    sim.get(path)["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The journal's last line, asserted to be about `action` and to have ended `result`.
fn journaled(sim: &Sim, action: &str, result: &str) -> Value {
    let last = sim.journal().pop().expect("nothing journaled");
    assert_eq!(last["action"], action, "{last}");
    assert_eq!(last["result"], result, "{last}");
    assert_eq!(last["user"], "quarterdeck-sim", "{last}");
    last
}

fn code(ran: &Ran, want: i32) {
    assert_eq!(ran.code, want, "{ran:?}");
}

#[test]
fn without_a_terminal_and_without_yes_nothing_is_sent() {
    let sim = Sim::start(&[]);
    let before = rv(&sim, FEATURE_STORE);
    let ran = sim.run(&["promote", "bnpl/feature-store"]);
    code(&ran, 3);
    assert!(ran.stderr.contains("pass --yes"), "{ran:?}");
    assert_eq!(rv(&sim, FEATURE_STORE), before);
    let line = journaled(&sim, "promote", "refused");
    assert!(line["error"].as_str().unwrap().contains("--yes"), "{line}");
}

#[test]
fn promote_with_yes_clears_the_pause_and_prints_the_result() {
    let sim = Sim::start(&[]);
    let paused = sim.get(FEATURE_STORE);
    assert!(
        !paused["status"]["pauseConditions"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let ran = sim.run(&["promote", "bnpl/feature-store", "--yes", "-o", "json"]);
    code(&ran, 0);
    let doc = ran.json();
    assert_eq!(doc["action"], "promote");
    assert_eq!(doc["target"], "rollout/feature-store in bnpl");
    assert_eq!(doc["context"], "quarterdeck-sim");
    assert_eq!(doc["result"], "done");
    assert_eq!(doc["dry_run"], false);
    assert!(doc["after"].is_string(), "{doc}");
    let plan = doc["plan"].as_array().unwrap();
    assert!(
        plan.iter()
            .any(|l| l["label"] == "to" && l["value"] == "step 2/5 (setWeight 50%)"),
        "{doc}"
    );
    let after = sim.get(FEATURE_STORE);
    let conditions = &after["status"]["pauseConditions"];
    assert!(
        conditions.is_null() || conditions.as_array().unwrap().is_empty(),
        "{after}"
    );
    journaled(&sim, "promote", "done");
}

#[test]
fn a_dry_run_changes_nothing_and_is_journaled_as_one() {
    let sim = Sim::start(&[]);
    let before = rv(&sim, FEATURE_STORE);
    let ran = sim.run(&["promote", "bnpl/feature-store", "--dry-run", "-o", "json"]);
    code(&ran, 0);
    let doc = ran.json();
    assert_eq!(doc["result"], "dry_run", "{doc}");
    assert_eq!(doc["dry_run"], true);
    assert!(!doc["plan"].as_array().unwrap().is_empty(), "{doc}");
    assert_eq!(rv(&sim, FEATURE_STORE), before);
    let journal = sim.journal();
    assert_eq!(journal.len(), 1, "{journal:?}");
    assert_eq!(journal[0]["result"], "dry_run");
    assert_eq!(journal[0]["action"], "promote");
    let ran = sim.run(&[
        "restart",
        "ml-platform/customer-intelligence-api",
        "--dry-run",
    ]);
    code(&ran, 0);
    assert!(ran.stdout.contains("dry run, nothing changed"), "{ran:?}");
    assert!(ran.stderr.contains("every pod replaced"), "{ran:?}");
}

#[test]
fn undo_to_a_revision_puts_its_template_back() {
    let sim = Sim::start(&[]);
    let image = |sim: &Sim| {
        sim.get(INTELLIGENCE)["spec"]["template"]["spec"]["containers"][0]["image"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(image(&sim), "ghcr.io/acme/customer-intelligence-api:v2.6.0");
    let ran = sim.run(&[
        "undo",
        "ml-platform/customer-intelligence-api",
        "--to-revision",
        "3",
        "--yes",
    ]);
    code(&ran, 0);
    assert_eq!(image(&sim), "ghcr.io/acme/customer-intelligence-api:v2.5.0");
    journaled(&sim, "undo", "done");
    let ran = sim.run(&[
        "undo",
        "ml-platform/customer-intelligence-api",
        "--to-revision",
        "42",
        "--yes",
    ]);
    code(&ran, 2);
}

#[test]
fn abort_then_retry() {
    let sim = Sim::start(&[]);
    let aborted = |sim: &Sim| sim.get(ORDERS_API)["status"]["abort"] == true;
    assert!(!aborted(&sim));
    code(&sim.run(&["abort", "orders/orders-api", "--yes"]), 0);
    assert!(aborted(&sim));
    journaled(&sim, "abort", "done");
    // Aborting again is not valid now: refused, nothing sent.
    code(&sim.run(&["abort", "orders/orders-api", "--yes"]), 3);
    journaled(&sim, "abort", "refused");
    code(&sim.run(&["retry", "orders/orders-api", "--yes"]), 0);
    assert!(!aborted(&sim));
    journaled(&sim, "retry", "done");
}

#[test]
fn pause_resume_and_restart_a_deployment() {
    let sim = Sim::start(&[]);
    let paused = |sim: &Sim| sim.get(INTELLIGENCE)["spec"]["paused"] == true;
    code(
        &sim.run(&["pause", "ml-platform/customer-intelligence-api", "--yes"]),
        0,
    );
    assert!(paused(&sim));
    journaled(&sim, "pause", "done");
    code(
        &sim.run(&["resume", "ml-platform/customer-intelligence-api", "--yes"]),
        0,
    );
    assert!(!paused(&sim));
    journaled(&sim, "resume", "done");
    code(
        &sim.run(&["restart", "ml-platform/customer-intelligence-api", "--yes"]),
        0,
    );
    let d = sim.get(INTELLIGENCE);
    assert!(
        d["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"]
            .is_string(),
        "{d}"
    );
    journaled(&sim, "restart", "done");
}

/// The orders-api run in progress and its pending deployment's environment id, once the
/// clock has brought the run to its staging gate.
fn staging_gate(sim: &Sim) -> (u64, u64) {
    let runs = sim.get("/github/repos/acme/orders-api/actions/runs");
    let run = runs["workflow_runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["status"] == "in_progress")
        .expect("no run in progress")["id"]
        .as_u64()
        .unwrap();
    let path = format!("/github/repos/acme/orders-api/actions/runs/{run}/pending_deployments");
    for _ in 0..40 {
        let pending = sim.get(&path);
        if let Some(p) = pending.as_array().and_then(|p| p.first()) {
            return (run, p["environment"]["id"].as_u64().unwrap());
        }
        sim.advance(15.0);
    }
    panic!("run {run} never reached a pending deployment");
}

#[test]
fn approving_the_staging_gate_moves_the_run() {
    let sim = Sim::start(&[]);
    let (run, env) = staging_gate(&sim);
    let gate = format!("github:acme/orders-api:{run}:{env}");
    let ran = sim.run(&["approve", &gate, "-n", "orders", "--yes", "-o", "json"]);
    code(&ran, 0);
    assert_eq!(ran.json()["result"], "done");
    let path = format!("/github/repos/acme/orders-api/actions/runs/{run}/pending_deployments");
    assert_eq!(sim.get(&path), Value::Array(Vec::new()));
    let line = journaled(&sim, "approve", "done");
    assert!(
        line["confirmation"]
            .as_array()
            .unwrap()
            .contains(&Value::from("comment: approved from Quarterdeck")),
        "{line}"
    );
    // The gate is not waiting any more: refused.
    code(&sim.run(&["approve", &gate, "-n", "orders", "--yes"]), 3);
}

#[test]
fn rejecting_a_blocked_gitlab_deployment() {
    let sim = Sim::start(&[]);
    let deployments = "/gitlab/api/v4/projects/bnpl%2Ffeature-store/deployments?per_page=20&order_by=id&sort=desc";
    let blocked = sim
        .get(deployments)
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["status"] == "blocked")
        .expect("no blocked deployment")["id"]
        .as_u64()
        .unwrap();
    let gate = format!("gitlab:bnpl/feature-store:deployment:{blocked}");
    let ran = sim.run(&[
        "reject",
        &gate,
        "-n",
        "bnpl",
        "--comment",
        "not today",
        "--yes",
    ]);
    code(&ran, 0);
    let still = sim
        .get(deployments)
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["id"] == blocked && d["status"] == "blocked");
    assert!(!still, "deployment {blocked} still blocked");
    let line = journaled(&sim, "reject", "done");
    assert!(
        line["confirmation"]
            .as_array()
            .unwrap()
            .contains(&Value::from("comment: not today")),
        "{line}"
    );
}

#[test]
fn playing_a_gitlab_manual_job() {
    let sim = Sim::start(&[]);
    let project = "/gitlab/api/v4/projects/acme%2Fobservability-stack";
    // The newest manual job: the one whose pipeline the dashboard shows it waiting in.
    let jobs = sim.get(&format!("{project}/jobs?scope[]=manual"));
    let job = jobs[0]["id"].as_u64().expect("no manual job");
    let ran = sim.run(&[
        "play",
        &format!("gitlab:acme/observability-stack:job:{job}"),
        "-n",
        "observability",
        "--yes",
        "-o",
        "json",
    ]);
    code(&ran, 0);
    assert_eq!(ran.json()["action"], "play");
    let status = sim.get(&format!("{project}/jobs/{job}"))["status"].clone();
    assert_ne!(status, "manual");
    journaled(&sim, "approve", "done");
}

#[test]
fn readonly_refuses() {
    let sim = Sim::start(&[]);
    let before = rv(&sim, FEATURE_STORE);
    let ran = sim.run(&["--readonly", "promote", "bnpl/feature-store", "--yes"]);
    code(&ran, 3);
    assert!(ran.stderr.contains("read-only"), "{ran:?}");
    assert_eq!(rv(&sim, FEATURE_STORE), before);
    journaled(&sim, "promote", "refused");
}

#[test]
fn a_protected_context_wants_the_name() {
    let sim = Sim::start(&[]);
    sim.configure("[contexts.\"*\"]\nprotected = true\n");
    let before = rv(&sim, FEATURE_STORE);
    let ran = sim.run(&["promote", "bnpl/feature-store", "--yes"]);
    code(&ran, 3);
    assert!(
        ran.stderr.contains("--confirm-name feature-store"),
        "{ran:?}"
    );
    assert_eq!(rv(&sim, FEATURE_STORE), before);
    journaled(&sim, "promote", "refused");
    let ran = sim.run(&[
        "promote",
        "bnpl/feature-store",
        "--yes",
        "--confirm-name",
        "orders-api",
    ]);
    code(&ran, 3);
    let ran = sim.run(&[
        "promote",
        "bnpl/feature-store",
        "--yes",
        "--confirm-name",
        "feature-store",
    ]);
    code(&ran, 0);
    assert_ne!(rv(&sim, FEATURE_STORE), before);
    journaled(&sim, "promote", "done");
}

#[test]
fn a_denied_verb_is_refused_before_sending() {
    let sim = Sim::start(&[]);
    let (status, body) = sim.http(
        "POST",
        "/sim/permissions",
        r#"{"deny":[{"verb":"patch","group":"argoproj.io","resource":"rollouts"}]}"#,
    );
    assert_eq!(status, 200, "{body}");
    let before = rv(&sim, FEATURE_STORE);
    let ran = sim.run(&["promote", "bnpl/feature-store", "--yes"]);
    code(&ran, 3);
    assert!(ran.stderr.contains("not permitted"), "{ran:?}");
    assert_eq!(rv(&sim, FEATURE_STORE), before);
    journaled(&sim, "promote", "refused");
}
