//! The default CI world: five projects after the seed documents, three weeks of history (some
//! runs failed, some gates rejected), and what is moving when the simulator starts: orders-api
//! reaches its staging gate seconds after start, feature-store's production job is manual with
//! a blocked deployment, order-generation is waiting for its staging rollout.

pub(crate) mod build;
mod github;
mod gitlab;
mod mirror;

use self::build::{dev, lena, maria, sam, you};
use super::engine::{DeployEffect, Engine};
use super::model::User;
use super::run::{AutoAction, FailPolicy, JobState, RunStart};
use crate::rng::Rng;

const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;
const DAY: i64 = 24 * HOUR;

/// Seconds after start at which the live orders-api run stops at its staging gate.
pub(crate) const ORDERS_GATE_AFTER_START_MS: i64 = 5_000;

/// Project ids of the default world, for the control API and tests.
pub(crate) mod ids {
    /// `acme/orders-api` (GitHub).
    pub(crate) const ORDERS_API: u64 = 801_234_567;
    /// `kasbench/globeco-order-generation-service` (GitHub).
    pub(crate) const ORDER_GENERATION: u64 = 801_300_111;
    /// `acme/customer-intelligence` (GitHub).
    pub(crate) const CUSTOMER_INTELLIGENCE: u64 = 801_455_902;
    /// `bnpl/feature-store` (GitLab).
    pub(crate) const FEATURE_STORE: u64 = 4211;
    /// `acme/observability-stack` (GitLab).
    pub(crate) const OBSERVABILITY: u64 = 4377;
}

struct Planned {
    at: i64,
    project: u64,
    workflow: u64,
    start: RunStart,
}

/// Fills an empty engine with the default world; `now` is the simulator's start. With
/// `per_provider` above the seeds' count, mirrors of the seeds bring each provider to that many
/// projects; they replay the seeds' history but run nothing live. Returns what the history's
/// deploy steps asked of the cluster (already part of the scenario's cluster).
pub(crate) fn install(engine: &mut Engine, now: i64, per_provider: usize) -> Vec<DeployEffect> {
    let created = now - 400 * DAY;
    engine.projects = vec![
        github::orders_api(created),
        github::order_generation(created),
        github::customer_intelligence(created),
        gitlab::feature_store(created),
        gitlab::observability(created),
    ];
    let mut rng = Rng::new(engine.rng.next_u64());
    let mut plan = Vec::new();
    history(&mut rng, now, &mut plan);
    let mirrors = mirror::mirrors(&engine.projects, per_provider);
    let copies: Vec<Planned> = mirrors
        .iter()
        .flat_map(|(seed, m)| {
            plan.iter().filter(|p| p.project == *seed).map(|p| Planned {
                at: p.at,
                project: m.id,
                workflow: p.workflow,
                start: p.start.clone(),
            })
        })
        .collect();
    plan.extend(copies);
    engine.projects.extend(mirrors.into_iter().map(|(_, m)| m));
    live(&mut rng, now, &mut plan);
    plan.sort_by_key(|p| p.at);
    let mut cursor = plan.first().map(|p| p.at).unwrap_or(now);
    let mut deployed = Vec::new();
    for p in plan {
        deployed.extend(engine.advance(cursor, p.at, 5_000));
        engine.start_run(p.project, p.workflow, p.start, p.at);
        cursor = p.at;
    }
    deployed.extend(engine.advance(cursor, now, 5_000));
    orders_live(engine, &mut rng, now);
    deployed
}

/// Starts the live orders-api run so that it stops at its staging gate just after `now`: a
/// copy of the engine measures how long the run takes to get there.
fn orders_live(engine: &mut Engine, rng: &mut Rng, now: i64) {
    let start = RunStart {
        title: "Add idempotency keys to order creation".into(),
        image_tag: String::new(),
        ..push(rng, "main", dev(), FailPolicy::Never)
    };
    let start = RunStart {
        image_tag: format!("sha-{}", &start.sha[..7]),
        ..start
    };
    let mut probe = engine.clone();
    let Some(id) = probe.start_run(ids::ORDERS_API, 120_000_001, start.clone(), now) else {
        return;
    };
    let mut t = now;
    while t < now + HOUR && !waiting(&probe, id) {
        let _ = probe.advance_run(id, t, t + 1_000, 1_000);
        t += 1_000;
    }
    let at = now - (t - now) + ORDERS_GATE_AFTER_START_MS;
    if let Some(id) = engine.start_run(ids::ORDERS_API, 120_000_001, start, at) {
        let _ = engine.advance_run(id, at, now, 1_000);
    }
}

