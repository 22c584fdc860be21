//! Slim Argo Rollouts and the derivations the kubectl plugin prints (API.md §1.3–1.4):
//! phase and message, step `i/n`, desired (SetWeight) and actual weight.

use super::meta::{Condition, ObjectKey, latest_condition_ms};
use super::phase::Phase;

/// One canary step, reduced to what the step list shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CanaryStep {
    /// `setWeight: N`.
    SetWeight(u32),
    /// `pause: {duration}`; `None` waits for a human.
    Pause(Option<String>),
    /// `analysis: {templates}`; the template names.
    Analysis(Vec<String>),
    /// Any other step kind (`experiment`, `setCanaryScale`, `setHeaderRoute` …), by name.
    Other(String),
}

impl CanaryStep {
    /// Short text for the step list.
    pub fn describe(&self) -> String {
        match self {
            CanaryStep::SetWeight(w) => format!("setWeight {w}%"),
            CanaryStep::Pause(Some(d)) => format!("pause {d}"),
            CanaryStep::Pause(None) => "pause (until promoted)".into(),
            CanaryStep::Analysis(t) if t.is_empty() => "analysis".into(),
            CanaryStep::Analysis(t) => format!("analysis {}", t.join(", ")),
            CanaryStep::Other(k) => k.clone(),
        }
    }
}

/// The strategy section of a Rollout spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RolloutStrategy {
    /// `strategy.canary`.
    Canary {
        /// `steps`.
        steps: Vec<CanaryStep>,
        /// Whether `trafficRouting` is configured.
        traffic_routing: bool,
        /// `trafficRouting.maxTrafficWeight` (100 when unset).
        max_weight: u32,
    },
    /// `strategy.blueGreen`.
    BlueGreen {
        /// `activeService`.
        active_service: String,
        /// `previewService`.
        preview_service: Option<String>,
        /// `autoPromotionEnabled` (true when unset).
        auto_promotion: bool,
    },
}

impl Default for RolloutStrategy {
    fn default() -> Self {
        RolloutStrategy::Canary {
            steps: Vec::new(),
            traffic_routing: false,
            max_weight: 100,
        }
    }
}

/// An AnalysisTemplate a Rollout names: `templateName`, and `clusterScope` for a
/// ClusterAnalysisTemplate.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TemplateRef {
    /// `templateName`.
    pub name: String,
    /// `clusterScope: true`: a ClusterAnalysisTemplate, not one in the Rollout's namespace.
    pub cluster_scope: bool,
}

/// Where a Rollout runs an analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnalysisUse {
    /// `strategy.canary.analysis`: background analysis for the whole canary.
    Background,
    /// `strategy.canary.steps[i].analysis`, by step index.
    Step(u32),
    /// `strategy.blueGreen.prePromotionAnalysis`.
    PrePromotion,
    /// `strategy.blueGreen.postPromotionAnalysis`.
    PostPromotion,
}

/// One template reference and where the Rollout uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateUse {
    /// The template.
    pub template: TemplateRef,
    /// Where it runs.
    pub used: AnalysisUse,
}

/// A `status.pauseConditions[]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PauseCondition {
    /// `CanaryPauseStep`, `BlueGreenPause`, `InconclusiveAnalysisRun` …
    pub reason: String,
    /// `startTime`, Unix milliseconds.
    pub since_ms: Option<i64>,
}

