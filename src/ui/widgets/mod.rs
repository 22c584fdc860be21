//! Reusable drawing pieces shared by the panes.

pub mod gauge;
pub mod pane;
pub mod text;
