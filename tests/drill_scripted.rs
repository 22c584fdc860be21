//! Rollback drills end to end: the real binary plays each shipped drill on its embedded
//! simulator with the scripted responder (which acts through the same commands a user runs)
//! and the judge reads the world back over HTTP. The result is read from `drills.jsonl` in the
//! state directory, as a user would find it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// Runs `quarterdeck drill ARGS` with private config and state directories; answers the exit
/// code, stdout and the last line of `drills.jsonl`.
fn drill(dir: &Path, args: &[&str]) -> (i32, String, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_quarterdeck"))
        .arg("drill")
        .args(args)
        .env("QUARTERDECK_STATE_DIR", dir.join("state"))
        .env("QUARTERDECK_CONFIG_DIR", dir.join("config"))
        .env_remove("KUBECONFIG")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let results = std::fs::read_to_string(dir.join("state/drills.jsonl")).unwrap_or_default();
    let last = results
        .lines()
        .last()
        .map(|l| serde_json::from_str(l).unwrap())
        .unwrap_or_else(|| {
            panic!("no result in drills.jsonl\nstdout:\n{stdout}\nstderr:\n{stderr}")
        });
    (out.status.code().unwrap_or(-1), stdout, last)
}

fn passes_with_the_scripted_responder(name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, card) = drill(
        dir.path(),
        &[name, "--responder", "scripted", "--seed", "3"],
    );
    assert_eq!(card["verdict"], "pass", "{name}: {card:#}\n{stdout}");
    assert_eq!(code, 0, "{stdout}");
    assert!(card["detect_s"].is_number(), "{card:#}");
    assert!(card["mitigate_s"].is_number(), "{card:#}");
    assert!(!card["actions"].as_array().unwrap().is_empty(), "{card:#}");
    assert_eq!(card["collateral"], serde_json::json!([]), "{card:#}");
    // The actions came from the journal: the same control path as the dashboard's.
    let journal = std::fs::read_to_string(dir.path().join("state/journal.jsonl")).unwrap();
    for action in card["actions"].as_array().unwrap() {
        assert!(
            journal.contains(&format!("\"action\":{}", action["action"])),
            "{action} is not in the journal:\n{journal}"
        );
    }
}

#[test]
fn orders_canary_passes() {
    passes_with_the_scripted_responder("orders-canary");
}

#[test]
fn feature_store_guard_off_passes() {
    passes_with_the_scripted_responder("feature-store-guard-off");
}

#[test]
fn customer_intelligence_crashloop_passes() {
    passes_with_the_scripted_responder("customer-intelligence-crashloop");
}

#[test]
fn observability_switchback_passes() {
    passes_with_the_scripted_responder("observability-switchback");
}

#[test]
fn compound_decoy_passes() {
    passes_with_the_scripted_responder("compound-decoy");
}

#[test]
fn a_responder_that_does_nothing_fails() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, card) = drill(dir.path(), &["orders-canary", "--responder", "none"]);
    assert_eq!(card["verdict"], "fail", "{card:#}");
    assert_eq!(code, 1, "{stdout}");
    assert!(
        card["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r == "never detected"),
        "{card:#}"
    );
    assert_eq!(card["actions"], serde_json::json!([]), "{card:#}");
}

/// `orders-gate-approved` passes with the scripted responder in `tests/drill_incidents.rs`,
/// where the simulator can be read over HTTP.
#[test]
fn doing_nothing_after_someone_else_approves_a_bad_image_fails() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, card) = drill(
        dir.path(),
        &["orders-gate-approved", "--responder", "none", "--seed", "3"],
    );
    assert_eq!(card["verdict"], "fail", "{card:#}");
    assert_eq!(code, 1, "{stdout}");
    let reasons = card["reasons"].to_string();
    assert!(reasons.contains("never detected"), "{card:#}");
    assert!(reasons.contains("never mitigated"), "{card:#}");
    assert!(
        card["incidents"]
            .to_string()
            .contains("maria.chen approves"),
        "{card:#}"
    );
}

#[test]
fn acting_on_the_decoy_is_charged_as_collateral() {
    let dir = tempfile::tempdir().unwrap();
    // The user's own drill: the compound one, with an answer key that also aborts the decoy.
    let drills = dir.path().join("config/drills");
    std::fs::create_dir_all(&drills).unwrap();
    let shipped = include_str!("../assets/drills/compound-decoy.toml");
    // Its first step: abort orders-api, the decoy.
    let clumsy = shipped.replacen(
        "[[answer]]",
        "[[answer]]\nafter = \"5s\"\nact = \"abort\"\nrelease = \"orders/orders-api\"\n\n[[answer]]",
        1,
    );
    assert_ne!(clumsy, shipped);
    std::fs::write(drills.join("clumsy.toml"), clumsy).unwrap();
    let (code, stdout, card) = drill(dir.path(), &["clumsy", "--responder", "scripted"]);
    assert_eq!(code, 1, "{stdout}");
    assert_eq!(card["verdict"], "fail", "{card:#}");
    let collateral = card["collateral"].as_array().unwrap();
    assert_eq!(collateral.len(), 1, "{card:#}");
    assert!(
        collateral[0]
            .as_str()
            .unwrap()
            .contains("orders/orders-api"),
        "{card:#}"
    );
    // The real trouble was still handled.
    assert!(card["mitigate_s"].is_number(), "{card:#}");
}

#[test]
fn the_same_seed_gives_the_same_timings() {
    let run = |seed: &str| {
        let dir = tempfile::tempdir().unwrap();
        let (_, _, card) = drill(
            dir.path(),
            &[
                "observability-switchback",
                "--responder",
                "scripted",
                "--seed",
                seed,
            ],
        );
        (
            card["incidents"].clone(),
            card["detect_s"].clone(),
            card["mitigate_s"].clone(),
        )
    };
    let first = run("11");
    assert_eq!(first, run("11"));
    assert!(first.0.as_array().unwrap().len() == 2, "{first:?}");
}

#[test]
fn a_report_tells_the_timeline() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("drill.md");
    let (code, stdout, _) = drill(
        dir.path(),
        &[
            "orders-canary",
            "--responder",
            "scripted",
            "--report",
            report.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{stdout}");
    let md = std::fs::read_to_string(&report).unwrap();
    assert!(md.starts_with("# Drill orders-canary"), "{md}");
    assert!(md.contains("**Verdict: PASS**"), "{md}");
    let incident = md
        .find("incident: ghcr.io/acme/orders-api:sha-f03c8b1 turns bad")
        .unwrap();
    let abort = md
        .find("| abort rollout/orders-api in orders by user — done |")
        .unwrap();
    let mitigated = md.find("mitigated").unwrap();
    assert!(incident < abort && abort < mitigated, "{md}");
}

#[test]
fn the_list_names_every_drill_and_a_broken_user_drill_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_quarterdeck"))
        .args(["drill", "--list"])
        .env("QUARTERDECK_CONFIG_DIR", dir.path())
        .output()
        .unwrap();
    let list = String::from_utf8_lossy(&out.stdout);
    assert_eq!(list.lines().count(), 6, "{list}");
    assert!(list.contains("orders-canary"), "{list}");
    std::fs::create_dir_all(dir.path().join("drills")).unwrap();
    std::fs::write(
        dir.path().join("drills/mine.toml"),
        "title = \"mine\"\ntime_limit = \"5m\"\ncolour = \"red\"\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_quarterdeck"))
        .args(["drill", "--list"])
        .env("QUARTERDECK_CONFIG_DIR", dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("mine.toml:3: unknown field `colour`"), "{err}");
}
