//! Reusable drawing pieces shared by the panes.

pub(super) mod gauge;
pub(super) mod overlay;
pub(super) mod pane;
pub(super) mod rows;
pub(super) mod spark;
pub(super) mod text;
