//! Key presses as the keymap and the help overlay see them, independent of any terminal library.
//!
//! The notation is the one users write in keymap files: `q`, `G`, `?`, `ctrl-c`, `shift-tab`,
//! `enter`, `pgdn`, `space`, `f5`. `Display` prints the same notation back, so help text and
//! error messages quote keys the way the user would type them.

use std::fmt;

/// A key without modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyCode {
    /// A printable character; letters keep their case (`G` is shift-g).
    Char(char),
    /// Return / enter.
    Enter,
    /// Escape.
    Esc,
    /// Tab.
    Tab,
    /// Shift-tab (terminals report it as its own key).
    BackTab,
    /// Backspace.
    Backspace,
    /// Arrow up.
    Up,
    /// Arrow down.
    Down,
    /// Arrow left.
    Left,
    /// Arrow right.
    Right,
    /// Page up.
    PageUp,
    /// Page down.
    PageDown,
    /// Home.
    Home,
    /// End.
    End,
    /// Delete (forward).
    Delete,
    /// Function key F1–F24.
    F(u8),
}

/// A key with its modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyPress {
    /// The key itself.
    pub code: KeyCode,
    /// Control held.
    pub ctrl: bool,
    /// Alt (meta) held.
    pub alt: bool,
    /// Shift held; see [`KeyPress::normalized`] for how it combines with characters.
    pub shift: bool,
}

impl KeyPress {
    /// A key press without modifiers.
    pub fn plain(code: KeyCode) -> Self {
        KeyPress {
            code,
            ctrl: false,
            alt: false,
            shift: false,
        }
    }

    /// A control-modified character, e.g. `KeyPress::ctrl('c')`.
    pub fn ctrl(c: char) -> Self {
        KeyPress {
            ctrl: true,
            ..KeyPress::plain(KeyCode::Char(c))
        }
    }

    /// The canonical form used for lookups, so that `G`, `shift-g` and a terminal's
    /// (shift, 'G') report compare equal, and shift-tab is always `BackTab` without shift.
    pub(crate) fn normalized(self) -> Self {
        let mut key = self;
        match key.code {
            KeyCode::Char(c) if key.shift => {
                // The character already carries the shift (`?`, `G`); only ASCII letters typed
                // as lower case with an explicit shift need upper-casing.
                key.code = KeyCode::Char(c.to_ascii_uppercase());
                key.shift = false;
            }
            KeyCode::Char(c) if key.ctrl && c.is_ascii_uppercase() => {
                // Terminals cannot tell ctrl-C from ctrl-c; treat them as one key.
                key.code = KeyCode::Char(c.to_ascii_lowercase());
            }
            KeyCode::BackTab => key.shift = false,
            KeyCode::Tab if key.shift => {
                key.code = KeyCode::BackTab;
                key.shift = false;
            }
            _ => {}
        }
        key
    }

    /// Parses the keymap notation (`ctrl-c`, `shift-tab`, `G`, `pgdn`, `space`, `f5`, `-`).
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.is_empty() {
            return Err("empty key".to_string());
        }
        let mut key = KeyPress::plain(KeyCode::Esc);
        let mut rest = text;
        // Modifiers are prefixes ending in '-'; a final "-" is the minus key itself.
        while let Some((head, tail)) = rest.split_once('-') {
            if tail.is_empty() {
                break;
            }
            match head.to_ascii_lowercase().as_str() {
                "ctrl" => key.ctrl = true,
                "alt" | "meta" => key.alt = true,
                "shift" => key.shift = true,
                _ => return Err(format!("unknown modifier \"{head}\" in \"{text}\"")),
            }
            rest = tail;
        }
        key.code = parse_code(rest).ok_or_else(|| format!("unknown key name \"{rest}\""))?;
        Ok(key.normalized())
    }
}

fn parse_code(name: &str) -> Option<KeyCode> {
    let mut chars = name.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return Some(KeyCode::Char(c));
    }
    let code = match name.to_ascii_lowercase().as_str() {
        "enter" | "return" | "cr" => KeyCode::Enter,
        "esc" | "escape" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "backtab" => KeyCode::BackTab,
        "backspace" | "bs" => KeyCode::Backspace,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "pgup" | "pageup" => KeyCode::PageUp,
        "pgdn" | "pagedown" => KeyCode::PageDown,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "del" | "delete" => KeyCode::Delete,
        "space" => KeyCode::Char(' '),
        "minus" => KeyCode::Char('-'),
        f if f.starts_with('f') => match f[1..].parse::<u8>() {
            Ok(n @ 1..=24) => KeyCode::F(n),
            _ => return None,
        },
        _ => return None,
    };
    Some(code)
}

