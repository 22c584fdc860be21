//! Configuration errors. Every message names the file, the line and the key, so a broken
//! keymap or theme stops the program with something the user can fix in one edit.

use std::io;

/// Why a keymap or theme could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file is not valid TOML, or has a field the format does not know.
    #[error("{file}:{line}: {message}: {source_line}")]
    Syntax {
        /// The file as shown to the user (`~/.config/...` or a built-in preset's name).
        file: String,
        /// 1-based line.
        line: usize,
        /// What the TOML parser said.
        message: String,
        /// The offending line, trimmed, so the message shows the key even when the parser
        /// does not name it (`duplicate key`).
        source_line: String,
    },
    /// A key or value that parses as TOML but means nothing to us.
    #[error("{file}:{line}: key \"{key}\": {problem}")]
    Invalid {
        /// The file as shown to the user.
        file: String,
        /// 1-based line.
        line: usize,
        /// The TOML key the problem is attached to, as written.
        key: String,
        /// What is wrong with it.
        problem: String,
    },
    /// `--keymap`/`--theme` named a preset that is neither built in nor in the config directory.
    #[error("unknown {kind} \"{name}\": built in are {known}; or create {path}")]
    UnknownPreset {
        /// "keymap" or "theme".
        kind: &'static str,
        /// The name asked for.
        name: String,
        /// The built-in names, comma separated.
        known: String,
        /// Where a user preset of that name would live.
        path: String,
    },
    /// A user file exists but cannot be read.
    #[error("{file}: cannot read: {source}")]
    Io {
        /// The file as shown to the user.
        file: String,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
}

/// 1-based line number of a byte offset.
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Converts a TOML parse error into a [`ConfigError::Syntax`] with the file's name and line.
pub fn syntax_error(file: &str, text: &str, error: &toml::de::Error) -> ConfigError {
    let line = error.span().map_or(1, |span| line_of(text, span.start));
    let source_line: String = text
        .lines()
        .nth(line - 1)
        .unwrap_or_default()
        .trim()
        .chars()
        .take(80)
        .collect();
    ConfigError::Syntax {
        file: file.to_string(),
        line,
        message: error.message().trim_end().to_string(),
        source_line,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_one_based() {
        let text = "a\nb\nc";
        assert_eq!(line_of(text, 0), 1);
        assert_eq!(line_of(text, 2), 2);
        assert_eq!(line_of(text, 4), 3);
        assert_eq!(line_of(text, 99), 3);
    }
}
