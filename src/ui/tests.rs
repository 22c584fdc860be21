//! Snapshots of every pane on fixed model states (built with `model::sample`), at 80×24 and
//! 240×70, and with each theme (styles included).

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

use crate::config::{Theme, Token};
use quarterdeck_core::cluster::{Kind, Object};
use quarterdeck_core::key::KeyPress;
use quarterdeck_core::msg::{Connection, Msg, RawLogLine, StreamState};
use quarterdeck_core::sample::{self, NOW_MS};
use quarterdeck_core::{Model, update};

fn theme(name: &str) -> Theme {
    Theme::load(name, None).unwrap()
}

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

fn showcase(w: u16, h: u16) -> Model {
    let (mut m, _) = sample::model_with(sample::showcase_objects(), w, h);
    sample::feed_logs(&mut m, 30);
    m
}

/// Selects the release called `name` by moving the cursor, as a user would.
fn select(model: &mut Model, name: &str) {
    keys(model, &["1", "home"]);
    for _ in 0..model.releases.rows.len() {
        if model
            .releases
            .selected
            .as_ref()
            .is_some_and(|s| s.key.name == name)
        {
            break;
        }
        keys(model, &["j"]);
    }
    assert_eq!(model.releases.selected.as_ref().unwrap().key.name, name);
    // The driver's answer to the selection's `WatchEvents`: its namespace's events.
    sample::relist_events(model);
    sample::feed_logs(model, 30);
}

fn snap(model: &Model) -> String {
    text(&draw(model, &theme("default")))
}

#[test]
fn crash_looping_pods_wide() {
    let m = showcase(240, 70);
    let s = snap(&m);
    assert!(s.contains("CrashLoopBackOff (OOMKilled)"));
    insta::assert_snapshot!(s);
}

#[test]
fn crash_looping_pods_80x24() {
    let m = showcase(80, 24);
    insta::assert_snapshot!(snap(&m));
}

#[test]
fn canary_paused_at_step_3_of_8() {
    let mut m = showcase(200, 60);
    select(&mut m, "orders-api");
    let s = snap(&m);
    assert!(s.contains("step 3/8"));
    insta::assert_snapshot!(s);
}

#[test]
fn canary_paused_80x24() {
    let mut m = showcase(80, 24);
    select(&mut m, "orders-api");
    insta::assert_snapshot!(snap(&m));
}

#[test]
fn aborted_rollout() {
    let mut m = showcase(200, 60);
    select(&mut m, "customer-intelligence");
    let s = snap(&m);
    assert!(s.contains("Aborted"));
    insta::assert_snapshot!(s);
}

#[test]
fn blue_green_with_preview() {
    let mut m = showcase(200, 60);
    select(&mut m, "producer");
    let s = snap(&m);
    assert!(s.contains("preview"));
    insta::assert_snapshot!(s);
}

fn long_names() -> Vec<Object> {
    let ns = "a-namespace-with-a-rather-long-name-for-testing";
    let name = "payments-reconciliation-worker-for-the-european-settlement-cluster";
    let mut o = vec![
        Object::Deployment(sample::deployment(ns, name, 3, 2, 2)),
        Object::ReplicaSet(sample::replicaset(
            ns,
            "Deployment",
            name,
            "5c6d7e8f9",
            3,
            2,
        )),
    ];
    for s in ["a1b2c", "d3e4f"] {
        o.push(Object::Pod(sample::pod(ns, name, "5c6d7e8f9", s)));
    }
    o.push(Object::Event(sample::event(
        ns,
        "Deployment",
        name,
        false,
        "ScalingReplicaSet",
        "Scaled up replica set payments-reconciliation-worker-for-the-european-settlement-cluster-5c6d7e8f9 to 2",
        5,
    )));
    o
}

#[test]
fn very_long_names_80x24() {
    let (mut m, _) = sample::model_with(long_names(), 80, 24);
    sample::feed_logs(&mut m, 5);
    let s = snap(&m);
    assert!(s.contains('…'));
    insta::assert_snapshot!(s);
}

#[test]
fn very_long_names_240x70() {
    let (mut m, _) = sample::model_with(long_names(), 240, 70);
    sample::feed_logs(&mut m, 5);
    keys(&mut m, &["3", "w"]);
    insta::assert_snapshot!(snap(&m));
}

