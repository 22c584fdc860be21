//! The GitLab poller: per release, the newest pipelines of its project, the jobs of the ones
//! that move (and of the newest), and gates from their manual jobs and blocked deployments.
//! It reports only what changed and paces itself by activity and by the rate limit.

use std::collections::HashMap;

use tokio::sync::mpsc;

use super::client::GitLabClient;
use super::{convert, gates};
use crate::integrations::rest::{
    CiError, Pacing, Reporter, Snapshot, finish_cycle, paused, send_all,
};
use quarterdeck_core::pipeline::{CiSource, CiStatus, CiUpdate, Provider, Stage};

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
            gates.extend(gates::gates(
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
    let mut reporter = Reporter::default();
    let mut finished = FinishedJobs::new();
    let mut me: Option<u64> = None;
    loop {
        if me.is_none() {
            me = client.current_user().await.ok().map(|(id, _)| id);
        }
        let mut active = false;
        for watch in &watches {
            let result = cycle(&client, watch, options.pipelines, me, &mut finished).await;
            if let Ok(snap) = &result {
                active |= snap.runs.iter().any(|r| r.status.is_active()) || !snap.gates.is_empty();
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
            Provider::GitLab,
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
