//! The harness itself: `quarterdeck sim` starts, a command reaches it, usage errors exit 2.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "headless/mod.rs"]
mod headless;

use headless::Sim;

#[test]
fn the_simulator_answers_and_a_bad_command_line_exits_2() {
    let sim = Sim::start(&[]);
    let version = sim.get("/version");
    assert!(version["gitVersion"].is_string(), "{version}");
    let ran = sim.run(&["get", "nonsense"]);
    assert_eq!(ran.code, 2, "{ran:?}");
}
