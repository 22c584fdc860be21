//! The changing commands: `approve`, `reject`, `play`, `promote`, `abort`, `retry`, `undo`,
//! `pause`, `resume`, `restart`.

use super::exit::{Exit, Failure};
use super::{Outcome, Verb};
use crate::cli::{DashboardArgs, GateArgs, PlayArgs, PromoteArgs, ReleaseAction, UndoArgs};

/// `approve GATE` / `reject GATE`.
pub async fn gate(_args: GateArgs, _approve: bool, _global: &DashboardArgs) -> Outcome {
    Err(Failure::new(Exit::Error, "not built yet"))
}

/// `play JOB`.
pub async fn play(_args: PlayArgs, _global: &DashboardArgs) -> Outcome {
    Err(Failure::new(Exit::Error, "not built yet"))
}

/// `promote RELEASE [--full]`.
pub async fn promote(_args: PromoteArgs, _global: &DashboardArgs) -> Outcome {
    Err(Failure::new(Exit::Error, "not built yet"))
}

/// `abort`, `retry`, `pause`, `resume`, `restart` RELEASE.
pub async fn release(_args: ReleaseAction, _verb: Verb, _global: &DashboardArgs) -> Outcome {
    Err(Failure::new(Exit::Error, "not built yet"))
}

/// `undo RELEASE [--to-revision N]`.
pub async fn undo(_args: UndoArgs, _global: &DashboardArgs) -> Outcome {
    Err(Failure::new(Exit::Error, "not built yet"))
}
