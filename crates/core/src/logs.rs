//! Pod log lines: sanitised on arrival and kept in a bounded ring buffer.
//!
//! A pod must not be able to drive the operator's terminal, so [`sanitize`] removes every
//! control sequence and control character. Colour survives only as data: SGR sequences are
//! parsed into [`SpanStyle`]s that the UI turns into its own styles.

mod buffer;
pub mod counters;
mod json;
pub(crate) mod keys;
#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod keys_tests;
pub(crate) mod match_index;
mod pattern;
mod sanitize;
#[cfg(test)]
mod sanitize_tests;
mod search;

pub use buffer::LogBuffer;
pub use json::format_json;
pub use pattern::{LogPattern, colour_slot};
pub use sanitize::sanitize;

/// Longest sanitised line kept; the rest is cut so one runaway line cannot eat the buffer.
pub const MAX_LINE_BYTES: usize = 32 * 1024;

/// A colour from an SGR sequence, model-neutral.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogColor {
    /// One of the 256 palette entries (0–15 are the 16 ANSI colours).
    Indexed(u8),
    /// 24-bit colour.
    Rgb(u8, u8, u8),
}

/// The style of the byte range `start..end` of a [`StyledText`]'s text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SpanStyle {
    /// First byte (inclusive).
    pub start: usize,
    /// Last byte (exclusive).
    pub end: usize,
    /// Foreground colour, `None` for the default.
    pub fg: Option<LogColor>,
    /// Background colour, `None` for the default.
    pub bg: Option<LogColor>,
    /// Bold.
    pub bold: bool,
    /// Italic.
    pub italic: bool,
    /// Underlined.
    pub underline: bool,
    /// Dim (faint).
    pub dim: bool,
}

/// Sanitised text plus the styled ranges in it; bytes outside every span are unstyled.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StyledText {
    /// Printable text only: no control characters of any kind.
    pub text: String,
    /// Non-overlapping, ordered styled ranges of `text`.
    pub spans: Vec<SpanStyle>,
}

impl StyledText {
    /// Unstyled text (must already be clean; used for our own messages).
    pub fn plain(text: impl Into<String>) -> Self {
        StyledText {
            text: text.into(),
            spans: Vec::new(),
        }
    }

    /// Approximate heap bytes held, for the buffer's byte cap.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.text.capacity() + self.spans.capacity() * std::mem::size_of::<SpanStyle>()
    }
}

/// One stored log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// Position in arrival order, unique per buffer user; survives eviction of older lines.
    pub seq: u64,
    /// Milliseconds since the Unix epoch from the line's timestamp prefix, if it had one.
    pub time_ms: Option<i64>,
    /// Which stream (pod/container) the line came from; an index the caller assigns.
    pub source: usize,
    /// The sanitised text.
    pub text: StyledText,
}

impl LogLine {
    /// Builds a line from raw stream text: splits off a kubectl timestamp prefix, sanitises.
    pub fn from_raw(seq: u64, source: usize, raw: &str) -> Self {
        let (time_ms, rest) = parse_timestamp_prefix(raw);
        LogLine {
            seq,
            time_ms,
            source,
            text: sanitize(rest),
        }
    }

    /// Bytes this line counts against a buffer's byte cap.
    pub fn cost(&self) -> usize {
        std::mem::size_of::<LogLine>() + self.text.heap_bytes()
    }
}

impl crate::msg::RawLogLine {
    /// A line as read from a stream, without its newline: the timestamp prefix split off,
    /// the rest decoded as UTF-8 (an invalid byte becomes U+FFFD, it never ends the stream)
    /// and sanitised.
    pub fn parse(raw: &[u8]) -> Self {
        let (time_ns, rest) = split_timestamp(raw);
        Self {
            time_ns,
            text: sanitize(&String::from_utf8_lossy(rest)),
        }
    }

    /// A line from already decoded text with a millisecond timestamp (samples and tests).
    pub fn from_text(time_ms: Option<i64>, raw: &str) -> Self {
        Self {
            time_ns: time_ms.map(|t| t.saturating_mul(1_000_000)),
            text: sanitize(raw),
        }
    }

