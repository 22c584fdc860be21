//! Scenarios: the world a simulator run starts from, as TOML files under `assets/scenarios/`.
//! A scenario names nodes, versions (how each image behaves), workloads with the history of
//! images already rolled out and what is rolling at the moment the simulator starts, and timed
//! actions. Unknown keys are errors that name the file, line and key.

mod build;

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::controllers::Action;
use super::world::{Behaviour, World};

/// The scenarios shipped in `assets/scenarios/`, compiled in so the binary needs no source tree.
const BUILT_IN: &[(&str, &str)] = &[
    (
        "default",
        include_str!("../../../assets/scenarios/default.toml"),
    ),
    (
        "hostile-logs",
        include_str!("../../../assets/scenarios/hostile-logs.toml"),
    ),
    (
        "scale",
        include_str!("../../../assets/scenarios/scale.toml"),
    ),
    (
        "ci-20",
        include_str!("../../../assets/scenarios/ci-20.toml"),
    ),
    (
        "scale-20k",
        include_str!("../../../assets/scenarios/scale-20k.toml"),
    ),
];

/// The built-in scenarios' names, comma-separated.
fn built_in_names() -> String {
    BUILT_IN
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A scenario could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ScenarioError {
    /// The file.
    pub(crate) path: PathBuf,
    /// What is wrong.
    pub(crate) message: String,
}

/// How one image behaves once running (all fields optional; defaults behave well).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct VersionSpec {
    /// The image reference.
    pub(crate) image: String,
    /// Shorthand for a broken version: crash loop with a high error rate.
    #[serde(default)]
    pub(crate) bad: bool,
    /// Crash shortly after start (CrashLoopBackOff).
    #[serde(default)]
    pub(crate) crash_loop: bool,
    /// Never pass readiness.
    #[serde(default)]
    pub(crate) fail_readiness: bool,
    /// The image cannot be pulled.
    #[serde(default)]
    pub(crate) image_pull_error: bool,
    /// Killed for memory instead of crashing.
    #[serde(default)]
    pub(crate) oom: bool,
    /// Share of 5xx answers.
    pub(crate) error_rate: Option<f64>,
    /// Typical latency in milliseconds.
    pub(crate) latency_ms: Option<f64>,
    /// Writes hostile terminal escape sequences.
    #[serde(default)]
    pub(crate) hostile_logs: bool,
}

impl VersionSpec {
    /// The behaviour this spec describes.
    pub(crate) fn behaviour(&self) -> Behaviour {
        let base = Behaviour::default();
        Behaviour {
            crash_loop: self.crash_loop || self.bad,
            fail_readiness: self.fail_readiness,
            image_pull_error: self.image_pull_error,
            oom: self.oom,
            error_rate: self
                .error_rate
                .unwrap_or(if self.bad { 0.35 } else { base.error_rate }),
            latency_ms: self
                .latency_ms
                .unwrap_or(if self.bad { 240.0 } else { base.latency_ms }),
            hostile_logs: self.hostile_logs,
        }
    }
}

/// The kind of a workload.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Kind {
    /// apps/v1 Deployment.
    Deployment,
    /// argoproj.io/v1alpha1 Rollout.
    Rollout,
}

/// How a workload rolls.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Strategy {
    /// Deployment RollingUpdate.
    #[default]
    Rolling,
    /// Deployment Recreate.
    Recreate,
    /// Argo canary.
    Canary,
    /// Argo blue-green.
    BlueGreen,
}

/// A timed pause of a canary step.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct PauseSpec {
    /// `30s`, `5m`; absent waits for a promote.
    pub(crate) duration: Option<String>,
}

/// An arg passed to analysis templates: a literal `value` or a pod-template hash.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct ArgSpec {
    /// The arg's name (`{{args.NAME}}` in queries).
    pub(crate) name: String,
    /// A literal value.
    pub(crate) value: Option<String>,
    /// `Latest` or `Stable`: `valueFrom.podTemplateHashValue`.
    pub(crate) pod_template_hash_value: Option<String>,
}

