//! Simulated CI: a provider-neutral pipeline engine ([`engine`]) with the default world's
//! projects ([`seeds`]), served as GitHub Actions (`super::github`) and GitLab CI
//! (`super::gitlab`). Runs move on the simulated clock and deploy jobs set images in the
//! simulated cluster, where the controllers roll them out.

pub(crate) mod actions;
pub(crate) mod approve;
pub(crate) mod budget;
pub(crate) mod control;
pub(crate) mod engine;
pub(crate) mod expand;
pub(crate) mod http;
pub(crate) mod joblog;
pub(crate) mod model;
pub(crate) mod run;
pub(crate) mod seeds;

#[cfg(test)]
mod tests;

use self::budget::Budget;
use self::engine::{DeployEffect, Engine};
use super::controllers::{self, Action};
use super::world::World;

/// GitHub's primary limit for a user token.
pub(crate) const GITHUB_LIMIT: u32 = 5000;
/// GitLab.com's authenticated API throttle per minute.
pub(crate) const GITLAB_LIMIT: u32 = 2000;

/// Everything CI in the world.
pub struct CiWorld {
    /// Projects, runs, jobs and deployments.
    pub(crate) engine: Engine,
    /// GitHub's hourly budget.
    pub github_budget: Budget,
    /// GitLab's per-minute budget.
    pub(crate) gitlab_budget: Budget,
    /// Signs short-lived log URLs.
    pub(crate) log_secret: u64,
}

impl CiWorld {
    /// An empty CI world (no projects) for this seed.
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            engine: Engine::new(seed, seeds::build::you()),
            github_budget: Budget::new(GITHUB_LIMIT, 3_600_000, 0),
            gitlab_budget: Budget::new(GITLAB_LIMIT, 60_000, 0),
            log_secret: crate::rng::mix(seed ^ 0x106_5EC2),
        }
    }
}

/// Installs the default CI world at the world's current time (the simulator's start), with
/// mirrors of its projects up to `per_provider` per provider.
pub(crate) fn install_default(world: &mut World, per_provider: usize) {
    let now = world.clock.now_ms;
    let ci = &mut world.ci;
    let history = seeds::install(&mut ci.engine, now, per_provider);
    ci.github_budget = Budget::new(GITHUB_LIMIT, 3_600_000, now);
    ci.gitlab_budget = Budget::new(GITLAB_LIMIT, 60_000, now);
    // The history's deploys are already part of the scenario's cluster: their logs say what
    // they set, but the cluster is left as the scenario built it.
    for e in history {
        let kind = [
            (crate::resources::ids::DEPLOYMENTS, "Deployment"),
            (crate::resources::ids::ROLLOUTS, "Rollout"),
        ]
        .into_iter()
        .find(|(res, _)| world.store.get(*res, &e.namespace, &e.name).is_some())
        .map(|(_, kind)| kind);
        if let Some(kind) = kind {
            add_note(world, e.job_id, image_note(kind, &e));
        }
    }
}

/// What a deploy step prints once the cluster took the image (as `kubectl set image` would,
/// with the image named).
fn image_note(kind: &str, e: &DeployEffect) -> String {
    format!(
        "{} \"{}\" image updated to {} (namespace {})",
        kind.to_lowercase(),
        e.name,
        e.image,
        e.namespace
    )
}

fn add_note(world: &mut World, job_id: u64, note: String) {
    if let Some(job) = world.ci.engine.jobs.get_mut(&job_id) {
        job.deploy_note = Some(match &job.deploy_note {
            Some(prev) => format!("{prev}\n{note}"),
            None => note,
        });
    }
}

/// Moves CI by one world step and applies what deploy steps asked of the cluster.
pub(crate) fn step(world: &mut World) {
    let now = world.clock.now_ms;
    if !world.ci.engine.busy() {
        return;
    }
    let effects = world.ci.engine.step(now);
    apply(world, effects, now);
}

/// Sets the images deploy steps asked for; a missing workload fails the job as kubectl would.
pub(crate) fn apply(world: &mut World, effects: Vec<DeployEffect>, now: i64) {
    for e in effects {
        let action = Action::SetImage {
            namespace: e.namespace.clone(),
            name: e.name.clone(),
            image: e.image.clone(),
        };
        let note = match controllers::apply(world, &action) {
            Ok(kind) => image_note(kind, &e),
            Err(err) => {
                world
                    .ci
                    .engine
                    .finish_failed(e.job_id, now, "script_failure");
                format!("\x1b[31mError from server (NotFound): {err}\x1b[0m")
            }
        };
        add_note(world, e.job_id, note);
    }
}
