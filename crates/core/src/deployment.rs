//! Slim Deployments and ReplicaSets: only what the panes and the derivations read.

use super::meta::{Condition, ObjectKey, Owner, latest_condition_ms};
use super::phase::Phase;

/// How a Deployment replaces its pods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeployStrategy {
    /// `RollingUpdate` (the default).
    #[default]
    RollingUpdate,
    /// `Recreate`.
    Recreate,
}

/// A Deployment reduced to what Quarterdeck shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Deployment {
    /// Namespace and name.
    pub key: ObjectKey,
    /// `metadata.generation`.
    pub generation: i64,
    /// `status.observedGeneration`.
    pub observed_generation: i64,
    /// Annotation `deployment.kubernetes.io/revision`.
    pub revision: Option<i64>,
    /// `spec.strategy.type`.
    pub strategy: DeployStrategy,
    /// `spec.paused`.
    pub paused: bool,
    /// `spec.replicas` (1 when unset, as the API defaults it).
    pub desired: i32,
    /// `status.replicas`.
    pub replicas: i32,
    /// `status.updatedReplicas`.
    pub updated: i32,
    /// `status.readyReplicas`.
    pub ready: i32,
    /// `status.availableReplicas`.
    pub available: i32,
    /// Image of the first container of the pod template.
    pub image: String,
    /// `status.conditions`.
    pub conditions: Vec<Condition>,
    /// `metadata.creationTimestamp`, Unix milliseconds.
    pub created_ms: Option<i64>,
    /// Quarterdeck's own annotations (`quarterdeck.dev/…`): the workload's CI link.
    pub annotations: std::collections::BTreeMap<String, String>,
}

impl Deployment {
    /// Phase and message the way `kubectl rollout status` reasons about a Deployment.
    pub fn phase(&self) -> (Phase, String) {
        if self.generation > self.observed_generation {
            return (
                Phase::Progressing,
                "waiting for deployment spec update to be observed".into(),
            );
        }
        if let Some(c) = self
            .conditions
            .iter()
            .find(|c| c.kind == "Progressing" && c.reason == "ProgressDeadlineExceeded")
        {
            return (Phase::Degraded, c.message.clone());
        }
        if self.paused {
            return (Phase::Paused, "deployment is paused".into());
        }
        if self.updated < self.desired {
            return (
                Phase::Progressing,
                format!("{} of {} new replicas updated", self.updated, self.desired),
            );
        }
        if self.replicas > self.updated {
            return (
                Phase::Progressing,
                format!(
                    "{} old replicas pending termination",
                    self.replicas - self.updated
                ),
            );
        }
        if self.available < self.updated {
            return (
                Phase::Progressing,
                format!(
                    "{} of {} updated replicas available",
                    self.available, self.updated
                ),
            );
        }
        (Phase::Healthy, "successfully rolled out".into())
    }

    /// When the Deployment last changed state, as far as its conditions tell.
    pub fn last_change_ms(&self) -> Option<i64> {
        latest_condition_ms(&self.conditions).or(self.created_ms)
    }
}

/// A ReplicaSet reduced to its revision, hash, image and counts.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReplicaSet {
    /// Namespace and name.
    pub key: ObjectKey,
    /// The controlling Deployment or Rollout.
    pub owner: Option<Owner>,
    /// Annotation `deployment.kubernetes.io/revision` or `rollout.argoproj.io/revision`.
    pub revision: Option<i64>,
    /// Label `pod-template-hash` or `rollouts-pod-template-hash`.
    pub hash: String,
    /// Image of the first container of the pod template.
    pub image: String,
    /// Annotation `kubernetes.io/change-cause`.
    pub change_cause: Option<String>,
    /// `spec.replicas`.
    pub desired: i32,
    /// `status.replicas`.
    pub replicas: i32,
    /// `status.readyReplicas`.
    pub ready: i32,
    /// `status.availableReplicas`.
    pub available: i32,
    /// `metadata.creationTimestamp`, Unix milliseconds.
    pub created_ms: Option<i64>,
}
