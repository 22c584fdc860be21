//! Running a drill: the seeded moments of its incidents, their injection into the simulated
//! world through `/sim/`, and the bookkeeping the judge scores — looks, journaled actions,
//! the moment the world is healthy again. Times are simulated milliseconds from the start.

use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;

use quarterdeck_core::control::JournalEntry;
use serde_json::json;

use super::definition::{Drill, IncidentKind};
use super::judge::{self, Observation};
use super::scorecard::{ActionLine, Event, Scorecard};
use super::world::{World, split};

/// The moment (ms from the start) of each incident, drawn from its window with `seed`: the
/// same seed gives the same moments. Whole seconds, so a report reads cleanly.
pub fn moments(drill: &Drill, seed: u64) -> Vec<u64> {
    let mut state = seed ^ 0x9E37_79B9_7F4A_7C15;
    drill
        .incidents
        .iter()
        .map(|inc| {
            let (from, to) = (inc.window_ms.0 / 1000, inc.window_ms.1 / 1000);
            let r = splitmix(&mut state);
            (from + r % (to - from + 1)) * 1000
        })
        .collect()
}

/// splitmix64: small, fast and the same everywhere.
fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// One drill under way.
pub struct Run {
    /// The drill.
    pub drill: Drill,
    seed: u64,
    responder: String,
    started: String,
    world: World,
    at: Vec<u64>,
    injected: Vec<bool>,
    recovered: Vec<bool>,
    events: Vec<Event>,
    trouble_at: Option<u64>,
    detected_at: Option<u64>,
    mitigated_at: Option<u64>,
    seen_broken: bool,
    /// Why the world is not mitigated yet, for the bar.
    pub unmet: Option<String>,
    journal: Option<PathBuf>,
    journal_offset: u64,
    actions: Vec<ActionLine>,
    collateral: Vec<String>,
    /// When the Kubernetes API was down (from, to), ms from the start.
    outages: Vec<(u64, u64)>,
}

/// How long after an outage's end a failed action still counts as refused by it: the
/// dashboard's drill reads the journal every quarter second of wall time, which is seconds
/// of simulated time at a high `--speed`.
const OUTAGE_GRACE_MS: u64 = 5_000;

impl Run {
    /// A run of `drill` against `world`; actions are read from `journal` (from its current
    /// end: earlier lines belong to earlier sessions).
    pub fn new(
        drill: Drill,
        seed: u64,
        responder: &str,
        world: World,
        journal: Option<PathBuf>,
    ) -> Self {
        let at = moments(&drill, seed);
        let n = at.len();
        let journal_offset = journal
            .as_ref()
            .and_then(|p| std::fs::metadata(p).ok())
            .map_or(0, |m| m.len());
        Self {
            drill,
            seed,
            responder: responder.into(),
            started: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            world,
            at,
            injected: vec![false; n],
            recovered: vec![false; n],
            events: Vec::new(),
            trouble_at: None,
            detected_at: None,
            mitigated_at: None,
            seen_broken: false,
            unmet: None,
            journal,
            journal_offset,
            actions: Vec::new(),
            collateral: Vec::new(),
            outages: Vec::new(),
        }
    }

    /// Milliseconds since the first real incident, once it happened.
    pub fn since_trouble(&self, t: u64) -> Option<u64> {
        self.trouble_at.map(|s| t.saturating_sub(s))
    }

    /// Whether the drill is over: mitigated, or out of time.
    pub fn finished(&self, t: u64) -> bool {
        self.mitigated_at.is_some() || t >= self.drill.time_limit_ms
    }

    /// Whether the incident was noticed.
    pub fn detected(&self) -> bool {
        self.detected_at.is_some()
    }

