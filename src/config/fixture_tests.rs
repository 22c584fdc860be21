//! The files in tests/config/: every invalid fixture with its exact message, every valid one
//! with what it changes, and loading through a user config directory.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::{Theme, Token, load_keymap};
use quarterdeck_core::action::Action;
use quarterdeck_core::key::KeyPress;
use quarterdeck_core::keymap::{KeyResult, Mode};
use ratatui::style::{Color, Modifier, Style};
use std::path::{Path, PathBuf};

/// (fixture, exact error). Keymaps are layered over `default`, themes over `default`.
const INVALID: &[(&str, &str)] = &[
    (
        "keymap_unknown_action.toml",
        "tests/config/invalid/keymap_unknown_action.toml:4: key \"ctrl-x\": unknown action \"explode\"",
    ),
    (
        "keymap_unknown_key.toml",
        "tests/config/invalid/keymap_unknown_key.toml:3: key \"ctrl-escap\": unknown key name \"escap\"",
    ),
    (
        "keymap_unknown_modifier.toml",
        "tests/config/invalid/keymap_unknown_modifier.toml:2: key \"hyper-x\": unknown modifier \"hyper\" in \"hyper-x\"",
    ),
    (
        "keymap_two_actions.toml",
        "tests/config/invalid/keymap_two_actions.toml:5: key \"shift-g\": two actions on one key in [normal]: \"top\" here and \"bottom\" on line 3 (as \"G\")",
    ),
    (
        "keymap_same_key_twice.toml",
        "tests/config/invalid/keymap_same_key_twice.toml:3: duplicate key: \"x\" = \"help\"",
    ),
    (
        "keymap_chord_prefix.toml",
        "tests/config/invalid/keymap_chord_prefix.toml:3: key \"z z\": collides with \"z\" on line 2 in [normal]: a key cannot both act and start a chord",
    ),
    (
        "keymap_global_conflict.toml",
        "tests/config/invalid/keymap_global_conflict.toml:3: key \"ctrl-c\": [normal] binds it to \"help\" but [global] binds \"ctrl-c\" to \"quit\" (built-in keymaps/default.toml:9); unbind one with \"noop\"",
    ),
    (
        "keymap_unknown_table.toml",
        "tests/config/invalid/keymap_unknown_table.toml:4: unknown field `filter`, expected one of `global`, `normal`, `help`: [filter]",
    ),
    (
        "keymap_malformed.toml",
        "tests/config/invalid/keymap_malformed.toml:3: invalid boolean, expected `true`: \"w\" = toggle_wrap",
    ),
    (
        "theme_unknown_colour.toml",
        "tests/config/invalid/theme_unknown_colour.toml:3: key \"canary\": unknown colour \"purple\"",
    ),
    (
        "theme_unknown_token.toml",
        "tests/config/invalid/theme_unknown_token.toml:3: key \"helthy\": unknown theme token (themes/default.toml lists them all)",
    ),
    (
        "theme_unknown_modifier.toml",
        "tests/config/invalid/theme_unknown_modifier.toml:2: key \"degraded\": unknown modifier \"blink\"",
    ),
    (
        "theme_unknown_field.toml",
        "tests/config/invalid/theme_unknown_field.toml:2: key \"title\": unknown field \"fgg\" (expected fg, bg, modifiers)",
    ),
    (
        "theme_bad_hex.toml",
        "tests/config/invalid/theme_bad_hex.toml:2: key \"stable\": unknown colour \"#12345\"",
    ),
    (
        "theme_bad_log_source.toml",
        "tests/config/invalid/theme_bad_log_source.toml:7: key \"logs.sources\": unknown colour \"not-a-colour\"",
    ),
    (
        "theme_unknown_section.toml",
        "tests/config/invalid/theme_unknown_section.toml:1: unknown field `colours`, expected `colors` or `logs`: [colours]",
    ),
    (
        "theme_malformed.toml",
        "tests/config/invalid/theme_malformed.toml:2: invalid basic string, expected `\"`: text = \"white",
    ),
];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/config")
}

fn read(kind: &str, name: &str) -> (String, String) {
    let label = format!("tests/config/{kind}/{name}");
    let text = std::fs::read_to_string(fixtures().join(kind).join(name)).unwrap();
    (label, text)
}

fn key(text: &str) -> KeyPress {
    KeyPress::parse(text).unwrap()
}

