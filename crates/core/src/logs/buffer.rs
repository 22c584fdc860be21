//! The bounded ring buffer behind the Logs pane, and the hold that keeps a paused view's lines
//! on screen while the buffer turns over beneath it.

use std::collections::VecDeque;

use super::LogLine;

/// Bytes a hold may keep past the buffer's own cap (the page being read, not a second buffer).
const HOLD_BYTES: usize = 4 * 1024 * 1024;

/// A ring buffer of log lines bounded by a line count and a byte total; the oldest lines go
/// first and are counted as dropped — unless a hold keeps them for the line range a paused
/// view shows. Indexes (`get`, `len`, `iter`) cover held lines first, then the buffer's.
#[derive(Debug, Clone)]
pub struct LogBuffer {
    lines: VecDeque<LogLine>,
    max_lines: usize,
    max_bytes: usize,
    bytes: usize,
    dropped: u64,
    /// Evicted lines kept because their seq lies in `hold`; all older than `lines`.
    held: VecDeque<LogLine>,
    held_bytes: usize,
    /// Inclusive seq range whose evicted lines are kept.
    hold: Option<(u64, u64)>,
    /// Seq of the first line pushed since creation or the last clear.
    first_seq: Option<u64>,
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
            held: VecDeque::new(),
            held_bytes: 0,
            hold: None,
            first_seq: None,
        }
    }

    /// Appends a line, evicting the oldest lines while a cap is exceeded. A line larger than
    /// the whole byte cap is not stored and counts as dropped.
    pub fn push(&mut self, line: LogLine) {
        self.first_seq.get_or_insert(line.seq);
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
            self.evict(old);
        }
        self.bytes += cost;
        self.lines.push_back(line);
    }

    /// Keeps a line leaving the buffer when the hold covers it; drops it otherwise.
    fn evict(&mut self, old: LogLine) {
        if self
            .hold
            .is_some_and(|(from, to)| (from..=to).contains(&old.seq))
        {
            self.held_bytes += old.cost();
            self.held.push_back(old);
            while self.held_bytes > HOLD_BYTES {
                let Some(first) = self.held.pop_front() else {
                    break;
                };
                self.held_bytes -= first.cost();
                self.dropped += 1;
            }
        } else {
            self.dropped += 1;
        }
    }

    /// Keeps evicted lines whose seq is in `range` (inclusive) visible; `None` lets every
    /// evicted line go. Held lines outside the new range are dropped.
    pub fn set_hold(&mut self, range: Option<(u64, u64)>) {
        self.hold = range;
        let before = self.held.len();
        match range {
            Some((from, to)) => self.held.retain(|l| (from..=to).contains(&l.seq)),
            None => self.held.clear(),
        }
        self.dropped += (before - self.held.len()) as u64;
        self.held_bytes = self.held.iter().map(LogLine::cost).sum();
    }

    /// Lines evicted or refused since creation (or the last [`LogBuffer::clear`]); held lines
    /// are not counted until they go.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Lines older than the oldest one still available, since creation or the last clear.
    pub fn evicted_above(&self) -> u64 {
        match (self.first_seq, self.get(0)) {
            (Some(first), Some(oldest)) => oldest.seq.saturating_sub(first),
            (Some(_), None) => self.dropped,
            _ => 0,
        }
    }

    /// Lines available: held ones, then the buffer's.
    pub fn len(&self) -> usize {
        self.held.len() + self.lines.len()
    }

    /// Whether no line is available.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes accounted against the cap (held lines are apart, bounded on their own).
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// The seq ranges (inclusive) of the lines available, oldest first: the held lines', then
    /// the buffer's; each contiguous but for lines refused as too large.
    pub fn spans(&self) -> Vec<(u64, u64)> {
        [&self.held, &self.lines]
            .into_iter()
            .filter_map(|part| Some((part.front()?.seq, part.back()?.seq)))
            .collect()
    }

    /// Lines from oldest to newest, held ones first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &LogLine> {
        self.held.iter().chain(self.lines.iter())
    }

    /// The `i`-th available line, 0 being the oldest.
    pub fn get(&self, i: usize) -> Option<&LogLine> {
        match i.checked_sub(self.held.len()) {
            None => self.held.get(i),
            Some(j) => self.lines.get(j),
        }
    }

    /// Removes every line and the hold, and resets the counters.
    pub fn clear(&mut self) {
        self.lines.clear();
        self.held.clear();
        self.held_bytes = 0;
        self.hold = None;
        self.bytes = 0;
        self.dropped = 0;
        self.first_seq = None;
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
    fn a_hold_keeps_its_range_through_a_full_turnover() {
        let mut buffer = LogBuffer::new(10, usize::MAX);
        for seq in 0..10 {
            buffer.push(line(seq, "x"));
        }
        buffer.set_hold(Some((5, 8)));
        for seq in 10..100 {
            buffer.push(line(seq, "x"));
        }
        let seqs: Vec<u64> = buffer.iter().map(|l| l.seq).collect();
        assert_eq!(seqs[..4], [5, 6, 7, 8]);
        assert_eq!(seqs[4..], (90..100).collect::<Vec<_>>()[..]);
        assert_eq!(buffer.len(), 14);
        assert_eq!(buffer.get(3).map(|l| l.seq), Some(8));
        assert_eq!(buffer.get(4).map(|l| l.seq), Some(90));
        assert_eq!(buffer.evicted_above(), 5);
        assert_eq!(buffer.dropped(), 86);
        buffer.set_hold(Some((7, 8)));
        assert_eq!(buffer.len(), 12);
        assert_eq!(buffer.dropped(), 88);
        buffer.set_hold(None);
        assert_eq!(buffer.len(), 10);
        assert_eq!(buffer.dropped(), 90);
        assert_eq!(buffer.evicted_above(), 90);
    }
}
