//! The three GitHub Actions repositories of the default world, after their seed documents:
//! orders-api (trunk-based, gated staging and production), order-generation (`ci.yml` and a
//! dispatched `deploy.yml`) and customer-intelligence (CI/CD plus scheduled training and drift).

use super::build::*;
use crate::ci::model::{Cond, Environment, Project, Provider, Workflow};

/// `acme/orders-api`.
pub(crate) fn orders_api(created_ms: i64) -> Project {
    let quality = job(
        "quality",
        "quality",
        "quality",
        vec![
            checkout(),
            uses("Set up Python", "actions/setup-python@v4", 4),
            run(
                "Install dependencies",
                &[
                    "pip install ruff black mypy pytest pytest-cov",
                    "pip install -r requirements.txt",
                ],
                14,
            ),
            run("Lint with ruff", &["ruff check ."], 3),
            run("Format check with black", &["black --check ."], 2),
            run("Type check with mypy", &["mypy app/"], 8),
        ],
    )
    .fails(0.04);
    let unit = job(
        "test-unit",
        "test-unit",
        "test",
        vec![
            checkout(),
            run(
                "Run unit tests",
                &["pytest tests/unit --cov=app --cov-report=xml --cov-report=html"],
                38,
            ),
            uses("Upload coverage", "codecov/codecov-action@v3", 3),
        ],
    )
    .fails(0.08);
    let integration = job(
        "test-integration",
        "test-integration",
        "test",
        vec![
            checkout(),
            run("Run integration tests", &["pytest tests/integration"], 55),
        ],
    )
    .fails(0.06);
    let contracts = job(
        "test-contracts",
        "test-contracts",
        "test",
        vec![
            checkout(),
            run(
                "Validate event schemas",
                &["python scripts/validate_event_schemas.py"],
                4,
            ),
            run("Run contract tests", &["pytest tests/contracts"], 12),
        ],
    )
    .fails(0.03);
    let security = job(
        "security",
        "security",
        "security",
        vec![
            checkout(),
            uses(
                "Run Trivy vulnerability scanner",
                "aquasecurity/trivy-action@master",
                20,
            ),
            uses(
                "Upload to GitHub Security",
                "github/codeql-action/upload-sarif@v2",
                3,
            ),
            uses("Check for secrets", "trufflesecurity/trufflehog@main", 9),
        ],
    )
    .fails(0.02);
    let build = job(
        "build",
        "build",
        "build",
        vec![
            checkout(),
            uses("Set up Docker Buildx", "docker/setup-buildx-action@v3", 3),
            uses("Login to Container Registry", "docker/login-action@v3", 2),
            uses("Build and push", "docker/build-push-action@v5", 70),
        ],
    )
    .needs(&[
        "quality",
        "test-unit",
        "test-integration",
        "test-contracts",
        "security",
    ])
    .when(Cond::BranchOrTag("main".into()));
    let deploy_dev = job(
        "deploy-dev",
        "deploy-dev",
        "deploy",
        vec![
            deploy(
                "Deploy to Dev",
                &["kubectl set image deployment/orders-api orders-api=ghcr.io/acme/orders-api:${{ github.sha }} --namespace=dev"],
                6,
            ),
            run("Wait for rollout", &["kubectl rollout status deployment/orders-api -n dev"], 18),
        ],
    )
    .needs(&["build"])
    .env("development")
    .when(Cond::Branch("main".into()));
    let deploy_staging = job(
        "deploy-staging",
        "deploy-staging",
        "deploy",
        vec![
            deploy(
                "Deploy to Staging",
                &["kubectl argo rollouts set image orders-api orders-api=ghcr.io/acme/orders-api:sha-${GITHUB_SHA::7} -n orders"],
                5,
            ),
            run("Run smoke tests", &["python scripts/smoke_tests.py --env staging"], 15),
        ],
    )
    .needs(&["deploy-dev"])
    .env("staging")
    .when(Cond::Branch("main".into()));
    let deploy_prod = job(
        "deploy-production",
        "deploy-production",
        "deploy",
        vec![
            deploy(
                "Deploy to Production",
                &["kubectl set image deployment/orders-api orders-api=ghcr.io/acme/orders-api:${{ github.ref_name }} --namespace=production"],
                6,
            ),
            run("Run smoke tests", &["python scripts/smoke_tests.py --env production"], 15),
            uses("Notify team", "8398a7/action-slack@v3", 2),
        ],
    )
    .needs(&["build"])
    .env("production")
    .when(Cond::Tag);
    let mut staging = environment(
        5_100_002,
        "staging",
        "https://api.staging.example.com",
        "staging",
    );
    staging.reviewers = vec![reviewer(&you()), release_managers()];
    staging.targets = vec![target("orders", "orders-api", "ghcr.io/acme/orders-api")];
    let mut production = environment(
        5_100_003,
        "production",
        "https://api.production.example.com",
        "production",
    );
    production.reviewers = vec![release_managers()];
    production.prevent_self_review = true;
    production.wait_timer_min = 5;
    Project {
        id: 801_234_567,
        provider: Provider::GitHub,
        path: "acme/orders-api".into(),
        description: "Orders API — trunk-based, canary in production".into(),
        default_branch: "main".into(),
        workflows: vec![Workflow {
            id: 120_000_001,
            name: "CI/CD".into(),
            path: ".github/workflows/ci-cd.yml".into(),
            jobs: vec![
                quality,
                unit,
                integration,
                contracts,
                security,
                build,
                deploy_dev,
                deploy_staging,
                deploy_prod,
            ],
        }],
        environments: vec![
            environment(
                5_100_001,
                "development",
                "https://api.dev.example.com",
                "development",
            ),
            staging,
            production,
        ],
        stages: Vec::new(),
        created_ms,
    }
}

