//! Gates: anything in CI waiting on a human — a GitHub environment's pending deployment, a
//! GitLab manual job, a GitLab deployment blocked on approvals. A gate knows who may approve,
//! since when it waits and, in words, what approving will do.

use super::pipeline::{CiStatus, Job, Pipeline, Provider};

/// What kind of gate it is, with the ids an approval needs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GateKind {
    /// A workflow run waiting on an environment's protection rules.
    GithubPendingDeployment {
        /// The run.
        run_id: u64,
        /// The environment's numeric id (`environment_ids` of the review).
        environment_id: u64,
        /// The environment's name.
        environment: String,
    },
    /// A GitLab job with `status: manual`: playing it starts it.
    GitlabManualJob {
        /// The job.
        job_id: u64,
    },
    /// A GitLab deployment with `status: blocked`: approve it, then play its job.
    GitlabBlockedDeployment {
        /// The deployment.
        deployment_id: u64,
        /// Its manual job, played once approvals are complete.
        job_id: u64,
    },
}

/// Identifies a gate across polls.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GateId {
    /// GitHub or GitLab.
    pub provider: Provider,
    /// `owner/repo` or `group/project`.
    pub project: String,
    /// Kind and ids.
    pub kind: GateKind,
}

/// A decision waiting on a human.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gate {
    /// Identity and the ids an approval needs.
    pub id: GateId,
    /// The release (config name) whose CI this is, when known.
    pub release: Option<String>,
    /// The pipeline it belongs to (run id / pipeline id).
    pub pipeline_id: u64,
    /// What waits, for the user (`Deploy run #57 "Add idempotency keys" on main`).
    pub what: String,
    /// The environment it guards (or the job's stage when it has none).
    pub where_: String,
    /// The commit that would be shipped.
    pub sha: String,
    /// Since when it waits, Unix ms.
    pub waiting_since_ms: Option<i64>,
    /// Who may approve (logins, `team:slug`, `Maintainers`); empty when the API does not say.
    pub who_may_approve: Vec<String>,
    /// Whether the token's user may approve; `None` when the API does not say.
    pub you_may_approve: Option<bool>,
    /// Approvals given and required (GitLab deployment approvals).
    pub approvals: Option<(u32, u32)>,
    /// What approving will do, in words.
    pub approving_will: String,
    /// The page where the gate can be seen.
    pub web_url: String,
}

/// One entry of GitHub's `pending_deployments`, reduced to what a gate shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingDeployment {
    /// Environment id.
    pub environment_id: u64,
    /// Environment name.
    pub environment: String,
    /// Wait timer in minutes (0 when none).
    pub wait_timer_min: u32,
    /// When the wait timer started, Unix ms.
    pub wait_timer_started_ms: Option<i64>,
    /// `current_user_can_approve`.
    pub current_user_can_approve: bool,
    /// Required reviewers: user logins and `team:slug`.
    pub reviewers: Vec<String>,
}

/// A GitLab deployment, reduced to what gates need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitlabDeployment {
    /// Deployment id.
    pub id: u64,
    /// `created`, `blocked`, `running` …
    pub status: String,
    /// Environment name.
    pub environment: String,
    /// The job that deploys (`deployable.id`).
    pub job_id: Option<u64>,
    /// Approval rules as users read them (`Maintainers`, `@maria`, `group #12`).
    pub approvers: Vec<String>,
    /// Approvals given.
    pub approvals_given: u32,
    /// Approvals required.
    pub approvals_required: u32,
    /// Whether the token's user is named by a rule; `None` when only roles are named.
    pub current_user_can_approve: Option<bool>,
}

fn project_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn quoted_jobs(jobs: &[&Job]) -> String {
    let names: Vec<String> = jobs.iter().map(|j| format!("'{}'", j.name)).collect();
    match names.len() {
        1 => format!("job {}", names[0]),
        _ => format!("jobs {}", names.join(", ")),
    }
}

fn what(run: &Pipeline) -> String {
    let name = if run.name.is_empty() {
        "Pipeline"
    } else {
        &run.name
    };
    let title = if run.title.is_empty() {
        String::new()
    } else {
        format!(" \"{}\"", run.title)
    };
    format!("{name} #{}{title} on {}", run.number, run.branch)
}