/// An Argo Rollout reduced to what Quarterdeck shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Rollout {
    /// Namespace and name.
    pub key: ObjectKey,
    /// `metadata.generation`.
    pub generation: i64,
    /// `status.observedGeneration` (a string in Argo's API).
    pub observed_generation: Option<String>,
    /// Annotation `rollout.argoproj.io/revision`.
    pub revision: Option<i64>,
    /// `spec.strategy`.
    pub strategy: RolloutStrategy,
    /// `spec.paused`.
    pub spec_paused: bool,
    /// `spec.replicas`.
    pub desired: i32,
    /// Image of the first container of `spec.template`.
    pub image: String,
    /// `status.phase`.
    pub phase: String,
    /// `status.message`.
    pub message: String,
    /// `status.currentStepIndex`.
    pub current_step_index: Option<u32>,
    /// `status.stableRS`.
    pub stable_rs: String,
    /// `status.currentPodHash`.
    pub current_pod_hash: String,
    /// `status.pauseConditions`.
    pub pause_conditions: Vec<PauseCondition>,
    /// `status.controllerPause`.
    pub controller_pause: bool,
    /// `status.abort`.
    pub abort: bool,
    /// `status.abortedAt`, Unix milliseconds.
    pub aborted_at_ms: Option<i64>,
    /// `status.replicas`.
    pub replicas: i32,
    /// `status.updatedReplicas`.
    pub updated: i32,
    /// `status.readyReplicas`.
    pub ready: i32,
    /// `status.availableReplicas`.
    pub available: i32,
    /// `status.canary.weights.canary.weight` (traffic-routed canaries only).
    pub routed_canary_weight: Option<u32>,
    /// `status.blueGreen.activeSelector`.
    pub active_selector: Option<String>,
    /// `status.blueGreen.previewSelector`.
    pub preview_selector: Option<String>,
    /// `status.conditions`.
    pub conditions: Vec<Condition>,
    /// `metadata.creationTimestamp`, Unix milliseconds.
    pub created_ms: Option<i64>,
    /// Quarterdeck's own annotations (`quarterdeck.dev/…`): the workload's CI link.
    pub annotations: std::collections::BTreeMap<String, String>,
    /// The AnalysisTemplates the strategy references, in spec order. Boxed: a Rollout is the
    /// largest object a watch sends, and most name no template.
    pub analysis: Box<Vec<TemplateUse>>,
}

impl Rollout {
    /// Phase and message as `kubectl argo rollouts get` derives them.
    pub fn phase(&self) -> (Phase, String) {
        let observed = self
            .observed_generation
            .as_deref()
            .and_then(|g| g.parse::<i64>().ok());
        if let Some(observed) = observed
            && observed != self.generation
        {
            return (
                Phase::Progressing,
                "waiting for rollout spec update to be observed".into(),
            );
        }
        if self.controller_pause && self.pause_conditions.is_empty() {
            return (Phase::Progressing, "waiting for rollout to unpause".into());
        }
        let phase = match self.phase.as_str() {
            "Healthy" => Phase::Healthy,
            "Progressing" => Phase::Progressing,
            "Paused" => Phase::Paused,
            "Degraded" => Phase::Degraded,
            _ => Phase::Unknown,
        };
        (phase, self.message.clone())
    }

    /// The canary steps (empty for blue-green).
    pub fn steps(&self) -> &[CanaryStep] {
        match &self.strategy {
            RolloutStrategy::Canary { steps, .. } => steps,
            RolloutStrategy::BlueGreen { .. } => &[],
        }
    }

    /// `(current index, number of steps)` when the rollout has steps and an index.
    pub fn step(&self) -> Option<(u32, u32)> {
        let n = u32::try_from(self.steps().len()).ok()?;
        if n == 0 {
            return None;
        }
        Some((self.current_step_index.unwrap_or(0), n))
    }

    fn max_weight(&self) -> u32 {
        match &self.strategy {
            RolloutStrategy::Canary { max_weight, .. } => *max_weight,
            RolloutStrategy::BlueGreen { .. } => 100,
        }
    }

    /// The index of the step being executed, when there is one.
    fn current_step(&self) -> Option<usize> {
        let steps = self.steps();
        let i = self.current_step_index.unwrap_or(0) as usize;
        (i < steps.len()).then_some(i)
    }

    /// Desired canary weight (SetWeight): 0 when aborted, the maximum without a current step,
    /// else the nearest `setWeight` at or before the current step.
    pub fn desired_weight(&self) -> u32 {
        if self.abort {
            return 0;
        }
        let Some(i) = self.current_step() else {
            return self.max_weight();
        };
        self.steps()[..=i]
            .iter()
            .rev()
            .find_map(|s| match s {
                CanaryStep::SetWeight(w) => Some(*w),
                _ => None,
            })
            .unwrap_or(0)
    }

    /// Actual canary weight, given the available replicas of the canary ReplicaSet.
    pub fn actual_weight(&self, canary_available: i32) -> u32 {
        if self.current_step().is_none() {
            return self.max_weight();
        }
        if self.available <= 0 {
            return 0;
        }
        let routed = matches!(
            self.strategy,
            RolloutStrategy::Canary {
                traffic_routing: true,
                ..
            }
        );
        if routed {
            return self
                .routed_canary_weight
                .unwrap_or_else(|| self.desired_weight());
        }
        let w = i64::from(canary_available.max(0)) * i64::from(self.max_weight())
            / i64::from(self.available);
        u32::try_from(w).unwrap_or(0)
    }

