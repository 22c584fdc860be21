//! The GitHub poller: per release, the newest runs of its workflows, the jobs of the runs that
//! move (and of the newest run of each workflow), and the gates of the runs that wait. It
//! reports only what changed, and paces itself by activity and by the rate limit.
//!
//! Only the release on screen is read in full every round. For the others a round asks only
//! which runs wait on a human (a free 304 while that set stays the same), so their gates still
//! appear at once; their runs are read again every [`BACKGROUND_FULL_MS`], or as soon as a run
//! starts or stops waiting, and without the jobs of running runs, which nobody sees. A running
//! run changes its run list and its jobs at every step, and each changed answer costs budget.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::{mpsc, watch};

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

/// How often the runs of a release that is not on screen are read in full, ms.
pub const BACKGROUND_FULL_MS: i64 = 60_000;

/// Jobs of finished runs do not change until a re-run bumps the attempt.
type FinishedJobs = HashMap<(u64, u32), Vec<Stage>>;

/// The last full read of a release that is not on screen.
struct Background {
    runs: Vec<Pipeline>,
    read_ms: i64,
}

/// GitHub's part of a poll round.
struct GithubCycle {
    client: Arc<GitHubClient>,
    per_workflow: usize,
    finished: FinishedJobs,
    /// Per release key, its last full read while not on screen.
    background: HashMap<String, Background>,
}

/// Whether `run` belongs to one of the watched workflows (`ci.yml` names
/// `.github/workflows/ci.yml`).
fn watched(watch: &GithubWatch, run: &Pipeline) -> bool {
    watch.workflows.is_empty()
        || run.workflow.as_deref().is_some_and(|path| {
            watch
                .workflows
                .iter()
                .any(|wf| path == wf || path.ends_with(&format!("/{wf}")))
        })
}

fn waiting_ids(runs: &[Pipeline]) -> Vec<u64> {
    let mut ids: Vec<u64> = runs
        .iter()
        .filter(|r| r.status == CiStatus::Waiting)
        .map(|r| r.id)
        .collect();
    ids.sort_unstable();
    ids
}

impl GithubCycle {
    /// Between full reads of a release not on screen: its known runs, with the gates of those
    /// that wait; `None` when a run started or stopped waiting (read it in full).
    async fn between(&mut self, watch: &GithubWatch) -> Result<Option<Snapshot>, CiError> {
        let Some(known) = self.background.get(&watch.release) else {
            return Ok(None);
        };
        if self.client.rest().now_ms() - known.read_ms >= BACKGROUND_FULL_MS {
            return Ok(None);
        }
        let runs = known.runs.clone();
        let waiting: Vec<Pipeline> = self
            .client
            .waiting_runs(&watch.repo, self.per_workflow)
            .await?
            .into_iter()
            .filter(|r| watched(watch, r))
            .collect();
        if waiting_ids(&waiting) != waiting_ids(&runs) {
            return Ok(None);
        }
        let mut gates = Vec::new();
        for run in runs.iter().filter(|r| r.status == CiStatus::Waiting) {
            let pending = self.client.pending_deployments(&watch.repo, run.id).await?;
            gates.extend(gates::of_run(run, &pending, Some(&watch.release)));
        }
        Ok(Some(Snapshot { runs, gates }))
    }
}

impl Cycle for GithubCycle {
    type Watch = GithubWatch;

    async fn cycle(&mut self, watch: &GithubWatch, on_screen: bool) -> Result<Snapshot, CiError> {
        if on_screen {
            self.background.remove(&watch.release);
        } else if let Some(snap) = self.between(watch).await? {
            return Ok(snap);
        }
        let known = self.background.remove(&watch.release);
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
            // Off screen, a running run keeps the jobs last read: they move at every step. A
            // waiting run's are read (a gate's confirmation names its jobs; they stay still).
            if !on_screen && run.status.is_active() && run.status != CiStatus::Waiting {
                run.stages = known
                    .as_ref()
                    .and_then(|k| k.runs.iter().find(|r| (r.id, r.attempt) == key))
                    .map(|r| r.stages.clone())
                    .unwrap_or_default();
            } else {
                run.stages = self.client.jobs(&watch.repo, run.id).await?;
            }
            if run.status.is_finished() {
                self.finished.insert(key, run.stages.clone());
            }
            if run.status == CiStatus::Waiting {
                let pending = self.client.pending_deployments(&watch.repo, run.id).await?;
                gates.extend(gates::of_run(run, &pending, Some(&watch.release)));
            }
        }
        if !on_screen {
            self.background.insert(
                watch.release.clone(),
                Background {
                    runs: runs.clone(),
                    read_ms: self.client.rest().now_ms(),
                },
            );
        }
        Ok(Snapshot { runs, gates })
    }
}

/// Polls `watches` until `tx` is closed, sending [`CiUpdate`]s for what changed; `focus`
/// names the release on screen (read in full every round, and at once when it changes).
pub async fn poll(
    client: Arc<GitHubClient>,
    watches: Vec<GithubWatch>,
    options: PollOptions,
    focus: watch::Receiver<Option<String>>,
    tx: mpsc::Sender<CiUpdate>,
) {
    let cycle = GithubCycle {
        client: client.clone(),
        per_workflow: options.runs_per_workflow,
        finished: FinishedJobs::new(),
        background: HashMap::new(),
    };
    poll_rounds(
        client.rest(),
        Provider::GitHub,
        options.pacing,
        &watches,
        cycle,
        focus,
        &tx,
    )
    .await;
}
