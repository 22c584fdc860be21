//! The job log being read: lines as delivered (markers removed), the sections they fold
//! into, and how complete the log is.

use crate::logs::{StyledText, parse_timestamp_prefix, sanitize};
use crate::pipeline::{JobLogState, JobRef, LogSection};

/// Lines kept per job log; a longer log keeps its beginning and says it was cut.
pub(crate) const MAX_LINES: usize = 50_000;

/// One row the Job log pane draws.
#[derive(Debug, Clone, PartialEq)]
pub enum LogRow<'a> {
    /// A folded section: its index, with its lines hidden.
    Folded(&'a LogSection, usize),
    /// The header of an expanded section.
    Open(&'a LogSection),
    /// A log line.
    Line(&'a StyledText),
}

/// A job's log as the pane shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct JobLogView {
    /// Which job.
    pub job: JobRef,
    /// Its name, for the title.
    pub job_name: String,
    /// Complete lines, sanitised, timestamp prefixes removed.
    pub lines: Vec<StyledText>,
    /// The unfinished last line, raw.
    pub partial: String,
    /// Sections, in order.
    pub sections: Vec<LogSection>,
    /// How complete the log is; `None` until the follower reported.
    pub state: Option<JobLogState>,
    /// Lines dropped beyond [`MAX_LINES`].
    pub truncated: bool,
    /// Show every section's lines (enter toggles).
    pub expanded: bool,
    /// Rows scrolled up from the end; `None` follows the end.
    pub scroll: Option<usize>,
}

impl JobLogView {
    /// An empty log for `job`.
    pub fn new(job: JobRef, job_name: String) -> Self {
        Self {
            job,
            job_name,
            lines: Vec::new(),
            partial: String::new(),
            sections: Vec::new(),
            state: None,
            truncated: false,
            expanded: false,
            scroll: None,
        }
    }

    /// Takes one follower report.
    pub fn apply(
        &mut self,
        text: &str,
        reset: bool,
        sections: Vec<LogSection>,
        state: JobLogState,
    ) {
        if reset {
            self.lines.clear();
            self.partial.clear();
            self.truncated = false;
        }
        self.partial.push_str(text);
        if let Some(end) = self.partial.rfind('\n') {
            let rest = self.partial.split_off(end + 1);
            let done = std::mem::replace(&mut self.partial, rest);
            for raw in done.lines() {
                self.push_line(raw);
            }
        }
        if state == JobLogState::Complete && !self.partial.is_empty() {
            let last = std::mem::take(&mut self.partial);
            self.push_line(&last);
        }
        self.sections = sections;
        self.state = Some(state);
    }

    fn push_line(&mut self, raw: &str) {
        if self.lines.len() >= MAX_LINES {
            self.truncated = true;
            return;
        }
        let (_, rest) = parse_timestamp_prefix(raw);
        // GitHub's group markers become the section header's own text.
        let rest = rest.strip_prefix("##[group]").unwrap_or(rest);
        self.lines.push(sanitize(rest));
    }

    /// The rows to draw: folded sections as one row each unless expanded; a section still
    /// open stays expanded so the live tail is visible.
    pub fn rows(&self) -> Vec<LogRow<'_>> {
        let mut out = Vec::new();
        let mut i = 0;
        let mut sections = self.sections.iter().peekable();
        while i < self.lines.len() {
            while sections.peek().is_some_and(|s| s.first_line < i) {
                sections.next();
            }
            match sections.peek() {
                Some(s) if s.first_line == i => {
                    let s: &LogSection = s;
                    sections.next();
                    let end = s.last_line.unwrap_or(usize::MAX).min(self.lines.len() - 1);
                    if self.expanded || s.last_line.is_none() {
                        // The header line itself follows, as the job wrote it.
                        out.push(LogRow::Open(s));
                        if let Some(line) = self.lines.get(i) {
                            out.push(LogRow::Line(line));
                        }
                        i += 1;
                    } else {
                        out.push(LogRow::Folded(s, end + 1 - i));
                        i = end + 1;
                    }
                }
                _ => {
                    if let Some(line) = self.lines.get(i) {
                        out.push(LogRow::Line(line));
                    }
                    i += 1;
                }
            }
        }
        out
    }

    /// The unfinished last line, sanitised, when there is one.
    pub fn partial_line(&self) -> Option<StyledText> {
        (!self.partial.is_empty()).then(|| sanitize(parse_timestamp_prefix(&self.partial).1))
    }
}
