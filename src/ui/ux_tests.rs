//! What a new user sees first, at 80×24: whole words in the status bar and pod reasons, a
//! gates inbox that says what it hides, the next keys of a chord, why CI says nothing.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::config::{Theme, load_keymap};
use quarterdeck_core::key::KeyPress;
use quarterdeck_core::sample;
use quarterdeck_core::sample_ci::ci_model;
use quarterdeck_core::{Model, Msg, update};

fn snap(model: &Model) -> String {
    let (w, h) = model.size;
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    let theme = Theme::load("default", None).unwrap();
    term.draw(|f| {
        super::view(model, &theme, f);
    })
    .unwrap();
    let buf = term.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        for x in 0..buf.area.width {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn keys(model: &mut Model, ks: &[&str]) {
    for k in ks {
        update(model, Msg::Key(KeyPress::parse(k).unwrap()));
    }
}

fn showcase(w: u16, h: u16) -> Model {
    sample::model_with(sample::showcase_objects(), w, h).0
}

fn last_line(s: &str) -> &str {
    s.lines().last().unwrap_or_default()
}

#[test]
fn the_status_bar_at_80_columns_ends_on_a_whole_segment() {
    let s = snap(&showcase(80, 24));
    let bar = last_line(&s);
    assert!(
        bar.contains("prod-eu-west │ all namespaces │ all live ●"),
        "{bar}"
    );
    assert!(bar.trim_end().ends_with('│'), "a segment cut off: {bar}");
    insta::assert_snapshot!(s);
}

#[test]
fn a_crash_looping_pod_shows_its_reason_at_80_columns() {
    let s = snap(&showcase(80, 24));
    assert!(s.contains("✖ CrashLoop (OOMKilled)"), "{s}");
    assert!(!s.contains("(O…"), "{s}");
}

#[test]
fn the_gates_inbox_at_80x24_says_how_many_it_does_not_show() {
    let mut m = ci_model(80, 24);
    keys(&mut m, &["g"]);
    let s = snap(&m);
    assert!(s.contains("Gates 4 waiting · 2 shown"), "{s}");
    assert!(s.contains("↓ 2 more below (j)"), "{s}");
    keys(&mut m, &["j", "j"]);
    let s = snap(&m);
    assert!(s.contains("↑ 2 more above (k)"), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn a_pending_chord_shows_its_next_keys() {
    let mut m = showcase(120, 30);
    m.keymap = load_keymap("vim", None).unwrap();
    keys(&mut m, &["g"]);
    let s = snap(&m);
    let prompt = s.lines().rev().nth(1).unwrap_or_default();
    assert!(prompt.starts_with("g… (any other key cancels)"), "{prompt}");
    assert!(prompt.contains("g top"), "{prompt}");
    assert!(prompt.contains("i gates"), "{prompt}");
    keys(&mut m, &["x"]);
    assert!(!snap(&m).contains("any other key cancels"));
}

#[test]
fn without_ci_the_status_bar_says_why_once() {
    let mut m = showcase(200, 40);
    m.ci.without_token = vec![
        quarterdeck_core::pipeline::Provider::GitHub,
        quarterdeck_core::pipeline::Provider::GitLab,
    ];
    let s = snap(&m);
    assert_eq!(
        s.matches("CI off: no token, no release linked").count(),
        1,
        "{s}"
    );
    let linked = snap(&ci_model(200, 40));
    assert!(!linked.contains("CI off"), "{linked}");
}
