//! What people do to runs: review gated deployments, approve GitLab deployments, play manual
//! jobs, retry, rerun and cancel. Seeded runs do the same through their scripts.

use super::engine::Engine;
use super::model::{Provider, User};
use super::run::{Approval, DeployState, JobState, StepState};

/// Why an action was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ActionError {
    /// No such run, job or deployment.
    #[error("not found")]
    NotFound,
    /// These environment ids are not waiting in this run.
    #[error("environment ids {0:?} are not pending for this run")]
    NotPending(Vec<u64>),
    /// The user is not a required reviewer (or may not review their own run).
    #[error("user may not review this deployment")]
    NotReviewer,
    /// The job is not manual.
    #[error("unplayable job")]
    Unplayable,
    /// The deployment still waits for approvals.
    #[error("deployment is blocked")]
    Blocked,
    /// The job or run is still running (rerun, retry).
    #[error("not finished")]
    NotFinished,
    /// The job or run already finished (cancel).
    #[error("already completed")]
    Completed,
    /// The deployment is not waiting for approvals.
    #[error("deployment is not blocked")]
    NotBlocked,
    /// The user already reviewed this deployment.
    #[error("already reviewed")]
    AlreadyReviewed,
    /// The user may not even read the project's deployments (GitLab: below Reporter).
    #[error("no access")]
    NoAccess,
    /// The pipeline's author may not approve its deployment (the environment forbids it).
    #[error("own deployment")]
    OwnDeployment,
}

/// GitLab's Reporter level: the least that may read deployments.
const REPORTER: u32 = 20;

/// What a rerun repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rerun {
    /// Every job.
    All,
    /// Failed and cancelled jobs and what needs them.
    Failed,
    /// One job (by id) and what needs it.
    Job(u64),
}

impl Engine {
    /// A held job moves on once approved (and its wait timer ran out), or fails when rejected.
    pub(super) fn gate(&mut self, id: u64, now: i64) -> bool {
        self.run_review_scripts(id, now);
        let Some(job) = self.jobs.get(&id) else {
            return false;
        };
        let Some(dep) = job.deployment.and_then(|d| self.deployments.get(&d)) else {
            return false;
        };
        let Some(env) = self
            .project(dep.project)
            .and_then(|p| p.environments.iter().find(|e| e.id == dep.environment))
        else {
            return false;
        };
        if dep.approvals.iter().any(|a| !a.approved) {
            let at = dep.approvals.last().map(|a| a.at_ms).unwrap_or(now);
            self.reject_job(id, at);
            return true;
        }
        let approved = env.reviewers.is_empty() || dep.approvals.iter().any(|a| a.approved);
        let timer_end = job.waiting_ms.unwrap_or(now) + env.wait_timer_min as i64 * 60_000;
        if !approved || now < timer_end {
            return false;
        }
        let at = dep
            .approvals
            .last()
            .map(|a| a.at_ms)
            .unwrap_or(now)
            .max(timer_end);
        if let Some(j) = self.jobs.get_mut(&id) {
            j.state = JobState::Pending;
            j.queued_ms = Some(at);
        }
        self.set_deploy(id, DeployState::Created, "queued", at);
        true
    }

    fn reject_job(&mut self, id: u64, at: i64) {
        if let Some(j) = self.jobs.get_mut(&id) {
            for s in j.steps.iter_mut() {
                s.state = StepState::Skipped;
            }
            j.state = JobState::Failed;
            j.finished_ms = Some(at);
            j.failure_reason = Some("deployment_rejected".into());
        }
        self.set_deploy(id, DeployState::Failed, "failure", at);
    }

    /// Applies the run's scripted reviews of this job's environment whose time has come.
    fn run_review_scripts(&mut self, id: u64, now: i64) {
        let Some(job) = self.jobs.get(&id) else {
            return;
        };
        let since = job.waiting_ms.or(Some(job.created_ms)).unwrap_or(now);
        let Some(dep_id) = job.deployment else {
            return;
        };
        let Some(env) = self.spec_of(job).and_then(|s| s.environment.clone()) else {
            return;
        };
        let Some(run) = self.runs.get(&job.run_id) else {
            return;
        };
        let due: Vec<_> = run
            .start
            .script
            .iter()
            .filter(|a| !a.play && a.target == env && now >= since + a.after_secs * 1000)
            .cloned()
            .collect();
        for a in due {
            let done = self
                .deployments
                .get(&dep_id)
                .is_some_and(|d| d.approvals.iter().any(|x| x.user.id == a.user.id));
            if !done {
                let at = since + a.after_secs * 1000;
                self.record_review(dep_id, a.user, a.approve, a.comment, at);
            }
        }
    }