/// An analysis step, or a Rollout's background analysis, spelled like Argo's.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct AnalysisSpec {
    /// One AnalysisTemplate name (shorthand for `templates = [NAME]`).
    pub(crate) template: Option<String>,
    /// AnalysisTemplate (or, when the scenario's template has no namespace,
    /// ClusterAnalysisTemplate) names.
    #[serde(default)]
    pub(crate) templates: Vec<String>,
    /// Args for the templates.
    #[serde(default)]
    pub(crate) args: Vec<ArgSpec>,
    /// Background analysis only: the step index it starts at.
    pub(crate) starting_step: Option<i64>,
}

/// One metric of an analysis template, spelled like Argo's; the provider is Prometheus.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct MetricSpec {
    /// Metric name.
    pub(crate) name: String,
    /// The PromQL query (`{{args.NAME}}` substituted).
    pub(crate) query: String,
    /// Prometheus address.
    pub(crate) address: Option<String>,
    /// Time between measurements (`30s`).
    pub(crate) interval: Option<String>,
    /// Wait before the first measurement.
    pub(crate) initial_delay: Option<String>,
    /// Measurements to take.
    pub(crate) count: Option<i64>,
    /// expr-lang condition for success.
    pub(crate) success_condition: Option<String>,
    /// expr-lang condition for failure.
    pub(crate) failure_condition: Option<String>,
    /// Failed measurements tolerated.
    pub(crate) failure_limit: Option<i64>,
    /// Inconclusive measurements tolerated.
    pub(crate) inconclusive_limit: Option<i64>,
    /// Consecutive errors tolerated.
    pub(crate) consecutive_error_limit: Option<i64>,
}

/// An AnalysisTemplate (with a namespace) or ClusterAnalysisTemplate (without).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct TemplateSpec {
    /// Name.
    pub(crate) name: String,
    /// Namespace; absent makes a ClusterAnalysisTemplate.
    pub(crate) namespace: Option<String>,
    /// Arg names the queries use.
    #[serde(default)]
    pub(crate) args: Vec<String>,
    /// Metrics.
    #[serde(rename = "metric")]
    pub(crate) metrics: Vec<MetricSpec>,
}

/// One canary step, spelled like Argo's.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct StepSpec {
    /// Canary weight in percent.
    pub(crate) set_weight: Option<i64>,
    /// A pause.
    pub(crate) pause: Option<PauseSpec>,
    /// An analysis.
    pub(crate) analysis: Option<AnalysisSpec>,
}

/// One Deployment or Rollout.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct WorkloadSpec {
    /// Deployment or Rollout.
    pub(crate) kind: Kind,
    /// Namespace (created when missing).
    pub(crate) namespace: String,
    /// Name.
    pub(crate) name: String,
    /// Container name; defaults to the workload name.
    pub(crate) container: Option<String>,
    /// Desired replicas.
    #[serde(default = "default_replicas")]
    pub(crate) replicas: i64,
    /// The image of the latest completed revision.
    pub(crate) image: String,
    /// Earlier images, oldest first, rolled out before it.
    #[serde(default)]
    pub(crate) history: Vec<String>,
    /// An image whose rollout started `rollout_lead_seconds` before the simulator starts.
    pub(crate) rollout_to: Option<String>,
    /// How long before start that rollout began.
    #[serde(default)]
    pub(crate) rollout_lead_seconds: u64,
    /// Container port.
    #[serde(default = "default_port")]
    pub(crate) port: i64,
    /// Rolling, recreate, canary or blue-green.
    #[serde(default)]
    pub(crate) strategy: Strategy,
    /// maxSurge (`25%` or a count).
    pub(crate) max_surge: Option<String>,
    /// maxUnavailable (`25%` or a count).
    pub(crate) max_unavailable: Option<String>,
    /// minReadySeconds.
    pub(crate) min_ready_seconds: Option<i64>,
    /// progressDeadlineSeconds.
    pub(crate) progress_deadline_seconds: Option<i64>,
    /// revisionHistoryLimit.
    pub(crate) revision_history_limit: Option<i64>,
    /// Canary steps.
    #[serde(default)]
    pub(crate) steps: Vec<StepSpec>,
    /// Blue-green active Service (default `<name>`).
    pub(crate) active_service: Option<String>,
    /// Blue-green preview Service (default `<name>-preview`).
    pub(crate) preview_service: Option<String>,
    /// Blue-green auto promotion.
    #[serde(default = "default_true")]
    pub(crate) auto_promotion: bool,
    /// Background analysis of a canary Rollout (`strategy.canary.analysis`).
    pub(crate) analysis: Option<AnalysisSpec>,
    /// Annotations of the workload (e.g. `quarterdeck.dev/github`, its CI link).
    #[serde(default)]
    pub(crate) annotations: std::collections::BTreeMap<String, String>,
}

