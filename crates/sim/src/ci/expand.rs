//! Turning a job spec into jobs: matrix and `parallel` expansion, the runner's own set-up and
//! tear-down steps around the spec's steps, planned durations and which step (if any) fails.

use super::engine::Engine;
use super::model::{JobSpec, Provider};
use super::run::{FailPolicy, Job, JobState, StepRun, StepState};
use crate::rng::Rng;

impl Engine {
    /// Creates the jobs one spec expands into; `only` restricts to one expanded name.
    pub(super) fn create_jobs(
        &mut self,
        run_id: u64,
        spec_idx: usize,
        attempt: u32,
        now: i64,
        only: Option<&str>,
    ) -> Vec<u64> {
        let Some(run) = self.runs.get(&run_id) else {
            return Vec::new();
        };
        let Some((project, wf)) = self.workflow_of(run) else {
            return Vec::new();
        };
        let provider = project.provider;
        let Some(spec) = wf.jobs.get(spec_idx).cloned() else {
            return Vec::new();
        };
        let fail_policy = run.start.fail.clone();
        let mut made = Vec::new();
        for name in expand(&spec, provider) {
            if only.is_some_and(|o| o != name) {
                continue;
            }
            let gap = self.rng.range(1, 4);
            let id = self.next_job_id(provider, gap);
            let steps = self.plan_steps(&spec, provider);
            let spec_steps: Vec<usize> = steps
                .iter()
                .enumerate()
                .filter(|(_, s)| s.spec.is_some())
                .map(|(i, _)| i)
                .collect();
            let fail_step = match &fail_policy {
                FailPolicy::Never => None,
                FailPolicy::Job(key) if *key == spec.key => spec_steps.last().copied(),
                FailPolicy::Job(_) => None,
                FailPolicy::Random => {
                    if self.rng.chance(spec.fail_chance) {
                        self.rng.pick(&spec_steps).copied()
                    } else {
                        None
                    }
                }
            };
            let job = Job {
                id,
                run_id,
                attempt,
                spec: spec_idx,
                name,
                state: JobState::Created,
                created_ms: now,
                queued_ms: None,
                waiting_ms: None,
                started_ms: None,
                finished_ms: None,
                queue_ms: self.rng.range(1_000, 6_000) as i64,
                steps,
                fail_step,
                failure_reason: None,
                retried: false,
                runner: self.rng.range(1, 40) as u32,
                deployment: None,
                played_by: None,
                log_seed: self.rng.next_u64(),
                deploy_note: None,
            };
            self.jobs.insert(id, job);
            if let Some(run) = self.runs.get_mut(&run_id) {
                run.jobs.push(id);
            }
            made.push(id);
        }
        made
    }

    fn plan_steps(&mut self, spec: &JobSpec, provider: Provider) -> Vec<StepRun> {
        type Fixed = &'static [(&'static str, u32)];
        let (head, tail): (Fixed, Fixed) = match provider {
            Provider::GitHub => (&[("Set up job", 2)], &[("Complete job", 1)]),
            Provider::GitLab => (
                &[("prepare_executor", 4), ("get_sources", 2)],
                &[("cleanup_file_variables", 1)],
            ),
        };
        let mut steps = Vec::new();
        let mut push = |rng: &mut Rng, name: &str, spec: Option<usize>, secs: u32| {
            let jitter = 0.75 + 0.5 * rng.unit();
            steps.push(StepRun {
                name: name.to_string(),
                spec,
                planned_ms: ((secs as f64 * 1000.0 * jitter) as i64).max(300),
                state: StepState::Pending,
                started_ms: None,
                finished_ms: None,
            });
        };
        for (name, secs) in head {
            push(&mut self.rng, name, None, *secs);
        }
        for (i, s) in spec.steps.iter().enumerate() {
            push(&mut self.rng, &s.name, Some(i), s.secs);
        }
        for (name, secs) in tail {
            push(&mut self.rng, name, None, *secs);
        }
        steps
    }
}

/// The names one spec expands into: matrix values, `parallel` numbering, or the name itself.
pub(crate) fn expand(spec: &JobSpec, provider: Provider) -> Vec<String> {
    if !spec.matrix.is_empty() {
        spec.matrix
            .iter()
            .map(|v| match provider {
                Provider::GitHub => format!("{} ({v})", spec.name),
                Provider::GitLab => format!("{}: [{v}]", spec.name),
            })
            .collect()
    } else if spec.parallel > 1 {
        (1..=spec.parallel)
            .map(|i| format!("{} {i}/{}", spec.name, spec.parallel))
            .collect()
    } else {
        vec![spec.name.clone()]
    }
}
