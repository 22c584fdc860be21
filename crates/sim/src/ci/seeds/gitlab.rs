//! The two GitLab projects of the default world, after their seed documents: the BNPL
//! feature-store (test/build/deploy, production manual behind an approval) and the
//! observability-stack (quality/test matrix/build/deploy, production manual and blocking).

use super::build::*;
use crate::ci::model::{Cond, Project, Provider, Reviewer, Workflow};

/// `bnpl/feature-store`.
pub(crate) fn feature_store(created_ms: i64) -> Project {
    let stages = ["test", "build", "deploy"];
    let mut jobs = vec![
        job(
            "test:unit",
            "test:unit",
            "test",
            vec![
                run("install", &["pip install -r requirements.txt"], 18),
                run("pytest", &["pytest tests/unit/ -v --cov=src --cov-report=xml"], 42),
                run("coverage", &["coverage report --fail-under=85"], 3),
            ],
        )
        .parallel(3)
        .image("python:3.11")
        .fails(0.05),
        job(
            "lint",
            "lint",
            "test",
            vec![
                run("install", &["pip install flake8 black mypy"], 9),
                run(
                    "lint",
                    &["flake8 src/ --max-line-length=100 --ignore=E203,W503", "black --check src/", "mypy src/ --ignore-missing-imports"],
                    16,
                ),
            ],
        )
        .image("python:3.11")
        .fails(0.04),
        job(
            "security",
            "security",
            "test",
            vec![
                run("safety", &["pip install safety bandit", "safety check -r requirements.txt"], 10),
                run("bandit", &["bandit -r src/ -f json -o bandit-report.json"], 9),
            ],
        )
        .image("python:3.11"),
        job(
            "performance",
            "performance",
            "test",
            vec![
                run("install", &["pip install -r requirements.txt"], 18),
                run("seed", &["python scripts/seed_data.py --users 1000 --dry-run"], 8),
                run("perf", &["pytest tests/integration/test_performance.py -v", "python tests/benchmarks/rest_vs_grpc.py"], 45),
            ],
        )
        .image("python:3.11")
        .fails(0.05),
        job(
            "build",
            "build",
            "build",
            vec![
                run("login", &["echo $GCP_SERVICE_ACCOUNT_KEY | base64 -d | docker login -u _json_key --password-stdin gcr.io"], 3),
                run("docker build", &["docker build -t $DOCKER_REGISTRY/$DOCKER_IMAGE_NAME:$CI_COMMIT_SHA -f deployment/gcp/Dockerfile.gcp ."], 75),
                run("docker push", &["docker push $DOCKER_REGISTRY/$DOCKER_IMAGE_NAME:$CI_COMMIT_SHA"], 18),
            ],
        )
        .image("docker:20.10.16"),
        job(
            "container_scan",
            "container_scan",
            "build",
            vec![run("trivy", &["aquasec/trivy image --format json --output container-scan.json $DOCKER_REGISTRY/$DOCKER_IMAGE_NAME:$CI_COMMIT_SHA"], 30)],
        )
        .image("docker:20.10.16"),
        job(
            "deploy:staging",
            "deploy:staging",
            "deploy",
            vec![
                run("auth", &["gcloud auth activate-service-account --key-file /tmp/gcp-key.json"], 5),
                deploy("gcloud run deploy", &["gcloud run deploy feature-store-staging --image $DOCKER_REGISTRY/$DOCKER_IMAGE_NAME:$CI_COMMIT_SHA --region $GCP_REGION"], 38),
            ],
        )
        .needs(&["build", "container_scan"])
        .env("staging")
        .image("google/cloud-sdk:alpine"),
        job(
            "test:staging",
            "test:staging",
            "deploy",
            vec![
                run("integration", &["python tests/integration/test_staging_deployment.py"], 28),
                run("load", &["python tests/benchmarks/load_test_staging.py"], 40),
            ],
        )
        .needs(&["deploy:staging"])
        .image("python:3.11"),
        job(
            "deploy:production",
            "deploy:production",
            "deploy",
            vec![
                run("auth", &["gcloud auth activate-service-account --key-file /tmp/gcp-key.json"], 5),
                deploy("canary", &["kubectl argo rollouts set image feature-store feature-store=$DOCKER_REGISTRY/$DOCKER_IMAGE_NAME:$CI_SHORT_SHA -n bnpl"], 6),
                run("watch", &["kubectl argo rollouts status feature-store -n bnpl --timeout 600s"], 40),
            ],
        )
        .needs(&["test:staging"])
        .env("production")
        .manual(false)
        .when(Cond::Branch("main".into()))
        .image("google/cloud-sdk:alpine"),
    ];
    stage_needs(&stages, &mut jobs);
    let staging = environment(
        71,
        "staging",
        "https://feature-store-staging-xyz.run.app",
        "staging",
    );
    let mut production = environment(
        72,
        "production",
        "https://feature-store-prod-xyz.run.app",
        "production",
    );
    // One rule: either release manager's approval unblocks the deploy.
    production.reviewers = vec![release_managers()];
    production.targets = vec![target(
        "bnpl",
        "feature-store",
        "gcr.io/feature-store-prod/feature-store",
    )];
    Project {
        id: 4211,
        provider: Provider::GitLab,
        path: "bnpl/feature-store".into(),
        description: "BNPL Feature Store".into(),
        default_branch: "main".into(),
        workflows: vec![Workflow {
            id: 1,
            name: "feature-store".into(),
            path: ".gitlab-ci.yml".into(),
            jobs,
        }],
        environments: vec![staging, production],
        stages: stages.iter().map(|s| s.to_string()).collect(),
        created_ms,
    }
}

