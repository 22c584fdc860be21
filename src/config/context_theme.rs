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

/// `theme` (`asked`, already loaded) with the themes `config.toml` in `dir` gives each of
/// `contexts`, so that drawing follows `:ctx` ([`Theme::for_context`]); unless `asked`
/// (`--theme`) is not the default, which wins everywhere. Every theme is loaded here, so a
/// bad one fails before the screen opens.
pub fn theme_for_contexts(
    theme: Theme,
    asked: &str,
    dir: Option<&Path>,
    contexts: &[String],
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
    let mut themes = BTreeMap::new();
    for context in contexts {
        if let Some(chosen) = context_theme(&display_path(&path), &text, context, dir)? {
            themes.insert(context.clone(), chosen);
        }
    }
    Ok(theme.with_context_themes(themes))
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
    fn the_theme_follows_the_context_it_is_drawn_for() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.toml"), TEXT).unwrap();
        let contexts = ["prod-eu-west", "staging", "prod-us"].map(String::from);
        let base = Theme::load("default", None).unwrap();
        let theme =
            theme_for_contexts(base.clone(), "default", Some(dir.path()), &contexts).unwrap();
        let healthy = |ctx: &str| theme.for_context(ctx).style(Token::Healthy);
        let high = Theme::load("high-contrast", None).unwrap();
        let colorblind = Theme::load("colorblind", None).unwrap();
        assert_eq!(healthy("prod-eu-west"), high.style(Token::Healthy));
        assert_eq!(healthy("staging"), base.style(Token::Healthy));
        assert_eq!(healthy("prod-us"), colorblind.style(Token::Healthy));
        assert_eq!(
            healthy("prod-eu-west"),
            high.style(Token::Healthy),
            "and back"
        );
        // --theme wins in every context.
        let asked = theme_for_contexts(base.clone(), "light", Some(dir.path()), &contexts).unwrap();
        assert_eq!(
            asked.for_context("prod-eu-west").style(Token::Healthy),
            base.style(Token::Healthy)
        );
    }

    /// The screen `model` draws to with `theme`, cell by cell with styles.
    fn screen(model: &quarterdeck_core::Model, theme: &Theme) -> ratatui::buffer::Buffer {
        let (w, h) = model.size;
        let backend = ratatui::backend::TestBackend::new(w, h);
        let mut term = ratatui::Terminal::new(backend).unwrap();
        term.draw(|f| {
            crate::ui::view(model, theme, f);
        })
        .unwrap();
        term.backend().buffer().clone()
    }

    /// Switches `model` to `name` as `:ctx NAME` and the connection's answer do.
    fn switch(model: &mut quarterdeck_core::Model, name: &str, epoch: u64) {
        use quarterdeck_core::key::KeyPress;
        use quarterdeck_core::msg::ContextMsg;
        use quarterdeck_core::{Msg, update};
        for k in std::iter::once(":".to_string())
            .chain("ctx".chars().map(String::from))
            .chain(std::iter::once("space".to_string()))
            .chain(name.chars().map(String::from))
            .chain(std::iter::once("enter".to_string()))
        {
            update(model, Msg::Key(KeyPress::parse(&k).unwrap()));
        }
        update(
            model,
            Msg::Context(ContextMsg::Connected {
                name: name.into(),
                epoch,
                server: "https://10.0.0.2:6443".into(),
            }),
        );
        assert_eq!(model.target.context, name);
    }

    #[test]
    fn the_screen_takes_the_theme_of_each_context_ctx_switches_to() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("config.toml"),
            "[contexts.staging]\ntheme = \"colorblind\"\n",
        )
        .unwrap();
        let contexts = ["prod-eu-west", "staging"].map(String::from);
        let default = Theme::load("default", None).unwrap();
        let colorblind = Theme::load("colorblind", None).unwrap();
        let theme =
            theme_for_contexts(default.clone(), "default", Some(dir.path()), &contexts).unwrap();
        let mut model = quarterdeck_core::sample::model_with(
            quarterdeck_core::sample::showcase_objects(),
            100,
            30,
        )
        .0;
        assert_eq!(model.target.context, "prod-eu-west");
        assert_eq!(screen(&model, &theme), screen(&model, &default));
        switch(&mut model, "staging", 1);
        assert_eq!(screen(&model, &theme), screen(&model, &colorblind));
        assert_ne!(screen(&model, &colorblind), screen(&model, &default));
        switch(&mut model, "prod-eu-west", 2);
        assert_eq!(screen(&model, &theme), screen(&model, &default), "and back");
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