    /// The timestamp in Unix milliseconds.
    pub fn time_ms(&self) -> Option<i64> {
        self.time_ns.map(|t| t.div_euclid(1_000_000))
    }
}

/// Splits a `timestamps=true` prefix (`2024-05-01T12:00:00.123456789Z message`) off a raw
/// line, returning nanoseconds since the epoch and the rest; lines without one come back whole.
pub fn split_timestamp(line: &[u8]) -> (Option<i64>, &[u8]) {
    let looks_like_date = line.len() >= 20
        && line[..4].iter().all(u8::is_ascii_digit)
        && line[4] == b'-'
        && line[7] == b'-'
        && line[10] == b'T';
    if !looks_like_date {
        return (None, line);
    }
    let (stamp, rest) = match line.iter().position(|b| *b == b' ') {
        Some(i) => (&line[..i], &line[i + 1..]),
        None => (line, &line[line.len()..]),
    };
    let time = std::str::from_utf8(stamp)
        .ok()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .and_then(|t| t.timestamp_nanos_opt());
    match time {
        Some(t) => (Some(t), rest),
        None => (None, line),
    }
}

/// Splits a kubectl `--timestamps` prefix (`2024-05-01T12:00:00.123456789Z message`) off a
/// line, returning milliseconds since the epoch and the rest; lines without one come back whole.
pub fn parse_timestamp_prefix(line: &str) -> (Option<i64>, &str) {
    // RFC 3339 always starts "YYYY-MM-DDT"; check cheaply before asking chrono.
    let bytes = line.as_bytes();
    let looks_like_date = bytes.len() >= 20
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes[10] == b'T';
    if !looks_like_date {
        return (None, line);
    }
    let (stamp, rest) = match line.split_once(' ') {
        Some((stamp, rest)) => (stamp, rest),
        None => (line, ""),
    };
    match chrono::DateTime::parse_from_rfc3339(stamp) {
        Ok(time) => (Some(time.timestamp_millis()), rest),
        Err(_) => (None, line),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubectl_timestamp_prefixes() {
        let (time, rest) = parse_timestamp_prefix("2024-05-01T12:00:00.123456789Z hello world");
        assert_eq!(time, Some(1_714_564_800_123));
        assert_eq!(rest, "hello world");
        let (time, rest) = parse_timestamp_prefix("2024-05-01T14:00:00+02:00 x");
        assert_eq!(time, Some(1_714_564_800_000));
        assert_eq!(rest, "x");
        assert_eq!(
            parse_timestamp_prefix("2024-05-01T12:00:00Z"),
            (Some(1_714_564_800_000), "")
        );
        for plain in [
            "hello",
            "",
            "2024-13-01T12:00:00Z not a month",
            "2024-05-01 12:00:00 space separated is not kubectl's",
            "1234-56-78Tnonsense and more text",
        ] {
            assert_eq!(parse_timestamp_prefix(plain), (None, plain));
        }
    }

    #[test]
    fn parse_keeps_nanoseconds_and_survives_invalid_utf8() {
        let l =
            crate::msg::RawLogLine::parse(b"2024-05-01T12:00:00.123456789Z ok \xff\xfe end\x1b[2J");
        assert_eq!(l.time_ns, Some(1_714_564_800_123_456_789));
        assert_eq!(l.time_ms(), Some(1_714_564_800_123));
        assert_eq!(l.text.text, "ok \u{fffd}\u{fffd} end");
        let plain = crate::msg::RawLogLine::parse(b"\xc3 no stamp");
        assert_eq!(plain.time_ns, None);
        assert_eq!(plain.text.text, "\u{fffd} no stamp");
        assert_eq!(
            split_timestamp(b"2024-05-01T12:00:00Z"),
            (Some(1_714_564_800_000_000_000), &b""[..])
        );
    }

    #[test]
    fn from_raw_splits_the_timestamp_before_sanitising() {
        let l = LogLine::from_raw(5, 2, "2024-05-01T12:00:00Z \x1b[31mboom\x1b[0m\x07");
        assert_eq!(l.seq, 5);
        assert_eq!(l.source, 2);
        assert_eq!(l.time_ms, Some(1_714_564_800_000));
        assert_eq!(l.text.text, "boom");
        assert_eq!(l.text.spans.len(), 1);
    }
}
