//! What `match i/n` counts, kept up to date instead of recounted: the seqs of the lines that
//! match, scanned once each as they arrive, so a paused view with a search costs a frame a
//! scan of the lines new since the last one, not of the whole buffer.

use std::collections::VecDeque;

use super::LogBuffer;

/// What decides whether a line matches: the search and the filters a line must pass. Any
/// change starts the index again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MatchKey {
    /// The search expression (the highlight, else the `/` filter).
    pub search: String,
    /// The `/` filter.
    pub filter: Option<String>,
    /// The `!` filter.
    pub exclude: Option<String>,
    /// `:container`.
    pub container: Option<String>,
}

/// The matching lines' seqs, oldest first, for one [`MatchKey`].
#[derive(Debug, Default)]
pub(crate) struct MatchIndex {
    key: Option<MatchKey>,
    /// Seqs of the matching lines still (or possibly still) in the buffer, ascending.
    seqs: VecDeque<u64>,
    /// The first seq not scanned yet.
    next: u64,
}

impl MatchIndex {
    /// Brings the index up to `buffer` for `key`, scanning only lines not seen before with
    /// `is_match`; returns which match `bottom` (a seq) is (1-based, 0 when it is none) and how
    /// many lines in the buffer match.
    pub fn position(
        &mut self,
        key: MatchKey,
        buffer: &LogBuffer,
        bottom: Option<u64>,
        is_match: impl Fn(&super::LogLine) -> bool,
    ) -> (usize, usize) {
        if self.key.as_ref() != Some(&key) {
            *self = MatchIndex {
                key: Some(key),
                ..MatchIndex::default()
            };
        }
        let fresh: Vec<u64> = buffer
            .iter()
            .rev()
            .take_while(|l| l.seq >= self.next)
            .filter(|l| is_match(l))
            .map(|l| l.seq)
            .collect();
        self.seqs.extend(fresh.iter().rev());
        if let Some(newest) = buffer.iter().next_back() {
            self.next = self.next.max(newest.seq + 1);
        }
        let spans = buffer.spans();
        // Lines gone from the buffer: those older than its oldest, and those in the gap
        // between the lines a paused view holds and the buffer's own.
        let oldest = spans.first().map_or(self.next, |s| s.0);
        while self.seqs.front().is_some_and(|s| *s < oldest) {
            self.seqs.pop_front();
        }
        if let [(_, held_to), (lines_from, _)] = spans[..] {
            let from = self.seqs.partition_point(|s| *s <= held_to);
            let to = self.seqs.partition_point(|s| *s < lines_from);
            self.seqs.drain(from..to);
        }
        let at = bottom.map_or(0, |b| {
            let upto = self.seqs.partition_point(|s| *s <= b);
            if upto > 0 && self.seqs[upto - 1] == b {
                upto
            } else {
                0
            }
        });
        (at, self.seqs.len())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::cell::Cell;

    use super::*;
    use crate::logs::LogLine;

    fn key(search: &str) -> MatchKey {
        MatchKey {
            search: search.into(),
            filter: None,
            exclude: None,
            container: None,
        }
    }

    /// The count the index replaces: every line in the buffer searched.
    fn recount(buffer: &LogBuffer, bottom: u64) -> (usize, usize) {
        let matches: Vec<u64> = buffer
            .iter()
            .filter(|l| l.text.text.contains("ERR"))
            .map(|l| l.seq)
            .collect();
        let at = matches
            .iter()
            .position(|s| *s == bottom)
            .map_or(0, |i| i + 1);
        (at, matches.len())
    }

    #[test]
    fn each_line_is_searched_once_and_the_count_follows_the_buffer_as_it_turns_over() {
        let mut buffer = LogBuffer::new(50, usize::MAX);
        let mut index = MatchIndex::default();
        let searched = Cell::new(0);
        let is_err = |l: &LogLine| {
            searched.set(searched.get() + 1);
            l.text.text.contains("ERR")
        };
        let mut seq = 0;
        let mut push = |buffer: &mut LogBuffer, n: u64| {
            for _ in 0..n {
                let text = if seq % 7 == 0 { "ERR boom" } else { "ok" };
                buffer.push(LogLine::from_raw(seq, 0, text));
                seq += 1;
            }
        };
        push(&mut buffer, 40);
        assert_eq!(
            index.position(key("ERR"), &buffer, Some(35), is_err),
            (6, 6)
        );
        assert_eq!(searched.get(), 40);
        // A paused view holds seqs 28..=35 while the buffer turns over twice beneath it.
        buffer.set_hold(Some((28, 35)));
        for round in 0..10 {
            push(&mut buffer, 11);
            let before = searched.get();
            let got = index.position(key("ERR"), &buffer, Some(35), is_err);
            assert_eq!(got, recount(&buffer, 35), "round {round}");
            assert_eq!(
                searched.get() - before,
                11,
                "only the new lines are searched"
            );
        }
        // Another search starts again.
        let got = index.position(key("ok"), &buffer, Some(35), |l| l.text.text == "ok");
        assert_eq!(got.1, buffer.iter().filter(|l| l.text.text == "ok").count());
    }
}