/// `kasbench/globeco-order-generation-service`.
pub(crate) fn order_generation(created_ms: i64) -> Project {
    let repo = "kasbench/globeco-order-generation-service";
    let ci = vec![
        job(
            "quality",
            "Quality Checks",
            "quality",
            vec![
                checkout(),
                uses("Set up Python", "actions/setup-python@v5", 4),
                run("Check formatting", &["black --check src tests"], 3),
                run("Check import order", &["isort --check-only src tests"], 2),
                run("Run pre-commit", &["pre-commit run --all-files"], 25),
                run(
                    "Security scan",
                    &["bandit -r src -f json -o bandit-report.json"],
                    8,
                ),
                uses("Upload security report", "actions/upload-artifact@v4", 2),
            ],
        )
        .fails(0.04),
        job(
            "tests",
            "Test Suite",
            "test",
            vec![
                checkout(),
                uses("Set up Python", "actions/setup-python@v5", 4),
                run("Install dependencies", &["pip install -e .[test]"], 20),
                run(
                    "Run tests",
                    &["pytest --cov=src --cov-report=xml -m 'not slow'"],
                    70,
                ),
                uses("Upload coverage", "codecov/codecov-action@v4", 3),
            ],
        )
        .matrix(&["3.11", "3.12", "3.13"])
        .fails(0.05),
        job(
            "docker",
            "Docker Build & Scan",
            "build",
            vec![
                checkout(),
                uses("Set up QEMU", "docker/setup-qemu-action@v3", 4),
                uses("Set up Docker Buildx", "docker/setup-buildx-action@v3", 3),
                uses(
                    "Build and push (amd64, arm64)",
                    "docker/build-push-action@v5",
                    95,
                ),
                uses("Scan with Trivy", "aquasecurity/trivy-action@master", 22),
                uses("Generate SBOM", "anchore/sbom-action@v0", 10),
                uses("Upload SARIF", "github/codeql-action/upload-sarif@v3", 3),
            ],
        )
        .needs(&["quality", "tests"])
        .fails(0.03),
        job(
            "performance",
            "Performance Tests",
            "test",
            vec![
                checkout(),
                run(
                    "Start test environment",
                    &["docker compose -f docker-compose.test.yml up -d"],
                    20,
                ),
                run(
                    "Run performance tests",
                    &["pytest tests/performance --benchmark-only"],
                    60,
                ),
            ],
        )
        .needs(&["docker"])
        .when(Cond::BranchOrTag("main".into()))
        .fails(0.05),
        job(
            "validate",
            "Deployment Validation",
            "validate",
            vec![
                checkout(),
                run(
                    "Validate manifests",
                    &["kustomize build k8s/overlays/production | kubeconform -strict"],
                    6,
                ),
                run(
                    "Check resource limits",
                    &["python scripts/check_limits.py"],
                    3,
                ),
            ],
        )
        .needs(&["docker"])
        .when(Cond::Branch("main".into())),
        job(
            "release",
            "Release",
            "release",
            vec![
                checkout(),
                run(
                    "Generate changelog",
                    &["git-cliff --latest > CHANGELOG.md"],
                    4,
                ),
                uses("Create GitHub release", "softprops/action-gh-release@v2", 3),
            ],
        )
        .needs(&["performance"])
        .when(Cond::Tag),
    ];
    let deploy_steps = |ns: &str| {
        vec![
            checkout(),
            deploy(
                "Deploy",
                &[&format!(
                    "./scripts/deploy.sh -e {} -t ${{{{ inputs.image_tag }}}}",
                    if ns == "globeco" {
                        "production"
                    } else {
                        "staging"
                    }
                )],
                8,
            ),
            run(
                "Wait for rollout",
                &[&format!(
                    "kubectl rollout status deployment/globeco-order-generation-service -n {ns}"
                )],
                30,
            ),
            run(
                "Health check",
                &["curl -fsS https://order-generation.globeco.kasbench.org/health"],
                4,
            ),
        ]
    };
    let deploy_wf = vec![
        job(
            "validate",
            "Pre-deployment Validation",
            "validate",
            vec![
                checkout(),
                run(
                    "Validate inputs",
                    &["./scripts/deploy.sh --validate-only"],
                    5,
                ),
                run(
                    "Check image exists",
                    &[
                        "docker manifest inspect kasbench/globeco-order-generation-service:${{ inputs.image_tag }}",
                    ],
                    4,
                ),
            ],
        ),
        job(
            "deploy-staging",
            "Deploy to staging",
            "deploy",
            deploy_steps("globeco-staging"),
        )
        .needs(&["validate"])
        .env("staging")
        .when(Cond::Input("staging".into())),
        job(
            "deploy-production",
            "Deploy to production",
            "deploy",
            deploy_steps("globeco"),
        )
        .needs(&["validate"])
        .env("production")
        .when(Cond::Input("production".into())),
    ];
    let mut staging = environment(
        5_200_001,
        "staging",
        "https://order-generation-staging.globeco.kasbench.org",
        "staging",
    );
    staging.targets = vec![target(
        "globeco-staging",
        "globeco-order-generation-service",
        repo,
    )];
    let mut production: Environment = environment(
        5_200_002,
        "production",
        "https://order-generation.globeco.kasbench.org",
        "production",
    );
    production.reviewers = vec![release_managers()];
    production.targets = vec![target("globeco", "globeco-order-generation-service", repo)];
    Project {
        id: 801_300_111,
        provider: Provider::GitHub,
        path: repo.into(),
        description: "GlobeCo Order Generation Service".into(),
        default_branch: "main".into(),
        workflows: vec![
            Workflow {
                id: 120_000_101,
                name: "CI".into(),
                path: ".github/workflows/ci.yml".into(),
                jobs: ci,
            },
            Workflow {
                id: 120_000_102,
                name: "Deploy to Kubernetes".into(),
                path: ".github/workflows/deploy.yml".into(),
                jobs: deploy_wf,
            },
        ],
        environments: vec![staging, production],
        stages: Vec::new(),
        created_ms,
    }
}

