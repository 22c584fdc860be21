//! `n`/`N` in the Logs pane: jump between lines matching the highlight (or the `/` filter),
//! keeping the view anchored on the match.

use regex::Regex;

use super::LogLine;
use super::match_index::MatchKey;
use crate::concerns::logs::{LogFilter, LogView};

impl LogView {
    /// What `n`/`N` look for: the highlight, else the `/` filter.
    pub fn search_regex(&self) -> Option<&Regex> {
        self.highlight
            .as_ref()
            .or(self.filter.as_ref())
            .map(|f| &f.regex)
    }

    /// Buffer index of the bottom line the user sees: the bottom one, or the nearest older
    /// line the filters show.
    fn shown_bottom(&self) -> Option<usize> {
        let bottom = self.bottom_index()?;
        (0..=bottom)
            .rev()
            .find(|i| self.buffer.get(*i).is_some_and(|l| self.shows(l)))
    }

    fn is_match(&self, regex: &Regex, line: &LogLine) -> bool {
        self.shows(line) && regex.is_match(&line.text.text)
    }

    /// Pauses and moves the bottom of the view to the next match newer (`newer`) or older
    /// than it; `false` when there is none that way (the view stays).
    pub fn jump_match(&mut self, newer: bool) -> bool {
        let Some(regex) = self.search_regex().cloned() else {
            return false;
        };
        self.pause();
        let current = self.shown_bottom();
        let hit = |i: &usize| {
            self.buffer
                .get(*i)
                .is_some_and(|l| self.is_match(&regex, l))
        };
        let found = match (newer, current) {
            (true, Some(at)) => (at + 1..self.buffer.len()).find(hit),
            (true, None) => (0..self.buffer.len()).find(hit),
            (false, Some(at)) => (0..at).rev().find(hit),
            (false, None) => None,
        };
        let Some(seq) = found.and_then(|i| self.buffer.get(i)).map(|l| l.seq) else {
            return false;
        };
        self.anchor_at(Some(seq));
        true
    }

    /// Which match the bottom of a paused view is on (1-based, 0 when it is on none) and how
    /// many shown lines match; `None` when following or with nothing to search for. Drawn
    /// every frame: only the lines new since the last call are searched.
    pub fn match_position(&self) -> Option<(usize, usize)> {
        let regex = self.search_regex()?;
        if self.following() {
            return None;
        }
        let bottom = self
            .shown_bottom()
            .and_then(|i| self.buffer.get(i))
            .map(|l| l.seq);
        let pattern = |f: &Option<LogFilter>| f.as_ref().map(|f| f.regex.as_str().to_string());
        let key = MatchKey {
            search: regex.as_str().to_string(),
            filter: pattern(&self.filter),
            exclude: pattern(&self.exclude),
            container: self.container.clone(),
        };
        let mut index = self.match_index.borrow_mut();
        Some(index.position(key, &self.buffer, bottom, |l| self.is_match(regex, l)))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use crate::concerns::logs::{LogView, WantedStream};
    use crate::logs::LogPattern;
    use crate::meta::ObjectKey;
    use crate::msg::RawLogLine;
    use crate::pod::PodRole;

    fn view(lines: &[&str]) -> LogView {
        let mut view = LogView::with_capacity(1_000, usize::MAX);
        view.sync(&[WantedStream {
            pod: ObjectKey::new("shop", "web-1"),
            container: "app".into(),
            role: PodRole::Stable,
            multi_container: false,
        }]);
        let id = view.sources[0].id;
        let raw = lines
            .iter()
            .map(|l| RawLogLine::from_text(None, l))
            .collect();
        assert!(view.ingest(id, raw));
        view
    }

    fn bottom(view: &LogView) -> String {
        let i = view.bottom_index().unwrap();
        view.buffer.get(i).unwrap().text.text.clone()
    }

    #[test]
    fn n_and_shift_n_walk_the_highlighted_lines_and_say_where_they_are() {
        let mut v = view(&[
            "a ok", "b ERR 1", "c ok", "d ERR 2", "e ok", "f ERR 3", "g ok",
        ]);
        assert!(!v.jump_match(false), "nothing to search for yet");
        v.editing = LogPattern::Highlight;
        v.set_filter("err").unwrap();
        assert_eq!(v.match_position(), None, "following: no position");
        assert!(v.jump_match(false));
        assert_eq!(bottom(&v), "f ERR 3");
        assert_eq!(v.match_position(), Some((3, 3)));
        assert!(v.jump_match(false));
        assert!(v.jump_match(false));
        assert_eq!(bottom(&v), "b ERR 1");
        assert_eq!(v.match_position(), Some((1, 3)));
        assert!(!v.jump_match(false), "no older match: the view stays");
        assert_eq!(bottom(&v), "b ERR 1");
        assert!(v.jump_match(true));
        assert_eq!(bottom(&v), "d ERR 2");
        assert!(!v.following(), "the view stays anchored on the match");
        // A hidden line is no match.
        v.editing = LogPattern::Exclude;
        v.set_filter("3").unwrap();
        assert_eq!(v.match_position(), Some((2, 2)));
        assert!(!v.jump_match(true));
    }

    #[test]
    fn without_a_highlight_the_filter_is_searched() {
        let mut v = view(&["x 1", "y 2", "x 3", "y 4"]);
        v.set_filter("x").unwrap();
        assert!(v.jump_match(false));
        assert_eq!(
            bottom(&v),
            "x 1",
            "from x 3, the bottom line shown, not from y 4"
        );
    }
}
