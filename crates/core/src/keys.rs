//! Keys → actions. Text prompts (`/`, `:`) take raw keys; everything else goes through the
//! keymap, including multi-key chords.

use crate::actions::{apply_filter, on_action, run_command};
use crate::effect::Effect;
use crate::key::{KeyCode, KeyPress};
use crate::keymap::{KeyResult, Mode};
use crate::model::Model;

/// Handles one key press.
pub(crate) fn on_key(model: &mut Model, key: KeyPress) -> Vec<Effect> {
    if model.control.dialog.is_some() {
        return crate::control::on_dialog_key(model, key);
    }
    match model.nav.mode {
        Mode::Filter | Mode::Command => {
            if let Some(action) = model.keymap.action(model.nav.mode, &key) {
                return on_action(model, action);
            }
            on_text_key(model, key)
        }
        Mode::Help if model.nav.help_typing => {
            // Only `[global]` keys act while the search is typed (as at the `/` prompt).
            if let Some(action) = model.keymap.action(Mode::Filter, &key) {
                return on_action(model, action);
            }
            on_help_search_key(model, key);
            Vec::new()
        }
        Mode::Normal | Mode::Help => {
            let pending = std::mem::take(&mut model.nav.pending_keys);
            match model.keymap.feed(model.nav.mode, &pending, key) {
                KeyResult::Matched(action) => on_action(model, action),
                KeyResult::Pending => {
                    model.nav.pending_keys = pending;
                    model.nav.pending_keys.push(key);
                    Vec::new()
                }
                KeyResult::Unbound => Vec::new(),
            }
        }
    }
}

/// A key typed into the help overlay's search: enter keeps it, esc clears it.
fn on_help_search_key(model: &mut Model, key: KeyPress) {
    let nav = &mut model.nav;
    match key.code {
        KeyCode::Esc => {
            nav.help_query.clear();
            nav.help_typing = false;
        }
        KeyCode::Enter => nav.help_typing = false,
        KeyCode::Backspace => {
            nav.help_query.pop();
        }
        KeyCode::Char(c) if !key.ctrl && !key.alt => nav.help_query.push(c),
        _ => {}
    }
    nav.help_scroll = 0;
}

/// A key typed at the `/` or `:` prompt.
fn on_text_key(model: &mut Model, key: KeyPress) -> Vec<Effect> {
    match key.code {
        KeyCode::Esc => {
            if model.nav.mode == Mode::Filter {
                model.nav.input.clear();
                apply_filter(model);
            }
            model.nav.mode = Mode::Normal;
            Vec::new()
        }
        KeyCode::Enter => {
            let mode = std::mem::replace(&mut model.nav.mode, Mode::Normal);
            if mode == Mode::Command {
                let line = std::mem::take(&mut model.nav.input);
                run_command(model, &line)
            } else {
                apply_filter(model);
                Vec::new()
            }
        }
        KeyCode::Backspace => {
            model.nav.input.pop();
            live_filter(model);
            Vec::new()
        }
        KeyCode::Char(c) if !key.ctrl && !key.alt => {
            model.nav.input.push(c);
            live_filter(model);
            Vec::new()
        }
        _ => Vec::new(),
    }
}

/// Filters apply as they are typed, so the operator sees what the pattern matches.
fn live_filter(model: &mut Model) {
    if model.nav.mode == Mode::Filter {
        apply_filter(model);
    }
}
