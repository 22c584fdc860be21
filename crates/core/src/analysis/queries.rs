//! A release's series queries: which pods are the canary and which the stable, the PromQL for
//! each signal of each side, and where Prometheus is.

use super::config::{AnalysisConfig, GuardMode, ReleaseAnalysisConfig, Trigger};
use super::series::{SeriesKey, SeriesQuery, Side, Signal};
use super::state::{AnalysisState, TriggerSource};
use crate::cluster::Cluster;
use crate::control::glob;
use crate::release::{self, ReleaseId, WorkloadKind};
use crate::rollout::TemplateRef;

/// How far back each range query reaches: 10 minutes.
pub const RANGE_MS: i64 = 10 * 60_000;
/// The range step: 15 seconds.
pub const STEP_MS: i64 = 15_000;

/// Every signal, in the order the pane lists them.
pub const SIGNALS: [Signal; 5] = [
    Signal::RequestRate,
    Signal::ErrorRatio,
    Signal::P95,
    Signal::P99,
    Signal::HealthFailures,
];

/// The pod-template hashes of a release's two sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sides {
    /// The new revision under trial; `None` when nothing is rolling.
    pub canary: Option<String>,
    /// The revision serving (stable, active, the older ReplicaSet with pods, or the only one).
    pub stable: Option<String>,
}

impl Sides {
    /// Whether a new revision is on trial.
    pub fn rolling(&self) -> bool {
        self.canary.is_some()
    }
}

/// Canary and stable of a release as the cluster shows them now.
pub fn sides(cluster: &Cluster, id: &ReleaseId) -> Sides {
    let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_string());
    match id.kind {
        WorkloadKind::Rollout => {
            let Some(r) = cluster.rollouts.get(&id.key) else {
                return Sides {
                    canary: None,
                    stable: None,
                };
            };
            let (new, serving) = if r.is_blue_green() {
                (
                    r.preview_selector
                        .clone()
                        .or_else(|| non_empty(&r.current_pod_hash)),
                    r.active_selector
                        .clone()
                        .or_else(|| non_empty(&r.stable_rs)),
                )
            } else {
                (non_empty(&r.current_pod_hash), non_empty(&r.stable_rs))
            };
            // Promoted (or aborted back to stable): nothing is on trial.
            let canary = new.filter(|h| Some(h) != serving.as_ref() && !r.abort);
            Sides {
                canary,
                stable: serving,
            }
        }
        WorkloadKind::Deployment => {
            let revisions = release::replicasets_of(cluster, id);
            let newest = revisions.first().map(|rs| rs.hash.clone());
            let older = revisions
                .iter()
                .skip(1)
                .find(|rs| rs.replicas > 0)
                .map(|rs| rs.hash.clone());
            match older {
                Some(old) => Sides {
                    canary: newest,
                    stable: Some(old),
                },
                None => Sides {
                    canary: None,
                    stable: newest,
                },
            }
        }
    }
}

/// The PromQL of one signal for the pods of one revision.
pub fn promql(id: &ReleaseId, hash: &str, signal: Signal) -> String {
    let ns = &id.key.namespace;
    let label = match id.kind {
        WorkloadKind::Rollout => "rollouts_pod_template_hash",
        WorkloadKind::Deployment => "pod_template_hash",
    };
    let sel = format!("namespace=\"{ns}\",{label}=\"{hash}\"");
    let requests = format!("sum(rate(http_requests_total{{{sel}}}[1m]))");
    let quantile = |q: &str| {
        format!(
            "histogram_quantile({q}, sum by (le) (rate(http_request_duration_seconds_bucket{{{sel}}}[1m])))"
        )
    };
    match signal {
        Signal::RequestRate => requests,
        Signal::ErrorRatio => {
            format!("sum(rate(http_requests_total{{{sel},code=~\"5..\"}}[1m])) / {requests}")
        }
        Signal::P95 => quantile("0.95"),
        Signal::P99 => quantile("0.99"),
        Signal::HealthFailures => {
            let pods = format!("namespace=\"{ns}\",pod=~\"{}-{hash}-.*\"", id.key.name);
            format!(
                "sum(rate(prober_probe_total{{{pods},result=\"failed\"}}[1m])) / sum(rate(prober_probe_total{{{pods}}}[1m]))"
            )
        }
    }
}