impl fmt::Display for KeyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("enter"),
            KeyCode::Esc => f.write_str("esc"),
            KeyCode::Tab => f.write_str("tab"),
            KeyCode::BackTab => f.write_str("shift-tab"),
            KeyCode::Backspace => f.write_str("backspace"),
            KeyCode::Up => f.write_str("up"),
            KeyCode::Down => f.write_str("down"),
            KeyCode::Left => f.write_str("left"),
            KeyCode::Right => f.write_str("right"),
            KeyCode::PageUp => f.write_str("pgup"),
            KeyCode::PageDown => f.write_str("pgdn"),
            KeyCode::Home => f.write_str("home"),
            KeyCode::End => f.write_str("end"),
            KeyCode::Delete => f.write_str("del"),
            KeyCode::F(n) => write!(f, "f{n}"),
        }
    }
}

impl fmt::Display for KeyPress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key = self.normalized();
        if key.ctrl {
            f.write_str("ctrl-")?;
        }
        if key.alt {
            f.write_str("alt-")?;
        }
        if key.shift {
            f.write_str("shift-")?;
        }
        write!(f, "{}", key.code)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_examples() {
        assert_eq!(
            KeyPress::parse("q"),
            Ok(KeyPress::plain(KeyCode::Char('q')))
        );
        assert_eq!(KeyPress::parse("ctrl-c"), Ok(KeyPress::ctrl('c')));
        assert_eq!(
            KeyPress::parse("shift-tab"),
            Ok(KeyPress::plain(KeyCode::BackTab))
        );
        assert_eq!(
            KeyPress::parse("enter"),
            Ok(KeyPress::plain(KeyCode::Enter))
        );
        assert_eq!(KeyPress::parse("esc"), Ok(KeyPress::plain(KeyCode::Esc)));
        assert_eq!(
            KeyPress::parse("pgdn"),
            Ok(KeyPress::plain(KeyCode::PageDown))
        );
        assert_eq!(
            KeyPress::parse("?"),
            Ok(KeyPress::plain(KeyCode::Char('?')))
        );
        assert_eq!(
            KeyPress::parse("G"),
            Ok(KeyPress::plain(KeyCode::Char('G')))
        );
        assert_eq!(
            KeyPress::parse("space"),
            Ok(KeyPress::plain(KeyCode::Char(' ')))
        );
        assert_eq!(KeyPress::parse("f12"), Ok(KeyPress::plain(KeyCode::F(12))));
        assert_eq!(
            KeyPress::parse("-"),
            Ok(KeyPress::plain(KeyCode::Char('-')))
        );
        assert_eq!(
            KeyPress::parse("ctrl--"),
            Ok(KeyPress {
                ctrl: true,
                ..KeyPress::plain(KeyCode::Char('-'))
            })
        );
    }

    #[test]
    fn shift_letter_and_upper_case_are_one_key() {
        assert_eq!(KeyPress::parse("shift-g"), KeyPress::parse("G"));
        let from_terminal = KeyPress {
            shift: true,
            ..KeyPress::plain(KeyCode::Char('G'))
        };
        assert_eq!(
            from_terminal.normalized(),
            KeyPress::plain(KeyCode::Char('G'))
        );
        let shifted_tab = KeyPress {
            shift: true,
            ..KeyPress::plain(KeyCode::BackTab)
        };
        assert_eq!(shifted_tab.normalized(), KeyPress::plain(KeyCode::BackTab));
        assert_eq!(KeyPress::parse("ctrl-C"), Ok(KeyPress::ctrl('c')));
    }

    #[test]
    fn rejects_unknown_names_and_modifiers() {
        assert_eq!(
            KeyPress::parse("hyper-x"),
            Err("unknown modifier \"hyper\" in \"hyper-x\"".to_string())
        );
        assert_eq!(
            KeyPress::parse("ctrl-escap"),
            Err("unknown key name \"escap\"".to_string())
        );
        assert_eq!(
            KeyPress::parse("f25"),
            Err("unknown key name \"f25\"".to_string())
        );
        assert!(KeyPress::parse("").is_err());
    }

    #[test]
    fn display_round_trips() {
        for text in [
            "q",
            "ctrl-c",
            "shift-tab",
            "enter",
            "esc",
            "pgdn",
            "pgup",
            "?",
            "G",
            "space",
            "f5",
            "alt-x",
            "ctrl-alt-del",
            "home",
            "end",
            "backspace",
            "-",
            "tab",
            "up",
        ] {
            let key = KeyPress::parse(text).unwrap();
            assert_eq!(key.to_string(), text);
            assert_eq!(KeyPress::parse(&key.to_string()).unwrap(), key);
        }
    }
}
