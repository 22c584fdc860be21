//! Container logs: a bounded buffer per container, the previous instance's log after a restart,
//! and a broadcast that `follow` streams listen to.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use tokio::sync::{broadcast, watch};

/// Lines kept per container.
const KEEP: usize = 5_000;

/// Which container a line belongs to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LogKey {
    /// Namespace of the pod.
    pub namespace: String,
    /// Pod name.
    pub pod: String,
    /// Container name.
    pub container: String,
}

/// One line a container wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct LogLine {
    /// When it was written, Unix milliseconds (simulated clock).
    pub time_ms: i64,
    /// The bytes without the trailing newline: what a container writes need not be UTF-8.
    pub text: Vec<u8>,
}

/// A new line, as followers receive it.
#[derive(Debug)]
pub(crate) struct Appended {
    /// Whose line.
    pub(crate) key: LogKey,
    /// The line.
    pub(crate) line: LogLine,
}

/// All container logs of the world.
pub struct PodLogs {
    current: BTreeMap<LogKey, VecDeque<LogLine>>,
    previous: BTreeMap<LogKey, Vec<LogLine>>,
    tx: broadcast::Sender<Arc<Appended>>,
    /// Bumped to end every follow connection (a dropped connection, for resume tests).
    cuts: watch::Sender<u64>,
}

impl Default for PodLogs {
    fn default() -> Self {
        let (tx, _) = broadcast::channel(65_536);
        Self {
            current: BTreeMap::new(),
            previous: BTreeMap::new(),
            tx,
            cuts: watch::Sender::new(0),
        }
    }
}

impl PodLogs {
    /// Appends a line to a container's log and tells followers.
    pub fn append(&mut self, key: LogKey, line: LogLine) {
        let buf = self.current.entry(key.clone()).or_default();
        if buf.len() == KEEP {
            buf.pop_front();
        }
        buf.push_back(line.clone());
        // No follower is fine.
        let _ = self.tx.send(Arc::new(Appended { key, line }));
    }

    /// The container restarted: its log becomes the previous instance's and a new one begins.
    pub(crate) fn restart(&mut self, key: &LogKey) {
        let old = self.current.remove(key).unwrap_or_default();
        self.previous.insert(key.clone(), old.into_iter().collect());
    }

    /// Forgets every log of a deleted pod.
    pub(crate) fn remove_pod(&mut self, namespace: &str, pod: &str) {
        self.current
            .retain(|k, _| !(k.namespace == namespace && k.pod == pod));
        self.previous
            .retain(|k, _| !(k.namespace == namespace && k.pod == pod));
    }

    /// The current instance's lines, oldest first (empty when it wrote nothing yet).
    pub(crate) fn lines(&self, key: &LogKey) -> Vec<LogLine> {
        self.current
            .get(key)
            .map(|b| b.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// The previous instance's lines; `None` when the container never restarted.
    pub(crate) fn previous(&self, key: &LogKey) -> Option<&[LogLine]> {
        self.previous.get(key).map(Vec::as_slice)
    }

    /// Ends every follow connection now open, as a dropped connection would.
    pub(crate) fn cut_followers(&self) {
        self.cuts.send_modify(|n| *n += 1);
    }

    /// Changes when follow connections are to be cut.
    pub(crate) fn cuts(&self) -> watch::Receiver<u64> {
        self.cuts.subscribe()
    }

    /// A receiver for every line appended from now on.
    pub(crate) fn subscribe(&self) -> broadcast::Receiver<Arc<Appended>> {
        self.tx.subscribe()
    }
}