    fn record_review(&mut self, dep_id: u64, user: User, approved: bool, comment: String, at: i64) {
        if let Some(d) = self.deployments.get_mut(&dep_id) {
            d.approvals.push(Approval {
                user,
                approved,
                comment,
                at_ms: at,
            });
            d.updated_ms = at;
        }
    }

    /// Plays a manual job when its script says so (after approving its deployment if needed).
    pub(super) fn auto_play(&mut self, id: u64, now: i64) -> bool {
        let Some(job) = self.jobs.get(&id) else {
            return false;
        };
        let Some(key) = self.spec_of(job).map(|s| s.key.clone()) else {
            return false;
        };
        let since = job.waiting_ms.unwrap_or(job.created_ms);
        self.run_review_scripts(id, now);
        self.unblock_if_approved(id);
        let Some(run) = self
            .runs
            .get(&self.jobs.get(&id).map(|j| j.run_id).unwrap_or(0))
        else {
            return false;
        };
        let play = run
            .start
            .script
            .iter()
            .find(|a| a.play && a.target == key && now >= since + a.after_secs * 1000)
            .cloned();
        match play {
            Some(a) => self.play(id, a.user, now).is_ok(),
            None => false,
        }
    }

    fn unblock_if_approved(&mut self, job_id: u64) {
        let Some(dep_id) = self.jobs.get(&job_id).and_then(|j| j.deployment) else {
            return;
        };
        let Some(dep) = self.deployments.get(&dep_id) else {
            return;
        };
        let approved_by: Vec<u64> = dep
            .approvals
            .iter()
            .filter(|a| a.approved)
            .map(|a| a.user.id)
            .collect();
        let met = self
            .project(dep.project)
            .and_then(|p| p.environments.iter().find(|e| e.id == dep.environment))
            .is_none_or(|e| e.rules_met(&approved_by));
        let rejected = dep.approvals.iter().find(|a| !a.approved).map(|a| a.at_ms);
        if let Some(at) = rejected {
            if dep.state == DeployState::Blocked {
                self.reject_job(job_id, at);
            }
        } else if dep.state == DeployState::Blocked
            && met
            && let Some(d) = self.deployments.get_mut(&dep_id)
        {
            d.state = DeployState::Created;
        }
    }

    /// GitHub: reviews the pending deployments of `envs` in a run. Returns the deployment ids.
    pub(crate) fn review(
        &mut self,
        run_id: u64,
        envs: &[u64],
        user: &User,
        approve: bool,
        comment: &str,
        now: i64,
    ) -> Result<Vec<u64>, ActionError> {
        let run = self.runs.get(&run_id).ok_or(ActionError::NotFound)?;
        let actor = run.start.actor.id;
        let waiting: Vec<(u64, u64)> = self
            .current_jobs(run_id)
            .into_iter()
            .filter_map(|id| self.jobs.get(&id))
            .filter(|j| j.state == JobState::Waiting)
            .filter_map(|j| j.deployment)
            .filter_map(|d| self.deployments.get(&d))
            .map(|d| (d.environment, d.id))
            .collect();
        let missing: Vec<u64> = envs
            .iter()
            .filter(|e| !waiting.iter().any(|(w, _)| w == *e))
            .copied()
            .collect();
        if envs.is_empty() || !missing.is_empty() {
            return Err(ActionError::NotPending(missing));
        }
        let project = self.project(run.project).ok_or(ActionError::NotFound)?;
        for e in envs {
            let env = project.environments.iter().find(|x| x.id == *e);
            let ok = env.is_some_and(|env| {
                env.can_review(user.id) && !(env.prevent_self_review && actor == user.id)
            });
            if !ok {
                return Err(ActionError::NotReviewer);
            }
        }
        let mut out = Vec::new();
        for (env, dep) in waiting {
            if envs.contains(&env) {
                self.record_review(dep, user.clone(), approve, comment.to_string(), now);
                out.push(dep);
            }
        }
        self.touch(run_id);
        Ok(out)
    }

    /// GitLab: approves or rejects a blocked deployment.
    pub(crate) fn approve_deployment(
        &mut self,
        dep_id: u64,
        user: &User,
        approve: bool,
        comment: &str,
        now: i64,
    ) -> Result<(), ActionError> {
        let dep = self.deployments.get(&dep_id).ok_or(ActionError::NotFound)?;
        if self.access_level(dep.project, user.id) < REPORTER {
            return Err(ActionError::NoAccess);
        }
        if dep.state != DeployState::Blocked {
            return Err(ActionError::NotBlocked);
        }
        if dep.approvals.iter().any(|a| a.user.id == user.id) {
            return Err(ActionError::AlreadyReviewed);
        }
        let env = self
            .project(dep.project)
            .and_then(|p| p.environments.iter().find(|e| e.id == dep.environment))
            .ok_or(ActionError::NotFound)?;
        if !env.can_review(user.id) {
            return Err(ActionError::NotReviewer);
        }
        let author = self.runs.get(&dep.run_id).map(|r| r.start.actor.id);
        if env.prevent_self_review && author == Some(user.id) {
            return Err(ActionError::OwnDeployment);
        }
        let (job_id, run_id) = (dep.job_id, dep.run_id);
        self.record_review(dep_id, user.clone(), approve, comment.to_string(), now);
        self.unblock_if_approved(job_id);
        self.touch(run_id);
        Ok(())
    }

