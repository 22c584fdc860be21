//! The pipeline engine: starts runs, expands jobs, and moves them through their states on the
//! simulated clock. It knows nothing of HTTP; deploy steps come out as [`DeployEffect`]s that
//! the world applies to the cluster.

use std::collections::{BTreeMap, BTreeSet};

use super::model::{Cond, JobSpec, Project, Provider, User, Workflow};
use super::run::{DeployState, Deployment, Job, JobState, Run, RunStart, StepState};
use crate::rng::Rng;

/// A deploy step asks the cluster to run a new image.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DeployEffect {
    /// The job whose step asks.
    pub(crate) job_id: u64,
    /// Namespace of the workload.
    pub(crate) namespace: String,
    /// Deployment or Rollout name.
    pub(crate) name: String,
    /// Full image reference.
    pub(crate) image: String,
}

/// Counters for ids, so that ids look like each provider's and never repeat.
#[derive(Debug, Clone)]
struct Ids {
    run: BTreeMap<Provider, u64>,
    job: BTreeMap<Provider, u64>,
    deployment: BTreeMap<Provider, u64>,
    number: BTreeMap<u64, u64>,
    iid: BTreeMap<u64, u64>,
}

impl Ids {
    fn new() -> Self {
        Self {
            run: BTreeMap::from([
                (Provider::GitHub, 11_902_000_000),
                (Provider::GitLab, 1_482_000),
            ]),
            job: BTreeMap::from([
                (Provider::GitHub, 33_410_000_000),
                (Provider::GitLab, 8_754_000),
            ]),
            deployment: BTreeMap::from([
                (Provider::GitHub, 2_140_000_000),
                (Provider::GitLab, 61_000),
            ]),
            number: BTreeMap::new(),
            iid: BTreeMap::new(),
        }
    }

    fn next(map: &mut BTreeMap<Provider, u64>, p: Provider, gap: u64) -> u64 {
        let v = map.entry(p).or_insert(1);
        *v += gap;
        *v
    }
}

/// All CI projects, runs, jobs and deployments.
#[derive(Clone)]
pub(crate) struct Engine {
    /// Projects, in creation order.
    pub(crate) projects: Vec<Project>,
    /// Runs by id.
    pub(crate) runs: BTreeMap<u64, Run>,
    /// Jobs by id.
    pub(crate) jobs: BTreeMap<u64, Job>,
    /// Deployments by id.
    pub(crate) deployments: BTreeMap<u64, Deployment>,
    /// The user every API token acts as.
    pub(crate) current_user: User,
    /// GitLab access levels by (project, user) that differ from [`Engine::access_level`]'s default.
    pub(crate) levels: BTreeMap<(u64, u64), u32>,
    pub(super) active: BTreeSet<u64>,
    /// For idle active runs: the earliest time anything in them can change on its own.
    wake: BTreeMap<u64, i64>,
    pub(super) rng: Rng,
    ids: Ids,
}

impl Engine {
    /// An empty engine whose chances derive from `seed`.
    pub(crate) fn new(seed: u64, current_user: User) -> Self {
        Self {
            projects: Vec::new(),
            runs: BTreeMap::new(),
            jobs: BTreeMap::new(),
            deployments: BTreeMap::new(),
            current_user,
            levels: BTreeMap::new(),
            active: BTreeSet::new(),
            wake: BTreeMap::new(),
            rng: Rng::new(crate::rng::mix(seed ^ 0xC1C1_0000_5EED_0001)),
            ids: Ids::new(),
        }
    }

    pub(super) fn next_job_id(&mut self, provider: Provider, gap: u64) -> u64 {
        Ids::next(&mut self.ids.job, provider, gap)
    }

    /// A user's GitLab access level in a project: as set, else Maintainer (40) for the token's
    /// user and Developer (30) for everyone else.
    pub(crate) fn access_level(&self, project: u64, user: u64) -> u32 {
        match self.levels.get(&(project, user)) {
            Some(level) => *level,
            None if user == self.current_user.id => 40,
            None => 30,
        }
    }

    /// A project by id.
    pub(crate) fn project(&self, id: u64) -> Option<&Project> {
        self.projects.iter().find(|p| p.id == id)
    }

