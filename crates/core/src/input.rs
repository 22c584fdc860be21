//! Keys → actions → state changes. Text prompts (`/`, `:`) take raw keys; everything else goes
//! through the keymap, including multi-key chords.

use regex::RegexBuilder;

use crate::action::Action;
use crate::keymap::{KeyResult, Mode};

use super::ci_input;
use super::command;
use super::effect::Effect;
use super::key::{KeyCode, KeyPress};
use super::logview::LogFilter;
use super::update::{focus, select_release, sync_streams};
use super::{Model, Notice, Pane};

/// Handles one key press.
pub fn on_key(model: &mut Model, key: KeyPress) -> Vec<Effect> {
    let mut effects = dispatch_key(model, key);
    // Whatever moved the focus away from the job log (esc, a pane key, a command) stops
    // following it.
    if model.focus != Pane::JobLog
        && let Some(log) = model.ci.log.take()
    {
        effects.push(Effect::StopJobLog(log.job));
    }
    effects
}

fn dispatch_key(model: &mut Model, key: KeyPress) -> Vec<Effect> {
    match model.mode {
        Mode::Filter | Mode::Command => {
            if let Some(action) = model.keymap.action(model.mode, &key) {
                return on_action(model, action);
            }
            on_text_key(model, key)
        }
        Mode::Normal | Mode::Help => {
            let pending = std::mem::take(&mut model.pending_keys);
            match model.keymap.feed(model.mode, &pending, key) {
                KeyResult::Matched(action) => on_action(model, action),
                KeyResult::Pending => {
                    model.pending_keys = pending;
                    model.pending_keys.push(key);
                    Vec::new()
                }
                KeyResult::Unbound => Vec::new(),
            }
        }
    }
}

fn on_text_key(model: &mut Model, key: KeyPress) -> Vec<Effect> {
    match key.code {
        KeyCode::Esc => {
            if model.mode == Mode::Filter {
                model.input.clear();
                apply_filter(model);
            }
            model.mode = Mode::Normal;
            Vec::new()
        }
        KeyCode::Enter => {
            let mode = std::mem::replace(&mut model.mode, Mode::Normal);
            if mode == Mode::Command {
                let line = std::mem::take(&mut model.input);
                command::run(model, &line)
            } else {
                apply_filter(model);
                Vec::new()
            }
        }
        KeyCode::Backspace => {
            model.input.pop();
            live_filter(model);
            Vec::new()
        }
        KeyCode::Char(c) if !key.ctrl && !key.alt => {
            model.input.push(c);
            live_filter(model);
            Vec::new()
        }
        _ => Vec::new(),
    }
}

/// Filters apply as they are typed, so the operator sees what the pattern matches.
fn live_filter(model: &mut Model) {
    if model.mode == Mode::Filter {
        apply_filter(model);
    }
}

/// Applies the prompt text as the focused pane's filter.
fn apply_filter(model: &mut Model) {
    let text = model.input.clone();
    match model.focus {
        Pane::Releases => model.release_filter = text,
        Pane::Pods => {
            model.pod_filter = text;
            model.pod_cursor = 0;
        }
        Pane::Logs | Pane::Events => set_log_filter(model, &text),
        Pane::Pipeline | Pane::JobLog | Pane::Gates => {}
    }
}

fn set_log_filter(model: &mut Model, pattern: &str) {
    if pattern.is_empty() {
        model.logs.filter = None;
        model.notice = None;
        return;
    }
    // Smart case, as in stern and ripgrep: lowercase patterns ignore case.
    let insensitive = !pattern.chars().any(char::is_uppercase);
    match RegexBuilder::new(pattern)
        .case_insensitive(insensitive)
        .size_limit(1 << 20)
        .build()
    {
        Ok(regex) => {
            model.logs.filter = Some(LogFilter {
                pattern: pattern.to_string(),
                regex,
            });
            model.notice = None;
        }
        Err(e) => {
            let first = e
                .to_string()
                .lines()
                .last()
                .unwrap_or("")
                .trim()
                .to_string();
            model.notice = Some(Notice {
                text: format!("invalid regex {pattern:?}: {first}"),
                error: true,
            });
        }
    }
}

