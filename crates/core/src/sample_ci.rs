//! Fixed CI states for tests and snapshots: a GitHub run waiting at its staging environment
//! (matrix jobs, a skipped production deploy), a GitLab pipeline with running, failed, queued
//! and manual jobs and a blocked production deployment, and the gates they raise.

use super::cluster::Object;
use super::gate::{Gate, GateId, GateKind};
use super::pipeline::{
    CiSource, CiStatus, CiUpdate, Job, Pipeline, Provider, RateLimitState, Stage, job_group,
};
use super::sample::{NOW_MS, ago};
use super::{Model, Msg, update};
use crate::link::CiWatch;
use crate::link::{CiLink, GITHUB_ANNOTATION, GITLAB_ANNOTATION, WORKFLOWS_ANNOTATION};

/// A job `mins_ago` minutes old, `took` seconds long when finished (`None`: still going).
pub fn job(
    id: u64,
    name: &str,
    stage: &str,
    status: CiStatus,
    started_mins_ago: Option<i64>,
    took_s: Option<i64>,
) -> Job {
    let started = started_mins_ago.map(ago);
    Job {
        id,
        name: name.to_string(),
        stage: stage.to_string(),
        provider_status: status.word().to_string(),
        status,
        created_ms: Some(ago(30)),
        started_ms: started,
        finished_ms: started.zip(took_s).map(|(s, t)| s + t * 1000),
        steps: Vec::new(),
        group: job_group(name),
        allow_failure: false,
        failure_reason: None,
        web_url: format!("https://ci.example.com/jobs/{id}"),
    }
}

fn run(
    provider: Provider,
    project: &str,
    id: u64,
    number: u64,
    sha: &str,
    status: CiStatus,
    stages: Vec<Stage>,
) -> Pipeline {
    Pipeline {
        provider,
        project: project.to_string(),
        id,
        number,
        attempt: 1,
        name: if provider == Provider::GitHub {
            "CI/CD".into()
        } else {
            String::new()
        },
        workflow: (provider == Provider::GitHub).then(|| ".github/workflows/ci-cd.yml".into()),
        title: "Add idempotency keys to order creation".into(),
        provider_status: status.word().to_string(),
        status,
        event: "push".into(),
        branch: "main".into(),
        sha: sha.to_string(),
        actor: "dev.patel".into(),
        created_ms: Some(ago(12)),
        started_ms: Some(ago(12)),
        finished_ms: None,
        web_url: format!("https://ci.example.com/{project}/runs/{id}"),
        stages,
    }
}

/// orders-api run #121 waiting at `staging`: a matrix of tests, a skipped production deploy.
pub fn github_waiting_run() -> Pipeline {
    let build = vec![
        job(11, "lint", "", CiStatus::Success, Some(12), Some(31)),
        job(
            12,
            "test (node 18)",
            "",
            CiStatus::Success,
            Some(12),
            Some(95),
        ),
        job(
            13,
            "test (node 20)",
            "",
            CiStatus::Success,
            Some(12),
            Some(102),
        ),
    ];
    let image = vec![job(14, "docker", "", CiStatus::Success, Some(9), Some(140))];
    let staging = vec![job(15, "deploy-staging", "", CiStatus::Waiting, None, None)];
    let production = vec![job(
        16,
        "deploy-production",
        "",
        CiStatus::Skipped,
        None,
        None,
    )];
    run(
        Provider::GitHub,
        "acme/orders-api",
        9001,
        121,
        "f03c8b1d2e4a5b6c7d8e9f00112233445566778",
        CiStatus::Waiting,
        vec![
            Stage::new("lint, test".into(), build),
            Stage::new("docker".into(), image),
            Stage::new("deploy-staging".into(), staging),
            Stage::new("deploy-production".into(), production),
        ],
    )
}