fn waiting(engine: &Engine, run: u64) -> bool {
    engine.current_jobs(run).iter().any(|j| {
        engine
            .jobs
            .get(j)
            .is_some_and(|j| j.state == JobState::Waiting)
    })
}

const TITLES: &[&str] = &[
    "Fix flaky retry test",
    "Bump dependencies",
    "Add request tracing spans",
    "Tighten input validation",
    "Refactor repository layer",
    "Cache feature lookups",
    "Improve error messages",
    "Update Helm values",
    "Speed up CI image build",
    "Handle empty pages in pagination",
    "Add p95 latency alert",
    "Remove dead feature flag",
];

fn sha(rng: &mut Rng) -> String {
    format!(
        "{:016x}{:016x}{:08x}",
        rng.next_u64(),
        rng.next_u64(),
        rng.next_u64() as u32
    )
}

fn with_prefix(prefix: &str, rng: &mut Rng) -> String {
    let mut s = sha(rng);
    s.replace_range(..prefix.len(), prefix);
    s
}

fn push(rng: &mut Rng, branch: &str, actor: User, fail: FailPolicy) -> RunStart {
    let sha = sha(rng);
    RunStart {
        event: "push".into(),
        branch: branch.into(),
        tag: false,
        title: rng.pick(TITLES).copied().unwrap_or("Update").into(),
        actor,
        input_env: None,
        image_tag: format!("sha-{}", &sha[..7]),
        sha,
        fail,
        script: Vec::new(),
    }
}

fn review(env: &str, after_secs: i64, approve: bool, user: User, comment: &str) -> AutoAction {
    AutoAction {
        target: env.into(),
        after_secs,
        approve,
        play: false,
        user,
        comment: comment.into(),
    }
}

fn play(job: &str, after_secs: i64, user: User) -> AutoAction {
    AutoAction {
        target: job.into(),
        after_secs,
        approve: true,
        play: true,
        user,
        comment: String::new(),
    }
}

fn anyone(rng: &mut Rng) -> User {
    let people = [you(), maria(), dev(), sam()];
    rng.pick(&people).cloned().unwrap_or_else(dev)
}

fn history(rng: &mut Rng, now: i64, plan: &mut Vec<Planned>) {
    orders_history(rng, now, plan);
    order_generation_history(rng, now, plan);
    customer_intelligence_history(rng, now, plan);
    gitlab_history(rng, now, plan);
}

fn orders_history(rng: &mut Rng, now: i64, plan: &mut Vec<Planned>) {
    let mut t = now - 20 * DAY;
    let mut minor = 4;
    while t < now - HOUR {
        let roll = rng.unit();
        let who = anyone(rng);
        let mut start = push(rng, "main", who, FailPolicy::Random);
        if roll < 0.2 {
            start.branch = format!("feature/ORD-{}", rng.range(100, 999));
        } else if roll < 0.28 {
            minor += 1;
            start.branch = format!("v1.{minor}.0");
            start.tag = true;
            start.image_tag = start.branch.clone();
            let reviewer = if start.actor.id == 2 { you() } else { maria() };
            let after = rng.range(330, 900) as i64;
            start.script = vec![review(
                "production",
                after,
                true,
                reviewer,
                "Release notes checked",
            )];
        } else {
            let after = rng.range(120, 1500) as i64;
            let (approve, comment) = if rng.chance(0.08) {
                (false, "Holding: error budget burn in dev")
            } else {
                (true, "Dev looks healthy")
            };
            let who = if rng.chance(0.5) { maria() } else { you() };
            start.script = vec![review("staging", after, approve, who, comment)];
        }
        plan.push(Planned {
            at: t,
            project: ids::ORDERS_API,
            workflow: 120_000_001,
            start,
        });
        t += rng.range(3 * HOUR as u64, 5 * HOUR as u64) as i64;
    }
    // The run whose image the cluster is rolling out at start.
    let mut last = push(rng, "main", sam(), FailPolicy::Never);
    last.sha = with_prefix("f03c8b1", rng);
    last.image_tag = "sha-f03c8b1".into();
    last.title = "Return 409 on duplicate order ids".into();
    last.script = vec![review("staging", 420, true, maria(), "Ship it")];
    plan.push(Planned {
        at: now - 20 * MIN,
        project: ids::ORDERS_API,
        workflow: 120_000_001,
        start: last,
    });
}

