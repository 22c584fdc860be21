//! The canary | stable split of the Logs pane: whether it is on, and per side the lines and
//! errors seen since the streams started, with the error ratio over the last minute. A line
//! is an error when its level is error or fatal, or it reports an HTTP status of 500 or more.

use crate::pod::PodRole;

/// Seconds the error ratio looks back.
const WINDOW_SECS: usize = 60;

/// One second of one side: lines and errors stamped in it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Second {
    at: i64,
    lines: u32,
    errors: u32,
}

/// One side's counters.
#[derive(Debug, Clone, PartialEq)]
pub struct SideCounters {
    /// Lines since the streams started.
    pub lines: u64,
    /// Error lines since the streams started.
    pub errors: u64,
    /// The last minute by the lines' own timestamps, one slot per second.
    seconds: [Second; WINDOW_SECS],
    /// The newest second seen: where lines without a timestamp are counted.
    newest: i64,
}

impl Default for SideCounters {
    fn default() -> Self {
        Self {
            lines: 0,
            errors: 0,
            seconds: [Second::default(); WINDOW_SECS],
            newest: 0,
        }
    }
}

impl SideCounters {
    /// Counts a line stamped `time_ms` (now-ish when it has no timestamp).
    pub fn record(&mut self, time_ms: Option<i64>, error: bool) {
        self.lines += 1;
        self.errors += u64::from(error);
        let at = time_ms.map_or(self.newest, |t| t.div_euclid(1000));
        self.newest = self.newest.max(at);
        let slot = &mut self.seconds[at.rem_euclid(WINDOW_SECS as i64) as usize];
        if slot.at != at {
            if slot.at > at {
                // Older than the minute the slot now holds: outside the window already.
                return;
            }
            *slot = Second {
                at,
                ..Second::default()
            };
        }
        slot.lines += 1;
        slot.errors += u32::from(error);
    }

    /// Errors and lines stamped in the minute up to `now_ms`.
    pub fn last_minute(&self, now_ms: i64) -> (u64, u64) {
        let now = now_ms.div_euclid(1000);
        self.seconds
            .iter()
            .filter(|s| s.at > now - WINDOW_SECS as i64 && s.at <= now)
            .fold((0, 0), |(e, l), s| {
                (e + u64::from(s.errors), l + u64::from(s.lines))
            })
    }

    /// The share of errors among the lines of the minute up to `now_ms`; `None` without lines.
    pub fn error_ratio(&self, now_ms: i64) -> Option<f64> {
        let (errors, lines) = self.last_minute(now_ms);
        (lines > 0).then(|| errors as f64 / lines as f64)
    }
}

/// The split: on or off, and both sides' counters (kept while off, so turning it on shows
/// the counts so far).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LogSplit {
    /// Shown side by side.
    pub on: bool,
    /// Lines of canary pods.
    pub canary: SideCounters,
    /// Lines of stable pods.
    pub stable: SideCounters,
}

impl LogSplit {
    /// Counts a line of a pod in `role`; pods neither canary nor stable are on no side.
    pub fn record(&mut self, role: PodRole, time_ms: Option<i64>, text: &str) {
        let side = match role {
            PodRole::Canary => &mut self.canary,
            PodRole::Stable => &mut self.stable,
            _ => return,
        };
        side.record(time_ms, is_error(text));
    }

    /// Forgets the counts (the streams start over), keeping the split on or off.
    pub fn clear(&mut self) {
        *self = LogSplit {
            on: self.on,
            ..LogSplit::default()
        };
    }
}

/// Whether a sanitised line reports an error: a level of error or fatal (`ERROR`, `FATAL`,
/// `level=error`, `"level":"fatal"`, `E0102` is not one), or an HTTP status of 500 or more
/// (`status=503`, `"status":500`, `-> 502`, an access log's `" 504 `).
pub fn is_error(text: &str) -> bool {
    level_is_error(text) || server_error_status(text)
}

