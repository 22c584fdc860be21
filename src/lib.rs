//! Quarterdeck: release control in the terminal. This crate wires the pure core
//! (`quarterdeck_core`) to the terminal, the external systems and the simulated world.

pub mod app;
pub mod cli;
pub mod config;
pub mod control;
pub mod drill;
pub mod effects;
pub mod frame_pace;
pub mod frame_trace;
pub mod frames;
pub mod headless;
pub mod integrations;
pub mod logging;
pub mod terminal;
pub mod ui;
