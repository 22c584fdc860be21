//! `quarterdeck get releases|gates|pipeline|rollout|history|pods`.

use super::Outcome;
use super::exit::{Exit, Failure};
use crate::cli::{DashboardArgs, GetArgs};

/// Prints what `args` asks for.
pub async fn run(_args: GetArgs, _global: &DashboardArgs) -> Outcome {
    Err(Failure::new(Exit::Error, "get: not built yet"))
}
