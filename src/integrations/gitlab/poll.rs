//! The GitLab poller: per release, the newest pipelines of its project, the jobs of the ones
//! that move (and of the newest), and gates from their manual jobs and blocked deployments.
//! It reports only what changed and paces itself by activity and by the rate limit.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::mpsc;

use super::client::GitLabClient;
use super::{convert, gates};
use crate::integrations::rest::{CiError, Cycle, Pacing, Snapshot, Watched, poll_rounds};
use quarterdeck_core::pipeline::{CiSource, CiStatus, CiUpdate, Provider, Stage};

/// One release's GitLab CI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitlabWatch {
    /// The release (config name).
    pub release: String,
    /// `group/project` (subgroups allowed).
    pub project: String,
}

impl Watched for GitlabWatch {
    fn release(&self) -> &str {
        &self.release
    }

    fn source(&self) -> CiSource {
        CiSource {
            provider: Provider::GitLab,
            project: self.project.clone(),
        }
    }
}

/// How the poller behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollOptions {
    /// Polling speeds.
    pub pacing: Pacing,
    /// Pipelines read per project.
    pub pipelines: usize,
}

impl Default for PollOptions {
    fn default() -> Self {
        PollOptions {
            pacing: Pacing::default(),
            pipelines: 10,
        }
    }
}

/// Jobs of finished pipelines do not change (a retry makes the pipeline run again).
type FinishedJobs = HashMap<u64, (Vec<Stage>, String, String)>;

/// GitLab's part of a poll round.
struct GitlabCycle {
    client: Arc<GitLabClient>,
    max: usize,
    /// The token's user (approval rules may name it), looked up once per round until known.
    me: Option<u64>,
    finished: FinishedJobs,
}

impl Cycle for GitlabCycle {
    type Watch = GitlabWatch;

    async fn round(&mut self) {
        if self.me.is_none() {
            self.me = self.client.current_user().await.ok().map(|(id, _)| id);
        }
    }

    async fn cycle(&mut self, watch: &GitlabWatch) -> Result<Snapshot, CiError> {
        let listed = self.client.pipelines(&watch.project, self.max).await?;
        let mut runs = Vec::with_capacity(listed.len());
        let mut gates = Vec::new();
        let mut deployments = None;
        for (i, mut p) in listed.into_iter().enumerate() {
            if p.status.is_finished()
                && let Some((stages, title, actor)) = self.finished.get(&p.id)
            {
                p.stages = stages.clone();
                p.title.clone_from(title);
                p.actor.clone_from(actor);
                runs.push(p);
                continue;
            }
            // Gates live in active pipelines and in the newest (a manual job that does not block
            // leaves its pipeline "success" while it still waits to be played).
            if !(i == 0 || p.status.is_active()) {
                runs.push(p);
                continue;
            }
            let raw = self.client.pipeline_jobs(&watch.project, p.id).await?;
            let p = convert::with_jobs(p, &raw);
            if p.jobs().any(|j| j.status == CiStatus::Manual) {
                if deployments.is_none() {
                    deployments = Some(self.client.deployments(&watch.project, 50, self.me).await?);
                }
                gates.extend(gates::of_pipeline(
                    &p,
                    deployments.as_deref().unwrap_or_default(),
                    Some(&watch.release),
                ));
            } else if p.status.is_finished() {
                self.finished
                    .insert(p.id, (p.stages.clone(), p.title.clone(), p.actor.clone()));
            }
            runs.push(p);
        }
        Ok(Snapshot { runs, gates })
    }
}

/// Polls `watches` until `tx` is closed, sending [`CiUpdate`]s for what changed.
pub async fn poll(
    client: Arc<GitLabClient>,
    watches: Vec<GitlabWatch>,
    options: PollOptions,
    tx: mpsc::Sender<CiUpdate>,
) {
    let cycle = GitlabCycle {
        client: client.clone(),
        max: options.pipelines,
        me: None,
        finished: FinishedJobs::new(),
    };
    poll_rounds(
        client.rest(),
        Provider::GitLab,
        options.pacing,
        &watches,
        cycle,
        &tx,
    )
    .await;
}
