//! Keymaps: which key sequence means which [`Action`] in which [`Mode`].
//!
//! A keymap file has up to three tables, each mapping a key (or a space-separated chord such as
//! `"g g"`) to an action name:
//!
//! ```toml
//! [global]        # every mode, including the text prompts
//! "ctrl-c" = "quit"
//! [normal]        # the dashboard
//! "q" = "quit"
//! "g g" = "top"
//! [help]          # the help overlay
//! "esc" = "back"
//! ```
//!
//! Layers are applied in order (which files they are is the application's business). A later
//! layer replaces the earlier binding of the same key (and any chord it shadows); `"noop"`
//! removes it.

use crate::action::Action;
use crate::config_error::{ConfigError, line_of, syntax_error};
use crate::key::KeyPress;
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

/// What the keyboard is doing right now; decides which bindings apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// The dashboard: `[normal]` and `[global]` bindings.
    Normal,
    /// Typing a filter: only `[global]` bindings; other keys are text.
    Filter,
    /// Typing a `:` command: only `[global]` bindings; other keys are text.
    Command,
    /// The help overlay: `[help]` and `[global]` bindings.
    Help,
}

/// The outcome of feeding one key to the keymap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyResult {
    /// The pending keys plus this one form a bound sequence.
    Matched(Action),
    /// The keys so far begin a longer chord: keep them and wait for the next key.
    Pending,
    /// Nothing is bound to this sequence; drop the pending keys.
    Unbound,
}

/// Where a binding was written, for error messages and help ordering.
#[derive(Debug, Clone)]
struct Origin {
    file: String,
    line: usize,
    key: String,
    order: (usize, usize),
}

#[derive(Debug, Clone)]
struct Binding {
    keys: Vec<KeyPress>,
    action: Action,
    origin: Origin,
}

/// The tables a file may have, in the order they are stored.
const TABLES: [&str; 3] = ["global", "normal", "help"];
const GLOBAL: usize = 0;
const NORMAL: usize = 1;
const HELP: usize = 2;

type Table = BTreeMap<Vec<KeyPress>, Binding>;

/// The active key bindings, built from a preset and the user's layers.
#[derive(Debug, Clone, Default)]
pub struct Keymap {
    tables: [Table; 3],
    layers: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeymapFile {
    #[serde(default)]
    global: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    normal: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    help: BTreeMap<Spanned<String>, Spanned<String>>,
}

impl Keymap {
    /// Applies one keymap file over the current bindings; `file` names it in errors.
    pub fn layer(&mut self, file: &str, text: &str) -> Result<(), ConfigError> {
        let parsed: KeymapFile = toml::from_str(text).map_err(|e| syntax_error(file, text, &e))?;
        let layer = self.layers;
        let mut next = self.tables.clone();
        for (index, entries) in [parsed.global, parsed.normal, parsed.help]
            .into_iter()
            .enumerate()
        {
            let bindings = parse_table(file, text, layer, TABLES[index], entries)?;
            let table = &mut next[index];
            for (keys, binding) in bindings {
                // A later layer wins over the same key and over chords it shadows.
                table.retain(|existing, _| !overlaps(existing, &keys));
                if binding.action != Action::Noop {
                    table.insert(keys, binding);
                }
            }
        }
        check_against_global(&next, layer)?;
        self.tables = next;
        self.layers += 1;
        Ok(())
    }

    /// The action a single key triggers on its own (chords need [`Keymap::feed`]).
    pub fn action(&self, mode: Mode, key: &KeyPress) -> Option<Action> {
        match self.feed(mode, &[], *key) {
            KeyResult::Matched(action) => Some(action),
            KeyResult::Pending | KeyResult::Unbound => None,
        }
    }

    /// Feeds one key after the `pending` keys of an unfinished chord.
    pub fn feed(&self, mode: Mode, pending: &[KeyPress], key: KeyPress) -> KeyResult {
        let mut keys: Vec<KeyPress> = pending.iter().map(|k| k.normalized()).collect();
        keys.push(key.normalized());
        let tables = self.tables_for(mode);
        for table in &tables {
            if let Some(binding) = table.get(&keys) {
                return KeyResult::Matched(binding.action);
            }
        }
        let begins_chord = tables.iter().any(|table| {
            table
                .range(keys.clone()..)
                .next()
                .is_some_and(|(bound, _)| bound.starts_with(&keys))
        });
        if begins_chord {
            KeyResult::Pending
        } else {
            KeyResult::Unbound
        }
    }

    /// The chords that can complete `pending`: (remaining keys, action), for a "next key" hint.
    pub fn continuations(&self, mode: Mode, pending: &[KeyPress]) -> Vec<(String, Action)> {
        let prefix: Vec<KeyPress> = pending.iter().map(|k| k.normalized()).collect();
        let mut out = Vec::new();
        for table in self.tables_for(mode) {
            for (keys, binding) in table.range(prefix.clone()..) {
                if !keys.starts_with(&prefix) {
                    break;
                }
                if keys.len() > prefix.len() {
                    out.push((sequence_text(&keys[prefix.len()..]), binding.action));
                }
            }
        }
        out
    }

