//! `quarterdeck logs RELEASE [-f] [--since DUR] [--role canary|stable]`.

use super::Outcome;
use super::exit::{Exit, Failure};
use crate::cli::{DashboardArgs, LogsArgs};

/// Prints the logs.
pub async fn run(_args: LogsArgs, _global: &DashboardArgs) -> Outcome {
    Err(Failure::new(Exit::Error, "logs: not built yet"))
}
