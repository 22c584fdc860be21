//! CI state for a command: the pollers the dashboard uses, run for one round, so `get gates`,
//! `get pipeline` and `approve` see the same runs and gates the dashboard would.

use std::collections::BTreeSet;
use std::time::Duration;

use tokio::sync::mpsc;

use super::exit::{Exit, Failure};
use super::session::Session;
use crate::effects::CiDriver;
use quarterdeck_core::pipeline::CiUpdate;
use quarterdeck_core::{Model, Msg, update};

/// How long one round of every linked project may take.
const ROUND: Duration = Duration::from_secs(60);

/// Polls every CI project the model's releases link to once, and applies what came back.
/// A project that cannot be reached is left out (its error is in `model.ci.errors`).
pub async fn fetch(session: &Session, model: &mut Model) -> Result<(), Failure> {
    let watches = model.ci.watching.clone();
    if watches.is_empty() {
        return Ok(());
    }
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut driver = CiDriver::new(session.ci.clone(), tx);
    driver.watch(watches.clone());
    // A release's first round reports its runs and its gates, or an error for its source.
    let mut runs: BTreeSet<String> = BTreeSet::new();
    let mut gates: BTreeSet<String> = BTreeSet::new();
    let mut failed = BTreeSet::new();
    let done = |runs: &BTreeSet<String>, gates: &BTreeSet<String>, failed: &BTreeSet<String>| {
        watches.iter().all(|w| {
            let project = w.link.project().to_string();
            failed.contains(&project) || (runs.contains(&w.release) && gates.contains(&w.release))
        })
    };
    let round = async {
        while let Some(msg) = rx.recv().await {
            if let Msg::Ci(u) = &msg {
                match u {
                    CiUpdate::Pipelines { release, .. } => {
                        runs.insert(release.clone());
                    }
                    CiUpdate::Gates { release, .. } => {
                        gates.insert(release.clone());
                    }
                    CiUpdate::SourceError { source, .. } => {
                        failed.insert(source.project.clone());
                    }
                    _ => {}
                }
            }
            update(model, msg);
            if done(&runs, &gates, &failed) {
                return;
            }
        }
    };
    let finished = tokio::time::timeout(ROUND, round).await.is_ok();
    drop(driver);
    if finished {
        Ok(())
    } else {
        Err(Failure::new(
            Exit::Error,
            "the CI providers did not answer within 60 s",
        ))
    }
}
