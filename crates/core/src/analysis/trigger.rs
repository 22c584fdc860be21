//! The trigger window, pure over the canary series' points: the newest contiguous run above
//! the threshold holds from its first point and fires once it spans the trigger's `for`.

use super::config::Trigger;
use super::series::{Point, Signal};
use super::state::{ReleaseAnalysis, TriggerState, TriggerStatus};

/// Where a trigger stands over `points` (oldest first, one every `step_ms`). A point without
/// data, or a gap of more than a step and a half, breaks a run; no data at the newest point
/// is `NoData`, which never fires.
pub fn evaluate(trigger: &Trigger, points: &[Point], step_ms: i64) -> TriggerState {
    let Some(newest) = points.last() else {
        return TriggerState::NoData;
    };
    let Some(value) = newest.value else {
        return TriggerState::NoData;
    };
    if value <= trigger.above {
        return TriggerState::Clear;
    }
    let max_gap = step_ms + step_ms / 2;
    let mut since = newest.at_ms;
    for p in points.iter().rev().skip(1) {
        let above = p.value.is_some_and(|v| v > trigger.above);
        if !above || since - p.at_ms > max_gap {
            break;
        }
        since = p.at_ms;
    }
    if newest.at_ms - since >= trigger.for_ms {
        TriggerState::Fired {
            at_ms: since + trigger.for_ms,
            value,
        }
    } else {
        TriggerState::Holding {
            since_ms: since,
            value,
        }
    }
}

/// A trigger under way, as the Releases row and the banner show it.
#[derive(Debug, Clone, PartialEq)]
pub struct Countdown {
    /// The trigger.
    pub trigger: Trigger,
    /// How long it has held, ms.
    pub held_ms: i64,
    /// How long until it fires, ms (0 once fired).
    pub remaining_ms: i64,
    /// The latest value.
    pub value: f64,
    /// Whether it has fired.
    pub fired: bool,
}

impl Countdown {
    /// "error ratio 3.2% > 1% for 1m10s of 2m" (holding) or "… for 2m0s" (fired).
    pub fn text(&self) -> String {
        let t = &self.trigger;
        let head = format!(
            "{} {} > {} for {}",
            signal_name(t.signal),
            amount(t.signal, self.value),
            amount(t.signal, t.above),
            clock(self.held_ms)
        );
        if self.fired {
            head
        } else {
            format!("{head} of {}", short_duration(t.for_ms))
        }
    }
}

impl ReleaseAnalysis {
    /// The worst trigger under way: a fired one, else the holding one closest to firing.
    pub fn countdown(&self) -> Option<Countdown> {
        self.triggers
            .iter()
            .filter_map(|s| self.countdown_of(s))
            .min_by_key(|c| (!c.fired, c.remaining_ms))
    }

    fn countdown_of(&self, status: &TriggerStatus) -> Option<Countdown> {
        let newest = self.newest_canary_ms(status.trigger.signal)?;
        let (since, value, fired) = match status.state {
            TriggerState::Holding { since_ms, value } => (since_ms, value, false),
            // The run began one window before it fired.
            TriggerState::Fired { at_ms, value } => (at_ms - status.trigger.for_ms, value, true),
            TriggerState::Clear | TriggerState::NoData => return None,
        };
        let held_ms = newest - since;
        Some(Countdown {
            trigger: status.trigger.clone(),
            held_ms,
            remaining_ms: (status.trigger.for_ms - held_ms).max(0),
            value,
            fired,
        })
    }

    /// The time of the newest canary point of a signal.
    fn newest_canary_ms(&self, signal: Signal) -> Option<i64> {
        self.series
            .get(&super::series::SeriesKey {
                side: super::series::Side::Canary,
                signal,
            })
            .and_then(|s| s.points.last())
            .map(|p| p.at_ms)
    }

    /// The banner while a trigger holds: "feature-store canary: error ratio 3.2% > 1% for
    /// 1m10s of 2m".
    pub fn banner(&self, release: &str) -> Option<String> {
        self.countdown()
            .map(|c| format!("{release} canary: {}", c.text()))
    }
}

/// The signal in words.
pub fn signal_name(signal: Signal) -> &'static str {
    match signal {
        Signal::RequestRate => "request rate",
        Signal::ErrorRatio => "error ratio",
        Signal::P95 => "p95",
        Signal::P99 => "p99",
        Signal::HealthFailures => "health failures",
    }
}

/// A value in the signal's unit: "3.2%", "57ms", "12.5 req/s".
pub fn amount(signal: Signal, v: f64) -> String {
    let one = |x: f64| {
        let s = format!("{x:.1}");
        s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
    };
    match signal {
        Signal::RequestRate => format!("{} req/s", one(v)),
        Signal::ErrorRatio | Signal::HealthFailures => format!("{}%", one(v * 100.0)),
        Signal::P95 | Signal::P99 => format!("{}ms", one(v * 1000.0)),
    }
}

/// "1m10s", "2m0s", "45s".
fn clock(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    if s < 60 {
        format!("{s}s")
    } else {
        format!("{}m{}s", s / 60, s % 60)
    }
}

/// "2m", "1m30s", "45s".
fn short_duration(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    match (s / 60, s % 60) {
        (0, sec) => format!("{sec}s"),
        (m, 0) => format!("{m}m"),
        (m, sec) => format!("{m}m{sec}s"),
    }
}
