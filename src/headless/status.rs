//! `quarterdeck status RELEASE [--wait] [--timeout DUR]`.

use super::Outcome;
use super::exit::{Exit, Failure};
use crate::cli::{DashboardArgs, StatusArgs};

/// Prints the status; with `--wait`, follows it.
pub async fn run(_args: StatusArgs, _global: &DashboardArgs) -> Outcome {
    Err(Failure::new(Exit::Error, "status: not built yet"))
}