/// The queries of both sides (only the stable side when nothing is rolling).
pub fn queries(id: &ReleaseId, sides: &Sides) -> Vec<SeriesQuery> {
    [(Side::Canary, &sides.canary), (Side::Stable, &sides.stable)]
        .into_iter()
        .filter_map(|(side, hash)| hash.as_ref().map(|h| (side, h)))
        .flat_map(|(side, hash)| {
            SIGNALS.into_iter().map(move |signal| SeriesQuery {
                key: SeriesKey { side, signal },
                promql: promql(id, hash, signal),
                range_ms: RANGE_MS,
                step_ms: STEP_MS,
            })
        })
        .collect()
}

/// The `[[release]]` settings of a release, if config.toml has them.
pub fn release_config<'a>(
    config: &'a AnalysisConfig,
    id: &ReleaseId,
    context: &str,
) -> Option<&'a ReleaseAnalysisConfig> {
    config.releases.iter().find(|r| {
        r.kind == id.kind
            && r.workload == id.key.name
            && r.namespace == id.key.namespace
            && r.context.as_deref().is_none_or(|c| c == context)
    })
}

/// The Prometheus of a release: its own, else the first `[contexts]` pattern that matches,
/// else `[prometheus] url`.
pub fn url(config: &AnalysisConfig, id: &ReleaseId, context: &str) -> Option<String> {
    release_config(config, id, context)
        .and_then(|r| r.prometheus.clone())
        .or_else(|| {
            config
                .context_urls
                .iter()
                .find(|(pattern, _)| glob(pattern, context))
                .map(|(_, url)| url.clone())
        })
        .or_else(|| config.url.clone())
}

/// The AnalysisTemplates a release's Rollout references (none for a Deployment).
pub fn template_refs(cluster: &Cluster, id: &ReleaseId) -> Vec<TemplateRef> {
    match id.kind {
        WorkloadKind::Rollout => cluster
            .rollouts
            .get(&id.key)
            .map(|r| r.template_refs())
            .unwrap_or_default(),
        WorkloadKind::Deployment => Vec::new(),
    }
}

/// The triggers of a release and where they come from: its own `[[release]] triggers`, else
/// those its Rollout's AnalysisTemplates amount to (read for the templates it names now),
/// else `[analysis] triggers` (the seed's defaults when config.toml says nothing).
pub fn triggers<'a>(
    state: &'a AnalysisState,
    cluster: &Cluster,
    id: &ReleaseId,
    context: &str,
) -> (&'a [Trigger], TriggerSource) {
    let config = &state.config;
    if let Some(own) = release_config(config, id, context).and_then(|r| r.triggers.as_deref()) {
        return (own, TriggerSource::Release);
    }
    if let Some(t) = state.templates.get(id)
        && !t.triggers.is_empty()
        && t.refs == template_refs(cluster, id)
    {
        return (&t.triggers, TriggerSource::Templates);
    }
    (&config.default_triggers, TriggerSource::Defaults)
}

/// What the guard may do for a release, and whether it may act in a protected context.
pub fn guard(config: &AnalysisConfig, id: &ReleaseId, context: &str) -> (GuardMode, bool) {
    release_config(config, id, context).map_or((config.default_guard, false), |r| {
        (r.guard, r.auto_protected)
    })
}

/// What the pane says when no Prometheus is configured for a release.
pub const NO_PROMETHEUS: &str = "no Prometheus configured: set [prometheus] url = \"http://…\" in config.toml (or prometheus = … in [contexts.NAME] or the release's [[release]] table)";
