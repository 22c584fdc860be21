//! How analysis reads on screen: signal names, windows and verdict glyphs. Values, verdicts and
//! countdowns come from the core (`quarterdeck_core::analysis`), so the pane, the Releases row
//! and the banner say the same.

use crate::config::Token;
use quarterdeck_core::analysis::{Signal, Verdict};

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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn windows_read_short() {
        assert_eq!(window(120_000), "2m");
        assert_eq!(window(90_000), "1m30s");
        assert_eq!(window(45_000), "45s");
    }
}