    /// Starts a manual job.
    pub(crate) fn play(&mut self, job_id: u64, user: User, now: i64) -> Result<(), ActionError> {
        let job = self.jobs.get(&job_id).ok_or(ActionError::NotFound)?;
        if job.state != JobState::Manual {
            return Err(ActionError::Unplayable);
        }
        let blocked = job
            .deployment
            .and_then(|d| self.deployments.get(&d))
            .is_some_and(|d| d.state == DeployState::Blocked);
        if blocked {
            return Err(ActionError::Blocked);
        }
        let run_id = job.run_id;
        if let Some(j) = self.jobs.get_mut(&job_id) {
            j.state = JobState::Pending;
            j.queued_ms = Some(now);
            j.played_by = Some(user);
        }
        self.set_deploy(job_id, DeployState::Created, "queued", now);
        self.touch(run_id);
        Ok(())
    }

    /// GitLab: retries a finished job as a new job; returns the new id. Jobs skipped because
    /// of it are created again.
    pub(crate) fn retry_job(&mut self, job_id: u64, now: i64) -> Result<u64, ActionError> {
        let job = self.jobs.get(&job_id).ok_or(ActionError::NotFound)?;
        if job.retried
            || !matches!(
                job.state,
                JobState::Failed | JobState::Canceled | JobState::Success
            )
        {
            return Err(ActionError::NotFinished);
        }
        let (run_id, spec, attempt, name) = (job.run_id, job.spec, job.attempt, job.name.clone());
        self.soften_forced_failure(run_id);
        let made = self.create_jobs(run_id, spec, attempt, now, Some(&name));
        let new_id = *made.first().ok_or(ActionError::NotFound)?;
        if let Some(old) = self.jobs.get_mut(&job_id) {
            old.retried = true;
        }
        if let Some(j) = self.jobs.get_mut(&new_id) {
            j.state = JobState::Pending;
            j.queued_ms = Some(now);
        }
        self.redeploy_of(job_id, new_id, now);
        self.recreate_skipped(run_id);
        if let Some(run) = self.runs.get_mut(&run_id) {
            run.finished_ms = None;
            run.updated_ms = now;
        }
        self.touch(run_id);
        Ok(new_id)
    }

    /// A retried deploy job deploys again: GitLab records a new deployment for the new job.
    fn redeploy_of(&mut self, old_job: u64, new_job: u64, now: i64) {
        let Some(old) = self
            .jobs
            .get(&old_job)
            .and_then(|j| j.deployment)
            .and_then(|d| self.deployments.get(&d))
        else {
            return;
        };
        let (project, environment, run_id) = (old.project, old.environment, old.run_id);
        let dep = self.new_deployment(
            project,
            environment,
            run_id,
            new_job,
            DeployState::Created,
            "queued",
            now,
        );
        if let Some(j) = self.jobs.get_mut(&new_job) {
            j.deployment = Some(dep);
        }
    }

    /// GitLab: retries every failed or cancelled job of a pipeline.
    pub(crate) fn retry_pipeline(&mut self, run_id: u64, now: i64) -> Result<(), ActionError> {
        let failed: Vec<u64> = self
            .current_jobs(run_id)
            .into_iter()
            .filter(|id| {
                self.jobs
                    .get(id)
                    .is_some_and(|j| matches!(j.state, JobState::Failed | JobState::Canceled))
            })
            .collect();
        if !self.runs.contains_key(&run_id) {
            return Err(ActionError::NotFound);
        }
        for id in failed {
            self.retry_job(id, now)?;
        }
        Ok(())
    }

    /// A retried or rerun job should get the chance to pass: a forced failure is not repeated.
    fn soften_forced_failure(&mut self, run_id: u64) {
        if let Some(run) = self.runs.get_mut(&run_id)
            && matches!(run.start.fail, super::run::FailPolicy::Job(_))
        {
            run.start.fail = super::run::FailPolicy::Never;
        }
    }

    fn recreate_skipped(&mut self, run_id: u64) {
        for id in self.current_jobs(run_id) {
            if let Some(j) = self.jobs.get_mut(&id)
                && j.state == JobState::Skipped
            {
                j.state = JobState::Created;
                j.finished_ms = None;
            }
        }
    }

