//! `quarterdeck journal`: the journal of actions, filtered.

use super::Outcome;
use super::exit::{Exit, Failure};
use crate::cli::{DashboardArgs, JournalArgs};

/// Prints the journal.
pub fn run(_args: JournalArgs, _global: &DashboardArgs) -> Outcome {
    Err(Failure::new(Exit::Error, "journal: not built yet"))
}