fn default_replicas() -> i64 {
    3
}
fn default_port() -> i64 {
    8080
}
fn default_true() -> bool {
    true
}
fn default_settle() -> u64 {
    240
}

/// Set the image of a workload.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct SetImageSpec {
    /// Namespace.
    pub(crate) namespace: String,
    /// Workload name.
    pub(crate) name: String,
    /// New image.
    pub(crate) image: String,
}

/// Something that happens at a simulated second after start.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct ActionSpec {
    /// Seconds after start.
    pub(crate) at_seconds: f64,
    /// Start a rollout.
    pub(crate) set_image: Option<SetImageSpec>,
    /// Change a version's behaviour.
    pub(crate) version: Option<VersionSpec>,
}

/// A parsed scenario.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct Scenario {
    /// Short name.
    pub(crate) name: String,
    /// What it shows.
    #[serde(default)]
    pub(crate) description: String,
    /// Node names.
    pub(crate) nodes: Vec<String>,
    /// Extra namespaces besides the workloads' ones.
    #[serde(default)]
    pub(crate) namespaces: Vec<String>,
    /// Simulated seconds each historical revision gets to roll out before time skips ahead.
    #[serde(default = "default_settle")]
    pub(crate) settle_seconds: u64,
    /// Behaviours per image.
    #[serde(default, rename = "version")]
    pub(crate) versions: Vec<VersionSpec>,
    /// Analysis templates.
    #[serde(default, rename = "analysis_template")]
    pub(crate) templates: Vec<TemplateSpec>,
    /// Workloads.
    #[serde(default, rename = "workload")]
    pub(crate) workloads: Vec<WorkloadSpec>,
    /// Timed actions.
    #[serde(default, rename = "action")]
    pub(crate) actions: Vec<ActionSpec>,
    /// CI projects per provider: above the default world's, mirrors of its projects fill up.
    #[serde(default)]
    pub(crate) ci_projects: usize,
}

