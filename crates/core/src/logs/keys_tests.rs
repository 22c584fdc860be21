//! Transition tests of the Logs pane's stern-like keys and commands, through `update`.

use crate::effect::Effect;
use crate::key::KeyPress;
use crate::logs::LogPattern;
use crate::model::Model;
use crate::msg::{Msg, RawLogLine};
use crate::sample;
use crate::update;

fn keys(model: &mut Model, ks: &[&str]) -> Vec<Effect> {
    ks.iter()
        .flat_map(|k| update(model, Msg::Key(KeyPress::parse(k).unwrap())))
        .collect()
}

fn typed(model: &mut Model, text: &str) -> Vec<Effect> {
    let ks: Vec<String> = text
        .chars()
        .map(|c| {
            if c == ' ' {
                "space".into()
            } else {
                c.to_string()
            }
        })
        .collect();
    ks.iter()
        .flat_map(|k| update(model, Msg::Key(KeyPress::parse(k).unwrap())))
        .collect()
}

fn logs_model() -> Model {
    let (mut model, _) = sample::model_with(sample::showcase_objects(), 200, 60);
    sample::feed_logs(&mut model, 70);
    keys(&mut model, &["3"]);
    model
}

fn shown(model: &Model) -> Vec<String> {
    let v = &model.logs;
    v.buffer
        .iter()
        .filter(|l| v.shows(l))
        .map(|l| l.text.text.clone())
        .collect()
}

fn pattern(model: &Model, which: LogPattern) -> Option<String> {
    model
        .logs
        .pattern(which)
        .as_ref()
        .map(|f| f.pattern.clone())
}

#[test]
fn bang_excludes_and_each_regex_is_cleared_by_esc_or_an_empty_prompt() {
    let mut m = logs_model();
    let all = shown(&m).len();
    keys(&mut m, &["!"]);
    typed(&mut m, "info");
    keys(&mut m, &["enter"]);
    assert_eq!(pattern(&m, LogPattern::Exclude).as_deref(), Some("info"));
    let left = shown(&m);
    assert!(!left.is_empty() && left.len() < all);
    assert!(
        left.iter().all(|l| !l.to_lowercase().contains("info")),
        "{left:?}"
    );
    assert!(
        !m.nav.show_app_log,
        "in the Logs pane ! is exclude, not the app log"
    );
    // `/` and the highlight sit beside it.
    keys(&mut m, &["/"]);
    typed(&mut m, "ERROR");
    keys(&mut m, &["enter", "m"]);
    typed(&mut m, "timeout");
    keys(&mut m, &["enter"]);
    assert_eq!(pattern(&m, LogPattern::Include).as_deref(), Some("ERROR"));
    assert_eq!(
        pattern(&m, LogPattern::Highlight).as_deref(),
        Some("timeout")
    );
    assert!(shown(&m).iter().all(|l| l.contains("ERROR")));
    // The prompt reopens on what it edits; esc clears that one only.
    keys(&mut m, &["!"]);
    assert_eq!(m.nav.input, "info");
    keys(&mut m, &["esc"]);
    assert_eq!(pattern(&m, LogPattern::Exclude), None);
    assert_eq!(pattern(&m, LogPattern::Include).as_deref(), Some("ERROR"));
    // An empty prompt clears too.
    keys(&mut m, &["m", "ctrl-u"]);
    m.nav.input.clear();
    keys(&mut m, &["enter"]);
    assert_eq!(pattern(&m, LogPattern::Highlight), None);
    // Elsewhere ! is still Quarterdeck's own log.
    keys(&mut m, &["2", "!"]);
    assert!(m.nav.show_app_log);
}

#[test]
fn an_invalid_regex_says_so_once_and_keeps_the_previous_one() {
    let mut m = logs_model();
    keys(&mut m, &["!"]);
    typed(&mut m, "warn");
    keys(&mut m, &["enter", "!"]);
    typed(&mut m, "(");
    keys(&mut m, &["enter"]);
    assert_eq!(pattern(&m, LogPattern::Exclude).as_deref(), Some("warn"));
    let notice = m.notice.clone().unwrap();
    assert!(notice.error);
    assert!(
        notice.text.starts_with("invalid regex \"warn(\""),
        "{}",
        notice.text
    );
    assert_eq!(notice.text.lines().count(), 1);
}

#[test]
fn n_pauses_and_jumps_between_highlighted_lines() {
    let mut m = logs_model();
    assert!(m.logs.following());
    keys(&mut m, &["N"]);
    assert!(
        m.notice.as_ref().is_some_and(|n| n.error),
        "nothing to search yet"
    );
    keys(&mut m, &["m"]);
    typed(&mut m, "timeout");
    keys(&mut m, &["enter", "N"]);
    assert!(!m.logs.following());
    let (at, total) = m.logs.match_position().unwrap();
    assert_eq!(at, total, "the newest match first");
    keys(&mut m, &["N", "N"]);
    assert_eq!(m.logs.match_position(), Some((total - 2, total)));
    keys(&mut m, &["n"]);
    assert_eq!(m.logs.match_position(), Some((total - 1, total)));
}

