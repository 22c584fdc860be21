//! The GitHub poller: per release, the newest runs of its workflows, the jobs of the runs that
//! move (and of the newest run of each workflow), and the gates of the runs that wait. It
//! reports only what changed, and paces itself by activity and by the rate limit.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::mpsc;

use super::client::GitHubClient;
use super::gates;
use crate::integrations::rest::{CiError, Cycle, Pacing, Snapshot, Watched, poll_rounds};
use quarterdeck_core::pipeline::{CiSource, CiStatus, CiUpdate, Pipeline, Provider, Stage};

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

impl Watched for GithubWatch {
    fn release(&self) -> &str {
        &self.release
    }

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

/// Jobs of finished runs do not change until a re-run bumps the attempt.
type FinishedJobs = HashMap<(u64, u32), Vec<Stage>>;

/// GitHub's part of a poll round.
struct GithubCycle {
    client: Arc<GitHubClient>,
    per_workflow: usize,
    finished: FinishedJobs,
}

impl Cycle for GithubCycle {
    type Watch = GithubWatch;

    async fn cycle(&mut self, watch: &GithubWatch) -> Result<Snapshot, CiError> {
        let mut runs: Vec<Pipeline> = Vec::new();
        if watch.workflows.is_empty() {
            runs = self
                .client
                .runs(&watch.repo, None, self.per_workflow)
                .await?;
        } else {
            for wf in &watch.workflows {
                runs.extend(
                    self.client
                        .runs(&watch.repo, Some(wf), self.per_workflow)
                        .await?,
                );
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
                && let Some(stages) = self.finished.get(&key)
            {
                run.stages = stages.clone();
                continue;
            }
            if !(newest || run.status.is_active()) {
                continue;
            }
            run.stages = self.client.jobs(&watch.repo, run.id).await?;
            if run.status.is_finished() {
                self.finished.insert(key, run.stages.clone());
            }
            if run.status == CiStatus::Waiting {
                let pending = self.client.pending_deployments(&watch.repo, run.id).await?;
                gates.extend(gates::of_run(run, &pending, Some(&watch.release)));
            }
        }
        Ok(Snapshot { runs, gates })
    }
}

/// Polls `watches` until `tx` is closed, sending [`CiUpdate`]s for what changed.
pub async fn poll(
    client: Arc<GitHubClient>,
    watches: Vec<GithubWatch>,
    options: PollOptions,
    tx: mpsc::Sender<CiUpdate>,
) {
    let cycle = GithubCycle {
        client: client.clone(),
        per_workflow: options.runs_per_workflow,
        finished: FinishedJobs::new(),
    };
    poll_rounds(
        client.rest(),
        Provider::GitHub,
        options.pacing,
        &watches,
        cycle,
        &tx,
    )
    .await;
}
