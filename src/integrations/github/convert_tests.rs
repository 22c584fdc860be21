//! Conversion of real-shaped GitHub payloads (tests/fixtures/github), unknown values included.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::integrations::github::gates::of_run as github_gates;
use quarterdeck_core::gate::GateKind;

const RUNS: &str = include_str!("../../../tests/fixtures/github/runs.json");
const JOBS: &str = include_str!("../../../tests/fixtures/github/jobs.json");
const WAITING_JOBS: &str = include_str!("../../../tests/fixtures/github/jobs_waiting.json");
const PENDING: &str = include_str!("../../../tests/fixtures/github/pending_deployments.json");

fn runs() -> Vec<Pipeline> {
    let page: RunsPage = serde_json::from_str(RUNS).unwrap();
    assert_eq!(page.workflow_runs.len(), 4);
    page.workflow_runs
        .iter()
        .map(|r| run(r, "acme/orders-api"))
        .collect()
}

#[test]
fn runs_keep_the_provider_words_and_unknown_values_do_not_crash() {
    let runs = runs();
    let summary: Vec<(CiStatus, &str)> = runs
        .iter()
        .map(|r| (r.status.clone(), r.provider_status.as_str()))
        .collect();
    assert_eq!(
        summary,
        vec![
            (CiStatus::Running, "in_progress"),
            (CiStatus::Waiting, "waiting"),
            (CiStatus::Failed, "completed/failure"),
            (CiStatus::Unknown("frobnicating".into()), "frobnicating"),
        ]
    );
    let waiting = &runs[1];
    assert_eq!((waiting.number, waiting.attempt), (561, 2));
    assert_eq!(
        waiting.actor, "maria-lopez",
        "the re-run's triggering actor"
    );
    assert_eq!(
        waiting.workflow.as_deref(),
        Some(".github/workflows/ci.yml")
    );
    assert_eq!(waiting.created_ms, Some(1_795_316_400_000));
    assert_eq!(waiting.finished_ms, None);
    let failed = &runs[2];
    assert_eq!(failed.finished_ms, Some(1_795_298_790_000));
    assert_eq!(
        (failed.branch.as_str(), failed.event.as_str()),
        ("feature/ORD-412", "pull_request")
    );
    assert_eq!(runs[3].actor, "");
    assert_eq!(runs[3].started_ms, None);
}

#[test]
fn jobs_fall_into_columns_by_timing_and_matrix_family() {
    let page: JobsPage = serde_json::from_str(JOBS).unwrap();
    let stages = columns(&page.jobs);
    let shape: Vec<(&str, Vec<&str>)> = stages
        .iter()
        .map(|s| {
            (
                s.name.as_str(),
                s.jobs.iter().map(|j| j.name.as_str()).collect(),
            )
        })
        .collect();
    assert_eq!(
        shape,
        vec![
            (
                "test, quality",
                vec![
                    "test (ubuntu-latest, 3.11)",
                    "quality",
                    "test (ubuntu-latest, 3.12)"
                ]
            ),
            ("build, security", vec!["build", "security"]),
        ]
    );
    assert_eq!(stages[0].status, CiStatus::Success);
    assert_eq!(stages[1].status, CiStatus::Running);
    let build = &stages[1].jobs[0];
    assert_eq!(build.stage, "build, security");
    let steps: Vec<(&str, CiStatus)> = build
        .steps
        .iter()
        .map(|s| (s.name.as_str(), s.status.clone()))
        .collect();
    assert_eq!(
        steps,
        vec![
            ("Set up job", CiStatus::Success),
            ("Build and push", CiStatus::Running),
            ("Post Build and push", CiStatus::Queued),
            ("Odd step", CiStatus::Unknown("teleporting".into())),
        ]
    );
    assert_eq!(stages[0].jobs[0].group.as_deref(), Some("test"));
    assert_eq!(stages[1].jobs[1].status, CiStatus::Skipped);
}