fn level_is_error(text: &str) -> bool {
    let words = text.split(|c: char| !c.is_ascii_alphanumeric());
    for w in words {
        if matches!(w, "ERROR" | "FATAL" | "Error" | "Fatal" | "CRITICAL") {
            return true;
        }
    }
    let lower = text.to_ascii_lowercase();
    [
        "level=error",
        "level=fatal",
        "\"level\":\"error\"",
        "\"level\":\"fatal\"",
        "\"level\": \"error\"",
        "\"level\": \"fatal\"",
    ]
    .iter()
    .any(|p| lower.contains(p))
}

/// A three-digit status of 500–599 right after one of the markers that introduce one.
fn server_error_status(text: &str) -> bool {
    const MARKERS: [&str; 6] = [
        "status=",
        "\"status\":",
        "\"status\": ",
        "-> ",
        "\" ",
        "status: ",
    ];
    MARKERS.iter().any(|m| {
        text.match_indices(m).any(|(i, _)| {
            let rest = &text.as_bytes()[i + m.len()..];
            rest.len() >= 3
                && rest[0] == b'5'
                && rest[1].is_ascii_digit()
                && rest[2].is_ascii_digit()
                && rest.get(3).is_none_or(|c| !c.is_ascii_digit())
        })
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn errors_by_level_or_server_status() {
        for line in [
            "ERROR upstream timeout after 5000ms",
            "2026-01-01 12:00:00 FATAL out of memory",
            "time=x level=error msg=boom",
            r#"{"ts":"x","level":"error","status":200}"#,
            r#"{"level":"info","method":"GET","status":503}"#,
            "level=info method=GET path=/x status=502 duration=3ms",
            "INFO [orders-api] GET /metrics -> 500 in 12ms",
            r#"10.0.0.1 - - [01/Jan/2026] "GET /api HTTP/1.1" 504 17"#,
        ] {
            assert!(is_error(line), "{line}");
        }
        for line in [
            "INFO GET /api/orders/1000 200 3ms",
            "no errors found",
            r#"{"level":"info","status":404,"duration_ms":500.2}"#,
            "level=info status=200 duration=503ms",
            "INFO [orders-api] GET /metrics -> 200 in 500ms",
            "WARN retry 5000 of order 5001",
            r#""GET /api HTTP/1.1" 5000"#,
        ] {
            assert!(!is_error(line), "{line}");
        }
    }

    #[test]
    fn the_ratio_covers_the_last_minute_of_line_timestamps() {
        let mut side = SideCounters::default();
        let t0 = 1_767_225_600_000;
        // A bad first minute, then a good one.
        for s in 0..60 {
            side.record(Some(t0 + s * 1000), true);
            side.record(Some(t0 + s * 1000 + 500), false);
        }
        assert_eq!(side.error_ratio(t0 + 59_999), Some(0.5));
        for s in 60..120 {
            side.record(Some(t0 + s * 1000), false);
        }
        assert_eq!(side.error_ratio(t0 + 119_999), Some(0.0));
        assert_eq!((side.lines, side.errors), (180, 60), "totals stay");
        assert_eq!(
            side.error_ratio(t0 + 300_000),
            None,
            "nothing in the last minute"
        );
        // A late line of a minute the window left is counted, not windowed.
        side.record(Some(t0), true);
        assert_eq!(side.last_minute(t0 + 119_999), (0, 60));
        assert_eq!(side.errors, 61);
    }

    #[test]
    fn lines_go_to_their_pods_side() {
        let mut split = LogSplit {
            on: true,
            ..LogSplit::default()
        };
        split.record(PodRole::Canary, Some(1000), "ERROR boom");
        split.record(PodRole::Stable, Some(1000), "INFO ok");
        split.record(PodRole::Old, Some(1000), "ERROR old");
        assert_eq!((split.canary.lines, split.canary.errors), (1, 1));
        assert_eq!((split.stable.lines, split.stable.errors), (1, 0));
        split.clear();
        assert!(split.on);
        assert_eq!(split.canary.lines, 0);
    }
}