/// `acme/observability-stack`.
pub(crate) fn observability(created_ms: i64) -> Project {
    let stages = ["quality", "test", "build", "deploy"];
    let mut jobs = vec![
        job(
            "code-quality",
            "code-quality",
            "quality",
            vec![
                run("install", &["pip install ruff pytest bandit safety"], 14),
                run("ruff", &["ruff check src/", "ruff format --check src/"], 4),
                run("bandit", &["bandit -r src/ -f json -o bandit-report.json"], 8),
                run("safety", &["safety check --json --output safety-report.json"], 6),
            ],
        )
        .image("python:3.11-slim")
        .fails(0.03),
        job(
            "test",
            "test",
            "test",
            vec![
                run("services", &["docker-compose -f docker-compose.test.yml up -d kafka zookeeper loki prometheus", "sleep 30", "./scripts/wait-for-services.sh"], 45),
                run("unit", &["pytest tests/unit/ -v --cov=src --cov-report=xml --junit-xml=test-results.xml"], 35),
                run("integration", &["pytest tests/integration/ -v", "python test-stack.py"], 40),
            ],
        )
        .matrix(&["3.9", "3.10", "3.11"])
        .image("python:3.11-slim")
        .fails(0.06),
        job(
            "build-images",
            "build-images",
            "build",
            vec![
                run("hadolint", &["docker run --rm -i hadolint/hadolint < src/producer/Dockerfile"], 5),
                run("docker build", &["docker build -t $CI_REGISTRY_IMAGE/producer:$CI_COMMIT_SHA -f src/producer/Dockerfile .", "docker build -t $CI_REGISTRY_IMAGE/consumer:$CI_COMMIT_SHA -f src/consumer/Dockerfile ."], 90),
                run("trivy", &["trivy image --exit-code 1 --severity CRITICAL $CI_REGISTRY_IMAGE/producer:$CI_COMMIT_SHA"], 25),
                run("docker push", &["docker push $CI_REGISTRY_IMAGE/producer:$CI_COMMIT_SHA", "docker push $CI_REGISTRY_IMAGE/consumer:$CI_COMMIT_SHA"], 15),
            ],
        )
        .image("docker:20.10.16"),
        job(
            "deploy-staging",
            "deploy-staging",
            "deploy",
            vec![
                deploy("compose", &["envsubst < docker-compose.staging.yml > docker-compose.deploy.yml", "docker-compose -f docker-compose.deploy.yml up -d"], 20),
                run("smoke", &["./scripts/smoke-tests.sh staging"], 12),
                run("e2e", &["pytest tests/e2e/ --env=staging"], 30),
            ],
        )
        .env("staging")
        .when(Cond::Branch("develop".into()))
        .image("docker:20.10.16"),
        job(
            "deploy-production",
            "deploy-production",
            "deploy",
            vec![
                deploy("blue-green", &["./scripts/blue-green-deploy.sh $CI_COMMIT_SHA"], 25),
                run("health", &["./scripts/health-check.sh production"], 10),
                run("smoke", &["./scripts/smoke-tests.sh production"], 14),
            ],
        )
        .needs(&["build-images"])
        .env("production")
        .manual(true)
        .when(Cond::Branch("main".into()))
        .image("docker:20.10.16"),
    ];
    stage_needs(&stages, &mut jobs);
    let staging = environment(
        88,
        "staging",
        "https://staging.observability.company.com",
        "staging",
    );
    let mut production = environment(
        89,
        "production",
        "https://observability.company.com",
        "production",
    );
    production.targets = vec![
        target(
            "observability",
            "producer",
            "registry.gitlab.com/acme/observability-stack/producer",
        ),
        target(
            "observability",
            "consumer",
            "registry.gitlab.com/acme/observability-stack/consumer",
        ),
    ];
    // Rules that name who may deploy but ask for no approval: the job stays a plain manual one.
    production.reviewers = [you(), dev()]
        .iter()
        .map(|u| Reviewer {
            required_approvals: 0,
            ..reviewer(u)
        })
        .collect();
    Project {
        id: 4377,
        provider: Provider::GitLab,
        path: "acme/observability-stack".into(),
        description: "Observability stack: producer, consumer, Kafka, Loki, Prometheus".into(),
        default_branch: "main".into(),
        workflows: vec![Workflow {
            id: 1,
            name: "observability-stack".into(),
            path: ".gitlab-ci.yml".into(),
            jobs,
        }],
        environments: vec![staging, production],
        stages: stages.iter().map(|s| s.to_string()).collect(),
        created_ms,
    }
}
