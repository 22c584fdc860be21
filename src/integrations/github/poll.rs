//! The GitHub poller: per release, the newest runs of its workflows, the jobs of the runs that
//! move (and of the newest run of each workflow), and the gates of the runs that wait. It
//! reports only what changed, and paces itself by activity and by the rate limit.
//!
//! A running run changes its run list at every step, and each changed answer costs budget, so
//! the full lists are read only when a cheaper question cannot account for what changed. A
//! round asks questions whose answers stay the same (free 304s) while steps move: which runs
//! wait on a human (a run that stops waiting runs on, or completed), whether a run was created
//! since the newest known (the answer that finds one carries it), which runs completed, and
//! whether a queued run started (on screen, its check runs say). An answer naming a run not known
//! or another attempt, or a known completed run gone from the completed list (a re-run), reads
//! the lists again. Off screen, a release whose runs are all finished or waiting on a human
//! asks only which wait, and the rest every [`BACKGROUND_FULL_MS`].
//!
//! Only the release on screen reads the jobs of its running runs, which nobody else sees, and
//! it reads them through their check runs: a job's state and times without its steps.
//!
//! 304s are free of the hourly budget but not of GitHub's secondary limit (900 points a
//! minute), so questions are asked no more often than what is on screen needs: the releases
//! of one repository share a round's answers, and while rounds come fast a release off screen
//! asks every [`OFF_SCREEN_TURN`]th round, except which runs wait when one of its runs is
//! active (a gate of a run under way appears at once).

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::{mpsc, watch};

use super::asked::Asked;
use super::client::GitHubClient;
use super::{convert, gates};
use crate::integrations::rest::{CiError, Cycle, Pacing, Snapshot, Watched, poll_rounds};
use quarterdeck_core::gate::Gate;
use quarterdeck_core::pipeline::{
    CiErrorKind, CiSource, CiStatus, CiUpdate, Pipeline, Provider, Stage,
};

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

/// How often a release that is not on screen and whose runs are all finished or waiting asks
/// whether any was created or completed (besides which wait, asked at each of its turns), ms.
pub const BACKGROUND_FULL_MS: i64 = 60_000;

/// Jobs of finished runs do not change until a re-run bumps the attempt.
type FinishedJobs = HashMap<(u64, u32), Vec<Stage>>;

/// Off screen, while rounds come fast, how many rounds apart a release asks its questions (the
/// waiting list excepted while one of its runs is active): at 20 projects every question every
/// round is some 800 requests a minute, most of GitHub's secondary limit (900 points a minute).
pub const OFF_SCREEN_TURN: u64 = 2;

/// A release's runs and gates as last reported, and when every run of its lists was last
/// accounted for.
struct Known {
    runs: Vec<Pipeline>,
    gates: Vec<Gate>,
    read_ms: i64,
}

/// GitHub's part of a poll round.
struct GithubCycle {
    client: Arc<GitHubClient>,
    per_workflow: usize,
    finished: FinishedJobs,
    /// Per release key, what was last reported.
    known: HashMap<String, Known>,
    /// Each listed run's check suite.
    suites: HashMap<u64, u64>,
    /// Whether check runs may be read (not once the token was refused them).
    checks: bool,
    /// The pending deployments last read of each waiting run.
    gated: HashMap<(u64, u32), Vec<gates::PendingDeployment>>,
    /// This round's answers, shared by the releases of one repository.
    asked: Asked,
    /// Rounds begun.
    round: u64,
    /// Whether a known run is active, so rounds come fast (and releases off screen take turns).
    fast: bool,
}

/// Whether `run` belongs to workflow `wf` (`ci.yml` names `.github/workflows/ci.yml`);
/// `None` is every workflow.
fn of_workflow(wf: Option<&str>, run: &Pipeline) -> bool {
    wf.is_none_or(|wf| {
        run.workflow
            .as_deref()
            .is_some_and(|path| path == wf || path.ends_with(&format!("/{wf}")))
    })
}

/// Whether `run` belongs to one of the watched workflows.
fn watched(watch: &GithubWatch, run: &Pipeline) -> bool {
    watch.workflows.is_empty() || watch.workflows.iter().any(|wf| of_workflow(Some(wf), run))
}

