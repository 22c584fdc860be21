//! Release control's settings in `config.toml`:
//!
//! ```toml
//! [contexts."prod-*"]      # a context name or a glob (* and ?)
//! protected = true         # confirmations ask for the release name
//! readonly = true          # nothing may be changed in it
//!
//! [notify]
//! webhook = "https://hooks.slack.com/services/…"   # Slack-compatible incoming webhook
//! ```
//!
//! Other top-level tables belong to other settings; inside these tables every unknown key is
//! an error naming file, line and key.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde::de::IgnoredAny;
use toml::Spanned;

use quarterdeck_core::config_error::{ConfigError, line_of, syntax_error};
use quarterdeck_core::control::{ContextRule, Policies};

use super::paths::display_path;

/// What `config.toml` says about control.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ControlConfig {
    /// Protected and read-only contexts.
    pub policies: Policies,
    /// `[notify] webhook`.
    pub webhook: Option<String>,
}

#[derive(Deserialize)]
struct File {
    #[serde(default)]
    contexts: BTreeMap<String, Spanned<RawContext>>,
    #[serde(default)]
    notify: Option<Notify>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawContext {
    #[serde(default)]
    protected: bool,
    #[serde(default)]
    readonly: bool,
    // The context's Prometheus: read and checked by analysis.rs.
    #[serde(default, rename = "prometheus")]
    _prometheus: Option<IgnoredAny>,
    // The context's theme: read and checked by context_theme.rs.
    #[serde(default, rename = "theme")]
    _theme: Option<IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Notify {
    webhook: Option<Spanned<String>>,
}

/// Reads `config.toml` from `dir`; no directory or no file means no policies, no webhook.
pub fn load_control(dir: Option<&Path>) -> Result<ControlConfig, ConfigError> {
    let Some(path) = dir.map(|d| d.join("config.toml")) else {
        return Ok(ControlConfig::default());
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => parse_control(&display_path(&path), &text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ControlConfig::default()),
        Err(source) => Err(ConfigError::Io {
            file: display_path(&path),
            source,
        }),
    }
}

/// Parses the text of `file` (named in errors).
pub fn parse_control(file: &str, text: &str) -> Result<ControlConfig, ConfigError> {
    let parsed: File = toml::from_str(text).map_err(|e| syntax_error(file, text, &e))?;
    let mut rules: Vec<(usize, ContextRule)> = parsed
        .contexts
        .into_iter()
        .map(|(pattern, raw)| {
            let line = line_of(text, raw.span().start);
            let raw = raw.into_inner();
            (
                line,
                ContextRule {
                    pattern,
                    protected: raw.protected,
                    readonly: raw.readonly,
                },
            )
        })
        .collect();
    rules.sort_by_key(|(line, _)| *line);
    let webhook = match parsed.notify.and_then(|n| n.webhook) {
        None => None,
        Some(url) => {
            let value = url.get_ref().trim();
            if !(value.starts_with("https://") || value.starts_with("http://")) {
                return Err(ConfigError::Invalid {
                    file: file.to_string(),
                    line: line_of(text, url.span().start),
                    key: "webhook".into(),
                    // The URL itself may hold a secret: say what is wrong, not what it is.
                    problem: "expected an http:// or https:// URL".into(),
                });
            }
            Some(value.to_string())
        }
    };
    Ok(ControlConfig {
        policies: Policies {
            rules: rules.into_iter().map(|(_, r)| r).collect(),
        },
        webhook,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn reads_globs_and_the_webhook_and_ignores_other_tables() {
        let text = r#"
[[release]]
name = "x"
workload = "deployment/x"
namespace = "n"

[contexts."prod-*"]
protected = true

[contexts.staging]
readonly = true

[notify]
webhook = "https://hooks.example.com/T000/B000/secret"
"#;
        let c = parse_control("config.toml", text).unwrap();
        assert!(c.policies.protected("prod-eu"));
        assert!(!c.policies.readonly("prod-eu"));
        assert!(c.policies.readonly("staging"));
        assert_eq!(
            c.webhook.as_deref(),
            Some("https://hooks.example.com/T000/B000/secret")
        );
    }

    #[test]
    fn mistakes_name_file_line_and_key_without_the_secret() {
        let e = parse_control("config.toml", "[contexts.prod]\nprotect = true\n").unwrap_err();
        assert!(e.to_string().starts_with("config.toml:2"), "{e}");
        assert!(e.to_string().contains("protect"), "{e}");
        let e = parse_control(
            "config.toml",
            "[notify]\n\nwebhook = \"ftp://secret-token\"\n",
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "config.toml:3: key \"webhook\": expected an http:// or https:// URL"
        );
        let e = parse_control("config.toml", "[contexts.prod]\nprotected = \"yes\"\n").unwrap_err();
        assert!(e.to_string().starts_with("config.toml:2"), "{e}");
    }
}