fn dispatch(rng: &mut Rng, env: &str, tag: &str, actor: User) -> RunStart {
    RunStart {
        event: "workflow_dispatch".into(),
        input_env: Some(env.into()),
        image_tag: tag.into(),
        title: "Deploy to Kubernetes".into(),
        ..push(rng, "main", actor, FailPolicy::Never)
    }
}

fn order_generation_history(rng: &mut Rng, now: i64, plan: &mut Vec<Planned>) {
    let mut t = now - 20 * DAY;
    while t < now - HOUR {
        let branch = if rng.chance(0.55) { "main" } else { "develop" };
        let who = anyone(rng);
        let start = push(rng, branch, who, FailPolicy::Random);
        plan.push(Planned {
            at: t,
            project: ids::ORDER_GENERATION,
            workflow: 120_000_101,
            start,
        });
        t += rng.range(5 * HOUR as u64, 8 * HOUR as u64) as i64;
    }
    let deploys: [(i64, &str, &str); 5] = [
        (3 * DAY, "staging", "1.2.0"),
        (3 * DAY - 6 * HOUR, "production", "1.2.0"),
        (2 * DAY, "staging", "1.3.2"),
        (DAY + 20 * HOUR, "production", "1.3.2"),
        (MIN, "staging", "1.4.0"),
    ];
    for (ago, env, tag) in deploys {
        let mut start = dispatch(rng, env, tag, maria());
        if env == "production" {
            start.script = vec![review(
                "production",
                240,
                true,
                you(),
                "Staging soak passed",
            )];
        }
        plan.push(Planned {
            at: now - ago,
            project: ids::ORDER_GENERATION,
            workflow: 120_000_102,
            start,
        });
    }
    plan.push(Planned {
        at: now - 90_000,
        project: ids::ORDER_GENERATION,
        workflow: 120_000_101,
        start: push(rng, "develop", dev(), FailPolicy::Never),
    });
}

fn customer_intelligence_history(rng: &mut Rng, now: i64, plan: &mut Vec<Planned>) {
    let mut t = now - 20 * DAY;
    let mut patch = 0;
    while t < now - 2 * HOUR {
        let main = rng.chance(0.45);
        let who = anyone(rng);
        let mut start = push(
            rng,
            if main { "main" } else { "develop" },
            who,
            FailPolicy::Random,
        );
        if main {
            patch += 1;
            start.image_tag = format!("v2.5.{patch}");
            let after = rng.range(600, 3000) as i64;
            start.script = vec![review(
                "production",
                after,
                true,
                lena(),
                "Model metrics within bounds",
            )];
        }
        plan.push(Planned {
            at: t,
            project: ids::CUSTOMER_INTELLIGENCE,
            workflow: 120_000_201,
            start,
        });
        t += rng.range(8 * HOUR as u64, 12 * HOUR as u64) as i64;
    }
    let mut last = push(rng, "main", sam(), FailPolicy::Never);
    last.image_tag = "v2.6.0".into();
    last.title = "Switch scoring to the v2.6 feature set".into();
    last.script = vec![review("production", 300, true, lena(), "Go")];
    plan.push(Planned {
        at: now - 12 * MIN,
        project: ids::CUSTOMER_INTELLIGENCE,
        workflow: 120_000_201,
        start: last,
    });
    // Scheduled work: drift every day at 06:00, training on Sundays at 01:00 (UTC), over the
    // three whole weeks before today: always 21 drift runs and 3 trainings, so the time of
    // day the simulator starts at never changes how many random draws the history takes (and
    // with them everything generated after it).
    let day0 = now.div_euclid(DAY) * DAY - 21 * DAY;
    for d in 0..21 {
        let day = day0 + d * DAY;
        let scheduled = |rng: &mut Rng| RunStart {
            event: "schedule".into(),
            ..push(rng, "main", lena(), FailPolicy::Random)
        };
        let start = scheduled(rng);
        plan.push(Planned {
            at: day + 6 * HOUR,
            project: ids::CUSTOMER_INTELLIGENCE,
            workflow: 120_000_203,
            start,
        });
        // 1970-01-01 was a Thursday: day number + 4 ≡ 0 (mod 7) on Sundays.
        if (day / DAY + 4) % 7 == 0 {
            let start = scheduled(rng);
            plan.push(Planned {
                at: day + HOUR,
                project: ids::CUSTOMER_INTELLIGENCE,
                workflow: 120_000_202,
                start,
            });
        }
    }
}