/// An older finished orders-api run that failed in its tests.
pub fn github_failed_run() -> Pipeline {
    let mut failed = job(
        22,
        "test (node 20)",
        "",
        CiStatus::Failed,
        Some(300),
        Some(80),
    );
    failed.failure_reason = Some("exit code 1".into());
    let mut r = run(
        Provider::GitHub,
        "acme/orders-api",
        9000,
        120,
        "77e0f12aa0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5",
        CiStatus::Failed,
        vec![Stage::new(
            "lint, test".into(),
            vec![
                job(21, "lint", "", CiStatus::Success, Some(300), Some(30)),
                failed,
            ],
        )],
    );
    r.created_ms = Some(ago(300));
    r.started_ms = Some(ago(300));
    r.finished_ms = Some(ago(298));
    r.title = "Retry payment webhooks".into();
    r.actor = "sam.okafor".into();
    r
}

/// feature-store pipeline #37: parallel unit tests (one running, one failed), a queued build,
/// a skipped staging deploy and a manual production deploy.
pub fn gitlab_running_pipeline() -> Pipeline {
    let mut failed = job(
        303,
        "test:unit 3/3",
        "test",
        CiStatus::Failed,
        Some(6),
        Some(64),
    );
    failed.allow_failure = true;
    failed.failure_reason = Some("script_failure".into());
    let mut manual = job(
        307,
        "deploy:production",
        "deploy",
        CiStatus::Manual,
        None,
        None,
    );
    manual.created_ms = Some(ago(5));
    run(
        Provider::GitLab,
        "bnpl/feature-store",
        5037,
        37,
        "7c3d2a9e41b0c8d7f6e5a4b3c2d1e0f9a8b7c6d5",
        CiStatus::Running,
        vec![
            Stage::new(
                "test".into(),
                vec![
                    job(
                        301,
                        "test:unit 1/3",
                        "test",
                        CiStatus::Success,
                        Some(6),
                        Some(78),
                    ),
                    job(
                        302,
                        "test:unit 2/3",
                        "test",
                        CiStatus::Running,
                        Some(6),
                        None,
                    ),
                    failed,
                    job(304, "lint", "test", CiStatus::Success, Some(6), Some(31)),
                ],
            ),
            Stage::new(
                "build".into(),
                vec![job(305, "build", "build", CiStatus::Queued, None, None)],
            ),
            Stage::new(
                "deploy".into(),
                vec![
                    job(
                        306,
                        "deploy:staging",
                        "deploy",
                        CiStatus::Skipped,
                        None,
                        None,
                    ),
                    manual,
                ],
            ),
        ],
    )
}

/// The gate of the waiting GitHub run, as the GitHub integration derives it from the run and
/// its pending deployment to `staging` (its tests hold the two equal).
pub fn github_gate(release: &str) -> Vec<Gate> {
    let run = github_waiting_run();
    vec![Gate {
        id: GateId {
            provider: Provider::GitHub,
            project: run.project.clone(),
            kind: GateKind::GithubPendingDeployment {
                run_id: run.id,
                environment_id: 77,
                environment: "staging".into(),
            },
        },
        release: Some(release.to_string()),
        pipeline_id: run.id,
        what: run.headline(),
        where_: "staging".into(),
        sha: run.sha.clone(),
        waiting_since_ms: Some(ago(30)),
        who_may_approve: vec!["alex.morgan".into(), "team:release-managers".into()],
        you_may_approve: Some(true),
        approvals: None,
        approving_will: "deploy orders-api@f03c8b1 to staging: starts job 'deploy-staging'".into(),
        web_url: run.web_url,
    }]
}

