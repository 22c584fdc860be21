//! The Logs pane state: which streams feed it, the bounded buffer they fill, and how the
//! operator looks at it (follow or an anchored position, filter, wrap, timestamps).

use std::cell::RefCell;
use std::collections::HashMap;

use regex::{Regex, RegexBuilder};

use crate::effect::{Effect, LogStreamSpec};
use crate::logs::counters::LogSplit;
use crate::logs::match_index::MatchIndex;
use crate::logs::{LogBuffer, LogLine, LogPattern, StyledText, format_json};
use crate::meta::ObjectKey;
use crate::msg::{RawLogLine, StreamId, StreamState};
use crate::pod::PodRole;

/// Lines kept in the Logs pane across all its streams.
pub(crate) const MAX_LINES: usize = 20_000;
/// Bytes of text kept in the Logs pane across all its streams.
pub(crate) const MAX_BYTES: usize = 8 * 1024 * 1024;
/// Pods streamed at once for "all pods of the release" (problems are sorted first).
pub const MAX_PODS: usize = 100;
/// Lines fetched from each pod when a stream starts.
pub(crate) const TAIL_ALL: i64 = 100;
/// Lines fetched when one pod's log is opened on its own.
pub(crate) const TAIL_ONE: i64 = 1_000;
/// Lines above the bottom of a paused view kept through buffer turnover (a tall page and
/// some scrolling).
const HOLD_LINES: usize = 1_000;

/// One stream feeding the pane; its index in `LogView::sources` is `LogLine::source`.
#[derive(Debug, Clone, PartialEq)]
pub struct LogSource {
    /// The driver's stream id.
    pub id: StreamId,
    /// Which pod.
    pub pod: ObjectKey,
    /// Which container.
    pub container: String,
    /// The pod's role in the release (tag shown on every line).
    pub role: PodRole,
    /// The pod has more than one container (then the container is named on every line).
    pub multi_container: bool,
    /// The previous (terminated) instance's log.
    pub previous: bool,
    /// What the stream is doing.
    pub state: StreamState,
    /// Still wanted (stopped sources stay listed so their buffered lines keep their labels).
    pub active: bool,
}

impl LogSource {
    /// The label in front of each line: the pod name (and container when there are several).
    pub fn label(&self) -> String {
        if self.multi_container {
            format!("{}/{}", self.pod.name, self.container)
        } else {
            self.pod.name.clone()
        }
    }
}

/// A compiled `/` filter of the Logs pane: lines must match; matches are highlighted.
#[derive(Debug, Clone)]
pub struct LogFilter {
    /// What the user typed.
    pub pattern: String,
    /// The compiled expression.
    pub regex: Regex,
}

/// One stream the pane wants: pod, container, role.
#[derive(Debug, Clone, PartialEq)]
pub struct WantedStream {
    /// Which pod.
    pub pod: ObjectKey,
    /// Which container.
    pub container: String,
    /// The pod's role.
    pub role: PodRole,
    /// The pod has more than one container.
    pub multi_container: bool,
}

/// The Logs pane state.
#[derive(Debug)]
pub struct LogView {
    /// Every stream since the release was selected.
    pub sources: Vec<LogSource>,
    /// The lines, bounded by count and bytes.
    pub buffer: LogBuffer,
    /// `None` follows the newest line; `Some(seq)` keeps that line at the bottom.
    pub anchor: Option<u64>,
    /// Columns scrolled right (without wrap).
    pub hscroll: usize,
    /// Wrap long lines.
    pub wrap: bool,
    /// Show each line's timestamp.
    pub timestamps: bool,
    /// The `/` filter.
    pub filter: Option<LogFilter>,
    /// The `!` filter: lines that match are hidden.
    pub exclude: Option<LogFilter>,
    /// The highlight: matches marked, `n`/`N` jump between them.
    pub highlight: Option<LogFilter>,
    /// Which of the three the prompt edits.
    pub editing: LogPattern,
    /// Show JSON lines as they arrived instead of `level msg key=value`.
    pub raw: bool,
    /// Show only this container's lines (`:container NAME`).
    pub container: Option<String>,
    /// Lines fetched when a stream starts (`--tail`); `None`: 100 per pod, 1,000 for one pod.
    pub tail: Option<i64>,
    /// Only lines this recent when a stream starts (`--since`, seconds).
    pub since_seconds: Option<i64>,
    /// Show only this pod's stream instead of every pod of the release.
    pub only_pod: Option<ObjectKey>,
    /// Show the previous container instance's log (of `only_pod`).
    pub previous: bool,
    /// The canary | stable split and its counters.
    pub split: LogSplit,
    next_id: StreamId,
    next_seq: u64,
    /// Index in `sources` of each active stream: lines and state changes find their source
    /// without a walk through every stream since the release was selected.
    active: HashMap<StreamId, usize>,
    /// `match i/n`, counted as lines arrive. A cache the frame (which sees the view only
    /// through `&`) brings up to date, hence the cell.
    pub(crate) match_index: RefCell<MatchIndex>,
}

