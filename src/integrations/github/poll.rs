//! The GitHub poller: per release, the newest runs of its workflows, the jobs of the runs that
//! move (and of the newest run of each workflow), and the gates of the runs that wait. It
//! reports only what changed, and paces itself by activity and by the rate limit.

use std::collections::HashMap;

use tokio::sync::mpsc;

use super::client::GitHubClient;
use crate::integrations::rest::{CiError, Pacing, next_delay_ms, wait};
use crate::model::gate::{Gate, github_gates};
use crate::model::pipeline::{CiSource, CiUpdate, Pipeline, Provider, RateLimitState, Stage};

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
#[derive(Debug, Clone, PartialEq, Default)]
struct Snapshot {
    runs: Vec<Pipeline>,
    gates: Vec<Gate>,
}

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
        if run.status == crate::model::pipeline::CiStatus::Waiting {
            let pending = client.pending_deployments(&watch.repo, run.id).await?;
            gates.extend(github_gates(run, &pending, Some(&watch.release)));
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
    let mut last: HashMap<String, Snapshot> = HashMap::new();
    let mut last_error: HashMap<String, String> = HashMap::new();
    let mut last_limits = RateLimitState::default();
    let mut finished = FinishedJobs::new();
    loop {
        let mut active = false;
        for watch in &watches {
            let mut updates = Vec::new();
            match cycle(&client, watch, options.runs_per_workflow, &mut finished).await {
                Ok(snap) => {
                    active |= snap.runs.iter().any(|r| r.status.is_active());
                    last_error.remove(&watch.release);
                    let before = last.get(&watch.release);
                    if before.is_none_or(|b| b.runs != snap.runs) {
                        updates.push(CiUpdate::Pipelines {
                            release: watch.release.clone(),
                            source: watch.source(),
                            runs: snap.runs.clone(),
                        });
                    }
                    if before.is_none_or(|b| b.gates != snap.gates) {
                        updates.push(CiUpdate::Gates {
                            release: watch.release.clone(),
                            source: watch.source(),
                            gates: snap.gates.clone(),
                        });
                    }
                    last.insert(watch.release.clone(), snap);
                }
                Err(e) => {
                    if last_error.get(&watch.release) != Some(&e.message) {
                        last_error.insert(watch.release.clone(), e.message.clone());
                        updates.push(CiUpdate::SourceError {
                            source: watch.source(),
                            kind: e.kind,
                            message: e.message.clone(),
                        });
                    }
                }
            }
            for u in updates {
                if tx.send(u).await.is_err() {
                    return;
                }
            }
            if client
                .rest()
                .limits()
                .paused_until_ms
                .is_some_and(|u| u > client.rest().now_ms())
            {
                break;
            }
        }
        let limits = client.rest().limits();
        if limits != last_limits {
            last_limits = limits.clone();
            let update = CiUpdate::RateLimit {
                provider: Provider::GitHub,
                state: limits.clone(),
            };
            if tx.send(update).await.is_err() {
                return;
            }
        }
        let now = client.rest().now_ms();
        let delay = next_delay_ms(
            options.pacing,
            active,
            client.rest().take_spent(),
            &limits,
            now,
        );
        let paused = limits.paused_until_ms.filter(|u| *u > now);
        tokio::select! {
            () = wait(client.rest().clock(), delay, paused) => {}
            () = tx.closed() => return,
        }
    }
}
