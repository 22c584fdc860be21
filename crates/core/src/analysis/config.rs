//! What `config.toml` says about analysis: where Prometheus is, the rollback triggers of each
//! release and what the guard may do when one fires.

use super::series::Signal;
use crate::release::WorkloadKind;

/// A rollback trigger: `signal` of the canary above `above` for at least `for_ms`.
#[derive(Debug, Clone, PartialEq)]
pub struct Trigger {
    /// What is watched.
    pub signal: Signal,
    /// The threshold (ratios 0..1, latencies in seconds).
    pub above: f64,
    /// How long it must hold before the trigger fires, ms (0: at once).
    pub for_ms: i64,
}

/// What the guard does when a trigger fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GuardMode {
    /// Show the countdown and the banner only.
    Off,
    /// Offer the rollback behind the usual confirmation (one key).
    #[default]
    Propose,
    /// Roll back without asking; journaled as done by the guard.
    Auto,
}

/// One release's analysis settings (a `[[release]]` table).
#[derive(Debug, Clone, PartialEq)]
pub struct ReleaseAnalysisConfig {
    /// The release's name.
    pub name: String,
    /// Deployment or Rollout.
    pub kind: WorkloadKind,
    /// The workload's name.
    pub workload: String,
    /// Its namespace.
    pub namespace: String,
    /// The kubeconfig context; `None` means any.
    pub context: Option<String>,
    /// `prometheus = "…"`: this release's Prometheus.
    pub prometheus: Option<String>,
    /// `triggers = [...]`; `None` means the defaults.
    pub triggers: Option<Vec<Trigger>>,
    /// `guard = "off" | "propose" | "auto"`.
    pub guard: GuardMode,
    /// `auto_protected = true`: the guard may act in a protected context.
    pub auto_protected: bool,
}

/// Everything `config.toml` says about analysis.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AnalysisConfig {
    /// `[prometheus] url`.
    pub url: Option<String>,
    /// `[contexts.PATTERN] prometheus`, in file order (patterns are globs).
    pub context_urls: Vec<(String, String)>,
    /// `[analysis] triggers`: the triggers of releases that name none.
    pub default_triggers: Vec<Trigger>,
    /// `[analysis] guard`: the guard of releases that name none.
    pub default_guard: GuardMode,
    /// Per-release settings.
    pub releases: Vec<ReleaseAnalysisConfig>,
}
