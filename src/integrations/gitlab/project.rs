//! One GitLab project as the poller keeps it between polls: its newest pipelines with their
//! jobs, and its deployments, refreshed incrementally. GitLab answers no entity tags on these
//! lists, so every request spends rate limit: the pipeline list is asked only for what was
//! updated since the newest update seen, and jobs and deployments are read again only for
//! pipelines that changed.

use std::collections::BTreeMap;

use super::client::GitLabClient;
use super::convert;
use super::gates::{self, Deployment};
use crate::integrations::rest::CiError;
use quarterdeck_core::gate::Gate;
use quarterdeck_core::pipeline::{CiStatus, Pipeline};

/// Pipelines (and deployments) updated this long before the newest update seen are asked for
/// again: an update stamped a little out of order (a slow transaction, another server's
/// clock) is not missed. What comes back unchanged costs nothing more.
const OVERLAP_MS: i64 = 10_000;
/// Jobs of a running pipeline are read again after this long even when the pipeline did not
/// change, in case a job moved without touching it.
const JOBS_REFRESH_MS: i64 = 15_000;
/// Deployments read the first time gates need them (the newest).
const DEPLOYMENTS: usize = 50;

/// A pipeline as last read.
#[derive(Debug, Clone)]
struct Known {
    pipeline: Pipeline,
    /// Its `updated_at`, Unix ms.
    updated_ms: i64,
    /// When its jobs were last read (the server's clock), if ever.
    jobs_read_ms: Option<i64>,
}

/// How a project looks after a poll.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Seen {
    /// Newest pipelines, newest first.
    pub runs: Vec<Pipeline>,
    /// Gates of the newest and the active pipelines (no release named yet).
    pub gates: Vec<Gate>,
}

impl Seen {
    /// A pipeline is queued or running: changes come by themselves, poll fast.
    pub(super) fn running(&self) -> bool {
        self.runs
            .iter()
            .any(|r| matches!(r.status, CiStatus::Queued | CiStatus::Running))
    }

    /// Something waits on a human (a gate, a manual or blocked pipeline).
    pub(super) fn waiting(&self) -> bool {
        !self.gates.is_empty() || self.runs.iter().any(|r| r.status.is_active())
    }
}

/// One project's pipelines and deployments between polls.
#[derive(Debug, Default)]
pub(super) struct ProjectView {
    /// Newest first, at most the poller's `max`.
    pipelines: Vec<Known>,
    /// The newest `updated_at` among the pipelines listed so far.
    newest_update_ms: Option<i64>,
    /// Deployments by id, once gates needed them.
    deployments: Option<BTreeMap<u64, Deployment>>,
    /// The newest `updated_at` among the deployments read so far.
    newest_deployment_ms: i64,
}

impl ProjectView {
    /// Polls the project: the pipelines updated since the last poll, the jobs of those that
    /// changed (and are shown in detail: the newest, the active, those read before), the
    /// deployments when a pipeline with a manual job changed or a deployment waits for
    /// approvals. `now_ms` is the server's clock. A poll that fails half-way forgets
    /// everything, so the next one reads the project whole rather than miss what it skipped.
    pub(super) async fn refresh(
        &mut self,
        client: &GitLabClient,
        project: &str,
        max: usize,
        me: Option<u64>,
        now_ms: i64,
    ) -> Result<Seen, CiError> {
        let seen = self.read(client, project, max, me, now_ms).await;
        if seen.is_err() {
            *self = ProjectView::default();
        }
        seen
    }

