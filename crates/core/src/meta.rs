//! Pieces every slim cluster object shares: identity and conditions.

/// Namespace and name: how an object is addressed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ObjectKey {
    /// Namespace (empty for cluster-scoped objects).
    pub namespace: String,
    /// Name.
    pub name: String,
}

impl ObjectKey {
    /// Builds a key from borrowed parts.
    pub fn new(namespace: &str, name: &str) -> Self {
        Self {
            namespace: namespace.to_string(),
            name: name.to_string(),
        }
    }
}

/// A status condition as the API reports it (`type`, `status`, `reason`, `message`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Condition {
    /// `Progressing`, `Available`, `Paused` …
    pub kind: String,
    /// `True`, `False` or `Unknown`.
    pub status: String,
    /// Machine-readable reason, e.g. `ProgressDeadlineExceeded`.
    pub reason: String,
    /// Human-readable message.
    pub message: String,
    /// The later of `lastUpdateTime` and `lastTransitionTime`, Unix milliseconds.
    pub updated_ms: Option<i64>,
}

impl Condition {
    /// Whether this condition's status is `True`.
    pub fn is_true(&self) -> bool {
        self.status == "True"
    }
}

/// The latest update time among conditions.
pub(crate) fn latest_condition_ms(conditions: &[Condition]) -> Option<i64> {
    conditions.iter().filter_map(|c| c.updated_ms).max()
}

/// The controlling owner of an object (the ownerReference with `controller: true`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Owner {
    /// Kind of the owner, e.g. `ReplicaSet`, `Deployment`, `Rollout`.
    pub kind: String,
    /// Name of the owner (same namespace).
    pub name: String,
}
