//! The GitLab poller: per release, the newest pipelines of its project, the jobs of the ones
//! that move (and of the newest), and gates from their manual jobs and blocked deployments.
//! It reports only what changed and paces itself by activity and by the rate limit.

use std::collections::HashMap;

use tokio::sync::mpsc;

use super::client::GitLabClient;
use super::convert;
use crate::integrations::rest::{CiError, Pacing, next_delay_ms, wait};
use crate::model::gate::{Gate, gitlab_gates};
use crate::model::pipeline::{
    CiSource, CiStatus, CiUpdate, Pipeline, Provider, RateLimitState, Stage,
};

/// One release's GitLab CI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitlabWatch {
    /// The release (config name).
    pub release: String,
    /// `group/project` (subgroups allowed).
    pub project: String,
}

impl GitlabWatch {
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

#[derive(Debug, Clone, PartialEq, Default)]
struct Snapshot {
    runs: Vec<Pipeline>,
    gates: Vec<Gate>,
}

/// Jobs of finished pipelines do not change (a retry makes the pipeline run again).
type FinishedJobs = HashMap<u64, (Vec<Stage>, String, String)>;

async fn cycle(
    client: &GitLabClient,
    watch: &GitlabWatch,
    max: usize,
    me: Option<u64>,
    finished: &mut FinishedJobs,
) -> Result<Snapshot, CiError> {
    let listed = client.pipelines(&watch.project, max).await?;
    let mut runs = Vec::with_capacity(listed.len());
    let mut gates = Vec::new();
    let mut deployments = None;
    for (i, mut p) in listed.into_iter().enumerate() {
        if p.status.is_finished()
            && let Some((stages, title, actor)) = finished.get(&p.id)
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
        let raw = client.pipeline_jobs(&watch.project, p.id).await?;
        let p = convert::with_jobs(p, &raw);
        if p.jobs().any(|j| j.status == CiStatus::Manual) {
            if deployments.is_none() {
                deployments = Some(client.deployments(&watch.project, 50, me).await?);
            }
            gates.extend(gitlab_gates(
                &p,
                deployments.as_deref().unwrap_or_default(),
                Some(&watch.release),
            ));
        } else if p.status.is_finished() {
            finished.insert(p.id, (p.stages.clone(), p.title.clone(), p.actor.clone()));
        }
        runs.push(p);
    }
    Ok(Snapshot { runs, gates })
}

/// Polls `watches` until `tx` is closed, sending [`CiUpdate`]s for what changed.
pub async fn poll(
    client: GitLabClient,
    watches: Vec<GitlabWatch>,
    options: PollOptions,
    tx: mpsc::Sender<CiUpdate>,
) {
    let mut last: HashMap<String, Snapshot> = HashMap::new();
    let mut last_error: HashMap<String, String> = HashMap::new();
    let mut last_limits = RateLimitState::default();
    let mut finished = FinishedJobs::new();
    let mut me: Option<u64> = None;
    loop {
        if me.is_none() {
            me = client.current_user().await.ok().map(|(id, _)| id);
        }
        let mut active = false;
        for watch in &watches {
            let mut updates = Vec::new();
            match cycle(&client, watch, options.pipelines, me, &mut finished).await {
                Ok(snap) => {
                    active |=
                        snap.runs.iter().any(|r| r.status.is_active()) || !snap.gates.is_empty();
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
                provider: Provider::GitLab,
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