    /// Injects every incident (and ends every decoy) due at `t`.
    pub async fn inject(&mut self, t: u64) -> Result<(), String> {
        for (i, inc) in self.drill.incidents.clone().into_iter().enumerate() {
            if !self.injected[i] && self.at[i] <= t {
                self.injected[i] = true;
                inject(&self.world, &inc.kind).await?;
                if let IncidentKind::Outage { duration_ms, .. } = inc.kind {
                    self.outages.push((self.at[i], self.at[i] + duration_ms));
                }
                self.events.push(Event {
                    at_s: self.at[i] as f64 / 1000.0,
                    what: inc.kind.describe(),
                });
                if !inc.decoy && self.trouble_at.is_none() {
                    self.trouble_at = Some(self.at[i]);
                }
            }
            if let IncidentKind::Outage { duration_ms, .. } = inc.kind
                && self.injected[i]
                && !self.recovered[i]
                && self.at[i] + duration_ms <= t
            {
                self.recovered[i] = true;
                self.events.push(Event {
                    at_s: (self.at[i] + duration_ms) as f64 / 1000.0,
                    what: "the Kubernetes API answers again".into(),
                });
            }
            if let Some(after) = inc.recover_after_ms
                && self.injected[i]
                && !self.recovered[i]
                && self.at[i] + after <= t
            {
                self.recovered[i] = true;
                if let IncidentKind::Version { image, .. } = &inc.kind {
                    self.world
                        .control("/sim/version", json!({"image": image}))
                        .await?;
                    self.events.push(Event {
                        at_s: (self.at[i] + after) as f64 / 1000.0,
                        what: format!("{image} recovers by itself"),
                    });
                }
            }
        }
        Ok(())
    }

    /// Records what was looked at, at `t`.
    pub fn observe(&mut self, t: u64, seen: &[Observation]) {
        if self.detected_at.is_some() || self.trouble_at.is_none_or(|s| t < s) {
            return;
        }
        if seen.iter().any(|o| judge::detects(&self.drill, o)) {
            self.detected_at = Some(t);
        }
    }

    /// Reads the journal lines written since the last call and stamps them with `t`.
    pub fn read_journal(&mut self, t: u64) {
        let Some(path) = &self.journal else {
            return;
        };
        let Ok(mut file) = std::fs::File::open(path) else {
            return;
        };
        let mut text = String::new();
        if file.seek(SeekFrom::Start(self.journal_offset)).is_err()
            || file.read_to_string(&mut text).is_err()
        {
            return;
        }
        // Only whole lines: a line being written is read on the next call.
        let whole = text.rfind('\n').map_or(0, |i| i + 1);
        self.journal_offset += whole as u64;
        for line in text[..whole].lines().filter(|l| !l.trim().is_empty()) {
            let Ok(entry) = serde_json::from_str::<JournalEntry>(line) else {
                continue;
            };
            let api_down = self
                .outages
                .iter()
                .any(|&(from, to)| from <= t && t <= to + OUTAGE_GRACE_MS);
            if let Some(why) = judge::collateral(&self.drill, &entry, api_down) {
                self.collateral.push(why);
            }
            let result = serde_json::to_value(entry.result)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            self.actions.push(ActionLine {
                at_s: t as f64 / 1000.0,
                action: entry.action,
                target: entry.target,
                result,
                why: entry.error,
                by: entry.by,
            });
        }
    }

    /// Checks the world at `t`, once every incident has happened (a preview going bad is
    /// harmless until someone promotes it). The world counts as mitigated when it is healthy
    /// after having been seen broken: trouble that has not landed yet is not mitigated.
    pub async fn check(&mut self, t: u64) -> Result<(), String> {
        if self.mitigated_at.is_some() || !self.injected.iter().all(|&done| done) {
            return Ok(());
        }
        match judge::mitigated(&self.world, &self.drill).await {
            Ok(()) if self.seen_broken => {
                self.mitigated_at = Some(t);
                self.unmet = None;
            }
            Ok(()) => {}
            Err(why) => {
                self.seen_broken = true;
                self.unmet = Some(why);
            }
        }
        Ok(())
    }

