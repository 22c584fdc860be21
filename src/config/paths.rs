//! Where Quarterdeck keeps user configuration and state.

use std::env;
use std::path::{Path, PathBuf};

/// Environment variable that overrides the config directory (tests use it).
pub const CONFIG_DIR_ENV: &str = "QUARTERDECK_CONFIG_DIR";
/// Environment variable that overrides the state directory (log file, journal).
pub const STATE_DIR_ENV: &str = "QUARTERDECK_STATE_DIR";

/// `$QUARTERDECK_CONFIG_DIR`, else `$XDG_CONFIG_HOME/quarterdeck`, else `~/.config/quarterdeck`.
pub fn config_dir() -> Option<PathBuf> {
    resolve(CONFIG_DIR_ENV, "XDG_CONFIG_HOME", ".config")
}

/// `$QUARTERDECK_STATE_DIR`, else `$XDG_STATE_HOME/quarterdeck`, else `~/.local/state/quarterdeck`.
pub fn state_dir() -> Option<PathBuf> {
    resolve(STATE_DIR_ENV, "XDG_STATE_HOME", ".local/state")
}

fn resolve(override_var: &str, xdg_var: &str, home_relative: &str) -> Option<PathBuf> {
    if let Some(dir) = absolute_var(override_var) {
        return Some(dir);
    }
    // The XDG spec says relative values are invalid and must be ignored.
    if let Some(base) = absolute_var(xdg_var) {
        return Some(base.join("quarterdeck"));
    }
    absolute_var("HOME").map(|home| home.join(home_relative).join("quarterdeck"))
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
