//! The keymap presets compiled in (`keymaps/*.toml`) and the user's files layered over them;
//! what a key sequence means is resolved by [`Keymap`] in the core.

use std::path::Path;

use quarterdeck_core::config_error::ConfigError;
use quarterdeck_core::keymap::Keymap;

use super::layers::layers;

/// The compiled-in keymaps, by name.
pub(super) const PRESETS: &[(&str, &str)] = &[
    ("default", include_str!("../../keymaps/default.toml")),
    ("vim", include_str!("../../keymaps/vim.toml")),
];

/// Loads preset `name` and layers the user's `keymaps/NAME.toml` and `keymap.toml` from
/// `user_dir` over it. A name that is not built in needs `keymaps/NAME.toml` in `user_dir`
/// and is layered over `default`.
pub fn load_keymap(name: &str, user_dir: Option<&Path>) -> Result<Keymap, ConfigError> {
    let mut keymap = Keymap::default();
    for layer in layers("keymap", PRESETS, name, user_dir)? {
        keymap.layer(&layer.file, &layer.text)?;
    }
    Ok(keymap)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::config::layers::preset_names;
    use quarterdeck_core::action::Action;
    use quarterdeck_core::key::{KeyCode, KeyPress};
    use quarterdeck_core::keymap::KeyResult;
    use quarterdeck_core::keymap::Mode;

    fn key(text: &str) -> KeyPress {
        KeyPress::parse(text).unwrap()
    }

    #[test]
    fn presets_load_and_bind_the_issue_defaults() {
        let map = load_keymap("default", None).unwrap();
        let normal = |k: &str| map.action(Mode::Normal, &key(k));
        assert_eq!(normal("?"), Some(Action::Help));
        assert_eq!(normal("q"), Some(Action::Quit));
        assert_eq!(normal("ctrl-c"), Some(Action::Quit));
        assert_eq!(normal(":"), Some(Action::CommandLine));
        assert_eq!(normal("/"), Some(Action::Filter));
        assert_eq!(normal("esc"), Some(Action::Back));
        assert_eq!(normal("tab"), Some(Action::NextPane));
        assert_eq!(normal("shift-tab"), Some(Action::PrevPane));
        assert_eq!(normal("j"), Some(Action::Down));
        assert_eq!(normal("down"), Some(Action::Down));
        assert_eq!(normal("k"), Some(Action::Up));
        assert_eq!(normal("up"), Some(Action::Up));
        assert_eq!(normal("enter"), Some(Action::Select));
        // Text prompts only see the global bindings.
        assert_eq!(map.action(Mode::Filter, &key("ctrl-c")), Some(Action::Quit));
        assert_eq!(map.action(Mode::Filter, &key("q")), None);
        assert_eq!(map.action(Mode::Command, &key("j")), None);
        assert_eq!(map.action(Mode::Help, &key("esc")), Some(Action::Back));
        load_keymap("vim", None).unwrap();
    }

    #[test]
    fn every_action_is_reachable_in_every_preset() {
        for name in preset_names(PRESETS) {
            let map = load_keymap(name, None).unwrap();
            let bound: Vec<Action> = map.help(Mode::Normal).into_iter().map(|(_, a)| a).collect();
            for action in Action::ALL.iter().filter(|a| **a != Action::Noop) {
                assert!(bound.contains(action), "{name}: {action} has no key");
            }
        }
    }

    #[test]
    fn chords_are_pending_then_matched() {
        let map = load_keymap("vim", None).unwrap();
        let g = key("g");
        assert_eq!(map.feed(Mode::Normal, &[], g), KeyResult::Pending);
        assert_eq!(
            map.feed(Mode::Normal, &[g], g),
            KeyResult::Matched(Action::Top)
        );
        assert_eq!(map.feed(Mode::Normal, &[g], key("z")), KeyResult::Unbound);
        assert_eq!(map.action(Mode::Normal, &g), None);
        let next = map.continuations(Mode::Normal, &[g]);
        assert!(next.contains(&("g".to_string(), Action::Top)), "{next:?}");
    }

    #[test]
    fn terminal_reports_normalise_before_lookup() {
        let map = load_keymap("default", None).unwrap();
        let shifted_g = KeyPress {
            shift: true,
            ..KeyPress::plain(KeyCode::Char('G'))
        };
        assert_eq!(map.action(Mode::Normal, &shifted_g), Some(Action::Bottom));
        let shifted_backtab = KeyPress {
            shift: true,
            ..KeyPress::plain(KeyCode::BackTab)
        };
        assert_eq!(
            map.action(Mode::Normal, &shifted_backtab),
            Some(Action::PrevPane)
        );
    }

    #[test]
    fn help_lists_each_action_once_with_all_its_keys() {
        let map = load_keymap("default", None).unwrap();
        let help = map.help(Mode::Normal);
        let down = help.iter().find(|(_, a)| *a == Action::Down).unwrap();
        assert!(down.0.contains('j') && down.0.contains("down"), "{down:?}");
        let quit = help.iter().find(|(_, a)| *a == Action::Quit).unwrap();
        assert!(
            quit.0.contains("ctrl-c") && quit.0.contains('q'),
            "{quit:?}"
        );
        let mut actions: Vec<Action> = help.iter().map(|(_, a)| *a).collect();
        let total = actions.len();
        actions.dedup();
        assert_eq!(actions.len(), total);
        // Help order follows Action::ALL, so Help comes first.
        assert_eq!(help[0].1, Action::Help);
    }

    #[test]
    fn unknown_preset_names_the_choices() {
        let err = load_keymap("emacs", None).unwrap_err().to_string();
        assert_eq!(
            err,
            "unknown keymap \"emacs\": built in are default, vim; or create keymaps/emacs.toml"
        );
    }
}