    /// The scorecard as things stand.
    pub fn scorecard(&self) -> Scorecard {
        let since = |t: Option<u64>| {
            t.zip(self.trouble_at)
                .map(|(t, s)| t.saturating_sub(s) as f64 / 1000.0)
        };
        let mut card = Scorecard {
            drill: self.drill.name.clone(),
            seed: self.seed,
            responder: self.responder.clone(),
            started: self.started.clone(),
            incidents: self.events.clone(),
            trouble_at_s: self.trouble_at.map(|t| t as f64 / 1000.0),
            detect_s: since(self.detected_at),
            mitigate_s: since(self.mitigated_at),
            detect_target_s: self.drill.detect_target_ms as f64 / 1000.0,
            mitigate_target_s: self.drill.mitigate_target_ms as f64 / 1000.0,
            actions: self.actions.clone(),
            collateral: self.collateral.clone(),
            verdict: String::new(),
            reasons: Vec::new(),
        };
        card.decide();
        card
    }
}

/// Changes the world as the incident says, through the simulator's control API (or, for a
/// promotion by someone else, the request another operator's kubectl plugin would send).
async fn inject(world: &World, kind: &IncidentKind) -> Result<(), String> {
    match kind {
        IncidentKind::Version {
            image,
            error_rate,
            latency_ms,
            crash_loop,
        } => {
            let mut body = json!({"image": image, "crash_loop": crash_loop});
            if let Some(e) = error_rate {
                body["error_rate"] = json!(e);
            }
            if let Some(l) = latency_ms {
                body["latency_ms"] = json!(l);
            }
            world.control("/sim/version", body).await.map(|_| ())
        }
        IncidentKind::Deploy { release, image } => {
            let (ns, name) = split(release);
            world
                .control(
                    "/sim/rollout",
                    json!({"namespace": ns, "name": name, "image": image}),
                )
                .await
                .map(|_| ())
        }
        IncidentKind::Promote { release } => world.promote_as_someone_else(release).await,
        IncidentKind::ApiErrors { status, count } => world
            .control(
                "/sim/faults",
                json!({"fail_next": {"status": status, "count": count}}),
            )
            .await
            .map(|_| ()),
        IncidentKind::DropWatches => world
            .control("/sim/faults", json!({"drop_watches": true}))
            .await
            .map(|_| ()),
        IncidentKind::Outage {
            status,
            duration_ms,
        } => world
            .control(
                "/sim/outage",
                json!({"status": status, "seconds": *duration_ms as f64 / 1000.0}),
            )
            .await
            .map(|_| ()),
        IncidentKind::Approve {
            provider,
            project,
            environment,
            by,
            error_rate,
            latency_ms,
            crash_loop,
        } => {
            let approved = world
                .control(
                    "/sim/ci/approve",
                    json!({"provider": provider, "project": project, "environment": environment, "user": by}),
                )
                .await?;
            // The deploy step runs after the approval: its image misbehaves before any pod of
            // it starts.
            let images = approved["deploys"].as_array().cloned().unwrap_or_default();
            for image in images.iter().filter_map(|d| d["image"].as_str()) {
                let bad = IncidentKind::Version {
                    image: image.to_string(),
                    error_rate: *error_rate,
                    latency_ms: *latency_ms,
                    crash_loop: *crash_loop,
                };
                Box::pin(inject(world, &bad)).await?;
            }
            Ok(())
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::drill::definition::all;

    #[test]
    fn the_same_seed_draws_the_same_moments_inside_each_window() {
        for drill in all(None).unwrap() {
            for seed in 0..50 {
                let a = moments(&drill, seed);
                assert_eq!(a, moments(&drill, seed));
                for (m, inc) in a.iter().zip(&drill.incidents) {
                    assert!(
                        (inc.window_ms.0..=inc.window_ms.1).contains(m),
                        "{m} outside {:?}",
                        inc.window_ms
                    );
                }
            }
        }
        let d = &all(None).unwrap()[0];
        let drawn: std::collections::BTreeSet<_> = (0..50).map(|s| moments(d, s)).collect();
        assert!(drawn.len() > 1, "the seed changes nothing");
    }
}
