//! `quarterdeck completions SHELL` and `quarterdeck man`, generated from the clap definitions.

use super::Outcome;
use super::exit::{Exit, Failure};
use crate::cli::CompletionsArgs;

/// Prints the completion script.
pub fn completions(_args: &CompletionsArgs) -> Outcome {
    Err(Failure::new(Exit::Error, "completions: not built yet"))
}

/// Prints the manual page.
pub fn man() -> Outcome {
    Err(Failure::new(Exit::Error, "man: not built yet"))
}
