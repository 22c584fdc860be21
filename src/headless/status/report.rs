//! What `status` reports about a release: the fields of its JSON, the progress line, the one
//! table line, and the verdict (done, failed, still pending) that picks the exit code.

use serde::Serialize;

use super::super::exit::Exit;
use crate::cli::OutputFormat;
use quarterdeck_core::phase::Phase;
use quarterdeck_core::release::{Release, WorkloadKind};

/// The status of one release, as `-o json` prints it (field names are stable).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Status {
    /// `namespace/name`.
    pub release: String,
    /// The workload's namespace.
    pub namespace: String,
    /// The workload's name.
    pub name: String,
    /// `deployment` or `rollout`.
    pub kind: &'static str,
    /// `rolling`, `recreate`, `canary` or `blue-green`.
    pub strategy: &'static str,
    /// `Healthy`, `Progressing`, `Paused`, `Degraded` or `Unknown`.
    pub phase: &'static str,
    /// The rollout was aborted.
    pub aborted: bool,
    /// The phase message.
    pub message: String,
    /// The current revision.
    pub revision: Option<i64>,
    /// The canary step being executed (`index` of `count`; `index == count` when done).
    pub step: Option<Step>,
    /// The canary's desired traffic weight in percent (the last `setWeight` reached).
    pub weight: Option<u32>,
    /// Ready replicas.
    pub ready: i32,
    /// Desired replicas.
    pub desired: i32,
    /// Image of the newest revision.
    pub image: String,
    /// `done`, `failed` or `pending`: what the exit code says.
    pub result: &'static str,
}

/// A canary step position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Step {
    /// `status.currentStepIndex`.
    pub index: u32,
    /// The number of steps.
    pub count: u32,
}

/// How a status reads for a script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Healthy and fully rolled out.
    Done,
    /// Degraded, aborted or past its progress deadline.
    Failed,
    /// Still progressing, or paused (a canary waiting for a promote is neither done nor failed).
    Pending,
}

impl Verdict {
    /// The exit code of `status` without `--wait`.
    pub fn exit(self) -> Exit {
        match self {
            Verdict::Done => Exit::Ok,
            Verdict::Failed => Exit::Failed,
            Verdict::Pending => Exit::Pending,
        }
    }

    fn word(self) -> &'static str {
        match self {
            Verdict::Done => "done",
            Verdict::Failed => "failed",
            Verdict::Pending => "pending",
        }
    }
}

/// The verdict on a release row: the core's phase, the abort flag and the replica counts.
pub fn verdict(row: &Release) -> Verdict {
    if row.aborted || row.phase == Phase::Degraded {
        return Verdict::Failed;
    }
    if row.phase == Phase::Healthy && row.ready >= row.desired {
        return Verdict::Done;
    }
    Verdict::Pending
}

impl Status {
    /// The status of a release row.
    pub fn of(row: &Release) -> Self {
        let key = &row.id.key;
        Status {
            release: format!("{}/{}", key.namespace, key.name),
            namespace: key.namespace.clone(),
            name: key.name.clone(),
            kind: match row.id.kind {
                WorkloadKind::Deployment => "deployment",
                WorkloadKind::Rollout => "rollout",
            },
            strategy: row.strategy,
            phase: row.phase.word(),
            aborted: row.aborted,
            message: row.message.clone(),
            revision: row.revision,
            step: row.step.map(|(index, count)| Step { index, count }),
            weight: row.weight.map(|(desired, _)| desired),
            ready: row.ready,
            desired: row.desired,
            image: row.image.clone(),
            result: verdict(row).word(),
        }
    }

    /// `step 2/5 · 50% · 4/5 ready · Progressing: message`.
    pub fn progress(&self) -> String {
        let mut parts = Vec::new();
        if let Some(s) = self.step {
            parts.push(format!("step {}/{}", s.index, s.count));
        }
        if let Some(w) = self.weight {
            parts.push(format!("{w}%"));
        }
        parts.push(format!("{}/{} ready", self.ready, self.desired));
        let phase = if self.aborted { "Aborted" } else { self.phase };
        parts.push(if self.message.is_empty() {
            phase.to_string()
        } else {
            format!("{phase}: {}", self.message)
        });
        parts.join(" · ")
    }

    /// The status in `format`: one table line, or one JSON / YAML document.
    pub fn render(&self, format: OutputFormat) -> String {
        match format {
            OutputFormat::Table => {
                let rev = self.revision.map_or("-".to_string(), |r| r.to_string());
                format!("{} rev {rev} · {}", self.release, self.progress())
            }
            OutputFormat::Json => serde_json::to_string_pretty(self).unwrap_or_default(),
            OutputFormat::Yaml => serde_saphyr::to_string(self)
                .unwrap_or_default()
                .trim_end()
                .to_string(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use quarterdeck_core::meta::ObjectKey;
    use quarterdeck_core::release::ReleaseId;

    fn row(phase: Phase) -> Release {
        Release {
            id: ReleaseId {
                key: ObjectKey::new("orders", "orders-api"),
                kind: WorkloadKind::Rollout,
            },
            strategy: "canary",
            phase,
            aborted: false,
            message: "CanaryPauseStep".into(),
            revision: Some(4),
            step: Some((1, 5)),
            weight: Some((10, 10)),
            ready: 4,
            desired: 4,
            last_change_ms: None,
            image: "ghcr.io/acme/orders-api:sha-f03c8b1".into(),
        }
    }

    #[test]
    fn a_paused_canary_is_pending_and_an_aborted_one_failed() {
        assert_eq!(verdict(&row(Phase::Paused)), Verdict::Pending);
        assert_eq!(verdict(&row(Phase::Progressing)), Verdict::Pending);
        assert_eq!(verdict(&row(Phase::Healthy)), Verdict::Done);
        assert_eq!(verdict(&row(Phase::Degraded)), Verdict::Failed);
        let aborted = Release {
            aborted: true,
            ..row(Phase::Paused)
        };
        assert_eq!(verdict(&aborted), Verdict::Failed);
        let short = Release {
            ready: 3,
            ..row(Phase::Healthy)
        };
        assert_eq!(verdict(&short), Verdict::Pending, "not every replica ready");
    }

    #[test]
    fn the_progress_line_names_step_weight_readiness_and_phase() {
        let s = Status::of(&row(Phase::Paused));
        assert_eq!(
            s.progress(),
            "step 1/5 · 10% · 4/4 ready · Paused: CanaryPauseStep"
        );
        assert_eq!(
            s.render(OutputFormat::Table),
            "orders/orders-api rev 4 · step 1/5 · 10% · 4/4 ready · Paused: CanaryPauseStep"
        );
        let json: serde_json::Value = serde_json::from_str(&s.render(OutputFormat::Json)).unwrap();
        assert_eq!(json["step"]["count"], 5);
        assert_eq!(json["result"], "pending");
    }
}