/// The gates of a waiting GitHub run: one per pending deployment.
pub fn github_gates(
    run: &Pipeline,
    pending: &[PendingDeployment],
    release: Option<&str>,
) -> Vec<Gate> {
    let waiting: Vec<&Job> = run
        .jobs()
        .filter(|j| j.status == CiStatus::Waiting)
        .collect();
    let oldest_wait = waiting
        .iter()
        .filter_map(|j| j.created_ms)
        .min()
        .or(run.started_ms);
    pending
        .iter()
        .map(|p| {
            let ship = format!(
                "deploy {}@{} to {}",
                project_name(&run.project),
                run.short_sha(),
                p.environment
            );
            let approving_will = if waiting.is_empty() {
                format!("{ship}: run #{} continues", run.number)
            } else {
                format!("{ship}: starts {}", quoted_jobs(&waiting))
            };
            let mut who = p.reviewers.clone();
            if who.is_empty() && p.wait_timer_min > 0 {
                who.push(format!("nobody: a {} min wait timer", p.wait_timer_min));
            }
            Gate {
                id: GateId {
                    provider: Provider::GitHub,
                    project: run.project.clone(),
                    kind: GateKind::GithubPendingDeployment {
                        run_id: run.id,
                        environment_id: p.environment_id,
                        environment: p.environment.clone(),
                    },
                },
                release: release.map(str::to_string),
                pipeline_id: run.id,
                what: what(run),
                where_: p.environment.clone(),
                sha: run.sha.clone(),
                waiting_since_ms: p.wait_timer_started_ms.or(oldest_wait),
                who_may_approve: who,
                you_may_approve: Some(p.current_user_can_approve),
                approvals: None,
                approving_will,
                web_url: run.web_url.clone(),
            }
        })
        .collect()
}

/// When a manual job became playable: when the last job of the stages before it finished
/// (its `created_at` is the pipeline's creation, long before).
fn ready_since(pipeline: &Pipeline, job: &Job) -> Option<i64> {
    pipeline
        .stages
        .iter()
        .take_while(|s| s.name != job.stage)
        .flat_map(|s| s.jobs.iter())
        .filter_map(|j| j.finished_ms)
        .max()
        .or(job.created_ms)
        .or(pipeline.created_ms)
}

/// The gates of a GitLab pipeline: each manual job, as a blocked deployment when its
/// deployment waits for approvals.
pub fn gitlab_gates(
    pipeline: &Pipeline,
    deployments: &[GitlabDeployment],
    release: Option<&str>,
) -> Vec<Gate> {
    pipeline
        .jobs()
        .filter(|j| j.status == CiStatus::Manual)
        .map(|job| {
            let deployment = deployments.iter().find(|d| d.job_id == Some(job.id));
            let where_ = deployment.map_or_else(|| job.stage.clone(), |d| d.environment.clone());
            let starts = format!("starts job '{}'", job.name);
            let ship = deployment.map(|d| {
                format!(
                    "{}@{} to {}",
                    project_name(&pipeline.project),
                    pipeline.short_sha(),
                    d.environment
                )
            });
            let blocked = deployment.filter(|d| d.status == "blocked");
            let (kind, approving_will, who, you, approvals) = match blocked {
                Some(d) => {
                    let after = d.approvals_given + 1;
                    let then = if after >= d.approvals_required {
                        format!("then {starts}")
                    } else {
                        format!(
                            "{} more approval(s) needed before the job can start",
                            d.approvals_required - after
                        )
                    };
                    (
                        GateKind::GitlabBlockedDeployment {
                            deployment_id: d.id,
                            job_id: job.id,
                        },
                        format!(
                            "approve the deployment of {} ({after} of {} approvals); {then}",
                            ship.clone().unwrap_or_default(),
                            d.approvals_required
                        ),
                        d.approvers.clone(),
                        d.current_user_can_approve,
                        Some((d.approvals_given, d.approvals_required)),
                    )
                }
                None => (
                    GateKind::GitlabManualJob { job_id: job.id },
                    match &ship {
                        Some(s) => format!("deploy {s}: {starts}"),
                        None => starts.clone(),
                    },
                    Vec::new(),
                    None,
                    None,
                ),
            };
            Gate {
                id: GateId {
                    provider: Provider::GitLab,
                    project: pipeline.project.clone(),
                    kind,
                },
                release: release.map(str::to_string),
                pipeline_id: pipeline.id,
                what: what(pipeline),
                where_,
                sha: pipeline.sha.clone(),
                waiting_since_ms: ready_since(pipeline, job),
                who_may_approve: who,
                you_may_approve: you,
                approvals,
                approving_will,
                web_url: job.web_url.clone(),
            }
        })
        .collect()
}