#[test]
fn logs_pane_modes_80x24() {
    let mut m = showcase(80, 24);
    // One pod's own stream, timestamps on, a filter that highlights.
    keys(
        &mut m,
        &["2", "enter", "t", "/", "e", "r", "r", "o", "r", "enter"],
    );
    sample::feed_logs(&mut m, 20);
    let id = m.logs.sources.iter().find(|s| s.active).unwrap().id;
    update(
        &mut m,
        Msg::LogStream {
            stream: id,
            state: StreamState::Retrying("connection reset by peer".into()),
        },
    );
    insta::assert_snapshot!(snap(&m));
}

#[test]
fn hostile_log_lines_are_inert_text() {
    let mut m = showcase(120, 30);
    keys(&mut m, &["3"]);
    let id = m.logs.sources.iter().find(|s| s.active).unwrap().id;
    let hostile = [
        "\x1b]0;owned title\x07title set?",
        "\x1b[2J\x1b[Hscreen cleared?",
        "\x1b[10;10Hcursor moved?\x1b[5A",
        "bell\x07\x07 and \x1b[31mred\x1b[0m text\r overwritten?",
        "\x1bP+q544e\x1b\\dcs gone \u{9b}31m c1 csi",
    ];
    update(
        &mut m,
        Msg::LogLines {
            stream: id,
            lines: hostile
                .iter()
                .map(|t| RawLogLine::from_text(Some(NOW_MS), t))
                .collect(),
        },
    );
    let buf = draw(&m, &theme("default"));
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            let sym = buf[(x, y)].symbol();
            assert!(
                !sym.chars().any(|c| c.is_control()),
                "control character at {x},{y}: {sym:?}"
            );
        }
    }
    let s = text(&buf);
    assert!(s.contains("title set?"));
    assert!(!s.contains("owned title"));
    insta::assert_snapshot!(s);
}

#[test]
fn help_overlay() {
    let mut m = showcase(120, 40);
    keys(&mut m, &["?"]);
    let s = snap(&m);
    assert!(s.contains("show this help"));
    insta::assert_snapshot!(s);
}

#[test]
fn command_line_and_notice() {
    let mut m = showcase(100, 30);
    keys(&mut m, &[":", "n", "s", "space", "b"]);
    let typing = snap(&m);
    assert!(typing.contains(":ns b"));
    keys(&mut m, &["esc", ":", "x", "enter"]);
    let notice = snap(&m);
    assert!(notice.contains("unknown command :x"));
    insta::assert_snapshot!(format!("{typing}\n{notice}"));
}

fn fresh(w: u16, h: u16) -> Model {
    let (m, _) = sample::model_with(Vec::new(), w, h);
    Model::new(m.target.clone(), m.keymap.clone(), NOW_MS)
}

#[test]
fn connecting_and_unreachable() {
    let mut m = fresh(100, 24);
    let connecting = snap(&m);
    assert!(connecting.contains("Connecting to context prod-eu-west"));
    for kind in Kind::ALL {
        update(
            &mut m,
            Msg::Connection {
                kind,
                state: Connection::Lost(
                    "tcp connect error: Connection refused (os error 111)".into(),
                ),
                at_ms: NOW_MS - 12_000,
            },
        );
    }
    let unreachable = snap(&m);
    assert!(unreachable.contains("Cannot reach the API server"));
    assert!(unreachable.contains("stale 12s"));
    insta::assert_snapshot!(format!("{connecting}\n{unreachable}"));
}

#[test]
fn no_workloads_explains_what_to_do() {
    let (m, _) = sample::model_with(Vec::new(), 100, 24);
    let s = snap(&m);
    assert!(s.contains("-A") && s.contains("quarterdeck demo"));
    insta::assert_snapshot!(s);
}

#[test]
fn releases_say_connecting_until_workloads_are_listed() {
    let (mut m, _) = sample::model_with(Vec::new(), 100, 24);
    m.synced.remove(&Kind::Rollouts);
    let s = snap(&m);
    assert!(s.contains("Connecting to context prod-eu-west"), "{s}");
    assert!(
        !s.contains("No Deployments or Rollouts"),
        "pods being listed must not make an unlisted workload kind look empty"
    );
}

