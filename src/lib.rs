//! Quarterdeck: release control in the terminal.

pub mod action;
pub mod cli;
pub mod sim;
