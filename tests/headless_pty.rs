//! A changing command on a terminal asks, as the dashboard does: the plan, then "Proceed?
//! [y/N]" with No the default, or the typed name in a protected context. The real binary in
//! a pseudo-terminal against `quarterdeck sim`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "headless/mod.rs"]
mod headless;
#[path = "pty/mod.rs"]
mod pty;

use std::time::Duration;

use headless::Sim;
use pty::Tui;

const WAIT: Duration = Duration::from_secs(30);
const FEATURE_STORE: &str = "/apis/argoproj.io/v1alpha1/namespaces/bnpl/rollouts/feature-store";

fn promote_on_a_terminal(sim: &Sim, config: Option<&str>) -> Tui {
    let dirs = tempfile::tempdir().unwrap();
    if let Some(text) = config {
        std::fs::create_dir_all(dirs.path().join("config")).unwrap();
        std::fs::write(dirs.path().join("config/config.toml"), text).unwrap();
    }
    let kubeconfig = sim.kubeconfig.display().to_string();
    Tui::spawn(
        &["promote", "bnpl/feature-store", "--kubeconfig", &kubeconfig],
        dirs,
    )
}

fn paused(sim: &Sim) -> bool {
    sim.get(FEATURE_STORE)["status"]["pauseConditions"]
        .as_array()
        .is_some_and(|p| !p.is_empty())
}

#[test]
fn enter_keeps_the_default_no_and_y_promotes() {
    let sim = Sim::start(&[]);
    let mut tui = promote_on_a_terminal(&sim, None);
    let asked = tui.wait_for("the question", WAIT, |s| s.contains("Proceed? [y/N]"));
    assert!(
        asked.contains("to         step 2/5 (setWeight 50%)"),
        "{asked}"
    );
    tui.keys("\r");
    assert_eq!(tui.wait_exit(WAIT).exit_code(), 3);
    assert!(paused(&sim), "a cancel changed the world");
    // One pty at a time: the first gives its turn back.
    drop(tui);

    let mut tui = promote_on_a_terminal(&sim, None);
    tui.wait_for("the question", WAIT, |s| s.contains("Proceed? [y/N]"));
    tui.keys("y\r");
    assert_eq!(tui.wait_exit(WAIT).exit_code(), 0);
    assert!(!paused(&sim), "the promote did not reach the world");
}

#[test]
fn a_protected_context_asks_for_the_name() {
    let sim = Sim::start(&[]);
    let config = Some("[contexts.\"*\"]\nprotected = true\n");
    let mut tui = promote_on_a_terminal(&sim, config);
    tui.wait_for("the name prompt", WAIT, |s| {
        s.contains("type feature-store to confirm:")
    });
    tui.keys("y\r");
    assert_eq!(tui.wait_exit(WAIT).exit_code(), 3);
    assert!(paused(&sim));
    drop(tui);

    let mut tui = promote_on_a_terminal(&sim, config);
    tui.wait_for("the name prompt", WAIT, |s| {
        s.contains("type feature-store to confirm:")
    });
    tui.keys("feature-store\r");
    assert_eq!(tui.wait_exit(WAIT).exit_code(), 0);
    assert!(!paused(&sim));
}