    /// A project by provider and `owner/name` path.
    pub(crate) fn project_by_path(&self, provider: Provider, path: &str) -> Option<&Project> {
        self.projects
            .iter()
            .find(|p| p.provider == provider && p.path.eq_ignore_ascii_case(path))
    }

    /// The workflow and project of a run.
    pub(crate) fn workflow_of(&self, run: &Run) -> Option<(&Project, &Workflow)> {
        let p = self.project(run.project)?;
        Some((p, p.workflow(run.workflow)?))
    }

    /// The spec of a job.
    pub(crate) fn spec_of(&self, job: &Job) -> Option<&JobSpec> {
        let run = self.runs.get(&job.run_id)?;
        self.workflow_of(run)?.1.jobs.get(job.spec)
    }

    /// Marks a run as moving again after someone acted on it.
    pub(super) fn touch(&mut self, run_id: u64) {
        self.active.insert(run_id);
        self.wake.remove(&run_id);
    }

    /// Whether this run is still moving on its own.
    pub(crate) fn is_active(&self, run_id: u64) -> bool {
        self.active.contains(&run_id)
    }

    /// Whether any run is moving.
    pub(crate) fn busy(&self) -> bool {
        !self.active.is_empty()
    }

    /// Starts a run of `workflow` in `project`; `None` if either is unknown.
    pub(crate) fn start_run(
        &mut self,
        project: u64,
        workflow: u64,
        start: RunStart,
        now: i64,
    ) -> Option<u64> {
        let p = self.project(project)?;
        let provider = p.provider;
        p.workflow(workflow)?;
        let gap = self.rng.range(1, 9);
        let id = Ids::next(&mut self.ids.run, provider, gap);
        // GitHub numbers runs per workflow, GitLab pipelines (iid) per project.
        let counter = match provider {
            Provider::GitHub => self.ids.number.entry(workflow).or_insert(0),
            Provider::GitLab => self.ids.iid.entry(project).or_insert(0),
        };
        *counter += 1;
        let number = *counter;
        let run = Run {
            id,
            project,
            workflow,
            number,
            attempt: 1,
            start,
            created_ms: now,
            attempt_started_ms: now,
            updated_ms: now,
            jobs: Vec::new(),
            finished_ms: None,
        };
        self.runs.insert(id, run);
        let specs: Vec<usize> = self
            .project(project)
            .and_then(|p| p.workflow(workflow))
            .map(|w| (0..w.jobs.len()).collect())
            .unwrap_or_default();
        for spec in specs {
            self.create_jobs(id, spec, 1, now, None);
        }
        self.touch(id);
        Some(id)
    }

    /// Ids of the jobs of the current attempt that were not replaced by a retry, by id.
    pub(crate) fn current_jobs(&self, run_id: u64) -> Vec<u64> {
        let Some(run) = self.runs.get(&run_id) else {
            return Vec::new();
        };
        run.jobs
            .iter()
            .filter(|id| {
                self.jobs
                    .get(id)
                    .is_some_and(|j| j.attempt == run.attempt && !j.retried)
            })
            .copied()
            .collect()
    }

    /// Moves every active run to `now`. Returns the images deploy steps asked for.
    pub(crate) fn step(&mut self, now: i64) -> Vec<DeployEffect> {
        let mut effects = Vec::new();
        let active: Vec<u64> = self.active.iter().copied().collect();
        for run_id in active {
            self.step_run(run_id, now, &mut effects);
        }
        effects
    }

    /// Steps one run from `from` to `to` in `step_ms` increments, or until it stops moving.
    pub(crate) fn advance_run(
        &mut self,
        run_id: u64,
        from: i64,
        to: i64,
        step_ms: i64,
    ) -> Vec<DeployEffect> {
        let mut effects = Vec::new();
        let mut now = from;
        while now < to && self.active.contains(&run_id) {
            now = (now + step_ms).min(to);
            self.step_run(run_id, now, &mut effects);
        }
        effects
    }

    /// Steps from `from` to `to` in `step_ms` increments, skipping idle stretches.
    pub(crate) fn advance(&mut self, from: i64, to: i64, step_ms: i64) -> Vec<DeployEffect> {
        let mut effects = Vec::new();
        let mut now = from;
        while now < to && self.busy() {
            now = (now + step_ms).min(to);
            effects.extend(self.step(now));
        }
        effects
    }

