//! Canary analysis as a user sees it: the real binary in a pseudo-terminal running `quarterdeck
//! demo`. The Analysis pane shows canary and stable side by side with the triggers' thresholds;
//! once the canary is made bad through `/sim/version` and the frozen clock advanced, the
//! trigger's countdown and then the guard's one-key proposal appear. Every step waits for its
//! visible effect, so a busy machine only makes the test slower.
//!
//! The error-ratio trigger holds for 30 s here, not the seed's two minutes: the demo world's own
//! Argo background analysis (failure limit 3, every 30 s) would abort the canary by itself at
//! about two minutes. The canary fails 90% of its requests, so the ratio over the one-minute
//! rate window is above 1% at the first sample after the version went bad, wherever the
//! samples' 15 s grid falls.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "pty/mod.rs"]
mod pty;

use std::time::Duration;

use pty::Tui;

/// Generous: the demo builds its world, and a busy machine may be compiling beside it.
const WAIT: Duration = Duration::from_secs(40);

/// feature-store's own triggers win over the two-minute ones of its AnalysisTemplates; the
/// others' leave out health, so crash-looping customer-intelligence keeps the banner free.
const CONFIG: &str = r#"
[analysis]
triggers = ["error_ratio > 1% for 2m", "p95 > 50ms for 2m"]
[[release]]
name = "feature-store"
workload = "rollout/feature-store"
namespace = "bnpl"
triggers = ["error_ratio > 1% for 30s", "p95 > 50ms for 2m"]
guard = "propose"
"#;

/// The line of the Releases row named `name`.
fn row<'a>(screen: &'a str, name: &str) -> Option<&'a str> {
    screen
        .lines()
        .find(|l| l.contains(&format!("› {name} ")) || l.contains(&format!("  {name} ")))
}

#[test]
fn the_analysis_pane_then_the_countdown_then_the_proposal() {
    let mut tui = Tui::demo_with_config(&[], Some(CONFIG));
    tui.wait_for("the seed releases", WAIT, |s| s.contains("feature-store"));
    // Nothing moves unless the test says so.
    tui.control("/sim/clock", r#"{"frozen":true}"#);
    tui.select("feature-store");
    tui.keys("v");
    // Each signal's line: the canary's value, the threshold, the stable's value.
    let measured = |s: &str, signal: &str, unit: &str| {
        s.lines()
            .any(|l| l.contains(signal) && l.matches(unit).count() == 3)
    };
    let pane = tui.wait_for("the analysis pane with both sides measured", WAIT, |s| {
        s.contains("Analysis feature-store")
            && s.contains("STABLE")
            && measured(s, "error ratio", "%")
            && measured(s, "p95 latency", "ms")
    });
    assert!(pane.contains("> 1% /30s"), "{pane}");
    assert!(pane.contains("> 50ms /2m"), "{pane}");

    tui.control(
        "/sim/version",
        r#"{"image":"gcr.io/feature-store-prod/feature-store:e51f6b3","error_rate":0.9,"latency_ms":22}"#,
    );
    tui.control("/sim/clock", r#"{"advance_seconds":30}"#);
    let holding = tui.wait_for("the countdown", WAIT, |s| {
        s.contains("⚠ feature-store canary: error ratio")
    });
    assert!(holding.contains("> 1% for"), "{holding}");
    assert!(
        row(&holding, "feature-store").is_some_and(|r| r.contains('⚠')),
        "{holding}"
    );
    assert!(!holding.contains("roll back"), "{holding}");

    tui.control("/sim/clock", r#"{"advance_seconds":40}"#);
    let proposed = tui.wait_for("the proposal", WAIT, |s| {
        s.contains("feature-store canary: error ratio") && s.contains("B roll back")
    });
    assert!(
        row(&proposed, "feature-store").is_some_and(|r| r.contains('✗')),
        "{proposed}"
    );
    // The key opens the usual confirmation with the exact plan, Cancel first.
    tui.keys("B");
    let confirm = tui.wait_for("the confirmation", WAIT, |s| {
        s.contains("Confirm: abort, then undo feature-store")
    });
    assert!(confirm.contains("[ Cancel ]"), "{confirm}");
    assert!(
        confirm.contains("revision 3 (gcr.io/feature-store-prod/feature-store:c4e7a90)"),
        "the stable revision: {confirm}"
    );
}
