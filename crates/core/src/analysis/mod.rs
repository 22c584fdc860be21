//! Canary analysis: the metrics that decide a promotion (canary beside stable), the Argo
//! AnalysisRuns of a rollout, the rollback triggers and the guard that acts on them.

pub mod config;
pub(crate) mod guard;
pub mod queries;
pub mod run;
pub mod series;
pub mod state;
pub mod template;
#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod template_tests;
#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
pub mod trigger;
pub(crate) mod update;
pub mod verdict;

pub use self::config::{AnalysisConfig, GuardMode, ReleaseAnalysisConfig, Trigger};
pub use self::run::{AnalysisRun, Measurement, RunMetric};
pub use self::series::{AnalysisMsg, AnalysisWatch, Point, SeriesKey, SeriesQuery, Side, Signal};
pub use self::state::{
    AnalysisState, Proposal, ReleaseAnalysis, SeriesData, TemplateTriggers, TriggerSource,
    TriggerState, TriggerStatus, Verdict,
};
pub use self::template::{AnalysisTemplate, TemplateMetric};
pub use self::trigger::{Countdown, evaluate};
pub use self::update::evaluate_all;
