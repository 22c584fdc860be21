//! The GitHub poller: per release, the newest runs of its workflows, the jobs of the runs that
//! move (and of the newest run of each workflow), and the gates of the runs that wait. It
//! reports only what changed, and paces itself by activity and by the rate limit.

use std::collections::HashMap;

use tokio::sync::mpsc;

use super::client::GitHubClient;
use super::gates;
use crate::integrations::rest::{
    CiError, Pacing, Reporter, Snapshot, finish_cycle, paused, send_all,
};
use quarterdeck_core::pipeline::{CiSource, CiUpdate, Pipeline, Provider, Stage};

/// One release's GitHub CI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GithubWatch {
    /// The release (config name).
    pub release: String,
    /// `owner/repo`.
    pub repo: String,
    /// Workflow files (`ci.yml`); empty means every workflow of the repository.
    pub workflows: Vec<String>,
}

impl GithubWatch {
    fn source(&self) -> CiSource {
        CiSource {
            provider: Provider::GitHub,
            project: self.repo.clone(),
        }
    }
}

/// How the poller behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollOptions {
    /// Polling speeds.
    pub pacing: Pacing,
    /// Runs read per workflow (or per repository when no workflow is named).
    pub runs_per_workflow: usize,
}

impl Default for PollOptions {
    fn default() -> Self {
        PollOptions {
            pacing: Pacing::default(),
            runs_per_workflow: 10,
        }
    }
}

/// What one cycle found for one release.
/// Jobs of finished runs do not change until a re-run bumps the attempt.
type FinishedJobs = HashMap<(u64, u32), Vec<Stage>>;

async fn cycle(
    client: &GitHubClient,
    watch: &GithubWatch,
    per_workflow: usize,
    finished: &mut FinishedJobs,
) -> Result<Snapshot, CiError> {
    let mut runs: Vec<Pipeline> = Vec::new();
    if watch.workflows.is_empty() {
        runs = client.runs(&watch.repo, None, per_workflow).await?;
    } else {
        for wf in &watch.workflows {
            runs.extend(client.runs(&watch.repo, Some(wf), per_workflow).await?);
        }
    }
    runs.sort_by(|a, b| b.created_ms.cmp(&a.created_ms).then(b.id.cmp(&a.id)));
    runs.dedup_by_key(|r| r.id);
    let mut newest_seen: Vec<Option<String>> = Vec::new();
    let mut gates = Vec::new();
    for run in &mut runs {
        let newest = !newest_seen.contains(&run.workflow);
        if newest {
            newest_seen.push(run.workflow.clone());
        }
        let key = (run.id, run.attempt);
        if run.status.is_finished()
            && let Some(stages) = finished.get(&key)
        {
            run.stages = stages.clone();
            continue;
        }
        if !(newest || run.status.is_active()) {
            continue;
        }
        run.stages = client.jobs(&watch.repo, run.id).await?;
        if run.status.is_finished() {
            finished.insert(key, run.stages.clone());
        }
        if run.status == quarterdeck_core::pipeline::CiStatus::Waiting {
            let pending = client.pending_deployments(&watch.repo, run.id).await?;
            gates.extend(gates::gates(run, &pending, Some(&watch.release)));
        }
    }
    Ok(Snapshot { runs, gates })
}

/// Polls `watches` until `tx` is closed, sending [`CiUpdate`]s for what changed.
pub async fn poll(
    client: GitHubClient,
    watches: Vec<GithubWatch>,
    options: PollOptions,
    tx: mpsc::Sender<CiUpdate>,
) {
    let mut reporter = Reporter::default();
    let mut finished = FinishedJobs::new();
    loop {
        let mut active = false;
        for watch in &watches {
            let result = cycle(&client, watch, options.runs_per_workflow, &mut finished).await;
            if let Ok(snap) = &result {
                active |= snap.runs.iter().any(|r| r.status.is_active());
            }
            let updates = reporter.cycle(&watch.release, watch.source(), result);
            if !send_all(&tx, updates).await {
                return;
            }
            if paused(client.rest()) {
                break;
            }
        }
        if !finish_cycle(
            client.rest(),
            &mut reporter,
            Provider::GitHub,
            options.pacing,
            active,
            &tx,
        )
        .await
        {
            return;
        }
    }
}