    /// Every template the rollout references, once each, sorted: what its rollback triggers
    /// may be read from.
    pub fn template_refs(&self) -> Vec<TemplateRef> {
        let mut refs: Vec<TemplateRef> = self.analysis.iter().map(|u| u.template.clone()).collect();
        refs.sort();
        refs.dedup();
        refs
    }

    /// Whether the rollout is a blue-green.
    pub fn is_blue_green(&self) -> bool {
        matches!(self.strategy, RolloutStrategy::BlueGreen { .. })
    }

    /// The role of pods with this pod-template hash, as the plugin labels ReplicaSets.
    pub fn role_of(&self, hash: &str) -> super::pod::PodRole {
        use super::pod::PodRole;
        if hash.is_empty() {
            return PodRole::Old;
        }
        if hash == self.stable_rs {
            return PodRole::Stable;
        }
        if self.is_blue_green() {
            if self.preview_selector.as_deref() == Some(hash) {
                return PodRole::Preview;
            }
            if self.active_selector.as_deref() == Some(hash) {
                return PodRole::Active;
            }
        } else if hash == self.current_pod_hash {
            return PodRole::Canary;
        }
        PodRole::Old
    }

    /// When the rollout last changed state, as far as its status tells.
    pub fn last_change_ms(&self) -> Option<i64> {
        let pause = self
            .pause_conditions
            .iter()
            .filter_map(|p| p.since_ms)
            .max();
        [
            latest_condition_ms(&self.conditions),
            pause,
            self.aborted_at_ms,
        ]
        .into_iter()
        .flatten()
        .max()
        .or(self.created_ms)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn canary(index: Option<u32>) -> Rollout {
        Rollout {
            strategy: RolloutStrategy::Canary {
                steps: vec![
                    CanaryStep::SetWeight(10),
                    CanaryStep::Pause(None),
                    CanaryStep::SetWeight(50),
                    CanaryStep::Pause(Some("2m".into())),
                ],
                traffic_routing: false,
                max_weight: 100,
            },
            current_step_index: index,
            available: 10,
            ..Rollout::default()
        }
    }

    #[test]
    fn desired_weight_walks_back_to_the_last_set_weight() {
        assert_eq!(canary(Some(1)).desired_weight(), 10);
        assert_eq!(canary(Some(3)).desired_weight(), 50);
        assert_eq!(canary(Some(4)).desired_weight(), 100);
        assert_eq!(canary(None).desired_weight(), 10);
        let aborted = Rollout {
            abort: true,
            ..canary(Some(3))
        };
        assert_eq!(aborted.desired_weight(), 0);
    }

    #[test]
    fn actual_weight_is_the_canary_share_of_available_pods() {
        assert_eq!(canary(Some(1)).actual_weight(1), 10);
        assert_eq!(canary(Some(1)).actual_weight(3), 30);
        assert_eq!(canary(Some(4)).actual_weight(0), 100);
        let none_available = Rollout {
            available: 0,
            ..canary(Some(1))
        };
        assert_eq!(none_available.actual_weight(0), 0);
    }

    #[test]
    fn unobserved_generation_reads_as_progressing() {
        let r = Rollout {
            generation: 3,
            observed_generation: Some("2".into()),
            phase: "Healthy".into(),
            ..canary(Some(4))
        };
        assert_eq!(r.phase().0, Phase::Progressing);
        let r = Rollout {
            controller_pause: true,
            phase: "Paused".into(),
            ..canary(Some(1))
        };
        assert_eq!(r.phase().1, "waiting for rollout to unpause");
    }

    #[test]
    fn template_refs_are_each_template_once() {
        let used = |name: &str, cluster_scope: bool, used: AnalysisUse| TemplateUse {
            template: TemplateRef {
                name: name.into(),
                cluster_scope,
            },
            used,
        };
        let r = Rollout {
            analysis: Box::new(vec![
                used("latency-p95", true, AnalysisUse::Background),
                used("error-rate", true, AnalysisUse::Background),
                used("error-rate", true, AnalysisUse::Step(2)),
                used("error-rate", false, AnalysisUse::Step(4)),
            ]),
            ..canary(Some(1))
        };
        let names: Vec<(String, bool)> = r
            .template_refs()
            .into_iter()
            .map(|t| (t.name, t.cluster_scope))
            .collect();
        assert_eq!(
            names,
            [
                ("error-rate".into(), false),
                ("error-rate".into(), true),
                ("latency-p95".into(), true)
            ]
        );
    }
}
