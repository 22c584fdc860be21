//! What the model knows about analysis: the settings, each release's series and trigger states,
//! and the guard's incidents.

use std::collections::BTreeMap;

use super::config::{AnalysisConfig, Trigger};
use super::series::{AnalysisWatch, Point, SeriesKey};
use crate::release::ReleaseId;
use crate::rollout::TemplateRef;

/// A verdict on one signal or one release: canary against thresholds and stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Within every threshold.
    Pass,
    /// Over a threshold.
    Fail,
    /// Measured, but not enough to decide.
    Inconclusive,
    /// Nothing measured (never a pass).
    NoData,
}

/// One series as last read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SeriesData {
    /// Samples, oldest first.
    pub points: Vec<Point>,
    /// When it was read, on the Prometheus server's clock, Unix ms.
    pub at_ms: i64,
    /// Warnings Prometheus attached.
    pub warnings: Vec<String>,
}

/// Where a trigger stands.
#[derive(Debug, Clone, PartialEq)]
pub enum TriggerState {
    /// Below its threshold.
    Clear,
    /// Above its threshold since `since_ms` (server clock); fires at `since_ms + for_ms`.
    Holding {
        /// First sample of the breach, Unix ms.
        since_ms: i64,
        /// The latest value.
        value: f64,
    },
    /// Held for its whole window.
    Fired {
        /// When the window completed, Unix ms.
        at_ms: i64,
        /// The latest value.
        value: f64,
    },
    /// No data: never fires.
    NoData,
}

/// One trigger of a release and where it stands.
#[derive(Debug, Clone, PartialEq)]
pub struct TriggerStatus {
    /// The trigger.
    pub trigger: Trigger,
    /// Its state.
    pub state: TriggerState,
}

/// Everything known about one release's analysis.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReleaseAnalysis {
    /// The series, by side and signal.
    pub series: BTreeMap<SeriesKey, SeriesData>,
    /// The last error reading them, for the user.
    pub error: Option<String>,
    /// The release's triggers.
    pub triggers: Vec<TriggerStatus>,
    /// The pod-template hash the canary series measure; a new one starts the series afresh.
    pub canary_hash: Option<String>,
}

/// The guard's rollback proposal: what fired, on what, and the exact plan the confirmation
/// will show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    /// The release.
    pub release: ReleaseId,
    /// The canary's pod-template hash (with the release, the incident).
    pub hash: String,
    /// What fired ("error ratio 3.2% > 1% for 2m0s").
    pub trigger: String,
    /// The banner ("feature-store canary: error ratio 3.2% > 1% for 2m0s — B roll back").
    pub banner: String,
    /// The confirmation's lines (`context: prod-eu`, `action: …`, `from: …`, `to: …`).
    pub plan: Vec<String>,
}

/// Where a release's triggers come from, in order of precedence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TriggerSource {
    /// `[[release]] triggers` in config.toml.
    Release,
    /// The Rollout's AnalysisTemplates.
    Templates,
    /// `[analysis] triggers`, or the seed's defaults.
    Defaults,
}

/// What a release's AnalysisTemplates said, as last read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TemplateTriggers {
    /// The templates read; the triggers count only while the Rollout still names these.
    pub refs: Vec<TemplateRef>,
    /// The triggers their metrics amount to.
    pub triggers: Vec<Trigger>,
    /// Why a metric is not a trigger, or a template could not be read.
    pub notes: Vec<String>,
    /// The last attempt failed (the triggers are the previous answer's).
    pub error: Option<String>,
}

/// The analysis concern of the model.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AnalysisState {
    /// The settings from `config.toml`.
    pub config: AnalysisConfig,
    /// Per release.
    pub releases: BTreeMap<ReleaseId, ReleaseAnalysis>,
    /// The watches last asked of the driver.
    pub watching: Vec<AnalysisWatch>,
    /// The guard's proposal waiting for the user's key, if any.
    pub proposal: Option<Proposal>,
    /// The proposal key was pressed while the permission check was under way: the
    /// confirmation opens when the answer comes.
    pub open_when_permitted: bool,
    /// Incidents the guard has acted on (proposed or rolled back): release → canary hash.
    /// Re-armed when the triggers clear or the canary changes.
    pub incidents: BTreeMap<ReleaseId, String>,
    /// Per release, what its Rollout's AnalysisTemplates said.
    pub templates: BTreeMap<ReleaseId, TemplateTriggers>,
}
