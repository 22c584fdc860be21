//! The pure core: domain types and `update`. Nothing here does I/O, reads a clock or knows
//! about terminals, tokio or kube; time and events arrive as `Msg`s and requests leave as
//! `Effect`s. The crate's dependencies make that a compile-time fact.

pub mod action;
mod actions;
pub mod analysis;
pub mod cluster;
mod command;
pub mod concerns;
pub mod config_error;
mod context;
pub mod control;
mod cursor;
pub mod deployment;
pub mod drill;
pub mod effect;
pub mod event;
mod flow;
pub mod gate;
pub mod key;
pub mod keymap;
mod keys;
pub mod link;
pub mod logs;
pub mod meta;
mod model;
pub mod msg;
pub mod nav;
pub mod phase;
pub mod pipeline;
pub mod pod;
pub mod release;
pub mod rollout;
#[cfg(any(test, feature = "testkit"))]
pub mod sample;
#[cfg(any(test, feature = "testkit"))]
pub mod sample_ci;
pub mod time;
mod update;

pub use self::effect::{Effect, LogStreamSpec, Scope};
pub use self::model::{Model, Notice, Redraw, Target};
pub use self::msg::{Connection, Msg, RawLogLine, StreamState, WatchEvent};
pub use self::nav::{Nav, Pane};
pub use self::update::{update, update_watched};

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod watch_tests;
