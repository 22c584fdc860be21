//! Engine tests: determinism, failure propagation, expansion, gates, retries and logs.

use super::engine::Engine;
use super::expand::expand;
use super::joblog;
use super::model::{Cond, Project, Provider, Workflow};
use super::run::{FailPolicy, JobState, RunStart};
use super::seeds::build::*;
use super::seeds::{self, ids};

const NOW: i64 = 1_795_404_000_000;

fn summary(e: &Engine) -> Vec<String> {
    e.jobs
        .values()
        .map(|j| {
            let steps: Vec<_> = j
                .steps
                .iter()
                .map(|s| (s.started_ms, s.finished_ms))
                .collect();
            format!(
                "{} {} {:?} {:?} {:?} {:?}",
                j.id, j.name, j.state, j.started_ms, j.finished_ms, steps
            )
        })
        .collect()
}

fn world(seed: u64) -> Engine {
    let mut e = Engine::new(seed, you());
    seeds::install(&mut e, NOW, 0);
    let _ = e.advance(NOW, NOW + 600_000, 100);
    e
}

#[test]
fn same_seed_same_states_other_seed_other_states() {
    let a = world(7);
    let b = world(7);
    assert_eq!(summary(&a), summary(&b));
    assert_eq!(a.runs, b.runs);
    assert_eq!(a.deployments, b.deployments);
    let c = world(8);
    assert_ne!(summary(&a), summary(&c));
}

#[test]
fn history_has_failures_and_live_runs_in_the_promised_states() {
    let mut e = Engine::new(1, you());
    seeds::install(&mut e, NOW, 0);
    let failed = e
        .jobs
        .values()
        .filter(|j| j.state == JobState::Failed)
        .count();
    assert!(failed > 0, "some history jobs failed");
    // feature-store: the newest pipeline waits at its manual, blocked production job.
    let fs = e
        .runs
        .values()
        .filter(|r| r.project == ids::FEATURE_STORE)
        .max_by_key(|r| r.id)
        .map(|r| r.id);
    let prod = e
        .current_jobs(fs.unwrap_or(0))
        .into_iter()
        .filter_map(|id| e.jobs.get(&id))
        .find(|j| j.name == "deploy:production")
        .cloned();
    assert_eq!(prod.as_ref().map(|j| j.state), Some(JobState::Manual));
    let dep = prod
        .and_then(|j| j.deployment)
        .and_then(|d| e.deployments.get(&d));
    assert_eq!(dep.map(|d| d.state), Some(super::run::DeployState::Blocked));
    // orders-api: the live run stops at staging a few seconds after start.
    let orders = e
        .runs
        .values()
        .filter(|r| r.project == ids::ORDERS_API)
        .max_by_key(|r| r.created_ms)
        .map(|r| r.id)
        .unwrap_or(0);
    let staging_state = |e: &Engine| {
        e.current_jobs(orders)
            .into_iter()
            .filter_map(|id| e.jobs.get(&id))
            .find(|j| j.name == "deploy-staging")
            .map(|j| j.state)
    };
    assert_eq!(staging_state(&e), Some(JobState::Created));
    let _ = e.advance(NOW, NOW + seeds::ORDERS_GATE_AFTER_START_MS + 1_000, 100);
    assert_eq!(staging_state(&e), Some(JobState::Waiting));
}

fn small(provider: Provider) -> Project {
    let jobs = vec![
        job(
            "lint",
            "lint",
            "test",
            vec![run("lint", &["ruff check ."], 5)],
        ),
        job("test", "test", "test", vec![run("pytest", &["pytest"], 10)]).matrix(&["3.11", "3.12"]),
        job(
            "build",
            "build",
            "build",
            vec![run("docker build", &["docker build ."], 10)],
        )
        .needs(&["lint", "test"]),
        job(
            "deploy",
            "deploy",
            "deploy",
            vec![deploy("deploy", &["kubectl apply"], 3)],
        )
        .needs(&["build"])
        .env("staging")
        .when(Cond::Branch("main".into())),
    ];
    let mut staging = environment(9, "staging", "https://s", "staging");
    staging.reviewers = vec![reviewer(&you())];
    staging.wait_timer_min = 1;
    staging.targets = vec![target("ns", "app", "repo/app")];
    Project {
        id: 42,
        provider,
        path: "o/small".into(),
        description: String::new(),
        default_branch: "main".into(),
        workflows: vec![Workflow {
            id: 5,
            name: "CI".into(),
            path: ".github/workflows/ci.yml".into(),
            jobs,
        }],
        environments: vec![staging],
        stages: Vec::new(),
        created_ms: 0,
    }
}

