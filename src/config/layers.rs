//! The files a keymap or theme is built from, in the order they are layered: the compiled-in
//! preset, then `<config dir>/<kind>s/NAME.toml`, then `<config dir>/<kind>.toml`. Keymaps and
//! themes share this so that their presets, user files and errors cannot drift apart.

use std::path::Path;

use quarterdeck_core::config_error::ConfigError;

use super::paths::display_path;

/// One file to layer: its name as shown in errors, and its text.
pub(crate) struct Layer {
    /// `built-in keymaps/vim.toml` or the user's path (`~/.config/...`).
    pub file: String,
    /// The TOML text.
    pub text: String,
}

/// The layers for preset `name` of `kind` ("keymap" or "theme"). A name that is not built in
/// needs `<kind>s/NAME.toml` in `user_dir` and is layered over the first preset.
pub(crate) fn layers(
    kind: &'static str,
    presets: &[(&'static str, &str)],
    name: &str,
    user_dir: Option<&Path>,
) -> Result<Vec<Layer>, ConfigError> {
    let folder = format!("{kind}s");
    let user_preset = user_dir.map(|dir| dir.join(&folder).join(format!("{name}.toml")));
    let user_preset_text = match &user_preset {
        Some(path) => read_optional(path)?,
        None => None,
    };
    let base = match presets.iter().find(|(preset, _)| *preset == name) {
        Some(preset) => preset,
        None if user_preset_text.is_some() => &presets[0],
        None => {
            return Err(ConfigError::UnknownPreset {
                kind,
                name: name.to_string(),
                known: preset_names(presets).join(", "),
                path: user_preset
                    .as_deref()
                    .map_or_else(|| format!("{folder}/{name}.toml"), display_path),
            });
        }
    };
    let mut out = vec![Layer {
        file: format!("built-in {folder}/{}.toml", base.0),
        text: base.1.to_string(),
    }];
    if let (Some(path), Some(text)) = (&user_preset, user_preset_text) {
        out.push(Layer {
            file: display_path(path),
            text,
        });
    }
    if let Some(dir) = user_dir {
        let path = dir.join(format!("{kind}.toml"));
        if let Some(text) = read_optional(&path)? {
            out.push(Layer {
                file: display_path(&path),
                text,
            });
        }
    }
    Ok(out)
}

/// The names of the compiled-in presets.
pub(crate) fn preset_names(presets: &[(&'static str, &str)]) -> Vec<&'static str> {
    presets.iter().map(|(name, _)| *name).collect()
}

/// A user file's text, or `None` when it does not exist.
fn read_optional(path: &Path) -> Result<Option<String>, ConfigError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(ConfigError::Io {
            file: display_path(path),
            source,
        }),
    }
}
