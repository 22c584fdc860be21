//! Slim Pods: role in the release, readiness, status word and reason.

use super::meta::{ObjectKey, Owner};

/// A Pod reduced to what the Pods pane and the log streams need.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Pod {
    /// Namespace and name.
    pub key: ObjectKey,
    /// The controlling ReplicaSet.
    pub owner: Option<Owner>,
    /// Label `pod-template-hash` or `rollouts-pod-template-hash`.
    pub hash: String,
    /// `status.phase`: Pending, Running, Succeeded, Failed, Unknown.
    pub phase: String,
    /// The status word kubectl would print (`Running`, `CrashLoopBackOff`, `OOMKilled`,
    /// `ImagePullBackOff`, `ContainerCreating`, `Terminating` …).
    pub status: String,
    /// Why the last container instance ended, when it matters (e.g. `OOMKilled` behind a
    /// `CrashLoopBackOff`).
    pub last_reason: Option<String>,
    /// Ready containers.
    pub ready: u32,
    /// All containers.
    pub total: u32,
    /// Sum of container restart counts.
    pub restarts: u32,
    /// `spec.nodeName`.
    pub node: Option<String>,
    /// Container names in spec order (log streams need one per container).
    pub containers: Vec<String>,
    /// `metadata.creationTimestamp`, Unix milliseconds.
    pub created_ms: Option<i64>,
    /// `metadata.deletionTimestamp` is set.
    pub deleting: bool,
}

/// Which side of a release a pod serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PodRole {
    /// The current, fully promoted revision.
    Stable,
    /// The new revision of a canary.
    Canary,
    /// The new revision of a blue-green behind the preview service.
    Preview,
    /// The revision behind the blue-green active service (when it is not yet stable).
    Active,
    /// Anything older.
    Old,
}

impl PodRole {
    /// The tag shown next to the pod and its log lines.
    pub fn word(self) -> &'static str {
        match self {
            PodRole::Stable => "stable",
            PodRole::Canary => "canary",
            PodRole::Preview => "preview",
            PodRole::Active => "active",
            PodRole::Old => "old",
        }
    }
}

/// How much attention a pod needs; problems sort first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PodHealth {
    /// Crash-looping, failed, OOM-killed, image pull failing.
    Crash,
    /// Running but not all containers ready.
    NotReady,
    /// Pending or containers still being created.
    Pending,
    /// Being deleted.
    Terminating,
    /// Running and ready (or completed).
    Running,
}

const CRASH_WORDS: &[&str] = &[
    "CrashLoopBackOff",
    "OOMKilled",
    "Error",
    "ImagePullBackOff",
    "ErrImagePull",
    "InvalidImageName",
    "CreateContainerConfigError",
    "CreateContainerError",
    "RunContainerError",
    "Failed",
];

impl Pod {
    /// The attention class that decides sort order and colour.
    pub fn health(&self) -> PodHealth {
        if self.deleting || self.status == "Terminating" {
            PodHealth::Terminating
        } else if CRASH_WORDS.contains(&self.status.as_str()) || self.phase == "Failed" {
            PodHealth::Crash
        } else if self.phase == "Pending" {
            PodHealth::Pending
        } else if self.phase == "Running" && self.ready < self.total {
            PodHealth::NotReady
        } else {
            PodHealth::Running
        }
    }

    /// Status word with the last termination reason when it explains the status,
    /// e.g. `CrashLoopBackOff (OOMKilled)`.
    pub fn status_text(&self) -> String {
        match &self.last_reason {
            Some(r) if r != &self.status => format!("{} ({r})", self.status),
            _ => self.status.clone(),
        }
    }
}
