//! Where Quarterdeck keeps user configuration and state.

use std::env;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Environment variable that overrides the config directory (tests use it).
pub const CONFIG_DIR_ENV: &str = "QUARTERDECK_CONFIG_DIR";
/// Environment variable that overrides the state directory (log file, journal).
pub const STATE_DIR_ENV: &str = "QUARTERDECK_STATE_DIR";

/// `$QUARTERDECK_CONFIG_DIR`, else `$XDG_CONFIG_HOME/quarterdeck`, else `~/.config/quarterdeck`.
pub fn config_dir() -> Option<PathBuf> {
    resolve(
        &|name| env::var_os(name),
        CONFIG_DIR_ENV,
        "XDG_CONFIG_HOME",
        ".config",
    )
}

/// `$QUARTERDECK_STATE_DIR`, else `$XDG_STATE_HOME/quarterdeck`, else `~/.local/state/quarterdeck`.
pub fn state_dir() -> Option<PathBuf> {
    resolve(
        &|name| env::var_os(name),
        STATE_DIR_ENV,
        "XDG_STATE_HOME",
        ".local/state",
    )
}

/// The lookup behind both directories; `var` reads the environment (a map in tests).
fn resolve(
    var: &dyn Fn(&str) -> Option<OsString>,
    override_var: &str,
    xdg_var: &str,
    home_relative: &str,
) -> Option<PathBuf> {
    // The XDG spec says relative values are invalid and must be ignored; so do we for ours.
    let absolute = |name: &str| {
        let value = PathBuf::from(var(name)?);
        value.is_absolute().then_some(value)
    };
    if let Some(dir) = absolute(override_var) {
        return Some(dir);
    }
    if let Some(base) = absolute(xdg_var) {
        return Some(base.join("quarterdeck"));
    }
    absolute("HOME").map(|home| home.join(home_relative).join("quarterdeck"))
}

fn absolute_var(name: &str) -> Option<PathBuf> {
    let value = PathBuf::from(env::var_os(name)?);
    value.is_absolute().then_some(value)
}

/// A path as shown in messages: the home directory abbreviated to `~`.
pub fn display_path(path: &Path) -> String {
    if let Some(home) = absolute_var("HOME")
        && let Ok(rest) = path.strip_prefix(&home)
    {
        return Path::new("~").join(rest).display().to_string();
    }
    path.display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<OsString> {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsString::from(v))
        }
    }

    fn config(vars: &'static [(&'static str, &'static str)]) -> Option<PathBuf> {
        resolve(&lookup(vars), CONFIG_DIR_ENV, "XDG_CONFIG_HOME", ".config")
    }

    #[test]
    fn override_then_xdg_then_home() {
        let all = &[
            ("QUARTERDECK_CONFIG_DIR", "/override"),
            ("XDG_CONFIG_HOME", "/xdg"),
            ("HOME", "/home/u"),
        ];
        assert_eq!(config(all), Some(PathBuf::from("/override")));
        let xdg = &[("XDG_CONFIG_HOME", "/xdg"), ("HOME", "/home/u")];
        assert_eq!(config(xdg), Some(PathBuf::from("/xdg/quarterdeck")));
        let home = &[("HOME", "/home/u")];
        assert_eq!(
            config(home),
            Some(PathBuf::from("/home/u/.config/quarterdeck"))
        );
        assert_eq!(config(&[]), None);
    }

    #[test]
    fn relative_values_are_ignored() {
        let vars = &[
            ("QUARTERDECK_CONFIG_DIR", "relative"),
            ("XDG_CONFIG_HOME", ""),
            ("HOME", "/home/u"),
        ];
        assert_eq!(
            config(vars),
            Some(PathBuf::from("/home/u/.config/quarterdeck"))
        );
        let state = resolve(
            &lookup(&[("HOME", "/h")]),
            STATE_DIR_ENV,
            "XDG_STATE_HOME",
            ".local/state",
        );
        assert_eq!(state, Some(PathBuf::from("/h/.local/state/quarterdeck")));
    }
}
