//! The Logs pane split canary | stable as a user sees it: the real binary in a pseudo-terminal
//! running `quarterdeck demo`. On the feature-store canary, `|` puts the canary pods' lines
//! beside the stable pods', each side counting lines and errors in its title; once the canary
//! is made bad through `/sim/version`, its error count climbs while the stable side's stays put.
//! Outside a canary the key says so instead.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "pty/mod.rs"]
mod pty;

use std::time::Duration;

use pty::Tui;

/// Generous: the demo builds its world, and a busy machine may be compiling beside it.
const WAIT: Duration = Duration::from_secs(40);

/// The `(lines, errors)` in the title of the side whose role word is `side`.
fn counts(screen: &str, side: &str) -> Option<(u64, u64)> {
    let pattern = format!("Logs {side} ");
    let title = screen.lines().find(|l| l.contains(&pattern))?;
    let rest = &title[title.find(&pattern)? + pattern.len()..];
    let num = |s: &str| s.replace(',', "").parse::<u64>().ok();
    let mut words = rest.split_whitespace();
    let lines = num(words.next()?)?;
    let errors = num(words.nth(2)?)?;
    Some((lines, errors))
}

#[test]
fn canary_beside_stable_with_counters_that_move() {
    let mut tui = Tui::demo(&[]);
    tui.wait_for("the seed releases", WAIT, |s| s.contains("feature-store"));
    tui.select("customer-intelligence-api");
    tui.keys("|");
    tui.wait_for("the split refused outside a canary", WAIT, |s| {
        s.contains("customer-intelligence-api is not a canary")
    });

    tui.keys("\x15");
    tui.wait_for("the filter cleared", WAIT, |s| s.contains("globeco-order-"));
    tui.select("feature-store");
    tui.keys("|");
    let both = tui.wait_for("both sides counting", WAIT, |s| {
        counts(s, "canary").is_some_and(|c| c.0 > 0) && counts(s, "stable").is_some_and(|c| c.0 > 0)
    });
    let (_, canary_errors) = counts(&both, "canary").unwrap();
    tui.control(
        "/sim/version",
        r#"{"image":"gcr.io/feature-store-prod/feature-store:e51f6b3","error_rate":0.9}"#,
    );
    tui.wait_for("the canary's errors climbing", WAIT, |s| {
        counts(s, "canary").is_some_and(|c| c.1 >= canary_errors + 5)
    });

    tui.keys("|");
    tui.wait_for("the pane joined again", WAIT, |s| {
        counts(s, "canary").is_none() && s.contains(" Logs ")
    });
}
