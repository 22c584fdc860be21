//! The commands without a screen (`quarterdeck get`, `status`, `promote` …): the same
//! action layer, confirmation rules and journal as the dashboard, output a program can read
//! and exit codes a shell can branch on.

mod act;
pub mod ci;
mod docs;
pub mod duration;
pub mod exit;
pub mod gate_id;
mod get;
mod journal;
mod logs;
pub mod output;
pub mod session;
mod status;

use crate::cli::{Command, DashboardArgs};
use exit::{Exit, Failure};

/// Runs a headless command; returns the process exit code. Messages go to stderr, results to
/// stdout. `None` when `command` is not a headless one.
pub async fn run(command: Command, global: &DashboardArgs) -> Option<i32> {
    let result = match command {
        Command::Sim(_) | Command::Demo(_) | Command::Drill(_) => return None,
        Command::Completions(args) => docs::completions(&args),
        Command::Man => docs::man(),
        Command::Get(args) => get::run(args, global).await,
        Command::Journal(args) => journal::run(args, global),
        Command::Status(args) => status::run(args, global).await,
        Command::Logs(args) => logs::run(args, global).await,
        Command::Approve(args) => act::gate(args, true, global).await,
        Command::Reject(args) => act::gate(args, false, global).await,
        Command::Play(args) => act::play(args, global).await,
        Command::Promote(args) => act::promote(args, global).await,
        Command::Abort(args) => act::release(args, Verb::Abort, global).await,
        Command::Retry(args) => act::release(args, Verb::Retry, global).await,
        Command::Pause(args) => act::release(args, Verb::Pause, global).await,
        Command::Resume(args) => act::release(args, Verb::Resume, global).await,
        Command::Restart(args) => act::release(args, Verb::Restart, global).await,
        Command::Undo(args) => act::undo(args, global).await,
    };
    Some(match result {
        Ok(exit) => exit.code(),
        Err(failure) => {
            eprintln!("quarterdeck: {}", failure.message);
            failure.exit.code()
        }
    })
}

/// The release commands that take no option of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// `abort`.
    Abort,
    /// `retry`.
    Retry,
    /// `pause`.
    Pause,
    /// `resume`.
    Resume,
    /// `restart`.
    Restart,
}

/// What a command returns: how it ended.
pub type Outcome = Result<Exit, Failure>;