impl Default for LogView {
    fn default() -> Self {
        Self::with_capacity(MAX_LINES, MAX_BYTES)
    }
}

impl LogView {
    /// A view whose buffer keeps at most `lines` lines and `bytes` bytes.
    pub fn with_capacity(lines: usize, bytes: usize) -> Self {
        Self {
            sources: Vec::new(),
            buffer: LogBuffer::new(lines, bytes),
            anchor: None,
            hscroll: 0,
            wrap: false,
            timestamps: false,
            filter: None,
            exclude: None,
            highlight: None,
            editing: LogPattern::Include,
            raw: false,
            container: None,
            tail: None,
            since_seconds: None,
            only_pod: None,
            previous: false,
            split: LogSplit::default(),
            next_id: 1,
            next_seq: 0,
            active: HashMap::new(),
            match_index: RefCell::default(),
        }
    }

    /// Whether the view follows the newest line.
    pub fn following(&self) -> bool {
        self.anchor.is_none()
    }

    /// Stops every stream and forgets the lines (another release or mode was chosen).
    pub fn reset(&mut self) -> Vec<Effect> {
        let effects = self
            .sources
            .iter()
            .filter(|s| s.active)
            .map(|s| Effect::StopLogStream(s.id))
            .collect();
        self.sources.clear();
        self.active.clear();
        self.buffer.clear();
        self.split.clear();
        self.anchor = None;
        self.hscroll = 0;
        effects
    }

    /// Starts and stops streams so that exactly `wanted` run; roles of running ones are
    /// refreshed (a canary becomes stable when promoted).
    pub fn sync(&mut self, wanted: &[WantedStream]) -> Vec<Effect> {
        let mut effects = Vec::new();
        let previous = self.previous;
        // Hashed: a release of 100 pods that rolls calls this on every pod change.
        let index: HashMap<(&ObjectKey, &str), usize> = wanted
            .iter()
            .enumerate()
            .map(|(i, w)| ((&w.pod, w.container.as_str()), i))
            .collect();
        let mut running = vec![false; wanted.len()];
        for s in self.sources.iter_mut().filter(|s| s.active) {
            match index.get(&(&s.pod, s.container.as_str())) {
                Some(&i) if s.previous == previous && !running[i] => {
                    s.role = wanted[i].role;
                    running[i] = true;
                }
                _ => {
                    s.active = false;
                    self.active.remove(&s.id);
                    effects.push(Effect::StopLogStream(s.id));
                }
            }
        }
        for (w, _) in wanted.iter().zip(running).filter(|(_, r)| !r) {
            let id = self.next_id;
            self.next_id += 1;
            self.active.insert(id, self.sources.len());
            self.sources.push(LogSource {
                id,
                pod: w.pod.clone(),
                container: w.container.clone(),
                role: w.role,
                multi_container: w.multi_container,
                previous,
                state: StreamState::Streaming,
                active: true,
            });
            effects.push(Effect::StartLogStream(LogStreamSpec {
                id,
                namespace: w.pod.namespace.clone(),
                pod: w.pod.name.clone(),
                container: w.container.clone(),
                previous,
                tail_lines: self.tail.unwrap_or(if self.since_seconds.is_some() {
                    -1
                } else if self.only_pod.is_some() {
                    TAIL_ONE
                } else {
                    TAIL_ALL
                }),
                since_seconds: self.since_seconds,
            }));
        }
        effects
    }

    fn source_of(&self, id: StreamId) -> Option<usize> {
        self.active.get(&id).copied()
    }

    /// Sanitises and stores lines from a stream; returns whether any were taken (lines of a
    /// stream that was stopped meanwhile are dropped).
    pub fn ingest(&mut self, id: StreamId, lines: Vec<RawLogLine>) -> bool {
        let Some(source) = self.source_of(id) else {
            return false;
        };
        let role = self.sources[source].role;
        for raw in lines {
            self.split.record(role, raw.time_ms(), &raw.text.text);
            let seq = self.next_seq;
            self.next_seq += 1;
            self.buffer.push(LogLine {
                seq,
                time_ms: raw.time_ms(),
                source,
                text: raw.text,
            });
        }
        true
    }

    /// Records a stream's state; returns whether the stream is still one of ours.
    pub(crate) fn set_state(&mut self, id: StreamId, state: StreamState) -> bool {
        match self.source_of(id) {
            Some(i) => {
                self.sources[i].state = state;
                true
            }
            None => false,
        }
    }

