//! Frame cost: draw the whole dashboard into a 200×60 TestBackend with 5,000 pods in the
//! selected release and a full log buffer. Budget (DESIGN.md): under 2 ms per frame. Also
//! the frame in which only log lines changed (the Logs pane alone over the last frame).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use quarterdeck::config::Theme;
use quarterdeck::frames::{Drawn, LastFrame};
use quarterdeck_core::cluster::Object;
use quarterdeck_core::key::KeyPress;
use quarterdeck_core::sample;
use quarterdeck_core::{Model, Msg, Redraw, update};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::hint::black_box;

const PODS: usize = 5_000;

/// The showcase world plus 5,000 pods (a tenth of them crash-looping) for orders-api, which is
/// selected, and a log buffer filled past its cap.
fn big_model() -> Model {
    let mut objects = sample::showcase_objects();
    let ns = "orders";
    for i in 0..PODS {
        let suffix = format!("{i:05}");
        let pod = if i % 10 == 0 {
            sample::crashing_pod(ns, "orders-api", "6c5f7d9b8", &suffix, "OOMKilled")
        } else {
            sample::pod(ns, "orders-api", "6c5f7d9b8", &suffix)
        };
        objects.push(Object::Pod(pod));
    }
    let (mut model, _) = sample::model_with(objects, 200, 60);
    // orders-api sorts last: select it the way a user would.
    let bottom = KeyPress::parse("G").unwrap();
    update(&mut model, Msg::Key(bottom));
    assert_eq!(
        model.releases.selected.as_ref().unwrap().key.name,
        "orders-api"
    );
    sample::feed_logs(&mut model, 2_000);
    assert!(model.logs.buffer.dropped() > 0, "the log buffer is full");
    model
}

fn render(c: &mut Criterion) {
    let theme = Theme::load("default", None).unwrap();
    let model = big_model();
    let mut term = Terminal::new(TestBackend::new(200, 60)).unwrap();
    c.bench_function("draw dashboard 200x60, 5000 pods, full logs", |b| {
        b.iter(|| {
            term.draw(|f| {
                quarterdeck::ui::view(black_box(&model), &theme, f);
            })
            .unwrap();
        })
    });
}

/// The same dashboard when only log lines changed since the last frame: the Logs pane is
/// drawn alone (what following a release costs per frame).
fn logs_alone(c: &mut Criterion) {
    let theme = Theme::load("default", None).unwrap();
    let model = big_model();
    let mut term = Terminal::new(TestBackend::new(200, 60)).unwrap();
    let mut last = LastFrame::default();
    last.draw(&mut term, &model, &theme, Redraw::All).unwrap();
    c.bench_function("draw dashboard 200x60, 5000 pods, logs alone", |b| {
        b.iter(|| {
            let drawn = last.draw(&mut term, black_box(&model), &theme, Redraw::Logs);
            assert_eq!(drawn.unwrap(), Drawn::LogsAlone);
        })
    });
}

/// The same frame with an empty model: what ratatui's buffer and diff cost on their own.
fn baseline(c: &mut Criterion) {
    let theme = Theme::load("default", None).unwrap();
    let (model, _) = sample::model_with(Vec::new(), 200, 60);
    let mut term = Terminal::new(TestBackend::new(200, 60)).unwrap();
    c.bench_function("draw empty dashboard 200x60", |b| {
        b.iter(|| {
            term.draw(|f| {
                quarterdeck::ui::view(black_box(&model), &theme, f);
            })
            .unwrap();
        })
    });
}

criterion_group!(benches, render, logs_alone, baseline);
criterion_main!(benches);
