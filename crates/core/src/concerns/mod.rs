//! What the operator looks at, one concern a module: each owns its state and the transitions
//! of its own keys, and none calls another. What one concern's change means for the others (a
//! new selection resets the pods cursor and the log streams) is decided in `flow`.

pub mod ci;
pub mod context;
pub mod events;
pub mod logs;
pub mod logs_split;
pub mod pods;
pub mod releases;

#[cfg(test)]
mod logs_tests;
