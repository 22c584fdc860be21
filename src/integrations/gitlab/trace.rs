//! Tailing a GitLab trace. The API returns the whole log every time (no offset parameter), so
//! the tail remembers how many bytes it has seen and hands on only the new suffix, in whole
//! lines (a log that no longer starts with what was seen was replaced: start over).
//! `section_start:<ts>:<name>[options]` / `section_end:<ts>:<name>` markers are removed
//! from the text and folded into named sections with durations.

use quarterdeck_core::pipeline::LogSection;

/// How many trailing bytes are compared to tell an extended log from a replaced one.
const SEEN_END: usize = 64;

/// What one fetch added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TailChunk {
    /// New whole lines, markers removed, each ending in `\n`.
    pub text: String,
    /// The log was shorter than before (replaced): drop what was shown.
    pub reset: bool,
}

/// The state of one followed trace.
#[derive(Debug, Clone, Default)]
pub struct TraceTail {
    seen: usize,
    /// The last bytes seen, to notice a log replaced by a longer one (a retried job).
    seen_end: String,
    partial: String,
    lines: usize,
    sections: Vec<LogSection>,
}

/// A marker found in a line.
enum Marker {
    Start {
        ts: i64,
        name: String,
        collapsed: bool,
    },
    End {
        ts: i64,
        name: String,
    },
}

/// Removes the markers from a line; returns what is left and the markers in order.
fn strip_markers(line: &str) -> (String, Vec<Marker>) {
    let mut rest = line;
    let mut text = String::new();
    let mut markers = Vec::new();
    loop {
        let start = rest.find("section_start:");
        let end = rest.find("section_end:");
        let (at, is_start) = match (start, end) {
            (Some(s), Some(e)) if s < e => (s, true),
            (Some(s), None) => (s, true),
            (_, Some(e)) => (e, false),
            (None, None) => break,
        };
        // The marker is usually preceded by an erase-line sequence; it belongs to the marker.
        let before = &rest[..at];
        text.push_str(before.strip_suffix("\x1b[0K").unwrap_or(before));
        let body = &rest[at..];
        let body = body
            .strip_prefix("section_start:")
            .or_else(|| body.strip_prefix("section_end:"))
            .unwrap_or(body);
        let marker_end = body.find('\r').unwrap_or(body.len());
        let spec = &body[..marker_end];
        let mut after = &body[marker_end..];
        after = after.strip_prefix('\r').unwrap_or(after);
        after = after.strip_prefix("\x1b[0K").unwrap_or(after);
        if let Some((ts, name)) = spec.split_once(':') {
            let ts = ts.parse().unwrap_or(0);
            let (name, options) = match name.split_once('[') {
                Some((n, o)) => (n, o),
                None => (name, ""),
            };
            markers.push(if is_start {
                Marker::Start {
                    ts,
                    name: name.to_string(),
                    collapsed: options.contains("collapsed=true"),
                }
            } else {
                Marker::End {
                    ts,
                    name: name.to_string(),
                }
            });
        }
        rest = after;
    }
    text.push_str(rest);
    (text, markers)
}

impl TraceTail {
    /// A tail that has seen nothing.
    pub fn new() -> TraceTail {
        TraceTail::default()
    }

    /// Every section so far, in order of their start.
    pub fn sections(&self) -> &[LogSection] {
        &self.sections
    }

    /// Takes the full trace as fetched now; `None` when nothing new arrived.
    pub fn feed(&mut self, full: &str) -> Option<TailChunk> {
        let start = self.seen.saturating_sub(self.seen_end.len());
        let same_prefix = full.get(start..self.seen) == Some(self.seen_end.as_str());
        let suffix = if same_prefix {
            full.get(self.seen..)
        } else {
            None
        };
        let (reset, new) = match suffix {
            Some(s) => (false, s),
            None => {
                *self = TraceTail::default();
                (true, full)
            }
        };
        if new.is_empty() && !reset {
            return None;
        }
        self.seen = full.len();
        let mut from = full.len().saturating_sub(SEEN_END);
        while !full.is_char_boundary(from) {
            from -= 1;
        }
        self.seen_end = full[from..].to_string();
        self.partial.push_str(new);
        let cut = self.partial.rfind('\n').map_or(0, |i| i + 1);
        let complete: String = self.partial.drain(..cut).collect();
        let text = self.take_lines(&complete);
        Some(TailChunk { text, reset })
    }

