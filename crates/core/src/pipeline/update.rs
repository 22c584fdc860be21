//! What the CI pollers report. The event loop wraps each in a `Msg`; nothing here does I/O.

use super::super::gate::Gate;
use super::{Pipeline, Provider};

/// One CI project being watched.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CiSource {
    /// GitHub or GitLab.
    pub provider: Provider,
    /// `owner/repo` or `group/project`.
    pub project: String,
}

impl CiSource {
    /// `GitHub acme/orders-api`.
    pub fn label(&self) -> String {
        format!("{} {}", self.provider.label(), self.project)
    }
}

/// A job whose log is read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct JobRef {
    /// The project.
    pub source: CiSource,
    /// The job id.
    pub job_id: u64,
}

/// A named, collapsible part of a job log (GitLab `section_start`/`section_end`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSection {
    /// The section's name (`step_script`).
    pub name: String,
    /// 0-based index of its header line in the log as delivered (markers removed).
    pub first_line: usize,
    /// 0-based index of its last line; `None` while it is still open.
    pub last_line: Option<usize>,
    /// Start, Unix seconds (from the marker).
    pub started_s: i64,
    /// End minus start, seconds; `None` while open.
    pub duration_s: Option<i64>,
    /// The marker asked for it to be shown collapsed.
    pub collapsed: bool,
}

/// How complete a job log is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobLogState {
    /// The job runs; more will come.
    Partial,
    /// The job finished; this is all of it.
    Complete,
    /// Nothing can be shown yet; the text says why (GitHub logs exist only once a job completes).
    Unavailable(String),
}

/// The rate-limit budget of one provider, as the last response reported it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RateLimitState {
    /// Requests left in the window.
    pub remaining: Option<u32>,
    /// Requests allowed per window.
    pub limit: Option<u32>,
    /// When the window resets, Unix ms.
    pub reset_ms: Option<i64>,
    /// Polling is paused until then (Unix ms) because the API refused for rate limiting.
    pub paused_until_ms: Option<i64>,
}

impl RateLimitState {
    /// Status-bar text: `97%` of the budget left while it is comfortable, the exact `150/5000`
    /// once it is low, `paused 12m: rate limit` while paused. Whole percents keep an idle
    /// dashboard idle: a poller that spends a request every few seconds must not make the
    /// screen redraw every few seconds, and the value shown is never out of date.
    pub fn label(&self, now_ms: i64) -> String {
        if let Some(until) = self.paused_until_ms.filter(|u| *u > now_ms) {
            let secs = (until - now_ms + 999) / 1000;
            let left = if secs >= 60 {
                format!("{}m", (secs + 59) / 60)
            } else {
                format!("{secs}s")
            };
            return format!("paused {left}: rate limit");
        }
        match (self.remaining, self.limit) {
            (Some(r), Some(l)) if l > 0 && u64::from(r) * 10 > u64::from(l) => {
                format!("{}%", u64::from(r) * 100 / u64::from(l))
            }
            (Some(r), Some(l)) => format!("{r}/{l}"),
            (Some(r), None) => format!("{r} left"),
            _ => "budget unknown".to_string(),
        }
    }
}

/// Why a CI source failed, so the model can branch (a 401 is not retried like a timeout).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CiErrorKind {
    /// The token was rejected (401).
    Unauthorized,
    /// The token lacks a permission (403 without rate limiting).
    Forbidden,
    /// The project or run does not exist or is not visible (404).
    NotFound,
    /// Rate limited; polling is paused.
    RateLimited,
    /// The API could not be reached or answered 5xx.
    Unavailable,
    /// Anything else (422, a body we cannot read).
    Other,
}

/// A report from a CI poller. tui-core wraps it as `Msg::Ci(CiUpdate)`.
#[derive(Debug, Clone, PartialEq)]
pub enum CiUpdate {
    /// The newest runs of a release's CI source, newest first, with jobs for the active ones
    /// and the newest.
    Pipelines {
        /// The release (config name).
        release: String,
        /// Which project.
        source: CiSource,
        /// The runs.
        runs: Vec<Pipeline>,
    },
    /// Every gate of a release's CI source now (an empty list clears them).
    Gates {
        /// The release (config name).
        release: String,
        /// Which project.
        source: CiSource,
        /// The gates.
        gates: Vec<Gate>,
    },
    /// New text of a job log.
    JobLog {
        /// Which job.
        job: JobRef,
        /// Text to append (markers removed, ANSI kept for the sanitiser).
        text: String,
        /// Drop what was shown before `text` (the log was replaced, e.g. a retried job).
        reset: bool,
        /// Every section known so far, in order.
        sections: Vec<LogSection>,
        /// Whether more will come.
        state: JobLogState,
    },
    /// A provider's budget changed.
    RateLimit {
        /// Which provider.
        provider: Provider,
        /// Its state.
        state: RateLimitState,
    },
    /// A source failed; the poller retries on its own.
    SourceError {
        /// Which project.
        source: CiSource,
        /// What kind of failure.
        kind: CiErrorKind,
        /// The user-facing message (never contains a token).
        message: String,
    },
}