fn start(fail: FailPolicy) -> RunStart {
    RunStart {
        event: "push".into(),
        branch: "main".into(),
        tag: false,
        sha: "abcdef0123456789abcdef0123456789abcdef01".into(),
        title: "t".into(),
        actor: dev(),
        input_env: None,
        image_tag: "sha-abcdef0".into(),
        fail,
        script: Vec::new(),
    }
}

fn states(e: &Engine, run: u64) -> Vec<(String, JobState)> {
    e.current_jobs(run)
        .into_iter()
        .filter_map(|id| e.jobs.get(&id))
        .map(|j| (j.name.clone(), j.state))
        .collect()
}

#[test]
fn a_failed_job_skips_what_needs_it_and_a_retry_gets_a_new_id() {
    let mut e = Engine::new(3, you());
    e.projects.push(small(Provider::GitLab));
    let run = e
        .start_run(42, 5, start(FailPolicy::Job("lint".into())), 0)
        .unwrap_or(0);
    let _ = e.advance(0, 300_000, 1_000);
    let s = states(&e, run);
    assert!(s.contains(&("lint".into(), JobState::Failed)), "{s:?}");
    assert!(
        s.contains(&("test: [3.11]".into(), JobState::Success)),
        "{s:?}"
    );
    assert!(s.contains(&("build".into(), JobState::Skipped)), "{s:?}");
    assert!(s.contains(&("deploy".into(), JobState::Skipped)), "{s:?}");
    assert!(!e.is_active(run));
    let lint = e.current_jobs(run)[0];
    let new = e.retry_job(lint, 300_000).unwrap_or(0);
    assert!(new > lint);
    assert!(e.jobs.get(&lint).is_some_and(|j| j.retried));
    assert!(states(&e, run).contains(&("build".into(), JobState::Created)));
    let _ = e.advance(300_000, 600_000, 1_000);
    let s = states(&e, run);
    assert!(s.contains(&("lint".into(), JobState::Success)), "{s:?}");
    // GitLab has no reviewer gate on a non-manual job: the deploy just runs.
    assert!(s.contains(&("deploy".into(), JobState::Success)), "{s:?}");
}

#[test]
fn a_github_gate_needs_the_review_and_the_wait_timer() {
    let mut e = Engine::new(3, you());
    e.projects.push(small(Provider::GitHub));
    let run = e.start_run(42, 5, start(FailPolicy::Never), 0).unwrap_or(0);
    let mut effects = e.advance(0, 120_000, 1_000);
    assert!(states(&e, run).contains(&("deploy".into(), JobState::Waiting)));
    let waiting_since = e
        .current_jobs(run)
        .into_iter()
        .filter_map(|id| e.jobs.get(&id))
        .find(|j| j.name == "deploy")
        .and_then(|j| j.waiting_ms)
        .unwrap_or(0);
    assert_eq!(
        e.review(run, &[1], &you(), true, "ok", 120_000),
        Err(super::actions::ActionError::NotPending(vec![1]))
    );
    assert_eq!(
        e.review(run, &[9], &maria(), true, "ok", 120_000),
        Err(super::actions::ActionError::NotReviewer)
    );
    assert!(e.review(run, &[9], &you(), true, "ok", 120_000).is_ok());
    effects.extend(e.advance(120_000, waiting_since + 59_000, 1_000));
    assert!(
        states(&e, run).contains(&("deploy".into(), JobState::Waiting)),
        "the wait timer holds it"
    );
    effects.extend(e.advance(waiting_since + 59_000, waiting_since + 120_000, 1_000));
    assert!(states(&e, run).contains(&("deploy".into(), JobState::Success)));
    assert_eq!(effects.len(), 1);
    assert_eq!(effects[0].image, "repo/app:sha-abcdef0");
    assert_eq!(
        (effects[0].namespace.as_str(), effects[0].name.as_str()),
        ("ns", "app")
    );
}

