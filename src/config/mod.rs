//! Configuration: keymaps and themes. The defaults are real TOML files compiled in
//! (`keymaps/*.toml`, `themes/*.toml`); files in the user's config directory are layered over
//! them and never written by us. Any mistake is an error naming file, line and key.

pub(crate) mod analysis;
mod context_theme;
mod control;
#[cfg(test)]
mod fixture_tests;
mod keymap;
mod layers;
mod paths;
pub(crate) mod releases;
mod theme;

pub use analysis::{AnalysisDefaults, SEED_TRIGGERS, load_analysis};
pub use context_theme::theme_for_contexts;
pub use control::{ControlConfig, load_control};
pub use keymap::load_keymap;
pub(crate) use paths::{config_dir, state_dir};
pub use theme::{Theme, Token};
