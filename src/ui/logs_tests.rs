//! The Logs pane's stern-like states: a colour per pod from its name, the exclude and
//! highlight regexes and the match position in the title, JSON lines, the container filter.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

use crate::config::Theme;
use quarterdeck_core::key::KeyPress;
use quarterdeck_core::logs::colour_slot;
use quarterdeck_core::msg::{Msg, RawLogLine};
use quarterdeck_core::sample::{self, NOW_MS};
use quarterdeck_core::{Model, update};

fn draw(model: &Model, theme: &Theme) -> Buffer {
    let (w, h) = model.size;
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| {
        super::view(model, theme, f);
    })
    .unwrap();
    term.backend().buffer().clone()
}

fn text(buf: &Buffer) -> String {
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

fn typed(model: &mut Model, text: &str) {
    for c in text.chars() {
        let k = if c == ' ' {
            "space".to_string()
        } else {
            c.to_string()
        };
        keys(model, &[&k]);
    }
}

/// The showcase with a JSON line from the first stream, the Logs pane focused.
fn logs(w: u16, h: u16) -> Model {
    let (mut m, _) = sample::model_with(sample::showcase_objects(), w, h);
    sample::feed_logs(&mut m, 30);
    let id = m.logs.sources.iter().find(|s| s.active).unwrap().id;
    let json = r#"{"ts":"2026-11-30T06:00:00Z","level":"error","msg":"payment declined","order":1042,"reason":"card expired"}"#;
    update(
        &mut m,
        Msg::LogLines {
            stream: id,
            lines: vec![RawLogLine::from_text(Some(NOW_MS), json)],
        },
    );
    sample::feed_logs(&mut m, 3);
    keys(&mut m, &["3"]);
    m
}

#[test]
fn a_pod_keeps_its_colour_from_its_name_in_every_theme() {
    for name in ["default", "light", "colorblind", "high-contrast"] {
        let theme = Theme::load(name, None).unwrap();
        let m = logs(200, 60);
        let buf = draw(&m, &theme);
        let mut checked = 0;
        for src in m.logs.sources.iter().filter(|s| s.active) {
            let label = src.pod.name.rsplitn(3, '-').take(2).collect::<Vec<_>>();
            let short = format!("{}-{}", label[1], label[0]);
            let want = theme.source_style(colour_slot(&src.pod.name)).fg;
            'rows: for y in 0..buf.area.height {
                let row: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
                if let Some(col) = row.find(&format!(" {short} ")) {
                    let x = row[..col + 1].chars().count() as u16;
                    assert_eq!(buf[(x, y)].fg, want.unwrap(), "{name}: {short}");
                    checked += 1;
                    break 'rows;
                }
            }
        }
        assert!(checked >= 2, "{name}: pods seen {checked}");
    }
}

#[test]
fn exclude_highlight_and_match_position_in_the_title_80x24() {
    let mut m = logs(80, 24);
    keys(&mut m, &["!"]);
    typed(&mut m, "GET");
    let prompt = text(&draw(&m, &Theme::load("default", None).unwrap()));
    keys(&mut m, &["enter", "m"]);
    typed(&mut m, "timeout");
    keys(&mut m, &["enter", "N", "N"]);
    let s = text(&draw(&m, &Theme::load("default", None).unwrap()));
    let bottom = prompt.lines().rev().nth(1).unwrap().to_string();
    insta::assert_snapshot!(format!("{bottom}\n{s}"));
}

#[test]
fn json_container_and_raw_200x60() {
    let mut m = logs(200, 60);
    let container = m.logs.sources[0].container.clone();
    keys(&mut m, &[":"]);
    typed(&mut m, &format!("container {container}"));
    keys(&mut m, &["enter", "/"]);
    typed(&mut m, "payment|ERROR");
    keys(&mut m, &["enter"]);
    let formatted = text(&draw(&m, &Theme::load("default", None).unwrap()));
    keys(&mut m, &["r"]);
    let raw = text(&draw(&m, &Theme::load("default", None).unwrap()));
    insta::assert_snapshot!(format!("{formatted}\n{raw}"));
}
