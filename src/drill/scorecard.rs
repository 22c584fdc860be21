//! The scorecard: time to detect and to mitigate, the actions in order (from the journal), the
//! collateral, and the verdict against the drill's targets. Printed, drawn over the dashboard,
//! and appended as one JSON line to `drills.jsonl` in the state directory.

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use super::definition::Drill;

/// The file the results are appended to, inside the state directory.
pub const FILE: &str = "drills.jsonl";

/// Something that happened during the drill, at a simulated time from its start.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// Seconds from the drill's start (simulated time).
    pub at_s: f64,
    /// What happened.
    pub what: String,
}

/// One journaled action.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionLine {
    /// Seconds from the drill's start (simulated time).
    pub at_s: f64,
    /// `abort`, `undo` …
    pub action: String,
    /// The journal's target.
    pub target: String,
    /// `done`, `failed`, `refused`, `cancelled`.
    pub result: String,
    /// Why it failed or was refused, as the journal has it.
    pub why: Option<String>,
    /// `user` or `guard`.
    pub by: String,
}

impl ActionLine {
    /// The result, with the journal's reason when there is one: `refused: cannot re-read …`.
    pub fn outcome(&self) -> String {
        match &self.why {
            Some(why) => format!("{}: {why}", self.result),
            None => self.result.clone(),
        }
    }
}

/// The result of one drill run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scorecard {
    /// The drill's name.
    pub drill: String,
    /// The seed the moments were drawn with.
    pub seed: u64,
    /// `scripted`, `none` or `user`.
    pub responder: String,
    /// When the run started (wall clock, RFC 3339).
    pub started: String,
    /// The incidents as injected.
    pub incidents: Vec<Event>,
    /// When the first real (not decoy) incident happened, seconds from the start.
    pub trouble_at_s: Option<f64>,
    /// Time to detect, from the first real incident.
    pub detect_s: Option<f64>,
    /// Time to mitigate, from the first real incident.
    pub mitigate_s: Option<f64>,
    /// The targets.
    pub detect_target_s: f64,
    /// The targets.
    pub mitigate_target_s: f64,
    /// Every action, in order.
    pub actions: Vec<ActionLine>,
    /// Why each collateral action was charged.
    pub collateral: Vec<String>,
    /// `pass` or `fail`.
    pub verdict: String,
    /// Why it failed (empty on a pass).
    pub reasons: Vec<String>,
}

impl Scorecard {
    /// Fills in the verdict from the times, the targets and the collateral.
    pub fn decide(&mut self) {
        let mut reasons = Vec::new();
        match self.detect_s {
            None => reasons.push("never detected".to_string()),
            Some(t) if t > self.detect_target_s => reasons.push(format!(
                "detected in {} (target {})",
                clock(t),
                clock(self.detect_target_s)
            )),
            Some(_) => {}
        }
        match self.mitigate_s {
            None => reasons.push("never mitigated".to_string()),
            Some(t) if t > self.mitigate_target_s => reasons.push(format!(
                "mitigated in {} (target {})",
                clock(t),
                clock(self.mitigate_target_s)
            )),
            Some(_) => {}
        }
        if !self.collateral.is_empty() {
            reasons.push(format!("{} collateral action(s)", self.collateral.len()));
        }
        self.verdict = if reasons.is_empty() { "pass" } else { "fail" }.into();
        self.reasons = reasons;
    }

    /// Whether the drill passed.
    pub fn passed(&self) -> bool {
        self.verdict == "pass"
    }

    /// The scorecard as lines of text.
    pub fn lines(&self, drill: &Drill) -> Vec<String> {
        let opt = |t: Option<f64>| t.map_or_else(|| "—".to_string(), clock);
        let mut out = vec![
            format!("Drill {} — {}", drill.name, drill.title),
            format!(
                "verdict        {}{}",
                self.verdict.to_uppercase(),
                if self.reasons.is_empty() {
                    String::new()
                } else {
                    format!(": {}", self.reasons.join("; "))
                }
            ),
            format!(
                "time to detect   {} (target {})",
                opt(self.detect_s),
                clock(self.detect_target_s)
            ),
            format!(
                "time to mitigate {} (target {})",
                opt(self.mitigate_s),
                clock(self.mitigate_target_s)
            ),
            "actions:".to_string(),
        ];
        if self.actions.is_empty() {
            out.push("  none".into());
        }
        for a in &self.actions {
            out.push(format!(
                "  {} {} {} — {} (by {})",
                clock(a.at_s),
                a.action,
                a.target,
                a.outcome(),
                a.by
            ));
        }
        out.push(format!("collateral: {}", self.collateral.len()));
        out.extend(self.collateral.iter().map(|c| format!("  {c}")));
        out
    }

    /// Appends the scorecard as one line to `drills.jsonl` in `state_dir`.
    pub fn append(&self, state_dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(state_dir)?;
        let mut line = serde_json::to_string(self).map_err(std::io::Error::other)?;
        line.push('\n');
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(state_dir.join(FILE))?
            .write_all(line.as_bytes())
    }
}

/// Seconds as `m:ss`.
pub fn clock(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    format!("{}:{:02}", s / 60, s % 60)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn card() -> Scorecard {
        Scorecard {
            drill: "d".into(),
            seed: 1,
            responder: "scripted".into(),
            started: String::new(),
            incidents: Vec::new(),
            trouble_at_s: Some(10.0),
            detect_s: Some(10.0),
            mitigate_s: Some(60.0),
            detect_target_s: 30.0,
            mitigate_target_s: 120.0,
            actions: Vec::new(),
            collateral: Vec::new(),
            verdict: String::new(),
            reasons: Vec::new(),
        }
    }

    #[test]
    fn within_targets_and_without_collateral_passes() {
        let mut c = card();
        c.decide();
        assert!(c.passed(), "{:?}", c.reasons);
    }

    #[test]
    fn late_undetected_or_collateral_fails() {
        let mut late = card();
        late.mitigate_s = Some(121.0);
        late.decide();
        assert_eq!(late.reasons, vec!["mitigated in 2:01 (target 2:00)"]);
        let mut blind = card();
        blind.detect_s = None;
        blind.mitigate_s = None;
        blind.decide();
        assert_eq!(blind.reasons, vec!["never detected", "never mitigated"]);
        let mut clumsy = card();
        clumsy.collateral.push("abort on orders/orders-api".into());
        clumsy.decide();
        assert!(!clumsy.passed());
    }

    #[test]
    fn a_refused_action_says_why() {
        let mut c = card();
        let line = |result: &str, why: Option<&str>| ActionLine {
            at_s: 57.0,
            action: "abort".into(),
            target: "rollout/orders-api in orders".into(),
            result: result.into(),
            why: why.map(str::to_string),
            by: "user".into(),
        };
        c.actions = vec![
            line(
                "refused",
                Some("Kubernetes API unavailable (503); nothing was done"),
            ),
            line("done", None),
        ];
        let drill = super::super::definition::all(None)
            .unwrap()
            .into_iter()
            .find(|d| d.name == "orders-gate-approved")
            .unwrap();
        let text = c.lines(&drill).join("\n");
        assert!(
            text.contains("0:57 abort rollout/orders-api in orders — refused: Kubernetes API unavailable (503); nothing was done (by user)"),
            "{text}"
        );
        assert!(text.contains("— done (by user)"), "{text}");
    }
}