    /// The job finished: hands on a last line that had no newline yet.
    pub fn finish(&mut self) -> Option<TailChunk> {
        if self.partial.is_empty() {
            return None;
        }
        let mut rest = std::mem::take(&mut self.partial);
        rest.push('\n');
        let text = self.take_lines(&rest);
        Some(TailChunk { text, reset: false })
    }

    fn take_lines(&mut self, complete: &str) -> String {
        let mut out = String::new();
        for line in complete.split_inclusive('\n') {
            let body = line.strip_suffix('\n').unwrap_or(line);
            let body = body.strip_suffix('\r').unwrap_or(body);
            let (text, markers) = strip_markers(body);
            let keeps_line = !text.trim().is_empty() || markers.is_empty();
            for m in markers {
                match m {
                    Marker::Start {
                        ts,
                        name,
                        collapsed,
                    } => self.sections.push(LogSection {
                        name,
                        first_line: self.lines,
                        last_line: None,
                        started_s: ts,
                        duration_s: None,
                        collapsed,
                    }),
                    Marker::End { ts, name } => {
                        let last = if keeps_line {
                            self.lines
                        } else {
                            self.lines.saturating_sub(1)
                        };
                        if let Some(s) = self
                            .sections
                            .iter_mut()
                            .rev()
                            .find(|s| s.name == name && s.last_line.is_none())
                        {
                            s.last_line = Some(last.max(s.first_line));
                            s.duration_s = Some((ts - s.started_s).max(0));
                        }
                    }
                }
            }
            if keeps_line {
                out.push_str(&text);
                out.push('\n');
                self.lines += 1;
            }
        }
        out
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    const PART1: &str = "Running with gitlab-runner 17.0.0\n\
        \x1b[0Ksection_start:1795317600:prepare_script[collapsed=true]\r\x1b[0K\x1b[36;1mPreparing environment\x1b[0;m\n\
        Running on runner-abc\n\
        \x1b[0Ksection_end:1795317604:prepare_script\r\x1b[0K\n\
        section_start:1795317604:step_script\r\x1b[0K\x1b[0K\x1b[36;1mExecuting \"step_script\"\x1b[0;m\n\
        $ pytest -q\n\
        ....";

    #[test]
    fn only_new_whole_lines_are_handed_on_and_sections_fold() {
        let mut tail = TraceTail::new();
        let first = tail.feed(PART1).unwrap();
        assert!(!first.reset);
        assert_eq!(
            first.text,
            "Running with gitlab-runner 17.0.0\n\x1b[36;1mPreparing environment\x1b[0;m\nRunning on runner-abc\n\x1b[0K\x1b[36;1mExecuting \"step_script\"\x1b[0;m\n$ pytest -q\n"
        );
        let s = tail.sections();
        assert_eq!(s.len(), 2);
        assert_eq!(
            (
                s[0].name.as_str(),
                s[0].first_line,
                s[0].last_line,
                s[0].duration_s,
                s[0].collapsed
            ),
            ("prepare_script", 1, Some(2), Some(4), true)
        );
        assert_eq!(
            (s[1].name.as_str(), s[1].first_line, s[1].last_line),
            ("step_script", 3, None)
        );
        assert_eq!(tail.feed(PART1), None, "an unchanged trace adds nothing");
        let full = format!(
            "{PART1}..  [100%]\n\x1b[0Ksection_end:1795317650:step_script\r\x1b[0K\nJob succeeded\n"
        );
        let second = tail.feed(&full).unwrap();
        assert_eq!(second.text, "......  [100%]\nJob succeeded\n");
        let s = tail.sections();
        assert_eq!((s[1].last_line, s[1].duration_s), (Some(5), Some(46)));
        assert_eq!(tail.finish(), None);
    }

    #[test]
    fn a_shorter_trace_resets_and_a_trailing_line_is_flushed_at_the_end() {
        let mut tail = TraceTail::new();
        tail.feed("one\ntwo\n");
        let again = tail.feed("retried\nstill").unwrap();
        assert!(again.reset);
        assert_eq!(again.text, "retried\n");
        assert_eq!(tail.finish().unwrap().text, "still\n");
    }
}