#[test]
fn pending_deployments_become_gates_that_say_what_approving_does() {
    let raw: Vec<RawPending> = serde_json::from_str(PENDING).unwrap();
    let pending = pending(&raw);
    assert_eq!(
        pending[0].reviewers,
        vec![
            "maria-lopez".to_string(),
            "team:release-captains".to_string()
        ]
    );
    let mut run = runs().remove(1);
    let page: JobsPage = serde_json::from_str(WAITING_JOBS).unwrap();
    run.stages = columns(&page.jobs);
    let gates = github_gates(&run, &pending, Some("orders-api"));
    assert_eq!(gates.len(), 2);
    let g = &gates[0];
    assert_eq!(
        g.id.kind,
        GateKind::GithubPendingDeployment {
            run_id: 30_433_600,
            environment_id: 5_100_002,
            environment: "staging".into()
        }
    );
    assert_eq!(
        g.approving_will,
        "deploy orders-api@f03c8b1 to staging: starts job 'deploy-staging'"
    );
    assert_eq!(
        g.what,
        "CI/CD #561 \"Return 409 on duplicate order ids\" on main"
    );
    assert_eq!(g.you_may_approve, Some(true));
    assert_eq!(g.waiting_since_ms, Some(1_795_317_570_000));
    assert_eq!(g.release.as_deref(), Some("orders-api"));
    let timer = &gates[1];
    assert_eq!(
        timer.who_may_approve,
        vec!["nobody: a 30 min wait timer".to_string()]
    );
    assert_eq!(timer.you_may_approve, Some(false));
    assert_eq!(
        timer.waiting_since_ms,
        Some(1_795_316_975_000),
        "the waiting job's creation"
    );
}

#[test]
fn github_statuses_normalise_and_unknown_words_survive() {
    let cases = [
        ("queued", None, CiStatus::Queued),
        ("requested", None, CiStatus::Queued),
        ("pending", None, CiStatus::Queued),
        ("in_progress", None, CiStatus::Running),
        ("waiting", None, CiStatus::Waiting),
        ("completed", Some("success"), CiStatus::Success),
        ("completed", Some("neutral"), CiStatus::Success),
        ("completed", Some("failure"), CiStatus::Failed),
        ("completed", Some("timed_out"), CiStatus::Failed),
        ("completed", Some("startup_failure"), CiStatus::Failed),
        ("completed", Some("cancelled"), CiStatus::Cancelled),
        ("completed", Some("stale"), CiStatus::Cancelled),
        ("completed", Some("skipped"), CiStatus::Skipped),
        ("completed", Some("action_required"), CiStatus::Waiting),
        (
            "completed",
            Some("exploded"),
            CiStatus::Unknown("exploded".into()),
        ),
        ("completed", None, CiStatus::Unknown("completed".into())),
        ("", None, CiStatus::Unknown(String::new())),
    ];
    for (status, conclusion, want) in cases {
        assert_eq!(
            super::status(status, conclusion),
            want,
            "{status}/{conclusion:?}"
        );
    }
}

#[test]
fn check_runs_move_the_jobs_they_name_and_keep_their_steps() {
    let page: JobsPage = serde_json::from_str(JOBS).unwrap();
    let stages = columns(&page.jobs);
    let check = |j: &RawJob| RawCheckRun {
        id: j.id,
        status: j.status.clone(),
        conclusion: j.conclusion.clone(),
        started_at: j.started_at.clone(),
        completed_at: j.completed_at.clone(),
    };
    let same: Vec<RawCheckRun> = page.jobs.iter().map(check).collect();
    assert_eq!(with_checks(&stages, &same), Some(stages.clone()));

    // `build` finished: its state and time change, its steps stay as last read.
    let mut done = same.clone();
    let build = done.iter_mut().find(|c| c.id == 399_444_510).unwrap();
    build.status = Some("completed".into());
    build.conclusion = Some("failure".into());
    build.completed_at = Some("2026-11-22T03:19:30Z".into());
    let moved = with_checks(&stages, &done).unwrap();
    let job = |stages: &[Stage]| {
        stages
            .iter()
            .flat_map(|s| s.jobs.clone())
            .find(|j| j.name == "build")
            .unwrap()
    };
    let (before, after) = (job(&stages), job(&moved));
    assert_eq!(
        (after.status.clone(), after.provider_status.as_str()),
        (CiStatus::Failed, "completed/failure")
    );
    assert_eq!(after.finished_ms, time_ms(Some("2026-11-22T03:19:30Z")));
    assert_eq!(after.steps, before.steps);

    // A job the jobs did not have, or one missing: the jobs are read whole.
    let mut added = same.clone();
    added.push(RawCheckRun {
        id: 1,
        ..same[0].clone()
    });
    assert_eq!(with_checks(&stages, &added), None);
    assert_eq!(with_checks(&stages, &same[1..]), None);
    assert_eq!(with_checks(&[], &[]), None);
}