#[test]
fn expired_credentials_banner_and_forbidden_pods() {
    let mut m = showcase(160, 40);
    update(
        &mut m,
        Msg::Connection {
            kind: Kind::Pods,
            state: Connection::Forbidden(
                "pods is forbidden: User \"dev\" cannot list resource \"pods\" in API group \"\" at the cluster scope".into(),
            ),
            at_ms: NOW_MS,
        },
    );
    let forbidden = snap(&m);
    assert!(forbidden.contains("pods: forbidden"));
    assert!(
        forbidden.contains("feature-store"),
        "the rest keeps working"
    );
    update(
        &mut m,
        Msg::Connection {
            kind: Kind::Deployments,
            state: Connection::Unauthorized("Unauthorized".into()),
            at_ms: NOW_MS,
        },
    );
    let banner = snap(&m);
    assert!(banner.contains("Credentials for context prod-eu-west were rejected"));
    insta::assert_snapshot!(format!("{forbidden}\n{banner}"));
}

#[test]
fn forbidden_rollouts_are_named_in_the_releases_pane() {
    let mut m = showcase(120, 30);
    update(
        &mut m,
        Msg::Connection {
            kind: Kind::Rollouts,
            state: Connection::Forbidden("rollouts.argoproj.io is forbidden".into()),
            at_ms: NOW_MS,
        },
    );
    let s = snap(&m);
    let title = s.lines().next().unwrap();
    assert!(title.contains("✖ rollouts forbidden"), "{title}");
    assert!(s.contains("rollouts ✖ forbidden"), "status bar");
    insta::assert_snapshot!(title);
}

#[test]
fn stale_watch_is_marked_in_the_status_bar() {
    let mut m = showcase(160, 40);
    update(
        &mut m,
        Msg::Connection {
            kind: Kind::Rollouts,
            state: Connection::Lost("watch stream failed: connection reset".into()),
            at_ms: NOW_MS - 3_000,
        },
    );
    let s = snap(&m);
    let status = s.lines().nth(39).unwrap();
    assert!(status.contains("rollouts ⚠ stale 3s"), "{status}");
    insta::assert_snapshot!(status);
}

/// Styles matter for themes: snapshot the whole buffer with its style runs.
fn theme_snapshot(name: &str) -> Buffer {
    let mut m = showcase(120, 32);
    select(&mut m, "orders-api");
    let mut buf = draw(&m, &theme(name));
    // The status bar differs only by colour; keep the snapshot focused on the panes' styles.
    buf.resize(ratatui::layout::Rect::new(0, 0, 120, 31));
    buf
}

#[test]
fn theme_default_styles() {
    let buf = theme_snapshot("default");
    insta::assert_debug_snapshot!(buf);
}

#[test]
fn theme_light_styles() {
    let buf = theme_snapshot("light");
    insta::assert_debug_snapshot!(buf);
}

#[test]
fn theme_high_contrast_styles() {
    let buf = theme_snapshot("high-contrast");
    insta::assert_debug_snapshot!(buf);
}

#[test]
fn key_cells_take_their_colour_from_the_theme() {
    for name in ["default", "light", "high-contrast"] {
        let t = theme(name);
        let mut m = showcase(240, 70);
        let buf = draw(&m, &t);
        let find = |buf: &Buffer, needle: &str| -> (u16, u16) {
            for y in 0..buf.area.height {
                let row: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
                if let Some(i) = row.find(needle) {
                    let col = row[..i].chars().count() as u16;
                    return (col, y);
                }
            }
            panic!("{needle} not on screen");
        };
        let crash = find(&buf, "✖ CrashLoopBackOff");
        assert_eq!(
            buf[crash].fg,
            t.style(Token::PodCrash).fg.unwrap(),
            "{name}"
        );
        let paused = find(&buf, "‖ Paused");
        assert_eq!(buf[paused].fg, t.style(Token::Paused).fg.unwrap(), "{name}");
        select(&mut m, "orders-api");
        let buf = draw(&m, &t);
        let canary = find(&buf, "canary   1/1");
        assert_eq!(buf[canary].fg, t.style(Token::Canary).fg.unwrap(), "{name}");
    }
}