/// Rows a page moves: about the height of a pane.
fn page(model: &Model) -> usize {
    usize::from(model.size.1 / 3).max(1)
}

/// Performs an action.
pub fn on_action(model: &mut Model, action: Action) -> Vec<Effect> {
    if model.mode == Mode::Help {
        return on_help_action(model, action);
    }
    match action {
        Action::Quit => return vec![Effect::Quit],
        Action::Help => {
            model.mode = Mode::Help;
            model.help_scroll = 0;
        }
        Action::CommandLine => {
            model.mode = Mode::Command;
            model.input.clear();
        }
        Action::Filter => {
            model.mode = Mode::Filter;
            model.input = current_filter(model);
        }
        Action::ClearFilter => {
            model.input.clear();
            apply_filter(model);
        }
        Action::Back => return back(model),
        Action::NextPane | Action::PrevPane => {
            let order = Pane::ORDER;
            let i = order.iter().position(|p| *p == model.focus).unwrap_or(0);
            let n = order.len();
            let next = if action == Action::NextPane {
                (i + 1) % n
            } else {
                (i + n - 1) % n
            };
            focus(model, order[next]);
        }
        Action::FocusReleases => focus(model, Pane::Releases),
        Action::FocusPods => focus(model, Pane::Pods),
        Action::FocusLogs => focus(model, Pane::Logs),
        Action::FocusEvents => focus(model, Pane::Events),
        Action::Up => return move_cursor(model, -1),
        Action::Down => return move_cursor(model, 1),
        Action::PageUp => return move_cursor(model, -(page(model) as isize)),
        Action::PageDown => return move_cursor(model, page(model) as isize),
        Action::Top => return move_cursor(model, isize::MIN),
        Action::Bottom => return move_cursor(model, isize::MAX),
        Action::Left | Action::Right if model.focus == Pane::Pipeline => {
            ci_input::next_stage(model, action == Action::Right);
        }
        Action::Left => model.logs.hscroll = model.logs.hscroll.saturating_sub(8),
        Action::Right => {
            if !model.logs.wrap {
                model.logs.hscroll += 8;
            }
        }
        Action::Select => match model.focus {
            Pane::Releases => focus(model, Pane::Pods),
            Pane::Pods => {
                focus(model, Pane::Logs);
                return open_pod_logs(model, false);
            }
            Pane::Logs | Pane::Events => {}
            Pane::Pipeline => return ci_input::open_job_log(model),
            Pane::JobLog => {
                if let Some(log) = model.ci.log.as_mut() {
                    log.expanded = !log.expanded;
                }
            }
            Pane::Gates => return ci_input::open_gate(model),
        },
        Action::Pipeline => ci_input::open_pipeline(model),
        Action::Gates => focus(model, Pane::Gates),
        Action::ToggleFollow if model.focus == Pane::JobLog => {
            if let Some(log) = model.ci.log.as_mut() {
                log.scroll = None;
            }
        }
        Action::ToggleFollow => {
            if model.logs.following() {
                model.logs.pause();
            } else {
                model.logs.anchor = None;
            }
        }
        Action::ToggleWrap => {
            model.logs.wrap = !model.logs.wrap;
            model.logs.hscroll = 0;
        }
        Action::ToggleTimestamps => model.logs.timestamps = !model.logs.timestamps,
        Action::PreviousLogs => {
            let previous = !model.logs.previous;
            return open_pod_logs(model, previous);
        }
        Action::PodLogs => {
            if model.logs.only_pod.is_some() {
                return all_pods_logs(model);
            }
            return open_pod_logs(model, false);
        }
        Action::AppLog => model.show_app_log = !model.show_app_log,
        Action::Noop => {}
    }
    Vec::new()
}

fn on_help_action(model: &mut Model, action: Action) -> Vec<Effect> {
    match action {
        Action::Quit => return vec![Effect::Quit],
        Action::Back | Action::Help => model.mode = Mode::Normal,
        Action::Up => model.help_scroll = model.help_scroll.saturating_sub(1),
        Action::Down => model.help_scroll += 1,
        Action::PageUp => model.help_scroll = model.help_scroll.saturating_sub(page(model)),
        Action::PageDown => model.help_scroll += page(model),
        Action::Top => model.help_scroll = 0,
        Action::Bottom => model.help_scroll = usize::MAX / 2,
        _ => {}
    }
    Vec::new()
}

