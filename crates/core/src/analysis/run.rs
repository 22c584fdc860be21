//! Slim Argo AnalysisRuns (API.md §1.5): per metric its phase, counts against its limits, the
//! resolved query and the last measurements.

use crate::meta::ObjectKey;

/// One measurement of a metric.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measurement {
    /// `Successful`, `Failed`, `Inconclusive`, `Error`, `Running`.
    pub phase: String,
    /// The value as Argo printed it (`[0.0042]`, `0.03`).
    pub value: String,
    /// When it finished, Unix ms.
    pub finished_ms: Option<i64>,
    /// The error or note, if any.
    pub message: String,
}

/// One metric of a run: its spec (limits, conditions, query) and its result so far.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RunMetric {
    /// The metric's name.
    pub name: String,
    /// Its phase (empty before the first measurement).
    pub phase: String,
    /// Measurements taken.
    pub count: i32,
    /// Successful measurements.
    pub successful: i32,
    /// Failed measurements.
    pub failed: i32,
    /// Inconclusive measurements.
    pub inconclusive: i32,
    /// Measurements that errored.
    pub error: i32,
    /// Errors in a row.
    pub consecutive_error: i32,
    /// `count` of the spec: how many measurements the metric takes (`None`: unbounded).
    pub max_count: Option<i32>,
    /// `failureLimit` (Argo's default 0).
    pub failure_limit: i32,
    /// `inconclusiveLimit` (default 0).
    pub inconclusive_limit: i32,
    /// `consecutiveErrorLimit` (default 4).
    pub consecutive_error_limit: i32,
    /// `interval`, as written.
    pub interval: String,
    /// `successCondition`.
    pub success_condition: String,
    /// `failureCondition`.
    pub failure_condition: String,
    /// The provider's query with the run's `args` substituted.
    pub query: String,
    /// The metric's message (why it failed or errored).
    pub message: String,
    /// The last measurements, oldest first.
    pub measurements: Vec<Measurement>,
}

/// An AnalysisRun.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalysisRun {
    /// Namespace and name.
    pub key: ObjectKey,
    /// The Rollout that owns it (controller ownerReference), if any.
    pub rollout: Option<String>,
    /// The pod-template hash it measures (`rollouts-pod-template-hash` label).
    pub hash: String,
    /// `rollout-type` label: `Step`, `Background`, `PrePromotion`, `PostPromotion`.
    pub run_type: String,
    /// `step-index` label.
    pub step_index: Option<u32>,
    /// `rollout.argoproj.io/revision` annotation.
    pub revision: Option<i64>,
    /// `Pending`, `Running`, `Successful`, `Failed`, `Error`, `Inconclusive`.
    pub phase: String,
    /// `status.message`.
    pub message: String,
    /// `status.startedAt`, Unix ms.
    pub started_ms: Option<i64>,
    /// `status.completedAt`, Unix ms.
    pub completed_ms: Option<i64>,
    /// Metrics in spec order, each with its result.
    pub metrics: Vec<RunMetric>,
}