impl Scenario {
    /// Reads a scenario file; a bare name that is no file (`ci-20`) is the built-in scenario
    /// of that name.
    pub(crate) fn load(path: &Path) -> Result<Self, ScenarioError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let name = path
                    .to_str()
                    .filter(|n| BUILT_IN.iter().any(|(b, _)| b == n));
                return match name {
                    Some(name) => Self::named(name),
                    None => Err(ScenarioError {
                        path: path.to_path_buf(),
                        message: format!(
                            "no such scenario file; built-in scenarios: {}, or give a path to a scenario TOML file",
                            built_in_names()
                        ),
                    }),
                };
            }
            Err(e) => {
                return Err(ScenarioError {
                    path: path.to_path_buf(),
                    message: e.to_string(),
                });
            }
        };
        Self::parse(&text, path)
    }

    /// Parses scenario text; `path` only names it in errors.
    pub(crate) fn parse(text: &str, path: &Path) -> Result<Self, ScenarioError> {
        let err = |message: String| ScenarioError {
            path: path.to_path_buf(),
            message,
        };
        let s: Scenario = toml::from_str(text).map_err(|e| err(e.to_string()))?;
        s.validate().map_err(err)?;
        Ok(s)
    }

    /// The compiled-in default world.
    pub(crate) fn default_world() -> Result<Self, ScenarioError> {
        Self::named("default")
    }

    /// A built-in scenario by name (`default`, `hostile-logs`, `scale`, `ci-20`, `scale-20k`).
    pub(crate) fn named(name: &str) -> Result<Self, ScenarioError> {
        let path = PathBuf::from(format!("assets/scenarios/{name}.toml"));
        match BUILT_IN.iter().find(|(n, _)| *n == name) {
            Some((_, text)) => Self::parse(text, &path),
            None => Err(ScenarioError {
                message: format!(
                    "no built-in scenario of that name (built in: {})",
                    built_in_names()
                ),
                path,
            }),
        }
    }

    fn validate(&self) -> Result<(), String> {
        if self.nodes.is_empty() {
            return Err("`nodes` must name at least one node".into());
        }
        for w in &self.workloads {
            let wants_rollout = matches!(w.strategy, Strategy::Canary | Strategy::BlueGreen);
            if wants_rollout != (w.kind == Kind::Rollout) {
                return Err(format!(
                    "workload {}/{}: strategy {:?} does not fit kind {:?}",
                    w.namespace, w.name, w.strategy, w.kind
                ));
            }
            let refs = w.steps.iter().filter_map(|s| s.analysis.as_ref());
            for a in refs.chain(&w.analysis) {
                if a.template.is_none() && a.templates.is_empty() {
                    return Err(format!(
                        "workload {}/{}: an analysis must name a template",
                        w.namespace, w.name
                    ));
                }
            }
            if w.analysis.is_some() && w.strategy != Strategy::Canary {
                return Err(format!(
                    "workload {}/{}: background analysis needs the canary strategy",
                    w.namespace, w.name
                ));
            }
            for (i, s) in w.steps.iter().enumerate() {
                let n = [
                    s.set_weight.is_some(),
                    s.pause.is_some(),
                    s.analysis.is_some(),
                ]
                .iter()
                .filter(|x| **x)
                .count();
                if n != 1 {
                    return Err(format!(
                        "workload {}/{}: step {i} must have exactly one of setWeight, pause, analysis",
                        w.namespace, w.name
                    ));
                }
            }
        }
        for a in &self.actions {
            if a.set_image.is_some() == a.version.is_some() {
                return Err(format!(
                    "action at {}s must have exactly one of set_image, version",
                    a.at_seconds
                ));
            }
        }
        Ok(())
    }

    /// The timed actions as controller actions with their simulated times.
    fn timed_actions(&self, start_ms: i64) -> Vec<(i64, Action)> {
        let mut out: Vec<(i64, Action)> = self
            .actions
            .iter()
            .filter_map(|a| {
                let at = start_ms + (a.at_seconds * 1000.0) as i64;
                let action = match (&a.set_image, &a.version) {
                    (Some(s), _) => Action::SetImage {
                        namespace: s.namespace.clone(),
                        name: s.name.clone(),
                        image: s.image.clone(),
                    },
                    (None, Some(v)) => Action::SetBehaviour {
                        image: v.image.clone(),
                        behaviour: v.behaviour(),
                    },
                    (None, None) => return None,
                };
                Some((at, action))
            })
            .collect();
        out.sort_by_key(|(at, _)| *at);
        out
    }

    /// Populates a world whose clock stands at the scenario's "now": the history is rolled out
    /// before it, so the world arrives at now with revisions to roll back to.
    pub(crate) fn build(&self, world: &mut World) {
        build::build(self, world);
    }
}