    /// GitHub: starts a new attempt of a completed run (same id, `run_attempt` + 1).
    pub(crate) fn rerun(&mut self, run_id: u64, what: Rerun, now: i64) -> Result<(), ActionError> {
        let run = self.runs.get(&run_id).ok_or(ActionError::NotFound)?;
        if self.active.contains(&run_id) {
            return Err(ActionError::NotFinished);
        }
        let attempt = run.attempt + 1;
        let old = self.current_jobs(run_id);
        let (_, wf) = self.workflow_of(run).ok_or(ActionError::NotFound)?;
        let specs = wf.jobs.clone();
        let mut again: Vec<usize> = Vec::new();
        match what {
            Rerun::All => again = (0..specs.len()).collect(),
            Rerun::Failed => {
                for id in &old {
                    if let Some(j) = self.jobs.get(id)
                        && matches!(j.state, JobState::Failed | JobState::Canceled)
                        && !again.contains(&j.spec)
                    {
                        again.push(j.spec);
                    }
                }
            }
            Rerun::Job(job_id) => {
                let j = self.jobs.get(&job_id).ok_or(ActionError::NotFound)?;
                if j.run_id != run_id {
                    return Err(ActionError::NotFound);
                }
                again.push(j.spec);
            }
        }
        // What needs a rerun job runs again too.
        loop {
            let before = again.len();
            for (i, s) in specs.iter().enumerate() {
                let needs_again = s.needs.iter().any(|n| {
                    again
                        .iter()
                        .any(|a| specs.get(*a).is_some_and(|x| x.key == *n))
                });
                if needs_again && !again.contains(&i) {
                    again.push(i);
                }
            }
            if again.len() == before {
                break;
            }
        }
        self.soften_forced_failure(run_id);
        if let Some(r) = self.runs.get_mut(&run_id) {
            r.attempt = attempt;
            r.attempt_started_ms = now;
            r.updated_ms = now;
            r.finished_ms = None;
        }
        let provider = Provider::GitHub;
        for (i, _) in specs.iter().enumerate() {
            if again.contains(&i) {
                self.create_jobs(run_id, i, attempt, now, None);
            } else {
                let same: Vec<u64> = old
                    .iter()
                    .filter(|id| self.jobs.get(id).is_some_and(|j| j.spec == i))
                    .copied()
                    .collect();
                for id in same {
                    self.copy_job(id, attempt, provider);
                }
            }
        }
        self.touch(run_id);
        Ok(())
    }

    fn copy_job(&mut self, id: u64, attempt: u32, provider: Provider) {
        let Some(mut j) = self.jobs.get(&id).cloned() else {
            return;
        };
        let gap = self.rng.range(1, 4);
        j.id = self.next_job_id(provider, gap);
        j.attempt = attempt;
        let run_id = j.run_id;
        let new_id = j.id;
        self.jobs.insert(new_id, j);
        if let Some(r) = self.runs.get_mut(&run_id) {
            r.jobs.push(new_id);
        }
    }

    /// Cancels every unfinished job of a run.
    pub(crate) fn cancel_run(&mut self, run_id: u64, now: i64) -> Result<(), ActionError> {
        if !self.runs.contains_key(&run_id) {
            return Err(ActionError::NotFound);
        }
        let open: Vec<u64> = self
            .current_jobs(run_id)
            .into_iter()
            .filter(|id| self.jobs.get(id).is_some_and(|j| cancelable(j.state)))
            .collect();
        if open.is_empty() {
            return Err(ActionError::Completed);
        }
        for id in open {
            self.cancel_job(id, now)?;
        }
        Ok(())
    }

    /// Cancels one job.
    pub(crate) fn cancel_job(&mut self, job_id: u64, now: i64) -> Result<(), ActionError> {
        let job = self.jobs.get_mut(&job_id).ok_or(ActionError::NotFound)?;
        if !cancelable(job.state) {
            return Err(ActionError::Completed);
        }
        for s in job.steps.iter_mut() {
            match s.state {
                StepState::Running => {
                    s.state = StepState::Canceled;
                    s.finished_ms = Some(now);
                }
                StepState::Pending => s.state = StepState::Skipped,
                _ => {}
            }
        }
        job.state = JobState::Canceled;
        job.finished_ms = Some(now);
        let run_id = job.run_id;
        self.set_deploy(job_id, DeployState::Canceled, "inactive", now);
        self.touch(run_id);
        Ok(())
    }
}

fn cancelable(s: JobState) -> bool {
    matches!(
        s,
        JobState::Created | JobState::Pending | JobState::Running | JobState::Waiting
    )
}
