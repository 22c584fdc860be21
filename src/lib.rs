//! Quarterdeck: release control in the terminal.

pub mod cli;
pub mod sim;
