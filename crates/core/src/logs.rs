//! Pod log lines: sanitised on arrival and kept in a bounded ring buffer.
//!
//! A pod must not be able to drive the operator's terminal, so [`sanitize`] removes every
//! control sequence and control character. Colour survives only as data: SGR sequences are
//! parsed into [`SpanStyle`]s that the UI turns into its own styles.

mod sanitize;
#[cfg(test)]
mod sanitize_tests;

pub use sanitize::sanitize;

use std::collections::VecDeque;

/// Longest sanitised line kept; the rest is cut so one runaway line cannot eat the buffer.
pub(crate) const MAX_LINE_BYTES: usize = 32 * 1024;

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

/// A ring buffer of log lines bounded by a line count and a byte total; the oldest lines go
/// first and are counted as dropped.
#[derive(Debug, Clone)]
pub struct LogBuffer {
    lines: VecDeque<LogLine>,
    max_lines: usize,
    max_bytes: usize,
    bytes: usize,
    dropped: u64,
}

impl LogBuffer {
    /// An empty buffer holding at most `max_lines` lines and `max_bytes` bytes.
    pub fn new(max_lines: usize, max_bytes: usize) -> Self {
        LogBuffer {
            lines: VecDeque::new(),
            max_lines: max_lines.max(1),
            max_bytes,
            bytes: 0,
            dropped: 0,
        }
    }

    /// Appends a line, evicting the oldest lines while a cap is exceeded. A line larger than
    /// the whole byte cap is not stored and counts as dropped.
    pub fn push(&mut self, line: LogLine) {
        let cost = line.cost();
        if cost > self.max_bytes {
            self.dropped += 1;
            return;
        }
        while self.lines.len() >= self.max_lines || self.bytes + cost > self.max_bytes {
            let Some(old) = self.lines.pop_front() else {
                break;
            };
            self.bytes -= old.cost();
            self.dropped += 1;
        }
        self.bytes += cost;
        self.lines.push_back(line);
    }

    /// Lines evicted or refused since creation (or the last [`LogBuffer::clear`]).
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Lines held.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Whether no line is held.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Bytes accounted against the cap.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Lines from oldest to newest.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &LogLine> + ExactSizeIterator {
        self.lines.iter()
    }

    /// The `i`-th held line, 0 being the oldest.
    pub fn get(&self, i: usize) -> Option<&LogLine> {
        self.lines.get(i)
    }

    /// Removes every line and resets the dropped counter.
    pub fn clear(&mut self) {
        self.lines.clear();
        self.bytes = 0;
        self.dropped = 0;
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

    fn line(seq: u64, text: &str) -> LogLine {
        LogLine::from_raw(seq, 0, text)
    }

    #[test]
    fn line_cap_evicts_oldest_and_counts_them() {
        let mut buffer = LogBuffer::new(3, usize::MAX);
        for seq in 0..10 {
            buffer.push(line(seq, "hello"));
        }
        assert_eq!(buffer.len(), 3);
        assert_eq!(buffer.dropped(), 7);
        let seqs: Vec<u64> = buffer.iter().map(|l| l.seq).collect();
        assert_eq!(seqs, vec![7, 8, 9]);
        assert_eq!(buffer.get(0).map(|l| l.seq), Some(7));
        assert_eq!(buffer.get(3), None);
    }

    #[test]
    fn byte_cap_holds_after_pushing_far_more() {
        let cap = 256 * 1024;
        let mut buffer = LogBuffer::new(1_000_000, cap);
        let mut pushed = 0u64;
        for seq in 0..50_000 {
            let text = if seq % 3 == 0 {
                format!("\x1b[31mERROR\x1b[0m request {seq} failed: upstream timeout")
            } else {
                format!("INFO handled request {seq} in {}ms", seq % 97)
            };
            buffer.push(line(seq, &text));
            pushed += 1;
            assert!(buffer.bytes() <= cap, "over the cap after {pushed} lines");
        }
        assert_eq!(buffer.dropped() + buffer.len() as u64, pushed);
        assert!(buffer.len() > 100, "cap too tight to be meaningful");
        let accounted: usize = buffer.iter().map(LogLine::cost).sum();
        assert_eq!(accounted, buffer.bytes());
        assert_eq!(buffer.iter().last().map(|l| l.seq), Some(49_999));
    }

    #[test]
    fn a_line_bigger_than_the_cap_is_refused_and_counted() {
        let mut buffer = LogBuffer::new(10, 512);
        buffer.push(line(0, "small"));
        buffer.push(line(1, &"x".repeat(4096)));
        assert_eq!(buffer.len(), 1);
        assert_eq!(buffer.dropped(), 1);
        assert!(buffer.bytes() <= 512);
    }

    #[test]
    fn clear_empties_and_resets_the_counter() {
        let mut buffer = LogBuffer::new(1, usize::MAX);
        buffer.push(line(0, "a"));
        buffer.push(line(1, "b"));
        assert_eq!(buffer.dropped(), 1);
        buffer.clear();
        assert!(buffer.is_empty());
        assert_eq!(buffer.bytes(), 0);
        assert_eq!(buffer.dropped(), 0);
    }

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
    fn from_raw_splits_the_timestamp_before_sanitising() {
        let l = LogLine::from_raw(5, 2, "2024-05-01T12:00:00Z \x1b[31mboom\x1b[0m\x07");
        assert_eq!(l.seq, 5);
        assert_eq!(l.source, 2);
        assert_eq!(l.time_ms, Some(1_714_564_800_000));
        assert_eq!(l.text.text, "boom");
        assert_eq!(l.text.spans.len(), 1);
    }
}