fn gitlab_history(rng: &mut Rng, now: i64, plan: &mut Vec<Planned>) {
    for (project, hours) in [(ids::FEATURE_STORE, 11u64), (ids::OBSERVABILITY, 14u64)] {
        let mut t = now - 15 * DAY;
        while t < now - 2 * HOUR {
            let main = rng.chance(0.6);
            let branch = if main {
                "main".to_string()
            } else if project == ids::FEATURE_STORE {
                format!("feature/FS-{}", rng.range(10, 300))
            } else {
                "develop".to_string()
            };
            let mut start = gitlab_push(rng, &branch, FailPolicy::Random);
            if main {
                start.script = gitlab_release(rng, project);
            }
            plan.push(Planned {
                at: t,
                project,
                workflow: 1,
                start,
            });
            t += rng.range((hours - 3) * HOUR as u64, (hours + 3) * HOUR as u64) as i64;
        }
    }
    let mut fs = gitlab_push(rng, "main", FailPolicy::Never);
    fs.sha = with_prefix("e51f6b3", rng);
    fs.image_tag = "e51f6b3".into();
    fs.script = vec![
        review("production", 300, true, maria(), "Canary plan reviewed"),
        play("deploy:production", 360, maria()),
    ];
    plan.push(Planned {
        at: now - 40 * MIN,
        project: ids::FEATURE_STORE,
        workflow: 1,
        start: fs,
    });
    // Nobody has released this one yet: its production job waits, manual, for a human.
    plan.push(Planned {
        at: now - 5 * HOUR,
        project: ids::OBSERVABILITY,
        workflow: 1,
        start: gitlab_push(rng, "main", FailPolicy::Never),
    });
    let mut obs = gitlab_push(rng, "main", FailPolicy::Never);
    obs.sha = with_prefix("9e4410c", rng);
    obs.image_tag = "9e4410c".into();
    obs.script = vec![play("deploy-production", 120, dev())];
    plan.push(Planned {
        at: now - 30 * MIN,
        project: ids::OBSERVABILITY,
        workflow: 1,
        start: obs,
    });
}

fn gitlab_push(rng: &mut Rng, branch: &str, fail: FailPolicy) -> RunStart {
    let who = anyone(rng);
    let mut start = push(rng, branch, who, fail);
    start.image_tag = start.sha[..7].to_string();
    start
}

fn gitlab_release(rng: &mut Rng, project: u64) -> Vec<AutoAction> {
    let after = rng.range(600, 2400) as i64;
    if project == ids::FEATURE_STORE {
        if rng.chance(0.1) {
            return vec![review(
                "production",
                after,
                false,
                maria(),
                "Cache hit rate regressed in staging",
            )];
        }
        vec![
            review(
                "production",
                after,
                true,
                maria(),
                "Staging numbers look good",
            ),
            play("deploy:production", after + 90, you()),
        ]
    } else if rng.chance(0.8) {
        vec![play("deploy-production", after, dev())]
    } else {
        // Nobody released this one: it stays at its manual production job.
        Vec::new()
    }
}

fn live(rng: &mut Rng, now: i64, plan: &mut Vec<Planned>) {
    let mut fs = gitlab_push(rng, "main", FailPolicy::Never);
    fs.sha = with_prefix("7c3d2a9", rng);
    fs.image_tag = "7c3d2a9".into();
    fs.title = "Serve features over gRPC by default".into();
    plan.push(Planned {
        at: now - 10 * MIN,
        project: ids::FEATURE_STORE,
        workflow: 1,
        start: fs,
    });
    plan.push(Planned {
        at: now - 150_000,
        project: ids::OBSERVABILITY,
        workflow: 1,
        start: gitlab_push(rng, "develop", FailPolicy::Never),
    });
    plan.push(Planned {
        at: now - 2 * MIN,
        project: ids::CUSTOMER_INTELLIGENCE,
        workflow: 120_000_202,
        start: RunStart {
            event: "workflow_dispatch".into(),
            title: "Model Training".into(),
            ..push(rng, "main", lena(), FailPolicy::Never)
        },
    });
}