/// `acme/customer-intelligence`.
pub(crate) fn customer_intelligence(created_ms: i64) -> Project {
    let repo = "ghcr.io/acme/customer-intelligence-api";
    let ci = vec![
        job(
            "lint",
            "Lint",
            "lint",
            vec![
                checkout(),
                uses("Set up Python", "actions/setup-python@v5", 4),
                run("Black", &["black --check src"], 2),
                run("isort", &["isort --check-only src"], 2),
                run("Flake8", &["flake8 src"], 5),
                run("MyPy", &["mypy src"], 14),
                run("Pylint", &["pylint src --fail-under=8.5"], 18),
            ],
        )
        .fails(0.05),
        job(
            "test",
            "Test",
            "test",
            vec![
                checkout(),
                run("Run tests", &["pytest --cov=src --cov-report=xml"], 85),
                uses("Upload coverage", "codecov/codecov-action@v4", 3),
            ],
        )
        .needs(&["lint"])
        .fails(0.07),
        job(
            "security",
            "Security",
            "security",
            vec![
                checkout(),
                run("Safety", &["safety check -r requirements.txt"], 8),
                run("Bandit", &["bandit -r src -ll"], 9),
            ],
        )
        .needs(&["lint"])
        .fails(0.03),
        job(
            "build",
            "Build",
            "build",
            vec![
                checkout(),
                uses("Log in to GHCR", "docker/login-action@v3", 2),
                uses("Build API, batch, training and monitoring images", "docker/build-push-action@v5", 110),
            ],
        )
        .needs(&["lint"]),
        job(
            "deploy-staging",
            "Deploy Staging",
            "deploy",
            vec![
                deploy("Deploy to Kubernetes", &["kubectl apply -k k8s/overlays/staging"], 10),
                run("Smoke tests", &["./scripts/smoke.sh staging"], 12),
            ],
        )
        .needs(&["test", "security", "build"])
        .env("staging")
        .when(Cond::Branch("develop".into())),
        job(
            "deploy-production",
            "Deploy Production",
            "deploy",
            vec![
                deploy(
                    "Deploy to Kubernetes",
                    &["kubectl set image deployment/customer-intelligence-api api=ghcr.io/acme/customer-intelligence-api:${{ env.VERSION }} -n ml-platform"],
                    10,
                ),
                run("Smoke tests", &["./scripts/smoke.sh production"], 12),
                uses("Notify Slack", "slackapi/slack-github-action@v1", 2),
            ],
        )
        .needs(&["test", "security", "build"])
        .env("production")
        .when(Cond::Branch("main".into())),
        job(
            "performance",
            "Performance Tests",
            "test",
            vec![checkout(), run("k6 load test", &["k6 run tests/load/api.js"], 60)],
        )
        .needs(&["deploy-staging"]),
    ];
    let training = vec![
        job(
            "train",
            "Train models",
            "train",
            vec![
                checkout(),
                uses("Set up Python", "actions/setup-python@v5", 4),
                run(
                    "Prepare data",
                    &["python -m pipelines.prepare --window 90d"],
                    60,
                ),
                run("Train models", &["python -m pipelines.train --all"], 540),
                run(
                    "Evaluate",
                    &["python -m pipelines.evaluate --gate auc>=0.82"],
                    60,
                ),
                run("Register model", &["python -m pipelines.register"], 8),
            ],
        )
        .fails(0.1),
    ];
    let drift = vec![
        job(
            "drift",
            "Check drift",
            "monitor",
            vec![
                checkout(),
                run(
                    "Compute drift metrics",
                    &["python -m monitoring.drift --window 24h"],
                    80,
                ),
                run(
                    "Check thresholds",
                    &["python -m monitoring.check --psi 0.2"],
                    4,
                ),
            ],
        )
        .fails(0.15),
    ];
    let staging = environment(
        5_300_001,
        "staging",
        "https://ci-staging.acme.internal",
        "staging",
    );
    let mut production = environment(
        5_300_002,
        "production",
        "https://ci.acme.internal",
        "production",
    );
    production.reviewers = vec![ml_leads()];
    production.targets = vec![target("ml-platform", "customer-intelligence-api", repo)];
    Project {
        id: 801_455_902,
        provider: Provider::GitHub,
        path: "acme/customer-intelligence".into(),
        description: "Customer Intelligence Platform".into(),
        default_branch: "main".into(),
        workflows: vec![
            Workflow {
                id: 120_000_201,
                name: "CI/CD Pipeline".into(),
                path: ".github/workflows/ci-cd.yml".into(),
                jobs: ci,
            },
            Workflow {
                id: 120_000_202,
                name: "Model Training".into(),
                path: ".github/workflows/model-training.yml".into(),
                jobs: training,
            },
            Workflow {
                id: 120_000_203,
                name: "Drift Monitoring".into(),
                path: ".github/workflows/drift-monitoring.yml".into(),
                jobs: drift,
            },
        ],
        environments: vec![staging, production],
        stages: Vec::new(),
        created_ms,
    }
}
