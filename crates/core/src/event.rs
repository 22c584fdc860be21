//! Slim Kubernetes Events.

use super::meta::ObjectKey;

/// An Event reduced to what the Events pane shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Event {
    /// Namespace and name of the Event object itself.
    pub key: ObjectKey,
    /// `involvedObject.kind`.
    pub object_kind: String,
    /// `involvedObject.name`.
    pub object_name: String,
    /// `Normal` or `Warning`.
    pub kind: String,
    /// `reason`, e.g. `ScalingReplicaSet`, `BackOff`, `Unhealthy`.
    pub reason: String,
    /// `message`.
    pub message: String,
    /// `count` (1 when unset).
    pub count: i32,
    /// The latest of `lastTimestamp`, `eventTime`, `firstTimestamp`, creation; Unix ms.
    pub last_ms: Option<i64>,
}

impl Event {
    /// Whether this is a `Warning`.
    pub fn is_warning(&self) -> bool {
        self.kind == "Warning"
    }
}
