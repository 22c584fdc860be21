//! Snapshots of the Logs pane split canary | stable, with each side's counters in its title.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::config::Theme;
use quarterdeck_core::key::KeyPress;
use quarterdeck_core::msg::Msg;
use quarterdeck_core::pod::PodRole;
use quarterdeck_core::sample::{self, NOW_MS};
use quarterdeck_core::{Model, update};

fn snap(model: &Model) -> String {
    let (w, h) = model.size;
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    let theme = Theme::load("default", None).unwrap();
    term.draw(|f| {
        super::view(model, &theme, f);
    })
    .unwrap();
    let buf = term.backend().buffer();
    let mut out = String::new();
    for y in 0..h {
        let line: String = (0..w).map(|x| buf[(x, y)].symbol()).collect();
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn key(model: &mut Model, k: &str) {
    update(model, Msg::Key(KeyPress::parse(k).unwrap()));
}

/// orders-api (a paused canary: one canary pod, three stable) selected, the split on, and
/// each pod's last 20 s of lines fed (one in seven an error).
fn split(w: u16, h: u16) -> Model {
    let (mut m, _) = sample::model_with(sample::showcase_objects(), w, h);
    while m.releases.selected.as_ref().unwrap().key.name != "orders-api" {
        key(&mut m, "j");
    }
    key(&mut m, "3");
    key(&mut m, "|");
    let streams: Vec<u64> = m.logs.sources.iter().map(|s| s.id).collect();
    for (k, id) in streams.into_iter().enumerate() {
        let lines = sample::log_lines(40 + k * 10, NOW_MS - 20_000 + k as i64 * 60);
        update(&mut m, Msg::LogLines { stream: id, lines });
    }
    m
}

#[test]
fn canary_and_stable_side_by_side_80x24() {
    let m = split(80, 24);
    assert!(m.logs.sources.iter().any(|s| s.role == PodRole::Canary));
    let s = snap(&m);
    // Forty columns a side: the titles give up the line counts, not the error ratios.
    assert!(s.contains("Logs canary 10 err · 14.3%/1m"), "{s}");
    assert!(s.contains("Logs stable 22 err · 14.7%/1m"), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn canary_and_stable_side_by_side_200x60() {
    let s = snap(&split(200, 60));
    assert!(s.contains("stable 150 lines · 22 err · 14.7%/1m"), "{s}");
    insta::assert_snapshot!(s);
}
