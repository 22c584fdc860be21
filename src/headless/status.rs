//! `quarterdeck status RELEASE [--wait] [--timeout DUR]`: the release's phase, step, weight,
//! revision and readiness from one snapshot; with `--wait`, followed through a watch until it
//! completes (0), fails (5), the timeout passes (6) or ctrl-c (130).

mod report;
mod wait;

use std::time::Duration;

use tokio::time::Instant;

use super::Outcome;
use super::exit::{Exit, Failure};
use super::session::{Session, resolve};
use crate::cli::{DashboardArgs, StatusArgs};
use report::Status;

/// Prints the status; with `--wait`, follows it.
pub async fn run(args: StatusArgs, global: &DashboardArgs) -> Outcome {
    let deadline = match &args.timeout {
        Some(text) => Some(Instant::now() + duration(text)?),
        None => None,
    };
    let session = Session::open(global).await?;
    let scope = session.scope_for(&args.release);
    let mut model = session
        .snapshot(&scope, chrono::Utc::now().timestamp_millis())
        .await?;
    let id = resolve(&model, &args.release)?;
    let row = model
        .releases
        .rows
        .iter()
        .find(|r| r.id == id)
        .ok_or_else(|| Failure::new(Exit::Error, format!("{} went away", args.release)))?;
    let verdict = report::verdict(row);
    if !args.wait || verdict != report::Verdict::Pending {
        println!("{}", Status::of(row).render(args.out.output));
        return Ok(verdict.exit());
    }
    let waited = wait::follow(&session, &mut model, &id, deadline).await;
    if let Some(status) = &waited.status {
        println!("{}", status.render(args.out.output));
    }
    match waited.note {
        Some(note) if waited.exit != Exit::Ok => Err(Failure::new(waited.exit, note)),
        _ => Ok(waited.exit),
    }
}

/// Parses a `--timeout` or `--since` value; a bad one is a usage error.
pub(super) fn duration(text: &str) -> Result<Duration, Failure> {
    super::duration::parse(text).map_err(|e| Failure::new(Exit::Usage, e))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    /// The parsing itself is `duration.rs`'s; here only that a bad one is a usage error.
    #[test]
    fn a_bad_duration_is_a_usage_error() {
        assert_eq!(duration("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(duration("5 min").unwrap_err().exit, Exit::Usage);
        assert_eq!(duration("m").unwrap_err().exit, Exit::Usage);
    }
}
