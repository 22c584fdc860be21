//! A rollback drill as a user plays it: the real binary in a pseudo-terminal running
//! `quarterdeck drill feature-store-guard-off` (its canary waits at 10% until promoted, so no
//! step moves under the user's keys). The bar shows the timer, the user opens feature-store's
//! analysis and aborts the bad canary with the keys, the scorecard appears, and the result is
//! in `drills.jsonl`. Every step waits for its visible effect before the next key.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "pty/mod.rs"]
mod pty;

use std::time::Duration;

use pty::Tui;

/// Generous: the simulator builds its world, and a busy machine may be compiling beside it.
const WAIT: Duration = Duration::from_secs(60);

/// The drill's elapsed seconds as its bar shows them (`⏱ m:ss / …`).
fn elapsed(screen: &str) -> Option<u64> {
    let bar = screen.lines().find(|l| l.contains("DRILL"))?;
    let clock = bar.split('⏱').nth(1)?.split_whitespace().next()?;
    let (m, s) = clock.split_once(':')?;
    Some(m.parse::<u64>().ok()? * 60 + s.parse::<u64>().ok()?)
}

#[test]
fn a_drill_is_played_with_the_keys_and_scored() {
    let dirs = tempfile::tempdir().unwrap();
    let state = dirs.path().join("state");
    // Four simulated seconds per second: the metrics' one-minute window passes sooner.
    let mut tui = Tui::spawn(
        &[
            "drill",
            "feature-store-guard-off",
            "--seed",
            "2",
            "--speed",
            "4",
        ],
        dirs,
    );
    let first = tui.wait_for("the drill bar with its timer", WAIT, |s| {
        s.contains("DRILL") && s.contains("feature-store-guard-off") && elapsed(s).is_some()
    });
    assert!(!first.contains("hint:"), "hints without --hints:\n{first}");
    tui.wait_for("the seed releases", WAIT, |s| s.contains("feature-store"));
    tui.select("feature-store");
    tui.keys("v");
    tui.wait_for("the analysis pane", WAIT, |s| {
        s.contains("Analysis feature-store")
    });
    // The incident falls within the first 40 seconds; wait until the timer is past them.
    tui.wait_for("the incident's window passed", WAIT, |s| {
        elapsed(s).is_some_and(|t| t > 45)
    });
    tui.keys("X");
    let confirm = tui.wait_for("the abort's confirmation", WAIT, |s| {
        s.contains("[ Cancel ]")
    });
    assert!(
        confirm.contains("Confirm: abort feature-store"),
        "{confirm}"
    );
    tui.keys("y");
    let card = tui.wait_for("the scorecard", WAIT * 2, |s| s.contains("Scorecard"));
    assert!(card.contains("time to mitigate"), "{card}");
    assert!(
        card.contains("abort rollout/feature-store in bnpl"),
        "{card}"
    );
    let results = std::fs::read_to_string(state.join("drills.jsonl")).unwrap();
    let line: serde_json::Value = serde_json::from_str(results.lines().last().unwrap()).unwrap();
    assert_eq!(line["drill"], "feature-store-guard-off", "{line:#}");
    assert_eq!(line["responder"], "user", "{line:#}");
    assert!(line["detect_s"].is_number(), "{line:#}");
    assert!(line["mitigate_s"].is_number(), "{line:#}");
    let actions = line["actions"].as_array().unwrap();
    assert!(
        actions
            .iter()
            .any(|a| a["action"] == "abort" && a["result"] == "done" && a["by"] == "user"),
        "{line:#}"
    );
    tui.keys("q");
    tui.wait_exit(WAIT);
}