    fn step_run(&mut self, run_id: u64, now: i64, effects: &mut Vec<DeployEffect>) {
        if self.wake.get(&run_id).is_some_and(|w| now < *w) {
            return;
        }
        let ids = self.current_jobs(run_id);
        let mut changed = false;
        for id in &ids {
            let Some(state) = self.jobs.get(id).map(|j| j.state) else {
                continue;
            };
            changed |= match state {
                JobState::Created => self.resolve(*id, now),
                JobState::Pending => self.try_start(*id, now, effects),
                JobState::Running => self.progress(*id, now, effects),
                JobState::Waiting => self.gate(*id, now),
                JobState::Manual => self.auto_play(*id, now),
                _ => false,
            };
        }
        let ids = self.current_jobs(run_id);
        let moving = ids.iter().any(|id| {
            self.jobs.get(id).is_some_and(|j| {
                matches!(
                    j.state,
                    JobState::Created | JobState::Pending | JobState::Running | JobState::Waiting
                ) || (j.state == JobState::Manual && self.has_script_for(j))
            })
        });
        let last_finish = ids
            .iter()
            .filter_map(|id| self.jobs.get(id).and_then(|j| j.finished_ms))
            .max();
        if let Some(run) = self.runs.get_mut(&run_id) {
            if changed {
                run.updated_ms = now;
            }
            if !moving {
                run.finished_ms = Some(last_finish.unwrap_or(now));
                run.updated_ms = run.updated_ms.max(last_finish.unwrap_or(now));
                self.active.remove(&run_id);
                self.wake.remove(&run_id);
                return;
            }
        }
        if changed {
            self.wake.remove(&run_id);
        } else {
            let next = self.next_event(run_id);
            self.wake.insert(run_id, next);
        }
    }

    /// The earliest time a job of this run can change without anyone acting: a queue wait,
    /// a step's end, a wait timer or a scripted review or play.
    fn next_event(&self, run_id: u64) -> i64 {
        let Some(run) = self.runs.get(&run_id) else {
            return i64::MAX;
        };
        let mut t = i64::MAX;
        for id in self.current_jobs(run_id) {
            let Some(j) = self.jobs.get(&id) else {
                continue;
            };
            match j.state {
                JobState::Pending => t = t.min(j.queued_ms.unwrap_or(0) + j.queue_ms),
                JobState::Running => {
                    for s in j.steps.iter().filter(|s| s.state == StepState::Running) {
                        t = t.min(s.started_ms.unwrap_or(0) + s.planned_ms);
                    }
                }
                JobState::Waiting | JobState::Manual => {
                    let since = j.waiting_ms.unwrap_or(j.created_ms);
                    let spec = self.spec_of(j);
                    let env = spec.and_then(|s| s.environment.as_deref());
                    if j.state == JobState::Waiting {
                        let timer = self
                            .project(run.project)
                            .and_then(|p| env.and_then(|e| p.environment(e)))
                            .map(|e| e.wait_timer_min as i64 * 60_000)
                            .unwrap_or(0);
                        t = t.min(since + timer);
                    }
                    for a in &run.start.script {
                        let mine = if a.play {
                            spec.is_some_and(|s| s.key == a.target)
                        } else {
                            env == Some(a.target.as_str())
                        };
                        if mine {
                            t = t.min(since + a.after_secs * 1000);
                        }
                    }
                }
                _ => {}
            }
        }
        t
    }

    /// Whether a manual job still has a scripted review or play to come.
    fn has_script_for(&self, job: &Job) -> bool {
        let Some(spec) = self.spec_of(job) else {
            return false;
        };
        let reviewed = |user: u64| {
            job.deployment
                .and_then(|d| self.deployments.get(&d))
                .is_some_and(|d| d.approvals.iter().any(|a| a.user.id == user))
        };
        self.runs.get(&job.run_id).is_some_and(|r| {
            r.start.script.iter().any(|a| {
                if a.play {
                    a.target == spec.key
                } else {
                    spec.environment.as_deref() == Some(a.target.as_str()) && !reviewed(a.user.id)
                }
            })
        })
    }

