//! How analysis reads on screen: signal names, values with their units, verdict glyphs, and the
//! one-line account of a trigger ("error ratio 3.2% > 1% for 1m10s of 2m").

use crate::config::Token;
use quarterdeck_core::analysis::{
    ReleaseAnalysis, SeriesKey, Side, Signal, TriggerState, TriggerStatus, Verdict,
};
use quarterdeck_core::time::elapsed;

/// Every signal, in the order the pane lists them.
pub const SIGNALS: [Signal; 5] = [
    Signal::RequestRate,
    Signal::ErrorRatio,
    Signal::P95,
    Signal::P99,
    Signal::HealthFailures,
];

/// The signal's name as a user reads it.
pub fn label(signal: Signal) -> &'static str {
    match signal {
        Signal::RequestRate => "request rate",
        Signal::ErrorRatio => "error ratio",
        Signal::P95 => "p95 latency",
        Signal::P99 => "p99 latency",
        Signal::HealthFailures => "health failures",
    }
}

/// A number with about three significant digits and no trailing zeros ("3.2", "0.42", "120").
fn num(x: f64) -> String {
    let s = if x.abs() >= 100.0 {
        format!("{x:.0}")
    } else if x.abs() >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    };
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A value of `signal` with its unit: req/s, % (ratios) or ms (latencies, kept in seconds).
pub fn value(signal: Signal, v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    match signal {
        Signal::RequestRate => format!("{} req/s", num(v)),
        Signal::ErrorRatio | Signal::HealthFailures => format!("{}%", num(v * 100.0)),
        Signal::P95 | Signal::P99 => format!("{} ms", num(v * 1000.0)),
    }
}

/// A window's length: "2m", "90s", "1m30s".
pub fn window(ms: i64) -> String {
    let secs = ms / 1000;
    match (secs / 60, secs % 60) {
        (0, s) => format!("{s}s"),
        (m, 0) => format!("{m}m"),
        (m, s) => format!("{m}m{s}s"),
    }
}

/// The glyph of a verdict; a word always goes with it where there is room.
pub fn glyph(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "✓",
        Verdict::Fail => "✗",
        Verdict::Inconclusive => "?",
        Verdict::NoData => "–",
    }
}

/// The verdict's word.
pub fn word(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "pass",
        Verdict::Fail => "fail",
        Verdict::Inconclusive => "inconclusive",
        Verdict::NoData => "no data",
    }
}

/// The verdict's theme token.
pub fn token(v: Verdict) -> Token {
    match v {
        Verdict::Pass => Token::Healthy,
        Verdict::Fail => Token::Error,
        Verdict::Inconclusive => Token::Warning,
        Verdict::NoData => Token::Muted,
    }
}

/// The newest measured value of a series, if any.
pub fn latest(ra: &ReleaseAnalysis, key: SeriesKey) -> Option<f64> {
    ra.series
        .get(&key)?
        .points
        .iter()
        .rev()
        .find_map(|p| p.value)
}

/// The release's clock: the newest evaluation time of its series (the Prometheus server's now,
/// which trigger windows are measured on).
pub fn clock(ra: &ReleaseAnalysis) -> i64 {
    ra.series.values().map(|s| s.at_ms).max().unwrap_or(0)
}

/// The trigger on the canary's `signal`, if the release has one.
pub fn trigger(ra: &ReleaseAnalysis, signal: Signal) -> Option<&TriggerStatus> {
    ra.triggers.iter().find(|t| t.trigger.signal == signal)
}

/// One canary signal's verdict against its trigger; `None` when no trigger judges it.
pub fn signal_verdict(ra: &ReleaseAnalysis, signal: Signal) -> Option<Verdict> {
    let t = trigger(ra, signal)?;
    let measured = latest(
        ra,
        SeriesKey {
            side: Side::Canary,
            signal,
        },
    )
    .is_some_and(|v| !v.is_nan());
    Some(match t.state {
        TriggerState::Holding { .. } | TriggerState::Fired { .. } => Verdict::Fail,
        TriggerState::Clear if measured => Verdict::Pass,
        TriggerState::Clear => Verdict::Inconclusive,
        TriggerState::NoData => Verdict::NoData,
    })
}

/// The release's verdict: a failing trigger fails it; it passes only when every trigger has data
/// and is clear; no data anywhere is no data, never a pass.
pub fn release_verdict(ra: &ReleaseAnalysis) -> Verdict {
    let vs: Vec<Verdict> = ra
        .triggers
        .iter()
        .filter_map(|t| signal_verdict(ra, t.trigger.signal))
        .collect();
    if vs.contains(&Verdict::Fail) {
        Verdict::Fail
    } else if vs.is_empty() || vs.iter().all(|v| *v == Verdict::NoData) {
        Verdict::NoData
    } else if vs.iter().all(|v| *v == Verdict::Pass) {
        Verdict::Pass
    } else {
        Verdict::Inconclusive
    }
}

/// A trigger that holds or fired: `(fired, left_ms)` where `left_ms` is what remains of its
/// window on the release's clock (0 once fired).
pub fn alarm(ra: &ReleaseAnalysis, t: &TriggerStatus) -> Option<(bool, i64)> {
    match t.state {
        TriggerState::Holding { since_ms, .. } => {
            Some((false, (since_ms + t.trigger.for_ms - clock(ra)).max(0)))
        }
        TriggerState::Fired { .. } => Some((true, 0)),
        TriggerState::Clear | TriggerState::NoData => None,
    }
}

/// The most pressing alarm of a release: a fired trigger, else the one closest to firing.
pub fn worst_alarm(ra: &ReleaseAnalysis) -> Option<(&TriggerStatus, bool, i64)> {
    ra.triggers
        .iter()
        .filter_map(|t| alarm(ra, t).map(|(fired, left)| (t, fired, left)))
        .min_by_key(|(_, fired, left)| (!*fired, *left))
}

/// "error ratio 3.2% > 1% for 1m10s of 2m" (or "… fired after 2m").
pub fn describe(ra: &ReleaseAnalysis, t: &TriggerStatus) -> String {
    let s = t.trigger.signal;
    let head = |v: f64| {
        format!(
            "{} {} > {}",
            label(s),
            value(s, v),
            value(s, t.trigger.above)
        )
    };
    match t.state {
        TriggerState::Holding { since_ms, value: v } => format!(
            "{} for {} of {}",
            head(v),
            elapsed(clock(ra), since_ms),
            window(t.trigger.for_ms)
        ),
        TriggerState::Fired { value: v, .. } => {
            format!("{} for {}: fired", head(v), window(t.trigger.for_ms))
        }
        TriggerState::Clear => format!("{} under {}", label(s), value(s, t.trigger.above)),
        TriggerState::NoData => format!("{}: no data", label(s)),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn values_carry_their_units() {
        assert_eq!(value(Signal::ErrorRatio, 0.032), "3.2%");
        assert_eq!(value(Signal::ErrorRatio, 0.01), "1%");
        assert_eq!(value(Signal::P95, 0.05), "50 ms");
        assert_eq!(value(Signal::P99, 0.1234), "123 ms");
        assert_eq!(value(Signal::RequestRate, 12.345), "12.3 req/s");
        assert_eq!(value(Signal::HealthFailures, 0.0042), "0.42%");
    }

    #[test]
    fn windows_read_short() {
        assert_eq!(window(120_000), "2m");
        assert_eq!(window(90_000), "1m30s");
        assert_eq!(window(45_000), "45s");
    }
}