    async fn read(
        &mut self,
        client: &GitLabClient,
        project: &str,
        max: usize,
        me: Option<u64>,
        now_ms: i64,
    ) -> Result<Seen, CiError> {
        let since = self.newest_update_ms.map(|t| t - OVERLAP_MS);
        let listed = client.pipelines_updated(project, max, since).await?;
        let mut changed = Vec::new();
        let mut moved = Vec::new();
        for (fresh, updated_ms) in listed {
            self.newest_update_ms = Some(
                self.newest_update_ms
                    .map_or(updated_ms, |n| n.max(updated_ms)),
            );
            match self
                .pipelines
                .iter_mut()
                .find(|k| k.pipeline.id == fresh.id)
            {
                Some(k) if k.updated_ms == updated_ms && k.pipeline.status == fresh.status => {}
                Some(k) => {
                    if k.pipeline.status != fresh.status {
                        moved.push(fresh.id);
                    }
                    // A list item has no jobs, title or author: keep what was read until the
                    // jobs are read again.
                    let old = std::mem::replace(&mut k.pipeline, fresh);
                    k.pipeline.stages = old.stages;
                    k.pipeline.title = old.title;
                    k.pipeline.actor = old.actor;
                    k.updated_ms = updated_ms;
                    changed.push(k.pipeline.id);
                }
                None => {
                    changed.push(fresh.id);
                    moved.push(fresh.id);
                    self.pipelines.push(Known {
                        pipeline: fresh,
                        updated_ms,
                        jobs_read_ms: None,
                    });
                }
            }
        }
        self.pipelines
            .sort_by_key(|k| std::cmp::Reverse(k.pipeline.id));
        self.pipelines.truncate(max);

        let mut manual_changed = false;
        for (i, k) in self.pipelines.iter_mut().enumerate() {
            let p = &k.pipeline;
            let detailed = i == 0 || p.status.is_active() || !p.stages.is_empty();
            let stale = p.status.is_active()
                && k.jobs_read_ms.is_none_or(|t| now_ms - t >= JOBS_REFRESH_MS);
            let unread = (i == 0 || p.status.is_active()) && k.jobs_read_ms.is_none();
            if !((changed.contains(&p.id) && detailed) || stale || unread) {
                continue;
            }
            let (p_id, before) = (k.pipeline.id, manual_jobs(&k.pipeline));
            let raw = client.pipeline_jobs(project, p.id).await?;
            k.pipeline = convert::with_jobs(k.pipeline.clone(), &raw);
            k.jobs_read_ms = Some(now_ms);
            // A deployment is created or blocked as its manual job appears or the pipeline
            // reaches it; other jobs moving do not change it.
            let manual = manual_jobs(&k.pipeline);
            manual_changed |= manual != before || (moved.contains(&p_id) && !manual.is_empty());
        }

        let gated: Vec<&Pipeline> = self
            .pipelines
            .iter()
            .enumerate()
            .filter(|(i, k)| *i == 0 || k.pipeline.status.is_active())
            .map(|(_, k)| &k.pipeline)
            .filter(|p| has_manual(p))
            .collect();
        let waiting: Vec<u64> = gated.iter().flat_map(|p| manual_jobs(p)).collect();
        if !waiting.is_empty() {
            self.read_deployments(client, project, me, manual_changed, &waiting)
                .await?;
        }
        // Newest first, as GitLab lists them: a job deployed more than once is judged by
        // its newest deployment, the same one every poll.
        let deployments: Vec<Deployment> = self
            .deployments
            .as_ref()
            .map(|d| d.values().rev().cloned().collect())
            .unwrap_or_default();
        let gates = self
            .pipelines
            .iter()
            .enumerate()
            .filter(|(i, k)| *i == 0 || k.pipeline.status.is_active())
            .flat_map(|(_, k)| gates::of_pipeline(&k.pipeline, &deployments, None))
            .collect();
        Ok(Seen {
            runs: self.pipelines.iter().map(|k| k.pipeline.clone()).collect(),
            gates,
        })
    }

    /// Deployments: the newest the first time, then those updated since the newest update
    /// seen, when a pipeline with a manual job changed or the deployment of one of
    /// `manual_jobs` waits for approvals (approvals arrive without the pipeline changing).
    async fn read_deployments(
        &mut self,
        client: &GitLabClient,
        project: &str,
        me: Option<u64>,
        manual_changed: bool,
        manual_jobs: &[u64],
    ) -> Result<(), CiError> {
        let Some(known) = &mut self.deployments else {
            let all = client.deployments(project, DEPLOYMENTS, me).await?;
            self.deployments = Some(all.into_iter().map(|d| (d.id, d)).collect());
            // The full list carries no update times we keep: the first incremental read
            // starts from the newest pipeline update (deployments change with their jobs).
            self.newest_deployment_ms = self.newest_update_ms.unwrap_or(0);
            return Ok(());
        };
        let blocked = known
            .values()
            .any(|d| d.status == "blocked" && d.job_id.is_some_and(|j| manual_jobs.contains(&j)));
        if !(manual_changed || blocked) {
            return Ok(());
        }
        let since = self.newest_deployment_ms - OVERLAP_MS;
        for (d, updated_ms) in client
            .deployments_updated(project, DEPLOYMENTS, since, me)
            .await?
        {
            self.newest_deployment_ms = self.newest_deployment_ms.max(updated_ms);
            known.insert(d.id, d);
        }
        Ok(())
    }
}

fn has_manual(p: &Pipeline) -> bool {
    p.jobs().any(|j| j.status == CiStatus::Manual)
}

/// The ids of a pipeline's manual jobs (the gates it raises).
fn manual_jobs(p: &Pipeline) -> Vec<u64> {
    p.jobs()
        .filter(|j| j.status == CiStatus::Manual)
        .map(|j| j.id)
        .collect()
}