    /// Whether a line passes the filters: `/` matches, `!` does not, its container is chosen.
    pub fn shows(&self, line: &LogLine) -> bool {
        self.filter
            .as_ref()
            .is_none_or(|f| f.regex.is_match(&line.text.text))
            && self
                .exclude
                .as_ref()
                .is_none_or(|f| !f.regex.is_match(&line.text.text))
            && self.container.as_ref().is_none_or(|c| {
                self.sources
                    .get(line.source)
                    .is_some_and(|s| &s.container == c)
            })
    }

    /// A line's text as shown: a JSON object as `level msg key=value …` unless raw is on.
    pub fn display_text<'a>(&self, line: &'a LogLine) -> std::borrow::Cow<'a, StyledText> {
        match format_json(&line.text.text, line.time_ms.is_some()).filter(|_| !self.raw) {
            Some(formatted) => std::borrow::Cow::Owned(formatted),
            None => std::borrow::Cow::Borrowed(&line.text),
        }
    }

    /// Buffer index of the bottom line in view: the newest, or the anchored one (or the
    /// nearest older line still kept when the anchor was dropped from the buffer).
    pub fn bottom_index(&self) -> Option<usize> {
        let len = self.buffer.len();
        if len == 0 {
            return None;
        }
        let Some(anchor) = self.anchor else {
            return Some(len - 1);
        };
        if self.buffer.get(0).is_some_and(|l| l.seq > anchor) {
            // Only if even the hold could not keep it: the oldest line left, never a blank view.
            return Some(0);
        }
        let (mut lo, mut hi) = (0usize, len);
        while lo < hi {
            let mid = (lo + hi) / 2;
            match self.buffer.get(mid) {
                Some(l) if l.seq <= anchor => lo = mid + 1,
                _ => hi = mid,
            }
        }
        lo.checked_sub(1)
    }

    /// Moves the view `n` shown lines towards older (`up`) or newer ones; reaching the newest
    /// line keeps the anchor there (follow is only resumed explicitly).
    pub fn scroll(&mut self, up: bool, n: usize) {
        let Some(mut i) = self.bottom_index() else {
            return;
        };
        let mut moved = 0;
        let len = self.buffer.len();
        while moved < n {
            let next = if up {
                i.checked_sub(1)
            } else {
                (i + 1 < len).then_some(i + 1)
            };
            let Some(next) = next else { break };
            i = next;
            if self.buffer.get(i).is_some_and(|l| self.shows(l)) {
                moved += 1;
            }
        }
        self.anchor_at(self.buffer.get(i).map(|l| l.seq));
    }

    /// Anchors the view at `seq` (`None` follows) and holds the lines above it, so the page
    /// being read stays while the buffer turns over.
    pub(crate) fn anchor_at(&mut self, seq: Option<u64>) {
        self.anchor = seq;
        let hold = seq.and_then(|to| {
            let bottom = self.bottom_index()?;
            let top = self.buffer.get(bottom.saturating_sub(HOLD_LINES))?;
            Some((top.seq, to))
        });
        self.buffer.set_hold(hold);
    }

    /// Lines newer than the bottom of a paused view (0 when following).
    pub fn newer_below(&self) -> usize {
        match (self.anchor, self.bottom_index()) {
            (Some(_), Some(bottom)) => self.buffer.len() - 1 - bottom,
            _ => 0,
        }
    }

    /// Stops following, keeping the newest line in view.
    pub fn pause(&mut self) {
        if self.anchor.is_none() {
            let newest = self
                .buffer
                .len()
                .checked_sub(1)
                .and_then(|i| self.buffer.get(i))
                .map(|l| l.seq);
            self.anchor_at(newest);
        }
    }

    /// Shows the oldest kept lines: the first `page` shown lines end at the bottom.
    pub fn top(&mut self, page: usize) {
        let mut shown = 0;
        let mut last = None;
        for i in 0..self.buffer.len() {
            if let Some(l) = self.buffer.get(i)
                && self.shows(l)
            {
                last = Some(l.seq);
                shown += 1;
                if shown >= page.max(1) {
                    break;
                }
            }
        }
        self.anchor_at(last.or(self.anchor));
    }

    /// Switches between following the newest line and holding the current view.
    pub(crate) fn toggle_follow(&mut self) {
        if self.following() {
            self.pause();
        } else {
            self.anchor_at(None);
        }
    }

    /// Wraps long lines, or not (sideways scrolling starts over).
    pub(crate) fn toggle_wrap(&mut self) {
        self.wrap = !self.wrap;
        self.hscroll = 0;
    }

    /// Scrolls sideways by a few columns (only without wrap).
    pub(crate) fn scroll_sideways(&mut self, right: bool) {
        if !right {
            self.hscroll = self.hscroll.saturating_sub(8);
        } else if !self.wrap {
            self.hscroll += 8;
        }
    }

    /// Moves the view by `delta` lines (`isize::MIN`: the oldest page; `isize::MAX`: follow).
    pub(crate) fn move_cursor(&mut self, delta: isize, page: usize) {
        match delta {
            isize::MIN => self.top(page),
            isize::MAX => self.anchor_at(None),
            d => {
                self.pause();
                self.scroll(d < 0, d.unsigned_abs());
            }
        }
    }

    /// Shows one pod's stream (`Some`) or every pod of the release (`None`), of the previous
    /// container instance or the current one: stops every stream and forgets the lines; the
    /// caller starts the streams now wanted.
    pub(crate) fn choose(&mut self, only_pod: Option<ObjectKey>, previous: bool) -> Vec<Effect> {
        let effects = self.reset();
        self.only_pod = only_pod;
        self.previous = previous;
        effects
    }

    /// The regex the prompt edits (`/`, `!` or highlight) as typed.
    pub(crate) fn filter_text(&self) -> String {
        self.pattern(self.editing)
            .as_ref()
            .map(|f| f.pattern.clone())
            .unwrap_or_default()
    }

    /// One of the three regexes.
    pub fn pattern(&self, which: LogPattern) -> &Option<LogFilter> {
        match which {
            LogPattern::Include => &self.filter,
            LogPattern::Exclude => &self.exclude,
            LogPattern::Highlight => &self.highlight,
        }
    }

    /// Sets the regex the prompt edits (empty clears it); an invalid pattern keeps the old
    /// one and says why.
    pub(crate) fn set_filter(&mut self, pattern: &str) -> Result<(), String> {
        let slot = match self.editing {
            LogPattern::Include => &mut self.filter,
            LogPattern::Exclude => &mut self.exclude,
            LogPattern::Highlight => &mut self.highlight,
        };
        if pattern.is_empty() {
            *slot = None;
            return Ok(());
        }
        // Smart case, as in stern and ripgrep: lowercase patterns ignore case.
        let insensitive = !pattern.chars().any(char::is_uppercase);
        match RegexBuilder::new(pattern)
            .case_insensitive(insensitive)
            .size_limit(1 << 20)
            .build()
        {
            Ok(regex) => {
                *slot = Some(LogFilter {
                    pattern: pattern.to_string(),
                    regex,
                });
                Ok(())
            }
            Err(e) => {
                let first = e
                    .to_string()
                    .lines()
                    .last()
                    .unwrap_or("")
                    .trim()
                    .to_string();
                Err(format!("invalid regex {pattern:?}: {first}"))
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::meta::ObjectKey;

    fn view_with_stream(lines: usize) -> (LogView, StreamId) {
        let mut view = LogView::with_capacity(lines, usize::MAX);
        view.sync(&[WantedStream {
            pod: ObjectKey::new("shop", "web-1"),
            container: "app".into(),
            role: PodRole::Stable,
            multi_container: false,
        }]);
        let id = view.sources[0].id;
        (view, id)
    }

    fn feed(view: &mut LogView, id: StreamId, range: std::ops::Range<usize>) {
        let lines = range
            .map(|i| RawLogLine::from_text(Some(i as i64), &format!("line {i}")))
            .collect();
        assert!(view.ingest(id, lines));
    }

    fn bottom_text(view: &LogView) -> String {
        let i = view.bottom_index().unwrap();
        view.buffer.get(i).unwrap().text.text.clone()
    }

    #[test]
    fn a_paused_view_keeps_its_page_while_the_buffer_turns_over() {
        let (mut view, id) = view_with_stream(100);
        feed(&mut view, id, 0..100);
        view.move_cursor(-5, 20);
        assert_eq!(bottom_text(&view), "line 94");
        // A burst many times the buffer's size.
        feed(&mut view, id, 100..10_100);
        assert_eq!(bottom_text(&view), "line 94");
        let bottom = view.bottom_index().unwrap();
        let above: Vec<String> = (bottom - 20..=bottom)
            .map(|i| view.buffer.get(i).unwrap().text.text.clone())
            .collect();
        assert_eq!(above.first().unwrap(), "line 74");
        assert_eq!(
            view.newer_below(),
            100,
            "the buffer's newest lines wait below"
        );
        assert_eq!(
            view.buffer.evicted_above(),
            0,
            "nothing above the page went yet"
        );
        // Scrolling down walks from the held page into the newest lines.
        view.move_cursor(1, 20);
        assert_eq!(bottom_text(&view), "line 10000");
        view.move_cursor(isize::MAX, 20);
        assert!(view.following());
        assert_eq!(view.buffer.len(), 100, "following lets the held lines go");
        assert_eq!(view.buffer.evicted_above(), 10_000);
    }
}