/// The gates of the GitLab pipeline: its manual production job, blocked on one approval (as
/// the GitLab integration derives them; its tests hold the two equal).
pub fn gitlab_gate(release: &str) -> Vec<Gate> {
    let pipeline = gitlab_running_pipeline();
    vec![Gate {
        id: GateId {
            provider: Provider::GitLab,
            project: pipeline.project.clone(),
            kind: GateKind::GitlabBlockedDeployment {
                deployment_id: 88,
                job_id: 307,
            },
        },
        release: Some(release.to_string()),
        pipeline_id: pipeline.id,
        what: pipeline.headline(),
        where_: "production".into(),
        sha: pipeline.sha.clone(),
        // When the test stage's last job finished.
        waiting_since_ms: Some(ago(6) + 78_000),
        who_may_approve: vec!["alex.morgan".into(), "maria.chen".into()],
        you_may_approve: Some(true),
        approvals: Some((0, 1)),
        approving_will: "approve the deployment of feature-store@7c3d2a9 to production (1 of 1 approvals); then starts job 'deploy:production'".into(),
        web_url: "https://ci.example.com/jobs/307".into(),
    }]
}

/// The source of a link.
pub fn source(provider: Provider, project: &str) -> CiSource {
    CiSource {
        provider,
        project: project.to_string(),
    }
}

/// Watches for the showcase's orders-api (GitHub) and feature-store (GitLab).
pub fn watches() -> Vec<CiWatch> {
    vec![
        CiWatch {
            release: "bnpl/feature-store".into(),
            link: CiLink::GitLab {
                project: "bnpl/feature-store".into(),
            },
        },
        CiWatch {
            release: "orders/orders-api".into(),
            link: CiLink::GitHub {
                repo: "acme/orders-api".into(),
                workflows: vec!["ci-cd.yml".into()],
            },
        },
    ]
}

/// What the pollers would report for [`watches`].
pub fn updates() -> Vec<CiUpdate> {
    let gh = source(Provider::GitHub, "acme/orders-api");
    let gl = source(Provider::GitLab, "bnpl/feature-store");
    vec![
        CiUpdate::Pipelines {
            release: "orders/orders-api".into(),
            source: gh.clone(),
            runs: vec![github_waiting_run(), github_failed_run()],
        },
        CiUpdate::Gates {
            release: "orders/orders-api".into(),
            source: gh,
            gates: github_gate("orders/orders-api"),
        },
        CiUpdate::Pipelines {
            release: "bnpl/feature-store".into(),
            source: gl.clone(),
            runs: vec![gitlab_running_pipeline()],
        },
        CiUpdate::Gates {
            release: "bnpl/feature-store".into(),
            source: gl,
            gates: gitlab_gate("bnpl/feature-store"),
        },
        CiUpdate::RateLimit {
            provider: Provider::GitHub,
            state: RateLimitState {
                remaining: Some(4873),
                limit: Some(5000),
                reset_ms: Some(ago(-30)),
                paused_until_ms: None,
            },
        },
    ]
}

/// The showcase objects with orders-api (GitHub, image tagged with the waiting run's commit)
/// and feature-store (GitLab) linked to CI by annotations.
pub fn ci_objects() -> Vec<Object> {
    let mut objects = super::sample::showcase_objects();
    for o in &mut objects {
        match o {
            Object::Rollout(r) if r.key.name == "orders-api" => {
                r.image = "ghcr.io/acme/orders-api:sha-f03c8b1".into();
                r.annotations
                    .insert(GITHUB_ANNOTATION.into(), "acme/orders-api".into());
                r.annotations
                    .insert(WORKFLOWS_ANNOTATION.into(), "ci-cd.yml".into());
            }
            Object::Deployment(d) if d.key.name == "feature-store" => {
                d.annotations
                    .insert(GITLAB_ANNOTATION.into(), "bnpl/feature-store".into());
            }
            _ => {}
        }
    }
    objects
}

/// A `width`×`height` model of [`ci_objects`] after the pollers reported [`updates`], with the
/// CI clock at the showcase's now.
pub fn ci_model(width: u16, height: u16) -> Model {
    let (mut model, _) = super::sample::model_with(ci_objects(), width, height);
    for u in updates() {
        update(&mut model, Msg::Ci(u));
    }
    update(&mut model, Msg::CiClock { now_ms: NOW_MS });
    model
}
