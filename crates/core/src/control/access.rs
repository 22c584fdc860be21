//! Permission before offering: what each action needs, and the answers cached per context,
//! namespace and resource.

use super::op::Op;
use crate::release::{ReleaseId, WorkloadKind};

/// One SelfSubjectAccessReview question.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AccessKey {
    /// Kubeconfig context.
    pub context: String,
    /// Namespace.
    pub namespace: String,
    /// API group (`argoproj.io`, `apps`).
    pub group: String,
    /// Resource plural.
    pub resource: String,
    /// Subresource (`status`) or empty.
    pub subresource: String,
    /// Verb (`patch`).
    pub verb: String,
}

impl AccessKey {
    /// `patch rollouts/status`, for messages.
    pub fn describe(&self) -> String {
        let res = if self.subresource.is_empty() {
            self.resource.clone()
        } else {
            format!("{}/{}", self.resource, self.subresource)
        };
        format!("{} {res} in {}", self.verb, self.namespace)
    }
}

/// The answer to one question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// Asked, not answered yet.
    Checking,
    /// Allowed.
    Allowed,
    /// Denied; the API's reason.
    Denied(String),
}

/// The questions an operation on a workload needs answered yes.
pub fn needs(context: &str, id: &ReleaseId, op: Op) -> Vec<AccessKey> {
    let key = |group: &str, resource: &str, sub: &str| AccessKey {
        context: context.to_string(),
        namespace: id.key.namespace.clone(),
        group: group.to_string(),
        resource: resource.to_string(),
        subresource: sub.to_string(),
        verb: "patch".to_string(),
    };
    match id.kind {
        WorkloadKind::Deployment => vec![key("apps", "deployments", "")],
        WorkloadKind::Rollout => match op {
            Op::Promote | Op::Approve | Op::PromoteFull | Op::Abort | Op::Retry => vec![
                key("argoproj.io", "rollouts", ""),
                key("argoproj.io", "rollouts", "status"),
            ],
            Op::SwitchBack => vec![
                key("argoproj.io", "rollouts", ""),
                key("argoproj.io", "rollouts", "status"),
            ],
            _ => vec![key("argoproj.io", "rollouts", "")],
        },
    }
}