    /// Every bound action in `mode` with its keys (`"j, down"`), in help order.
    pub fn help(&self, mode: Mode) -> Vec<(String, Action)> {
        // Keyed by the action's place in Action::ALL so help follows that order.
        let mut by_action: BTreeMap<(usize, Action), Vec<&Binding>> = BTreeMap::new();
        for table in self.tables_for(mode) {
            for binding in table.values() {
                let rank = Action::ALL
                    .iter()
                    .position(|a| *a == binding.action)
                    .unwrap_or(Action::ALL.len());
                by_action
                    .entry((rank, binding.action))
                    .or_default()
                    .push(binding);
            }
        }
        by_action
            .into_iter()
            .map(|((_, action), mut bindings)| {
                bindings.sort_by_key(|binding| binding.origin.order);
                let text = bindings
                    .iter()
                    .map(|binding| sequence_text(&binding.keys))
                    .collect::<Vec<_>>()
                    .join(", ");
                (text, action)
            })
            .collect()
    }

    fn tables_for(&self, mode: Mode) -> Vec<&Table> {
        match mode {
            Mode::Normal => vec![&self.tables[NORMAL], &self.tables[GLOBAL]],
            Mode::Help => vec![&self.tables[HELP], &self.tables[GLOBAL]],
            Mode::Filter | Mode::Command => vec![&self.tables[GLOBAL]],
        }
    }
}

/// Two sequences collide when they are equal or one is a prefix of the other.
fn overlaps(a: &[KeyPress], b: &[KeyPress]) -> bool {
    a.starts_with(b) || b.starts_with(a)
}

/// Key sequences as written in help: `g g`, `ctrl-c`.
fn sequence_text(keys: &[KeyPress]) -> String {
    keys.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Parses one table of one file, rejecting unknown keys and actions and any two entries of the
/// file that collide (two actions on one key, or a key that is also a chord prefix).
fn parse_table(
    file: &str,
    text: &str,
    layer: usize,
    table_name: &str,
    entries: BTreeMap<Spanned<String>, Spanned<String>>,
) -> Result<Vec<(Vec<KeyPress>, Binding)>, ConfigError> {
    let mut entries: Vec<_> = entries.into_iter().collect();
    entries.sort_by_key(|(key, _)| key.span().start);
    let mut parsed: Vec<(Vec<KeyPress>, Binding)> = Vec::with_capacity(entries.len());
    for (key, value) in entries {
        let line = line_of(text, key.span().start);
        let invalid = |problem: String| ConfigError::Invalid {
            file: file.to_string(),
            line,
            key: key.get_ref().clone(),
            problem,
        };
        let keys = key
            .get_ref()
            .split_whitespace()
            .map(KeyPress::parse)
            .collect::<Result<Vec<_>, _>>()
            .map_err(&invalid)?;
        if keys.is_empty() {
            return Err(invalid("empty key".to_string()));
        }
        let action = Action::from_name(value.get_ref())
            .ok_or_else(|| invalid(format!("unknown action \"{}\"", value.get_ref())))?;
        if let Some((other_keys, other)) = parsed.iter().find(|(k, _)| overlaps(k, &keys)) {
            let problem = if *other_keys == keys {
                format!(
                    "two actions on one key in [{table_name}]: \"{action}\" here and \"{}\" on line {} (as \"{}\")",
                    other.action, other.origin.line, other.origin.key
                )
            } else {
                format!(
                    "collides with \"{}\" on line {} in [{table_name}]: a key cannot both act and start a chord",
                    other.origin.key, other.origin.line
                )
            };
            return Err(invalid(problem));
        }
        let origin = Origin {
            file: file.to_string(),
            line,
            key: key.get_ref().clone(),
            order: (layer, key.span().start),
        };
        let binding = Binding {
            keys: keys.clone(),
            action,
            origin,
        };
        parsed.push((keys, binding));
    }
    Ok(parsed)
}

/// A key bound in `[global]` cannot also mean something else in `[normal]` or `[help]`.
fn check_against_global(tables: &[Table; 3], layer: usize) -> Result<(), ConfigError> {
    for mode_table in [NORMAL, HELP] {
        for (keys, binding) in &tables[mode_table] {
            for (global_keys, global) in &tables[GLOBAL] {
                let same = *global_keys == *keys && global.action == binding.action;
                if same || !overlaps(global_keys, keys) {
                    continue;
                }
                // Blame the binding written in the layer being applied.
                let (blamed, blamed_table, other, other_table) = if binding.origin.order.0 == layer
                {
                    (binding, TABLES[mode_table], global, "global")
                } else {
                    (global, "global", binding, TABLES[mode_table])
                };
                return Err(ConfigError::Invalid {
                    file: blamed.origin.file.clone(),
                    line: blamed.origin.line,
                    key: blamed.origin.key.clone(),
                    problem: format!(
                        "[{blamed_table}] binds it to \"{}\" but [{other_table}] binds \"{}\" to \"{}\" ({}:{}); unbind one with \"noop\"",
                        blamed.action,
                        other.origin.key,
                        other.action,
                        other.origin.file,
                        other.origin.line
                    ),
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    /// The application's presets: the files users start from.
    const PRESETS: [(&str, &str); 2] = [
        ("default", include_str!("../../../keymaps/default.toml")),
        ("vim", include_str!("../../../keymaps/vim.toml")),
    ];

    #[test]
    fn help_lists_every_binding_of_the_mode() {
        for (name, text) in PRESETS {
            let mut map = Keymap::default();
            map.layer(name, text).unwrap();
            for mode in [Mode::Normal, Mode::Help, Mode::Filter] {
                let bound: usize = map.tables_for(mode).iter().map(|t| t.len()).sum();
                let listed: usize = map
                    .help(mode)
                    .iter()
                    .map(|(keys, _)| keys.split(", ").count())
                    .sum();
                assert_eq!(listed, bound, "{name} {mode:?}");
            }
        }
    }
}