/// The run lists a release reads: one per workflow, or the repository's.
fn lists(watch: &GithubWatch) -> Vec<Option<&str>> {
    if watch.workflows.is_empty() {
        vec![None]
    } else {
        watch.workflows.iter().map(|w| Some(w.as_str())).collect()
    }
}

/// Takes `fresh`'s state into the known `run`, keeping the jobs last read; `false` when it is
/// another attempt (its jobs are others: read the lists).
fn replace(run: &mut Pipeline, fresh: Pipeline) -> bool {
    if fresh.attempt != run.attempt {
        return false;
    }
    let stages = std::mem::take(&mut run.stages);
    *run = Pipeline { stages, ..fresh };
    true
}

/// A run's `created_at` as GitHub's `created` filter reads it (to the second).
fn created_filter_after(created_ms: i64) -> Option<String> {
    chrono::DateTime::from_timestamp_millis(created_ms)
        .map(|t| format!(">{}", t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)))
}

/// Runs newest first, each once (the order GitHub lists them in).
fn newest_first(runs: &mut Vec<Pipeline>) {
    runs.sort_by(|a, b| b.created_ms.cmp(&a.created_ms).then(b.id.cmp(&a.id)));
    runs.dedup_by_key(|r| r.id);
}

/// Keeps of `runs` (newest first) what the release's lists would show: the newest `per_list`
/// of each.
fn keep_listed(watch: &GithubWatch, runs: &mut Vec<Pipeline>, per_list: usize) {
    let lists = lists(watch);
    let mut shown = vec![0usize; lists.len()];
    runs.retain(|r| match lists.iter().position(|wf| of_workflow(*wf, r)) {
        Some(i) => {
            shown[i] += 1;
            shown[i] <= per_list
        }
        None => true,
    });
}

impl GithubCycle {
    /// The known runs of a release brought up to date by cheap questions, with when the view
    /// they give was complete, when their answers name only known runs or new ones (off screen,
    /// queued runs are read again: a queued run does not move until it starts); `None` when the
    /// lists must be read. Off screen, a release whose runs are finished or waiting asks only
    /// which runs wait, and the rest every [`BACKGROUND_FULL_MS`].
    async fn unchanged(
        &mut self,
        watch: &GithubWatch,
        on_screen: bool,
    ) -> Result<Option<(Vec<Pipeline>, i64)>, CiError> {
        let Some(known) = self.known.get(&watch.release) else {
            return Ok(None);
        };
        let (mut runs, read_ms) = (known.runs.clone(), known.read_ms);
        let now = self.client.rest().now_ms();
        if !self.update_waiting(watch, &mut runs).await? {
            return Ok(None);
        }
        // A waiting run moves on only by leaving the waiting list, asked above.
        let settled = runs
            .iter()
            .all(|r| !r.status.is_active() || r.status == CiStatus::Waiting);
        if settled && !on_screen && now - read_ms < BACKGROUND_FULL_MS {
            return Ok(Some((runs, read_ms)));
        }
        for wf in lists(watch) {
            if !self.take_created_since(watch, wf, &mut runs).await?
                || !self.update_completed(watch, wf, &mut runs).await?
            {
                return Ok(None);
            }
        }
        // On screen, a queued run's check runs are read anyway, and say when it starts (`fill`).
        for run in runs
            .iter_mut()
            .filter(|r| !on_screen && r.status == CiStatus::Queued)
        {
            let fresh = self.client.run(&watch.repo, run.id).await?;
            if !replace(run, fresh) {
                return Ok(None);
            }
        }
        Ok(Some((runs, now)))
    }