    /// A created job whose needs are settled becomes pending, waiting, manual or skipped.
    fn resolve(&mut self, id: u64, now: i64) -> bool {
        let Some(job) = self.jobs.get(&id) else {
            return false;
        };
        let Some(run) = self.runs.get(&job.run_id) else {
            return false;
        };
        let Some((project, wf)) = self.workflow_of(run) else {
            return false;
        };
        let Some(spec) = wf.jobs.get(job.spec) else {
            return false;
        };
        let provider = project.provider;
        let runs_at_all = match &spec.when {
            Cond::Always => true,
            Cond::Branch(b) => !run.start.tag && run.start.branch == *b,
            Cond::Tag => run.start.tag,
            Cond::BranchOrTag(b) => run.start.tag || run.start.branch == *b,
            Cond::Input(env) => run.start.input_env.as_deref() == Some(env.as_str()),
        };
        let env = spec
            .environment
            .as_ref()
            .and_then(|e| project.environment(e))
            .cloned();
        let manual = spec.manual;
        let needs: Vec<String> = spec.needs.clone();
        let mut blocked = false;
        let mut broken = false;
        for other in self.current_jobs(job.run_id) {
            let Some(o) = self.jobs.get(&other) else {
                continue;
            };
            let Some(ospec) = wf.jobs.get(o.spec) else {
                continue;
            };
            if !needs.contains(&ospec.key) {
                continue;
            }
            match o.state {
                JobState::Success => {}
                JobState::Failed if ospec.allow_failure => {}
                JobState::Manual if ospec.allow_failure => {}
                JobState::Failed | JobState::Canceled | JobState::Skipped => broken = true,
                _ => blocked = true,
            }
        }
        // GitHub and GitLab decide a job only once everything it needs has settled: until then
        // it is not skipped, even when its condition will be false or a need already failed.
        if blocked {
            return false;
        }
        let run_id = job.run_id;
        let project_id = project.id;
        let next = if !runs_at_all || broken {
            JobState::Skipped
        } else if manual {
            JobState::Manual
        } else if provider == Provider::GitHub && env.as_ref().is_some_and(|e| e.gated()) {
            JobState::Waiting
        } else {
            JobState::Pending
        };
        if let Some(env) = env.filter(|_| next != JobState::Skipped) {
            let blocked = manual && env.required_approvals() > 0;
            let (state, first) = match next {
                JobState::Waiting => (DeployState::Created, "waiting"),
                _ if blocked => (DeployState::Blocked, "waiting"),
                _ => (DeployState::Created, "queued"),
            };
            let dep = self.new_deployment(project_id, env.id, run_id, id, state, first, now);
            if let Some(j) = self.jobs.get_mut(&id) {
                j.deployment = Some(dep);
            }
        }
        if let Some(j) = self.jobs.get_mut(&id) {
            j.state = next;
            match next {
                JobState::Skipped => j.finished_ms = Some(now),
                JobState::Pending => j.queued_ms = Some(now),
                JobState::Waiting | JobState::Manual => j.waiting_ms = Some(now),
                _ => {}
            }
        }
        true
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn new_deployment(
        &mut self,
        project: u64,
        environment: u64,
        run_id: u64,
        job_id: u64,
        state: DeployState,
        first: &'static str,
        now: i64,
    ) -> u64 {
        let provider = self
            .project(project)
            .map(|p| p.provider)
            .unwrap_or(Provider::GitHub);
        let gap = self.rng.range(1, 5);
        let id = Ids::next(&mut self.ids.deployment, provider, gap);
        let iid = self
            .deployments
            .values()
            .filter(|d| d.project == project)
            .count() as u64
            + 1;
        self.deployments.insert(
            id,
            Deployment {
                id,
                iid,
                project,
                environment,
                run_id,
                job_id,
                state,
                approvals: Vec::new(),
                created_ms: now,
                updated_ms: now,
                statuses: vec![(first, now)],
            },
        );
        id
    }

    pub(super) fn set_deploy(
        &mut self,
        job_id: u64,
        state: DeployState,
        word: &'static str,
        at: i64,
    ) {
        let Some(dep) = self.jobs.get(&job_id).and_then(|j| j.deployment) else {
            return;
        };
        if let Some(d) = self.deployments.get_mut(&dep) {
            d.state = state;
            d.updated_ms = at;
            d.statuses.push((word, at));
        }
    }

    fn try_start(&mut self, id: u64, now: i64, effects: &mut Vec<DeployEffect>) -> bool {
        let Some(job) = self.jobs.get_mut(&id) else {
            return false;
        };
        let queued = job.queued_ms.unwrap_or(now);
        if now < queued + job.queue_ms {
            return false;
        }
        let at = queued + job.queue_ms;
        job.state = JobState::Running;
        job.started_ms = Some(at);
        if let Some(first) = job.steps.first_mut() {
            first.state = StepState::Running;
            first.started_ms = Some(at);
        }
        self.set_deploy(id, DeployState::Running, "in_progress", at);
        self.progress(id, now, effects);
        true
    }

    /// Finishes every step whose time is up, starting the next; a deploy step asks the cluster.
    fn progress(&mut self, id: u64, now: i64, effects: &mut Vec<DeployEffect>) -> bool {
        let mut changed = false;
        loop {
            let Some(job) = self.jobs.get_mut(&id) else {
                return changed;
            };
            let Some(i) = job.steps.iter().position(|s| s.state == StepState::Running) else {
                return changed;
            };
            let end = job.steps[i].started_ms.unwrap_or(now) + job.steps[i].planned_ms;
            if now < end {
                return changed;
            }
            changed = true;
            if job.fail_step == Some(i) {
                self.finish_failed(id, end, "script_failure");
                return true;
            }
            job.steps[i].state = StepState::Success;
            job.steps[i].finished_ms = Some(end);
            if let Some(next) = job.steps.get_mut(i + 1) {
                next.state = StepState::Running;
                next.started_ms = Some(end);
                let spec_idx = next.spec;
                self.on_step_start(id, spec_idx, effects);
            } else {
                job.state = JobState::Success;
                job.finished_ms = Some(end);
                self.set_deploy(id, DeployState::Success, "success", end);
                return true;
            }
        }
    }

    fn on_step_start(
        &mut self,
        id: u64,
        spec_step: Option<usize>,
        effects: &mut Vec<DeployEffect>,
    ) {
        let Some(s) = spec_step else { return };
        let Some(job) = self.jobs.get(&id) else {
            return;
        };
        let Some(run) = self.runs.get(&job.run_id) else {
            return;
        };
        let Some((project, wf)) = self.workflow_of(run) else {
            return;
        };
        let Some(spec) = wf.jobs.get(job.spec) else {
            return;
        };
        if !spec.steps.get(s).is_some_and(|st| st.deploys) {
            return;
        }
        let Some(env) = spec
            .environment
            .as_ref()
            .and_then(|e| project.environment(e))
        else {
            return;
        };
        for t in &env.targets {
            effects.push(DeployEffect {
                job_id: id,
                namespace: t.namespace.clone(),
                name: t.name.clone(),
                image: format!("{}:{}", t.image_repo, run.start.image_tag),
            });
        }
    }

    /// Fails a job at `at`: the running step fails, later steps are skipped, the runner's
    /// tear-down still runs.
    pub(crate) fn finish_failed(&mut self, id: u64, at: i64, reason: &str) {
        let Some(job) = self.jobs.get_mut(&id) else {
            return;
        };
        let mut failed_one = false;
        for s in job.steps.iter_mut() {
            match s.state {
                StepState::Running => {
                    s.state = StepState::Failed;
                    s.finished_ms = Some(at);
                    failed_one = true;
                }
                StepState::Pending if s.spec.is_none() && failed_one => {
                    s.state = StepState::Success;
                    s.started_ms = Some(at);
                    s.finished_ms = Some(at);
                }
                StepState::Pending => s.state = StepState::Skipped,
                _ => {}
            }
        }
        job.state = JobState::Failed;
        job.finished_ms = Some(at);
        job.failure_reason = Some(reason.to_string());
        self.set_deploy(id, DeployState::Failed, "failure", at);
    }
}