#[test]
fn invalid_fixtures_fail_with_their_exact_message() {
    let mut wrong = Vec::new();
    for (name, expected) in INVALID {
        let (label, text) = read("invalid", name);
        let result = if name.starts_with("keymap") {
            let mut keymap = load_keymap("default", None).unwrap();
            keymap.layer(&label, &text).map(|_| ())
        } else {
            let mut theme = Theme::load("default", None).unwrap();
            theme.layer(&label, &text).map(|_| ())
        };
        let message = result.expect_err(name).to_string();
        if message != *expected {
            wrong.push(format!(
                "{name}\n  got:      {message}\n  expected: {expected}"
            ));
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

#[test]
fn every_invalid_fixture_is_pinned() {
    for entry in std::fs::read_dir(fixtures().join("invalid")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(
            INVALID.iter().any(|(pinned, _)| *pinned == name),
            "{name} has no pinned message"
        );
    }
}

#[test]
fn a_failed_layer_leaves_the_keymap_unchanged() {
    let mut keymap = load_keymap("default", None).unwrap();
    let (label, text) = read("invalid", "keymap_unknown_action.toml");
    assert!(keymap.layer(&label, &text).is_err());
    assert_eq!(keymap.action(Mode::Normal, &key("q")), Some(Action::Quit));
}

#[test]
fn user_keymap_overrides_one_binding_unbinds_one_and_keeps_the_rest() {
    let mut keymap = load_keymap("default", None).unwrap();
    let (label, text) = read("valid", "keymap_user.toml");
    keymap.layer(&label, &text).unwrap();
    let normal = |k: &str| keymap.action(Mode::Normal, &key(k));
    assert_eq!(normal("q"), None, "unbound with noop");
    assert_eq!(normal("ctrl-q"), Some(Action::Quit));
    assert_eq!(normal("F"), Some(Action::ToggleFollow));
    assert_eq!(normal("s"), Some(Action::ToggleFollow), "default kept");
    assert_eq!(normal("j"), Some(Action::Down), "default kept");
    assert_eq!(normal("ctrl-c"), Some(Action::Quit), "global kept");
    let z = key("z");
    assert_eq!(
        keymap.feed(Mode::Normal, &[z], z),
        KeyResult::Matched(Action::Bottom)
    );
    let help = keymap.help(Mode::Normal);
    let quit_keys = &help.iter().find(|(_, a)| *a == Action::Quit).unwrap().0;
    assert_eq!(quit_keys, "ctrl-c, ctrl-q");
    assert!(
        !help
            .iter()
            .any(|(keys, _)| keys.split(", ").any(|k| k == "q"))
    );
}

#[test]
fn a_single_key_in_a_later_layer_replaces_the_chords_it_shadows() {
    let mut keymap = load_keymap("vim", None).unwrap();
    let (label, text) = read("valid", "keymap_unbind_chord.toml");
    keymap.layer(&label, &text).unwrap();
    assert_eq!(keymap.action(Mode::Normal, &key("g")), Some(Action::Top));
    let help = keymap.help(Mode::Normal);
    assert!(!help.iter().any(|(_, a)| *a == Action::FocusPods));
}

/// Help is generated from the map, so every key it shows must trigger the action it names.
#[test]
fn help_tells_the_truth_in_every_mode() {
    for name in super::layers::preset_names(super::keymap::PRESETS) {
        let keymap = load_keymap(name, None).unwrap();
        for mode in [Mode::Normal, Mode::Help, Mode::Filter, Mode::Command] {
            for (keys, action) in keymap.help(mode) {
                for chord in keys.split(", ") {
                    let mut pending = Vec::new();
                    let mut result = KeyResult::Unbound;
                    for k in chord.split(' ').map(key) {
                        result = keymap.feed(mode, &pending, k);
                        pending.push(k);
                    }
                    assert_eq!(
                        result,
                        KeyResult::Matched(action),
                        "{name} {mode:?} {chord}"
                    );
                }
            }
        }
    }
}

#[test]
fn user_theme_replaces_tokens_and_keeps_the_rest() {
    let mut theme = Theme::load("default", None).unwrap();
    let before = theme.style(Token::Healthy);
    let (label, text) = read("valid", "theme_user.toml");
    theme.layer(&label, &text).unwrap();
    assert_eq!(
        theme.style(Token::Canary),
        Style::new()
            .fg(Color::Rgb(0xff, 0x87, 0x00))
            .add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    );
    assert_eq!(
        theme.style(Token::Muted),
        Style::new().fg(Color::Indexed(245))
    );
    assert_eq!(theme.style(Token::Healthy), before);
    assert_eq!(theme.source_style(0), Style::new().fg(Color::Red));
    assert_eq!(
        theme.source_style(3),
        Style::new().fg(Color::Rgb(0, 0xaf, 0xff))
    );
}

#[test]
fn load_reads_the_user_directory_and_names_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let (_, text) = read("valid", "keymap_user.toml");
    std::fs::write(dir.path().join("keymap.toml"), text).unwrap();
    let keymap = load_keymap("vim", Some(dir.path())).unwrap();
    assert_eq!(
        keymap.action(Mode::Normal, &key("ctrl-q")),
        Some(Action::Quit)
    );
    assert_eq!(keymap.action(Mode::Normal, &key("h")), Some(Action::Left));

    std::fs::write(
        dir.path().join("theme.toml"),
        "[colors]\ncanary = \"pink\"\n",
    )
    .unwrap();
    let message = Theme::load("light", Some(dir.path()))
        .unwrap_err()
        .to_string();
    let file = super::paths::display_path(&dir.path().join("theme.toml"));
    assert_eq!(
        message,
        format!("{file}:2: key \"canary\": unknown colour \"pink\"")
    );
}

#[test]
fn a_user_preset_is_layered_over_default() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("keymaps")).unwrap();
    std::fs::write(
        dir.path().join("keymaps/mine.toml"),
        "[normal]\n\"x\" = \"quit\"\n",
    )
    .unwrap();
    let keymap = load_keymap("mine", Some(dir.path())).unwrap();
    assert_eq!(keymap.action(Mode::Normal, &key("x")), Some(Action::Quit));
    assert_eq!(keymap.action(Mode::Normal, &key("j")), Some(Action::Down));
    let message = Theme::load("mine", Some(dir.path()))
        .unwrap_err()
        .to_string();
    let file = super::paths::display_path(&dir.path().join("themes/mine.toml"));
    assert_eq!(
        message,
        format!(
            "unknown theme \"mine\": built in are default, light, high-contrast, colorblind; or \
             create {file}"
        )
    );
}
