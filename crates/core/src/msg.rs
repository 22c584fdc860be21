//! Everything that can happen to the model: keys, time, watch events, connection states, log
//! lines. Sources only ever send these; the event loop feeds them to `update`.

use super::cluster::{Kind, Object};
use super::key::KeyPress;
use super::meta::ObjectKey;
use super::pipeline::CiUpdate;
use crate::control::ControlMsg;

/// Identifies one log stream the driver runs for us.
pub type StreamId = u64;

/// A message into `update`.
// Watch events carry a slim object by value: each is moved through the channel once, and
// boxing would cost an allocation per event for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    /// A key was pressed.
    Key(KeyPress),
    /// The rollback drill's bar: name, time, hint, and at the end the scorecard.
    Drill(crate::drill::DrillBar),
    /// Wall-clock time passed (sent about once a second); the model never reads a clock.
    Tick {
        /// Now, Unix milliseconds.
        now_ms: i64,
    },
    /// The terminal changed size.
    Resized {
        /// Columns.
        width: u16,
        /// Rows.
        height: u16,
    },
    /// The terminal must be drawn again from scratch (resume after ctrl-z).
    Redraw,
    /// A watch delivered a change.
    Watch(WatchEvent),
    /// A watch source changed its connection state.
    Connection {
        /// Which source.
        kind: Kind,
        /// Its new state.
        state: Connection,
        /// When, Unix milliseconds.
        at_ms: i64,
    },
    /// Lines arrived on a log stream (already split; not yet sanitised).
    LogLines {
        /// Which stream.
        stream: StreamId,
        /// The lines, oldest first.
        lines: Vec<RawLogLine>,
    },
    /// A log stream changed state.
    LogStream {
        /// Which stream.
        stream: StreamId,
        /// Its new state.
        state: StreamState,
    },
    /// A CI poller or job-log follower reported.
    Ci(CiUpdate),
    /// `:save` wrote (lines, the file) or failed (the message to show).
    LogsSaved(Result<(usize, String), String>),
    /// A context switch's outcome, or a message from one context's sources.
    Context(ContextMsg),
    /// Release control: an answer from the driver.
    Control(ControlMsg),
    /// The analysis poller reported.
    Analysis(crate::analysis::AnalysisMsg),
    /// Time on the CI servers' clock (sent about once a second; the simulator's in the demo),
    /// for the ages of gates and the timers of running jobs.
    CiClock {
        /// Now on that clock, Unix milliseconds.
        now_ms: i64,
    },
}

/// A change reported by a watch.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum WatchEvent {
    /// The complete current list of a kind (after connecting or re-listing).
    Replace {
        /// Which kind.
        kind: Kind,
        /// Every object of it.
        objects: Vec<Object>,
    },
    /// An object was added or modified.
    Apply(Object),
    /// An object was deleted.
    Delete {
        /// Its kind.
        kind: Kind,
        /// Its namespace and name.
        key: ObjectKey,
    },
}

/// The connection state of one watch source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Connection {
    /// Listing for the first time.
    Connecting,
    /// Synced and watching.
    Live,
    /// The watch failed; retrying on its own. The message says why.
    Lost(String),
    /// The API answered 403 for this resource.
    Forbidden(String),
    /// The API answered 401: the credentials are not accepted any more.
    Unauthorized(String),
}

/// One line as read from the API: the `timestamps=true` prefix parsed and the rest sanitised
/// on the stream's task, so the event loop only stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawLogLine {
    /// The timestamp prefix, Unix nanoseconds as the API sends it.
    pub time_ns: Option<i64>,
    /// The rest of the line, sanitised.
    pub text: crate::logs::StyledText,
}

/// What a log stream is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamState {
    /// Reading.
    Streaming,
    /// Disconnected; reconnecting from the last timestamp.
    Retrying(String),
    /// Finished (the previous container's log was read to the end, or the pod is gone).
    Ended,
    /// Cannot be read (e.g. the container has not started); the message says why.
    Failed(String),
}

/// What the driver reports about contexts.
#[derive(Debug, Clone, PartialEq)]
pub enum ContextMsg {
    /// The context asked for by `Effect::ConnectContext` answered: switch to it.
    Connected {
        /// The context.
        name: String,
        /// The generation the request carried.
        epoch: u64,
        /// Its API server URL.
        server: String,
    },
    /// The context asked for could not be reached or configured; stay where we are.
    Failed {
        /// The context.
        name: String,
        /// The generation the request carried.
        epoch: u64,
        /// Why, for the operator.
        error: String,
    },
    /// A message from a source (watch, log stream) of context generation `epoch`.
    // Boxed because a `Msg` holds this; one allocation per event is small next to decoding it.
    From {
        /// The generation of the source.
        epoch: u64,
        /// What it sent.
        msg: Box<Msg>,
    },
}

impl ContextMsg {
    /// Wraps a source's message with its context generation.
    pub fn from_source(epoch: u64, msg: Msg) -> Msg {
        Msg::Context(ContextMsg::From {
            epoch,
            msg: Box::new(msg),
        })
    }
}
