//! Metric series: what is measured, for which side of a release, and how the driver is asked
//! for it and answers.

use super::config::Trigger;
use crate::release::ReleaseId;
use crate::rollout::TemplateRef;

/// What a series measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Signal {
    /// Requests per second.
    RequestRate,
    /// Share of requests answered 5xx, 0..1.
    ErrorRatio,
    /// 95th percentile latency, seconds.
    P95,
    /// 99th percentile latency, seconds.
    P99,
    /// Share of failed readiness and liveness probes, 0..1.
    HealthFailures,
}

/// Which pods of a release a series covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Side {
    /// The new revision (canary, preview, or the new ReplicaSet of a rolling update).
    Canary,
    /// The stable revision (stable, active, or the old ReplicaSet).
    Stable,
}

/// One series of a release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SeriesKey {
    /// Canary or stable.
    pub side: Side,
    /// What it measures.
    pub signal: Signal,
}

/// One sample; `value` is `None` when Prometheus had nothing (empty result) or answered NaN.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// Sample time on the Prometheus server's clock, Unix ms.
    pub at_ms: i64,
    /// The value, or no data.
    pub value: Option<f64>,
}

/// One query the driver runs for a release, as a range query ending now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesQuery {
    /// The series it fills.
    pub key: SeriesKey,
    /// The PromQL, hashes and namespace already filled in.
    pub promql: String,
    /// How far back the range reaches, ms.
    pub range_ms: i64,
    /// The range step, ms.
    pub step_ms: i64,
}

/// One release's analysis as the driver must poll it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalysisWatch {
    /// The release.
    pub release: ReleaseId,
    /// The Prometheus base URL (`http://host:9090` or with a path prefix).
    pub url: String,
    /// The queries, one per series.
    pub queries: Vec<SeriesQuery>,
    /// Poll fast: the release is on screen or under a trigger.
    pub urgent: bool,
    /// The AnalysisTemplates the release's Rollout references, read (slowly) for triggers.
    pub templates: Vec<TemplateRef>,
}

/// What the analysis poller reports.
#[derive(Debug, Clone, PartialEq)]
pub enum AnalysisMsg {
    /// A series was read.
    Series {
        /// The release.
        release: ReleaseId,
        /// Which series.
        key: SeriesKey,
        /// The samples, oldest first, replacing what was known of that series.
        points: Vec<Point>,
        /// What the points are as of: the range's end (the Prometheus server's now, cut to
        /// the step), Unix ms.
        at_ms: i64,
        /// Warnings Prometheus attached to the answer.
        warnings: Vec<String>,
    },
    /// A query failed; the message is for the user (no secrets, no URL credentials).
    Failed {
        /// The release.
        release: ReleaseId,
        /// Which series, when the failure is one query's.
        key: Option<SeriesKey>,
        /// What went wrong and what to do.
        message: String,
    },
    /// The release's AnalysisTemplates were read.
    Templates {
        /// The release.
        release: ReleaseId,
        /// The templates read, as the watch named them.
        refs: Vec<TemplateRef>,
        /// The triggers their metrics amount to.
        triggers: Vec<Trigger>,
        /// Why a metric is not a trigger, or a template could not be read (404, 403).
        notes: Vec<String>,
    },
    /// The templates could not be read at all (network, server error); the last triggers read
    /// stay.
    TemplatesFailed {
        /// The release.
        release: ReleaseId,
        /// The templates asked for.
        refs: Vec<TemplateRef>,
        /// What went wrong, for the user.
        message: String,
    },
}
