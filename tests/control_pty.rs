//! Release control as a user sees it: the real binary in a pseudo-terminal running `quarterdeck
//! demo`. Every step waits for its visible effect before the next key, so a busy machine only
//! makes the test slower, never wrong.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "pty/mod.rs"]
mod pty;

use std::time::Duration;

use pty::Tui;

/// Generous: the demo builds its world, and a busy machine may be compiling beside it.
const WAIT: Duration = Duration::from_secs(40);

/// The demo with its seed releases on screen.
fn started(tui: &Tui) {
    tui.wait_for("the seed releases", WAIT, |s| {
        s.contains("feature-store")
            && s.contains("customer-intelligence-api")
            && s.contains("orders-api")
    });
}

/// The line of the Releases row named `name`.
fn row<'a>(screen: &'a str, name: &str) -> Option<&'a str> {
    screen.lines().find(|l| {
        l.trim_start_matches(['┃', '│'])
            .trim_start_matches('›')
            .trim_start()
            .starts_with(&format!("{name} "))
    })
}

/// The REV column of release `name`, read under the Releases header's `REV`.
fn revision(screen: &str, name: &str) -> Option<u32> {
    let header = screen
        .lines()
        .find(|l| l.contains("NAME") && l.contains(" REV "))?;
    let at = header.find(" REV ")? + 1;
    let column = header[..at].chars().count();
    let cells: String = row(screen, name)?.chars().skip(column).collect();
    cells.split_whitespace().next()?.parse().ok()
}

#[test]
fn approve_the_orders_api_staging_gate_and_see_the_pipeline_move() {
    let mut tui = Tui::demo(&[]);
    started(&tui);
    // Let the simulated pipeline reach its staging gate sooner.
    tui.control("/sim/clock", r#"{"speed":8}"#);
    tui.keys("g");
    tui.wait_for("the staging gate", WAIT, |s| {
        s.contains("acme/orders-api › staging")
    });
    tui.control("/sim/clock", r#"{"speed":1}"#);
    // The newest gate is last; the cursor (▸) goes there.
    tui.keys("G");
    tui.wait_for("the cursor on the staging gate", WAIT, |s| {
        s.lines()
            .any(|l| l.contains('▸') && l.contains("acme/orders-api › staging"))
    });
    tui.keys("A");
    let confirm = tui.wait_for("the confirmation", WAIT, |s| {
        s.contains("Confirm: approve staging")
    });
    assert!(confirm.contains("[ Cancel ]"), "{confirm}");
    assert!(confirm.contains("deploy-staging"), "{confirm}");
    tui.keys("y");
    tui.wait_for("the approval", WAIT, |s| s.contains("approved for staging"));
    // The gate leaves the inbox, and orders-api's pipeline runs its staging deploy.
    tui.wait_for("the gate gone", WAIT, |s| {
        !s.contains("acme/orders-api › staging")
    });
    tui.keys("1");
    tui.select("orders-api");
    tui.keys("c");
    tui.wait_for("deploy-staging running or done", WAIT, |s| {
        s.contains("◐ deploy-staging") || s.contains("✔ deploy-staging")
    });
}

#[test]
fn promote_feature_store_and_see_the_step_change() {
    let mut tui = Tui::demo(&[]);
    started(&tui);
    tui.select("feature-store");
    tui.wait_for("feature-store paused at step 1/5", WAIT, |s| {
        s.contains("canary · bnpl · step 1/5")
            && row(s, "feature-store").is_some_and(|r| r.contains("Paused"))
    });
    tui.keys("P");
    let confirm = tui.wait_for("the confirmation", WAIT, |s| {
        s.contains("Confirm: promote feature-store")
    });
    assert!(confirm.contains("setWeight 50%"), "{confirm}");
    tui.keys("y");
    let moved = tui.wait_for("the next step", WAIT, |s| {
        s.contains("canary · bnpl · step ") && !s.contains("canary · bnpl · step 1/5")
    });
    assert!(moved.contains("promote feature-store:"), "{moved}");
    let journal = std::fs::read_to_string(tui.state_dir().join("journal.jsonl")).unwrap();
    assert!(journal.contains(r#""action":"promote""#), "{journal}");
    assert!(journal.contains(r#""result":"done""#), "{journal}");
}

#[test]
fn undo_customer_intelligence_to_the_previous_revision() {
    let mut tui = Tui::demo(&[]);
    started(&tui);
    tui.select("customer-intelligence-api");
    let before = tui.screen();
    let rev_before = revision(&before, "customer-intelligence-api").unwrap();
    tui.keys("U");
    let picker = tui.wait_for("the revision picker", WAIT, |s| {
        s.contains("Roll back deployment/customer-intelligence-api")
    });
    assert!(picker.contains("(now)"), "{picker}");
    tui.keys("\r");
    let confirm = tui.wait_for("the confirmation", WAIT, |s| {
        s.contains("Confirm: undo customer-intelligence-api")
    });
    assert!(
        confirm.contains(&format!("it becomes revision {}", rev_before + 1)),
        "{confirm}"
    );
    tui.keys("y");
    tui.wait_for("the new revision", WAIT, |s| {
        revision(s, "customer-intelligence-api") == Some(rev_before + 1)
    });
}

#[test]
fn readonly_offers_nothing() {
    let mut tui = Tui::demo(&["--readonly"]);
    started(&tui);
    assert!(tui.screen().contains("READ-ONLY"));
    for key in ["a", "P", "U", "A"] {
        tui.keys(key);
        tui.wait_for("the read-only notice", WAIT, |s| {
            s.contains("read-only (--readonly): nothing can be changed")
        });
        assert!(!tui.screen().contains("Confirm:"));
    }
    tui.keys("?");
    let help = tui.wait_for("the help", WAIT, |s| s.contains("Keys (read-only)"));
    assert!(!help.contains("promote the rollout"), "{help}");
    assert!(!help.contains("actions for the focused row"), "{help}");
}

#[test]
fn a_protected_context_asks_for_the_name_and_no_token_leaks() {
    let mut tui = Tui::demo_with_config(&[], Some("[contexts.\"*\"]\nprotected = true\n"));
    started(&tui);
    assert!(tui.screen().contains("PROTECTED"));
    tui.select("feature-store");
    tui.wait_for("feature-store paused at step 1/5", WAIT, |s| {
        s.contains("canary · bnpl · step 1/5")
    });
    tui.keys("P");
    tui.wait_for("the name prompt", WAIT, |s| {
        s.contains("type feature-store to confirm")
    });
    // `y` is only a letter here, and a wrong name does not confirm.
    tui.keys("y\r");
    tui.wait_for("the hint", WAIT, |s| {
        s.contains("type feature-store exactly")
    });
    assert!(tui.screen().contains("canary · bnpl · step 1/5"));
    tui.keys("\x7f");
    tui.keys("feature-store\r");
    tui.wait_for("the next step", WAIT, |s| {
        s.contains("canary · bnpl · step ") && !s.contains("canary · bnpl · step 1/5")
    });
    // The canary: the simulator's token reached neither the journal nor the log file.
    let token = tui.token();
    for file in ["journal.jsonl", "quarterdeck.log"] {
        let text = std::fs::read_to_string(tui.state_dir().join(file)).unwrap();
        assert!(!text.is_empty(), "{file} is empty");
        assert!(!text.contains(&token), "the token is in {file}");
    }
    assert!(!String::from_utf8_lossy(&tui.raw.lock().unwrap()).contains(&token));
}
