//! What an action acts on, and the key that allows one action per target in flight.

use std::fmt;

use crate::gate::{GateId, GateKind};
use crate::pipeline::Provider;
use crate::release::{ReleaseId, WorkloadKind};

/// The target of an action.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Subject {
    /// A Deployment or Rollout.
    Workload(ReleaseId),
    /// A CI gate.
    Gate(GateId),
    /// A CI run (GitHub) or pipeline (GitLab).
    Run {
        /// Which CI.
        provider: Provider,
        /// `owner/repo` or `group/project`.
        project: String,
        /// Run or pipeline id.
        id: u64,
    },
    /// One CI job.
    Job {
        /// Which CI.
        provider: Provider,
        /// `owner/repo` or `group/project`.
        project: String,
        /// Job id.
        id: u64,
        /// Job name, for the user.
        name: String,
    },
}

impl Subject {
    /// The workload, when the subject is one.
    pub fn workload(&self) -> Option<&ReleaseId> {
        match self {
            Subject::Workload(id) => Some(id),
            _ => None,
        }
    }

    /// The name of the coordination Lease for this subject (a valid DNS-1123 name).
    pub fn lease_name(&self) -> String {
        let raw = match self {
            Subject::Workload(id) => format!("{}-{}", kind_word(id.kind), id.key.name),
            Subject::Gate(g) => format!("gate-{}-{}", g.provider.label(), gate_number(&g.kind)),
            Subject::Run { provider, id, .. } => format!("run-{}-{id}", provider.label()),
            Subject::Job { provider, id, .. } => format!("job-{}-{id}", provider.label()),
        };
        let clean: String = format!("quarterdeck-{raw}")
            .to_ascii_lowercase()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        clean
            .chars()
            .take(63)
            .collect::<String>()
            .trim_end_matches('-')
            .to_string()
    }

    /// The short name users know it by (the release name, `run 4711`, the job name).
    pub fn short_name(&self) -> String {
        match self {
            Subject::Workload(id) => id.key.name.clone(),
            Subject::Gate(g) => match &g.kind {
                GateKind::GithubPendingDeployment { environment, .. } => environment.clone(),
                GateKind::GitlabManualJob { job_id } => format!("job {job_id}"),
                GateKind::GitlabBlockedDeployment { deployment_id, .. } => {
                    format!("deployment {deployment_id}")
                }
            },
            Subject::Run { id, .. } => format!("run {id}"),
            Subject::Job { name, .. } => name.clone(),
        }
    }
}

fn kind_word(kind: WorkloadKind) -> &'static str {
    match kind {
        WorkloadKind::Deployment => "deployment",
        WorkloadKind::Rollout => "rollout",
    }
}

fn gate_number(kind: &GateKind) -> String {
    match kind {
        GateKind::GithubPendingDeployment {
            run_id,
            environment_id,
            ..
        } => format!("{run_id}-{environment_id}"),
        GateKind::GitlabManualJob { job_id } => job_id.to_string(),
        GateKind::GitlabBlockedDeployment { deployment_id, .. } => deployment_id.to_string(),
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Workload(id) => write!(
                f,
                "{}/{} in {}",
                kind_word(id.kind),
                id.key.name,
                id.key.namespace
            ),
            Subject::Gate(g) => match &g.kind {
                GateKind::GithubPendingDeployment {
                    run_id,
                    environment,
                    ..
                } => write!(f, "{} run {run_id} → {environment}", g.project),
                GateKind::GitlabManualJob { job_id } => write!(f, "{} job {job_id}", g.project),
                GateKind::GitlabBlockedDeployment { deployment_id, .. } => {
                    write!(f, "{} deployment {deployment_id}", g.project)
                }
            },
            Subject::Run {
                provider,
                project,
                id,
            } => write!(
                f,
                "{project} {} {id}",
                match provider {
                    Provider::GitHub => "run",
                    Provider::GitLab => "pipeline",
                }
            ),
            Subject::Job {
                project, id, name, ..
            } => write!(f, "{project} job {name} ({id})"),
        }
    }
}
