//! Configuration: keymaps and themes. The defaults are real TOML files compiled in
//! (`keymaps/*.toml`, `themes/*.toml`); files in the user's config directory are layered over
//! them and never written by us. Any mistake is an error naming file, line and key.

#[cfg(test)]
mod fixture_tests;
mod keymap;
mod layers;
mod paths;
pub mod releases;
mod theme;

pub use keymap::load_keymap;
pub use paths::{CONFIG_DIR_ENV, STATE_DIR_ENV, config_dir, display_path, state_dir};
pub use quarterdeck_core::config_error::ConfigError;
pub use theme::{Theme, Token};
