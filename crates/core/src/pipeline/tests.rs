//! Statuses, job families, run names, run matching and the rate-limit label.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

fn run(id: u64, sha: &str, branch: &str, created_ms: i64) -> Pipeline {
    Pipeline {
        provider: Provider::GitHub,
        project: "acme/orders-api".into(),
        id,
        number: id,
        attempt: 1,
        name: "CI/CD".into(),
        workflow: None,
        title: String::new(),
        status: CiStatus::Success,
        provider_status: "completed/success".into(),
        event: "push".into(),
        branch: branch.into(),
        sha: sha.into(),
        actor: "sam".into(),
        created_ms: Some(created_ms),
        started_ms: None,
        finished_ms: None,
        web_url: String::new(),
        stages: Vec::new(),
    }
}

#[test]
fn unknown_words_survive_and_the_most_urgent_status_sums_a_group() {
    assert_eq!(CiStatus::Unknown("exploded".into()).word(), "exploded");
    assert_eq!(CiStatus::Unknown("exploded".into()).symbol(), "?");
    assert!(CiStatus::Manual.is_active());
    assert!(!CiStatus::Unknown("x".into()).is_active());
    assert!(!CiStatus::Unknown("x".into()).is_finished());
    assert_eq!(
        CiStatus::summarise(&[CiStatus::Success, CiStatus::Failed, CiStatus::Running]),
        CiStatus::Failed
    );
    assert_eq!(CiStatus::summarise(&[]), CiStatus::Skipped);
}

#[test]
fn an_allowed_failure_fails_no_stage_and_hides_no_running_job() {
    use crate::sample_ci::job;
    let mut lint = job(1, "lint", "test", CiStatus::Failed, Some(3), Some(20));
    lint.allow_failure = true;
    let running = job(2, "unit", "test", CiStatus::Running, Some(2), None);
    let passed = job(3, "unit", "test", CiStatus::Success, Some(2), Some(60));
    let stage = Stage::new("test".into(), vec![lint.clone(), running]);
    assert_eq!(stage.status, CiStatus::Running);
    let stage = Stage::new("test".into(), vec![lint.clone(), passed.clone()]);
    assert_eq!(stage.status, CiStatus::Success);
    // A failure that is not allowed still fails the stage.
    lint.allow_failure = false;
    let stage = Stage::new("test".into(), vec![lint, passed]);
    assert_eq!(stage.status, CiStatus::Failed);
}

#[test]
fn a_run_is_named_by_workflow_number_title_and_branch() {
    let mut r = run(57, "f03c8b1", "main", 0);
    r.title = "Add idempotency keys".into();
    assert_eq!(r.headline(), "CI/CD #57 \"Add idempotency keys\" on main");
    assert_eq!(r.project_name(), "orders-api");
    r.name.clear();
    r.title.clear();
    assert_eq!(r.headline(), "Pipeline #57 on main");
}

#[test]
fn matrix_and_parallel_families() {
    assert_eq!(job_group("test 1/3").as_deref(), Some("test"));
    assert_eq!(job_group("rspec unit 12/20").as_deref(), Some("rspec unit"));
    assert_eq!(
        job_group("build (ubuntu-latest, 20)").as_deref(),
        Some("build")
    );
    assert_eq!(
        job_group("deploy: [staging, eu]").as_deref(),
        Some("deploy")
    );
    assert_eq!(job_group("deploy:production"), None);
    assert_eq!(job_group("test a/b"), None);
    assert_eq!(job_group("(weird)"), None);
}

#[test]
fn images_parse_without_mistaking_a_registry_port_for_a_tag() {
    let i = ImageRef::parse("registry.local:5000/acme/orders-api:sha-f03c8b1");
    assert_eq!(i.repository, "registry.local:5000/acme/orders-api");
    assert_eq!(i.tag.as_deref(), Some("sha-f03c8b1"));
    assert_eq!(i.commit().as_deref(), Some("f03c8b1"));
    let d = ImageRef::parse("registry.local:5000/acme/orders-api@sha256:abc");
    assert_eq!((d.tag, d.digest.as_deref()), (None, Some("sha256:abc")));
    assert_eq!(ImageRef::parse("x/y:v1.4.0").commit(), None);
    assert_eq!(
        ImageRef::parse("x/y:20241122").commit(),
        None,
        "digits only: a date or build number"
    );
}

#[test]
fn a_release_links_to_the_newest_run_of_its_commit_or_version() {
    let runs = vec![
        run(3, "7c3d2a9e41b0f5a6c8d7e9f0a1b2c3d4e5f6a7b8", "main", 3_000),
        run(2, "f03c8b1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b", "main", 2_000),
        run(1, "f03c8b1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b", "main", 2_500),
        run(
            0,
            "0123456789abcdef0123456789abcdef01234567",
            "v1.4.0",
            1_000,
        ),
    ];
    assert_eq!(
        match_run(&runs, "ghcr.io/acme/orders-api:sha-f03c8b1"),
        RunMatch::Matched(2)
    );
    assert_eq!(
        match_run(&runs, "ghcr.io/acme/orders-api:7C3D2A9E41"),
        RunMatch::Matched(0)
    );
    assert_eq!(
        match_run(&runs, "ghcr.io/acme/orders-api:1.4.0"),
        RunMatch::Matched(3)
    );
    assert_eq!(
        match_run(&runs, "ghcr.io/acme/orders-api:v1.4.0"),
        RunMatch::Matched(3)
    );
    assert_eq!(
        match_run(&runs, "ghcr.io/acme/orders-api:sha-deadbee"),
        RunMatch::NoMatch {
            reason: "no run built commit deadbee (tag sha-deadbee) among the 4 runs fetched".into()
        }
    );
    assert_eq!(
        match_run(&runs, "ghcr.io/acme/orders-api:2.0.0"),
        RunMatch::NoMatch {
            reason: "tag 2.0.0 is not a commit SHA, and none of the 4 runs fetched ran on a ref named 2.0.0 or v2.0.0".into()
        }
    );
    assert_eq!(
        match_run(&runs, "ghcr.io/acme/orders-api"),
        RunMatch::NoMatch {
            reason: "ghcr.io/acme/orders-api has no tag (the cluster pulls :latest), which names no commit".into()
        }
    );
    assert!(matches!(
        match_run(&runs, "ghcr.io/acme/orders-api@sha256:0f0f"),
        RunMatch::NoMatch { reason } if reason.contains("pinned by digest")
    ));
    assert_eq!(
        match_run(&[], "x:sha-f03c8b1"),
        RunMatch::NoMatch {
            reason: "no run built commit f03c8b1 (tag sha-f03c8b1) among the 0 runs fetched".into()
        }
    );
}

#[test]
fn the_budget_label_says_when_polling_is_paused() {
    let s = RateLimitState {
        remaining: Some(4_873),
        limit: Some(5_000),
        reset_ms: Some(3_600_000),
        paused_until_ms: None,
    };
    assert_eq!(s.label(0), "97%");
    let low = RateLimitState {
        remaining: Some(500),
        ..s.clone()
    };
    assert_eq!(
        low.label(0),
        "500/5000",
        "exact once a tenth or less is left"
    );
    let paused = RateLimitState {
        remaining: Some(0),
        paused_until_ms: Some(700_000),
        ..s
    };
    assert_eq!(paused.label(0), "paused 12m: rate limit");
    assert_eq!(paused.label(690_000), "paused 10s: rate limit");
    assert_eq!(paused.label(700_000), "0/5000");
    assert_eq!(RateLimitState::default().label(0), "budget unknown");
}