#[test]
fn r_toggles_json_lines_between_formatted_and_raw() {
    let mut m = logs_model();
    let id = m.logs.sources.iter().find(|s| s.active).unwrap().id;
    let json = r#"{"level":"error","msg":"payment declined","code":402}"#;
    update(
        &mut m,
        Msg::LogLines {
            stream: id,
            lines: vec![RawLogLine::from_text(Some(sample::NOW_MS), json)],
        },
    );
    let last = m.logs.buffer.iter().last().unwrap().clone();
    assert_eq!(
        m.logs.display_text(&last).text,
        "error payment declined code=402"
    );
    keys(&mut m, &["r"]);
    assert_eq!(m.logs.display_text(&last).text, json);
}

#[test]
fn container_command_shows_one_container() {
    let mut m = logs_model();
    let container = m.logs.sources[0].container.clone();
    keys(&mut m, &[":"]);
    typed(&mut m, "container nosuch");
    keys(&mut m, &["enter"]);
    let notice = m.notice.clone().unwrap();
    assert!(
        notice.error && notice.text.contains(&container),
        "{}",
        notice.text
    );
    assert_eq!(m.logs.container, None);
    // Mark one stream's lines as another container's: only the chosen one stays.
    m.logs.sources[0].container = "sidecar".into();
    keys(&mut m, &[":"]);
    typed(&mut m, "container sidecar");
    keys(&mut m, &["enter"]);
    assert_eq!(m.logs.container.as_deref(), Some("sidecar"));
    let only: Vec<usize> = m
        .logs
        .buffer
        .iter()
        .filter(|l| m.logs.shows(l))
        .map(|l| l.source)
        .collect();
    assert!(!only.is_empty() && only.iter().all(|s| *s == 0));
    keys(&mut m, &[":"]);
    typed(&mut m, "container all");
    keys(&mut m, &["enter"]);
    assert_eq!(m.logs.container, None);
}

#[test]
fn save_writes_the_shown_lines_and_reports() {
    let mut m = logs_model();
    keys(&mut m, &["/"]);
    typed(&mut m, "ERROR");
    keys(&mut m, &["enter", ":"]);
    typed(&mut m, "save out dir/errors.log");
    let effects = keys(&mut m, &["enter"]);
    let [Effect::SaveLogs { path, force, lines }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(path, "out dir/errors.log");
    assert!(!force);
    assert_eq!(lines.len(), shown(&m).len());
    let first = &lines[0];
    assert!(first.contains(" ERROR upstream timeout"), "{first}");
    assert!(
        first.starts_with("20") && first.contains("Z "),
        "timestamp first: {first}"
    );
    keys(&mut m, &[":"]);
    typed(&mut m, "save! x.log");
    let effects = keys(&mut m, &["enter"]);
    assert!(matches!(
        effects.as_slice(),
        [Effect::SaveLogs { force: true, .. }]
    ));
    update(&mut m, Msg::LogsSaved(Ok((3, "x.log".into()))));
    assert_eq!(m.notice.clone().unwrap().text, "saved 3 lines to x.log");
    keys(&mut m, &[":"]);
    typed(&mut m, "save");
    assert!(keys(&mut m, &["enter"]).is_empty());
    assert!(
        m.notice
            .clone()
            .unwrap()
            .text
            .starts_with(":save needs a file name")
    );
}

#[test]
fn since_and_tail_go_into_every_stream_started() {
    use crate::concerns::logs::{LogView, WantedStream};
    use crate::meta::ObjectKey;
    use crate::pod::PodRole;
    let wanted = [WantedStream {
        pod: ObjectKey::new("shop", "web-1"),
        container: "app".into(),
        role: PodRole::Stable,
        multi_container: false,
    }];
    let spec = |view: &mut LogView| match view.sync(&wanted).as_slice() {
        [Effect::StartLogStream(spec)] => (spec.tail_lines, spec.since_seconds),
        other => panic!("{other:?}"),
    };
    assert_eq!(spec(&mut LogView::default()), (100, None));
    let mut since = LogView::default();
    since.since_seconds = Some(600);
    assert_eq!(
        spec(&mut since),
        (-1, Some(600)),
        "--since alone: all of them"
    );
    let mut both = LogView::default();
    both.since_seconds = Some(600);
    both.tail = Some(5);
    assert_eq!(spec(&mut both), (5, Some(600)));
}
