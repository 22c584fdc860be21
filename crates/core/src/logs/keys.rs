//! The Logs pane's own keys and commands: `!` exclude, highlight, `n`/`N`, the JSON raw
//! toggle, `:container NAME` and `:save FILE`.

use crate::action::Action;
use crate::effect::Effect;
use crate::keymap::Mode;
use crate::logs::LogPattern;
use crate::model::{Model, Notice};
use crate::nav::Pane;

/// Performs one of the Logs pane's actions (`!` elsewhere toggles Quarterdeck's own log).
pub(crate) fn on_action(model: &mut Model, action: Action) -> Vec<Effect> {
    let in_logs = model.nav.focus == Pane::Logs;
    match action {
        Action::Exclude if !in_logs => model.nav.show_app_log = !model.nav.show_app_log,
        Action::Exclude => prompt(model, LogPattern::Exclude),
        Action::Highlight if in_logs => prompt(model, LogPattern::Highlight),
        Action::ToggleRaw if in_logs => model.logs.raw = !model.logs.raw,
        Action::NextMatch | Action::PrevMatch if in_logs => {
            let newer = action == Action::NextMatch;
            if model.logs.search_regex().is_none() {
                note(
                    model,
                    "nothing to search for: highlight (m) or filter (/) first",
                    true,
                );
            } else if !model.logs.jump_match(newer) {
                let way = if newer { "newer" } else { "older" };
                note(model, &format!("no {way} match"), false);
            }
        }
        _ => {}
    }
    Vec::new()
}

/// Opens the prompt on one of the three regexes.
fn prompt(model: &mut Model, which: LogPattern) {
    model.logs.editing = which;
    let text = model.logs.filter_text();
    model.nav.prompt(Mode::Filter, text);
}

fn note(model: &mut Model, text: &str, error: bool) {
    model.notice = Some(Notice {
        text: text.to_string(),
        error,
    });
}

/// `:container NAME` shows only that container's lines; `:container` or `:container all`
/// shows every container again.
pub(crate) fn container(model: &mut Model, name: Option<String>) -> Vec<Effect> {
    let name = name.filter(|n| n != "all");
    if let Some(name) = &name {
        let mut known: Vec<&str> = model
            .logs
            .sources
            .iter()
            .filter(|s| s.active)
            .map(|s| s.container.as_str())
            .collect();
        known.sort_unstable();
        known.dedup();
        if !known.contains(&name.as_str()) {
            let text = format!(
                "no container {name:?} streams here; containers: {}",
                known.join(", ")
            );
            note(model, &text, true);
            return Vec::new();
        }
    }
    model.logs.container = name;
    Vec::new()
}

/// `:save FILE` (`:save! FILE` overwrites): the lines the filters show, as shown, each with
/// its timestamp and pod; the driver writes them and reports.
pub(crate) fn save(model: &mut Model, path: String, force: bool) -> Vec<Effect> {
    let view = &model.logs;
    let lines: Vec<String> = view
        .buffer
        .iter()
        .filter(|l| view.shows(l))
        .map(|l| {
            let label = view
                .sources
                .get(l.source)
                .map(|s| s.label())
                .unwrap_or_default();
            let time = l
                .time_ms
                .and_then(chrono::DateTime::from_timestamp_millis)
                .map(|t| format!("{} ", t.format("%Y-%m-%dT%H:%M:%S%.3fZ")))
                .unwrap_or_default();
            format!("{time}{label} {}", view.display_text(l).text)
        })
        .collect();
    if lines.is_empty() {
        note(model, "nothing to save: no line is shown", true);
        return Vec::new();
    }
    vec![Effect::SaveLogs { path, force, lines }]
}

/// The driver's answer to [`Effect::SaveLogs`].
pub(crate) fn saved(model: &mut Model, result: Result<(usize, String), String>) {
    match result {
        Ok((n, path)) => note(model, &format!("saved {n} lines to {path}"), false),
        Err(e) => note(model, &e, true),
    }
}
