//! What `update` asks the outside world to do. The effects driver performs these and answers
//! with `Msg`s.

use super::msg::StreamId;
use super::pipeline::JobRef;
use crate::control::ControlEffect;
use crate::link::CiWatch;

/// Which namespaces are watched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// One namespace.
    Namespace(String),
    /// Every namespace (`-A`).
    All,
}

impl Scope {
    /// How the status bar names it.
    pub fn label(&self) -> &str {
        match self {
            Scope::Namespace(ns) => ns,
            Scope::All => "all namespaces",
        }
    }
}

/// Which log to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogStreamSpec {
    /// The id lines will carry.
    pub id: StreamId,
    /// Pod namespace.
    pub namespace: String,
    /// Pod name.
    pub pod: String,
    /// Container name.
    pub container: String,
    /// Read the previous (terminated) instance instead of following the current one.
    pub previous: bool,
    /// How many existing lines to fetch first (negative: all of them).
    pub tail_lines: i64,
    /// Only lines this many seconds old or newer (`--since`).
    pub since_seconds: Option<i64>,
}

/// A request to the outside world.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// During a drill: the operator now looks at this release (`namespace/name`) this way.
    DrillLook {
        /// `namespace/name`.
        release: String,
        /// Selected, its logs or its analysis.
        how: crate::drill::LookKind,
    },
    /// Start reading a log.
    StartLogStream(LogStreamSpec),
    /// Stop reading a log.
    StopLogStream(StreamId),
    /// Write log lines to a file; answer with `Msg::LogsSaved`.
    SaveLogs {
        /// As the user typed it (relative to the current directory, `~` expanded).
        path: String,
        /// Replace an existing file.
        force: bool,
        /// The lines, without newlines.
        lines: Vec<String>,
    },
    /// Watch other namespaces (restarts every watch).
    SetScope(Scope),
    /// Across all namespaces, watch Kubernetes Events in this namespace only (`None`: in
    /// none). They follow the selected release: other namespaces' events, the busiest kind of
    /// a cluster, would cost a decode each and push its own out of the events cap.
    WatchEvents(Option<String>),
    /// Connect to another kubeconfig context in the background; answer with
    /// `ContextMsg::Connected` or `ContextMsg::Failed` carrying `epoch`.
    ConnectContext {
        /// The context.
        name: String,
        /// The generation it will have once switched to.
        epoch: u64,
    },
    /// Switch to the context connected for `epoch` (replaces every watch and stream; their
    /// messages carry `epoch`).
    SwitchContext {
        /// The generation of the new context.
        epoch: u64,
    },
    /// Poll exactly these releases' CI (replaces the pollers when the set changed).
    WatchCi(Vec<CiWatch>),
    /// The CI release key on screen (the selected release's), polled at full detail and speed;
    /// the pollers watch the others for gates and read their runs only now and then.
    FocusCi(Option<String>),
    /// Follow one CI job's log.
    FollowJobLog(JobRef),
    /// Stop following a CI job's log.
    StopJobLog(JobRef),
    /// Poll exactly these releases' analysis metrics (replaces the pollers when the set changed).
    WatchAnalysis(Vec<crate::analysis::AnalysisWatch>),
    /// Release control: permissions, Leases, actions, the journal.
    Control(Box<ControlEffect>),
    /// Leave the program.
    Quit,
}