fn current_filter(model: &Model) -> String {
    match model.focus {
        Pane::Releases => model.release_filter.clone(),
        Pane::Pods => model.pod_filter.clone(),
        Pane::Logs | Pane::Events => model
            .logs
            .filter
            .as_ref()
            .map(|f| f.pattern.clone())
            .unwrap_or_default(),
        Pane::Pipeline | Pane::JobLog | Pane::Gates => String::new(),
    }
}

/// `esc`: close what is open, innermost first.
fn back(model: &mut Model) -> Vec<Effect> {
    model.notice = None;
    if model.show_app_log {
        model.show_app_log = false;
        return Vec::new();
    }
    if !current_filter(model).is_empty() {
        model.input.clear();
        apply_filter(model);
        return Vec::new();
    }
    if model.focus == Pane::Logs && model.logs.only_pod.is_some() {
        return all_pods_logs(model);
    }
    if model.focus == Pane::JobLog {
        focus(model, Pane::Pipeline);
        return Vec::new();
    }
    focus(model, Pane::Releases);
    Vec::new()
}

/// Shows one pod's own stream (the one under the Pods cursor, or the one already chosen).
fn open_pod_logs(model: &mut Model, previous: bool) -> Vec<Effect> {
    let pod = match (&model.logs.only_pod, model.focus) {
        (Some(p), Pane::Logs) => Some(p.clone()),
        _ => model.cursor_pod().map(|p| p.key.clone()),
    };
    let Some(pod) = pod else {
        model.notice = Some(Notice {
            text: "no pod selected".into(),
            error: true,
        });
        return Vec::new();
    };
    let mut effects = model.logs.reset();
    model.logs.only_pod = Some(pod);
    model.logs.previous = previous;
    effects.extend(sync_streams(model));
    effects
}

/// Back to every pod of the release.
fn all_pods_logs(model: &mut Model) -> Vec<Effect> {
    let mut effects = model.logs.reset();
    model.logs.only_pod = None;
    model.logs.previous = false;
    effects.extend(sync_streams(model));
    effects
}

/// Moves the focused pane's cursor by `delta` rows (`isize::MIN`/`MAX` for the ends).
fn move_cursor(model: &mut Model, delta: isize) -> Vec<Effect> {
    match model.focus {
        Pane::Releases => {
            let visible: Vec<_> = model
                .visible_releases()
                .iter()
                .map(|r| r.id.clone())
                .collect();
            if visible.is_empty() {
                return Vec::new();
            }
            let cur = model.release_cursor().unwrap_or(0);
            let next = step(cur, delta, visible.len());
            select_release(model, visible.get(next).cloned())
        }
        Pane::Pods => {
            let n = model.pod_rows().count();
            model.pod_cursor = step(model.pod_cursor.min(n.saturating_sub(1)), delta, n);
            Vec::new()
        }
        Pane::Logs => {
            match delta {
                isize::MIN => model.logs.top(page(model)),
                isize::MAX => model.logs.anchor = None,
                d => {
                    model.logs.pause();
                    model.logs.scroll(d < 0, d.unsigned_abs());
                }
            }
            Vec::new()
        }
        Pane::Events => {
            let n = model.release_events().len();
            model.event_scroll = step(model.event_scroll, delta, n);
            Vec::new()
        }
        Pane::Pipeline | Pane::JobLog | Pane::Gates => {
            ci_input::move_cursor(model, delta);
            Vec::new()
        }
    }
}

/// A cursor position moved by `delta` within `0..len`.
pub(crate) fn step(cur: usize, delta: isize, len: usize) -> usize {
    if len == 0 {
        return 0;
    }
    match delta {
        isize::MIN => 0,
        isize::MAX => len - 1,
        d if d < 0 => cur.saturating_sub(d.unsigned_abs()),
        d => (cur + d.unsigned_abs()).min(len - 1),
    }
}
