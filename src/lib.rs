//! Quarterdeck: release control in the terminal.

pub mod action;
pub mod app;
pub mod cli;
pub mod config;
pub mod effects;
pub mod integrations;
pub mod logging;
pub mod model;
pub mod sim;
pub mod terminal;
pub mod ui;