#[test]
fn a_job_is_not_skipped_while_the_gate_it_needs_still_waits() {
    let mut e = Engine::new(3, you());
    let mut p = small(Provider::GitHub);
    let release_only = job(
        "production",
        "production",
        "deploy",
        vec![deploy("deploy", &["kubectl apply"], 3)],
    )
    .needs(&["deploy"])
    .when(Cond::Tag);
    p.workflows[0].jobs.push(release_only);
    e.projects.push(p);
    let run = e.start_run(42, 5, start(FailPolicy::Never), 0).unwrap_or(0);
    let _ = e.advance(0, 120_000, 1_000);
    let s = states(&e, run);
    assert!(s.contains(&("deploy".into(), JobState::Waiting)), "{s:?}");
    assert!(
        s.contains(&("production".into(), JobState::Created)),
        "its condition is decided once the gate is passed: {s:?}"
    );
    assert!(e.review(run, &[9], &you(), true, "ok", 120_000).is_ok());
    let _ = e.advance(120_000, 400_000, 1_000);
    let s = states(&e, run);
    assert!(s.contains(&("deploy".into(), JobState::Success)), "{s:?}");
    assert!(
        s.contains(&("production".into(), JobState::Skipped)),
        "{s:?}"
    );
}

#[test]
fn expansion_names_follow_each_provider() {
    let p = small(Provider::GitHub);
    let test = &p.workflows[0].jobs[1];
    assert_eq!(
        expand(test, Provider::GitHub),
        ["test (3.11)", "test (3.12)"]
    );
    assert_eq!(
        expand(test, Provider::GitLab),
        ["test: [3.11]", "test: [3.12]"]
    );
    let par = job("t", "test:unit", "test", Vec::new()).parallel(3);
    assert_eq!(
        expand(&par, Provider::GitLab),
        ["test:unit 1/3", "test:unit 2/3", "test:unit 3/3"]
    );
}

#[test]
fn logs_grow_with_time_in_each_providers_format() {
    for provider in [Provider::GitHub, Provider::GitLab] {
        let mut e = Engine::new(3, you());
        e.projects.push(small(provider));
        let run = e.start_run(42, 5, start(FailPolicy::Never), 0).unwrap_or(0);
        let _ = e.advance(0, 9_000, 500);
        let lint = e.current_jobs(run)[0];
        let Some(job) = e.jobs.get(&lint).cloned() else {
            panic!("no lint job");
        };
        let early = joblog::render(&e, &job, 9_000);
        let _ = e.advance(9_000, 60_000, 500);
        let Some(job) = e.jobs.get(&lint).cloned() else {
            panic!("no lint job");
        };
        let late = joblog::render(&e, &job, 60_000);
        assert!(late.len() > early.len());
        assert!(late.starts_with(&early) || provider == Provider::GitLab);
        match provider {
            Provider::GitHub => {
                assert!(late.contains("##[group]Run ruff check ."), "{late}");
                assert!(
                    late.lines().all(|l| l.ends_with('Z') || l.contains("Z ")),
                    "{late}"
                );
            }
            Provider::GitLab => {
                assert!(late.contains(":step_script\r\x1b[0K"), "{late}");
                assert!(late.contains("section_end:"), "{late}");
                assert!(late.contains("$ ruff check ."), "{late}");
                assert!(late.ends_with("Job succeeded\x1b[0;m\n"), "{late}");
            }
        }
    }
}