    /// Brings the waiting runs up to date: a known run that now waits takes the waiting list's
    /// copy; one that stopped waiting runs on, unless the completed list, asked next, says it
    /// completed (GitHub's run is `in_progress` between its start and its end unless a
    /// deployment of it waits). `false` when a run not known waits.
    async fn update_waiting(
        &mut self,
        watch: &GithubWatch,
        runs: &mut [Pipeline],
    ) -> Result<bool, CiError> {
        let waiting: Vec<Pipeline> = self
            .asked
            .waiting(&self.client, &watch.repo, self.per_workflow)
            .await?
            .into_iter()
            .filter(|r| watched(watch, r))
            .collect();
        for run in runs
            .iter_mut()
            .filter(|r| r.provider_status == "waiting" && !waiting.iter().any(|w| w.id == r.id))
        {
            run.status = CiStatus::Running;
            run.provider_status = "in_progress".to_string();
        }
        for w in waiting {
            let Some(run) = runs.iter_mut().find(|r| r.id == w.id) else {
                return Ok(false);
            };
            if run.status != CiStatus::Waiting && !replace(run, w) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Takes the runs of list `wf` created after its newest known (a 304 until one is) into
    /// `runs`: the answer that finds a new run carries it, so the lists need not be read.
    /// A workflow without runs had none when the release's newest run was created. `false`
    /// when the answer is a full page (there may be more) or names another attempt.
    async fn take_created_since(
        &mut self,
        watch: &GithubWatch,
        wf: Option<&str>,
        runs: &mut Vec<Pipeline>,
    ) -> Result<bool, CiError> {
        let newest_of = |wf: Option<&str>| {
            runs.iter()
                .filter(|r| of_workflow(wf, r))
                .filter_map(|r| r.created_ms)
                .max()
        };
        let newest = newest_of(wf)
            .or_else(|| newest_of(None))
            .and_then(created_filter_after);
        let filters: Vec<(&str, &str)> = newest
            .as_deref()
            .map(|after| vec![("created", after)])
            .unwrap_or_default();
        let new = self
            .asked
            .runs(&self.client, &watch.repo, wf, &filters, self.per_workflow)
            .await?;
        if new.len() >= self.per_workflow {
            return Ok(false);
        }
        for (fresh, suite) in new {
            if let Some(suite) = suite {
                self.suites.insert(fresh.id, suite);
            }
            match runs.iter_mut().find(|r| r.id == fresh.id) {
                Some(run) => {
                    if !replace(run, fresh) {
                        return Ok(false);
                    }
                }
                None => runs.push(fresh),
            }
        }
        newest_first(runs);
        keep_listed(watch, runs, self.per_workflow);
        Ok(true)
    }

    /// Brings list `wf`'s completed runs up to date (as far back as runs are known): a known
    /// run that completed takes the list's copy. `false` when the list names a run not known,
    /// or a known completed run left it (it was re-run).
    async fn update_completed(
        &mut self,
        watch: &GithubWatch,
        wf: Option<&str>,
        runs: &mut [Pipeline],
    ) -> Result<bool, CiError> {
        let done: Vec<Pipeline> = self
            .asked
            .runs(
                &self.client,
                &watch.repo,
                wf,
                &[("status", "completed")],
                self.per_workflow,
            )
            .await?
            .into_iter()
            .map(|(run, _)| run)
            .collect();
        let full = done.len() >= self.per_workflow;
        let oldest = done.last().and_then(|d| d.created_ms);
        let rerun = runs
            .iter()
            .filter(|r| of_workflow(wf, r) && r.provider_status.starts_with("completed"))
            .filter(|r| !full || r.created_ms >= oldest)
            .any(|r| !done.iter().any(|d| d.id == r.id));
        if rerun {
            return Ok(false);
        }
        // The list reaches further back than the known runs by as many as are not completed.
        let oldest_known = runs
            .iter()
            .filter(|r| of_workflow(wf, r))
            .filter_map(|r| r.created_ms)
            .min();
        for d in done.into_iter().filter(|d| d.created_ms >= oldest_known) {
            let Some(run) = runs.iter_mut().find(|r| r.id == d.id) else {
                return Ok(false);
            };
            if run.provider_status != d.provider_status && !replace(run, d) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Every run of the release's lists, newest first, with the jobs last read of those that
    /// were known.
    async fn read_lists(&mut self, watch: &GithubWatch) -> Result<Vec<Pipeline>, CiError> {
        let mut runs: Vec<Pipeline> = Vec::new();
        for wf in lists(watch) {
            let listed = self
                .asked
                .runs(&self.client, &watch.repo, wf, &[], self.per_workflow)
                .await?;
            for (run, suite) in listed {
                if let Some(suite) = suite {
                    self.suites.insert(run.id, suite);
                }
                runs.push(run);
            }
        }
        newest_first(&mut runs);
        if let Some(known) = self.known.get(&watch.release) {
            for run in &mut runs {
                if let Some(k) = known
                    .runs
                    .iter()
                    .find(|k| (k.id, k.attempt) == (run.id, run.attempt))
                {
                    run.stages = k.stages.clone();
                }
            }
        }
        Ok(runs)
    }

    /// The jobs of a run under way on screen: its jobs last read with the states and times of
    /// its check runs, which stay a free 304 while only steps move (the Pipeline pane shows
    /// jobs, not steps), and say when a queued run starts; read whole when none were read yet or
    /// the check runs name other jobs, or always when the token cannot read checks.
    async fn running_jobs(
        &mut self,
        watch: &GithubWatch,
        run: &Pipeline,
    ) -> Result<Vec<Stage>, CiError> {
        // Check runs without the jobs they update say nothing: read the jobs first.
        if self.checks
            && !run.stages.is_empty()
            && let Some(suite) = self.suites.get(&run.id).copied()
        {
            match self.client.check_runs(&watch.repo, run.id, suite).await {
                Ok(checks) => {
                    if let Some(stages) = convert::with_checks(&run.stages, &checks) {
                        return Ok(stages);
                    }
                }
                // A token without `checks:read` is refused them: read jobs from now on.
                Err(e) if e.kind == CiErrorKind::Forbidden => self.checks = false,
                // The suite is gone (or never was): the jobs say which.
                Err(e) if e.kind == CiErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        self.client.jobs(&watch.repo, run.id).await
    }

    /// The jobs and gates of `runs`. Off screen, a running run keeps the jobs last read: they
    /// move at every step. A waiting run's are read (a gate's confirmation names its jobs;
    /// they stay still); on screen, its check runs name them as they do a running run's.
    async fn fill(
        &mut self,
        watch: &GithubWatch,
        mut runs: Vec<Pipeline>,
        on_screen: bool,
    ) -> Result<Snapshot, CiError> {
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
                run.stages.clear();
                continue;
            }
            let pending = if run.status == CiStatus::Waiting {
                Some(
                    self.asked
                        .pending(&self.client, &watch.repo, run.id)
                        .await?,
                )
            } else {
                self.gated.remove(&key);
                None
            };
            // Off screen, a run still waiting for the environments it waited for keeps the
            // jobs read when it began to: they stay still while it waits.
            let still = !on_screen
                && !run.stages.is_empty()
                && pending.is_some()
                && self.gated.get(&key) == pending.as_ref();
            if on_screen && run.status.is_active() {
                run.stages = self.running_jobs(watch, run).await?;
                started_by_jobs(run);
            } else if !still
                && (on_screen || !run.status.is_active() || run.status == CiStatus::Waiting)
            {
                run.stages = self.asked.jobs(&self.client, &watch.repo, run.id).await?;
                started_by_jobs(run);
            }
            if run.status.is_finished() {
                self.finished.insert(key, run.stages.clone());
            }
            if let Some(pending) = pending {
                gates.extend(gates::of_run(run, &pending, Some(&watch.release)));
                self.gated.insert(key, pending);
            }
        }
        Ok(Snapshot { runs, gates })
    }
}

impl GithubCycle {
    /// Whether a release off screen asks its questions this round: every round while rounds
    /// are slow, else every [`OFF_SCREEN_TURN`]th, its repository's turn (the releases of one
    /// repository share their answers).
    fn its_turn(&self, watch: &GithubWatch) -> bool {
        let turn = watch.repo.bytes().map(u64::from).sum::<u64>();
        !self.fast || (self.round + turn).is_multiple_of(OFF_SCREEN_TURN)
    }

    /// A release off screen between its turns: what was last reported, when none of its runs
    /// is active or its runs wait on a human as they did (asked every round, so a gate appears
    /// at once); `None` when they do not (a whole cycle finds out what changed).
    async fn between_turns(&mut self, watch: &GithubWatch) -> Result<Option<Snapshot>, CiError> {
        let Some(known) = self.known.get(&watch.release) else {
            return Ok(None);
        };
        let snap = Snapshot {
            runs: known.runs.clone(),
            gates: known.gates.clone(),
        };
        if !snap.runs.iter().any(|r| r.status.is_active()) {
            return Ok(Some(snap));
        }
        let mut waiting: Vec<(u64, u32)> = self
            .asked
            .waiting(&self.client, &watch.repo, self.per_workflow)
            .await?
            .iter()
            .filter(|r| watched(watch, r))
            .map(|r| (r.id, r.attempt))
            .collect();
        let mut waited: Vec<(u64, u32)> = snap
            .runs
            .iter()
            .filter(|r| r.status == CiStatus::Waiting)
            .map(|r| (r.id, r.attempt))
            .collect();
        waiting.sort_unstable();
        waited.sort_unstable();
        Ok((waiting == waited).then_some(snap))
    }
}

/// A queued run whose job started or finished has started: GitHub's run is `in_progress`
/// from then until it waits or completes (which the waiting and completed lists said first).
fn started_by_jobs(run: &mut Pipeline) {
    if run.status == CiStatus::Queued
        && run
            .jobs()
            .any(|j| j.status == CiStatus::Running || j.status.is_finished())
    {
        run.status = CiStatus::Running;
        run.provider_status = "in_progress".to_string();
    }
}

impl Cycle for GithubCycle {
    type Watch = GithubWatch;

    async fn round(&mut self) {
        self.asked.clear();
        self.round += 1;
        self.fast = self
            .known
            .values()
            .any(|k| k.runs.iter().any(|r| r.status.is_active()));
    }

    async fn cycle(&mut self, watch: &GithubWatch, on_screen: bool) -> Result<Snapshot, CiError> {
        if !on_screen
            && !self.its_turn(watch)
            && let Some(snap) = self.between_turns(watch).await?
        {
            return Ok(snap);
        }
        let (runs, read_ms) = match self.unchanged(watch, on_screen).await? {
            Some(known) => known,
            None => (self.read_lists(watch).await?, self.client.rest().now_ms()),
        };
        let snap = self.fill(watch, runs, on_screen).await?;
        self.known.insert(
            watch.release.clone(),
            Known {
                runs: snap.runs.clone(),
                gates: snap.gates.clone(),
                read_ms,
            },
        );
        Ok(snap)
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
        known: HashMap::new(),
        suites: HashMap::new(),
        checks: true,
        gated: HashMap::new(),
        asked: Asked::default(),
        round: 0,
        fast: false,
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use quarterdeck_core::sample_ci::{self, job};

    fn run(id: u64, workflow: &str) -> Pipeline {
        Pipeline {
            id,
            workflow: Some(format!(".github/workflows/{workflow}")),
            created_ms: Some(i64::try_from(id).unwrap() * 1_000),
            ..sample_ci::github_waiting_run()
        }
    }

    #[test]
    fn a_new_run_pushes_the_oldest_of_its_own_list_out() {
        let watch = GithubWatch {
            release: "orders".into(),
            repo: "acme/orders-api".into(),
            workflows: vec!["ci.yml".into(), "deploy.yml".into()],
        };
        let mut runs = vec![
            run(5, "ci.yml"),
            run(4, "deploy.yml"),
            run(3, "ci.yml"),
            run(2, "ci.yml"),
            run(1, "deploy.yml"),
        ];
        keep_listed(&watch, &mut runs, 2);
        let ids: Vec<u64> = runs.iter().map(|r| r.id).collect();
        assert_eq!(ids, [5, 4, 3, 1]);
    }

    #[test]
    fn a_queued_run_starts_once_one_of_its_jobs_did() {
        let mut queued = Pipeline {
            status: CiStatus::Queued,
            provider_status: "queued".into(),
            stages: vec![Stage::new(
                "build".into(),
                vec![job(1, "build", "", CiStatus::Queued, None, None)],
            )],
            ..sample_ci::github_waiting_run()
        };
        started_by_jobs(&mut queued);
        assert_eq!(queued.provider_status, "queued");
        queued.stages[0].jobs[0].status = CiStatus::Running;
        started_by_jobs(&mut queued);
        assert_eq!(
            (queued.status, queued.provider_status.as_str()),
            (CiStatus::Running, "in_progress")
        );
    }
}
