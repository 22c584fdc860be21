//! A context's own theme, from `config.toml` (k9s users give production a red skin):
//!
//! ```toml
//! [contexts."prod-*"]      # a context name or a glob (* and ?)
//! theme = "colorblind"     # a built-in theme or themes/NAME.toml in the config directory
//! ```
//!
//! The last matching table in the file wins. `--theme` other than the default wins over it.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use quarterdeck_core::config_error::{ConfigError, line_of, syntax_error};
use quarterdeck_core::control::glob;

use super::paths::display_path;
use super::theme::Theme;

#[derive(Deserialize)]
struct File {
    #[serde(default)]
    contexts: BTreeMap<String, Raw>,
}

// The other keys of a context table are checked where they are read (control.rs).
#[derive(Deserialize)]
struct Raw {
    #[serde(default)]
    theme: Option<Spanned<String>>,
}

/// The theme to draw `context` with: `asked` (`--theme`) unless it is the default and
/// `config.toml` in `dir` names one for the context; `theme` is `asked`, already loaded.
pub fn theme_for_context(
    theme: Theme,
    asked: &str,
    dir: Option<&Path>,
    context: &str,
) -> Result<Theme, ConfigError> {
    if asked != "default" {
        return Ok(theme);
    }
    let Some(path) = dir.map(|d| d.join("config.toml")) else {
        return Ok(theme);
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(theme),
        Err(source) => {
            return Err(ConfigError::Io {
                file: display_path(&path),
                source,
            });
        }
    };
    match context_theme(&display_path(&path), &text, context, dir)? {
        Some(chosen) => Ok(chosen),
        None => Ok(theme),
    }
}

/// The theme `text` (the file `file`) gives `context`, loaded; an unknown name is an error
/// at its line.
fn context_theme(
    file: &str,
    text: &str,
    context: &str,
    dir: Option<&Path>,
) -> Result<Option<Theme>, ConfigError> {
    let parsed: File = toml::from_str(text).map_err(|e| syntax_error(file, text, &e))?;
    let mut matching: Vec<Spanned<String>> = parsed
        .contexts
        .into_iter()
        .filter(|(pattern, _)| glob(pattern, context))
        .filter_map(|(_, raw)| raw.theme)
        .collect();
    matching.sort_by_key(|name| name.span().start);
    let Some(name) = matching.pop() else {
        return Ok(None);
    };
    Theme::load(name.get_ref(), dir)
        .map(Some)
        .map_err(|e| match e {
            ConfigError::UnknownPreset { known, .. } => ConfigError::Invalid {
                file: file.to_string(),
                line: line_of(text, name.span().start),
                key: "theme".into(),
                problem: format!("unknown theme \"{}\": built in are {known}", name.get_ref()),
            },
            other => other,
        })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::config::Token;

    const TEXT: &str = r#"
[contexts."prod-*"]
protected = true
theme = "colorblind"

[contexts.prod-eu-west]
theme = "high-contrast"

[contexts.staging]
readonly = true
"#;

    #[test]
    fn the_last_matching_context_table_names_the_theme() {
        let colorblind = Theme::load("colorblind", None).unwrap();
        let high = Theme::load("high-contrast", None).unwrap();
        let got = |ctx: &str| {
            context_theme("config.toml", TEXT, ctx, None)
                .unwrap()
                .map(|t| t.style(Token::Healthy))
        };
        assert_eq!(got("prod-us"), Some(colorblind.style(Token::Healthy)));
        assert_eq!(got("prod-eu-west"), Some(high.style(Token::Healthy)));
        assert_eq!(got("staging"), None);
    }

    #[test]
    fn an_unknown_theme_names_file_line_and_key() {
        let text = "[contexts.prod]\ntheme = \"nope\"\n";
        let err = context_theme("config.toml", text, "prod", None).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("config.toml:2: key \"theme\": unknown theme \"nope\""),
            "{err}"
        );
    }
}
