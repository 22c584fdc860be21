//! The pure core: domain types and `update`. Nothing here does I/O, reads a clock or knows
//! about terminals, tokio or kube; time and events arrive as `Msg`s and requests leave as
//! `Effect`s. The crate's dependencies make that a compile-time fact.

pub mod action;
pub mod ci;
pub mod ci_input;
pub mod cluster;
pub mod command;
pub mod config_error;
pub mod context;
pub mod deployment;
pub mod effect;
pub mod event;
pub mod gate;
pub mod input;
pub mod key;
pub mod keymap;
pub mod link;
pub mod logs;
pub mod logview;
pub mod meta;
pub mod msg;
pub mod pipeline;
pub mod pod;
pub mod release;
pub mod rollout;
#[cfg(any(test, feature = "testkit"))]
pub mod sample;
#[cfg(any(test, feature = "testkit"))]
pub mod sample_ci;
pub mod time;
pub mod update;

use std::collections::BTreeMap;

use crate::keymap::{Keymap, Mode};

pub use self::effect::{Effect, LogStreamSpec, Scope};
pub use self::msg::{Connection, Msg, RawLogLine, StreamState, WatchEvent};
pub use self::update::update;

use self::cluster::{Cluster, Kind};
use self::key::KeyPress;
use self::logview::LogView;
use self::release::{Release, ReleaseId};

/// The panes that can take the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    /// The list of releases.
    Releases,
    /// The selected release's pods.
    Pods,
    /// The selected release's logs.
    Logs,
    /// The selected release's events.
    Events,
    /// The selected release's CI pipeline.
    Pipeline,
    /// One CI job's log (opened from the Pipeline pane).
    JobLog,
    /// Every CI gate waiting on a human, across releases.
    Gates,
}

impl Pane {
    /// Focus order for tab / shift-tab.
    pub const ORDER: [Pane; 4] = [Pane::Releases, Pane::Pods, Pane::Logs, Pane::Events];

    /// The pane's title.
    pub fn title(self) -> &'static str {
        match self {
            Pane::Releases => "Releases",
            Pane::Pods => "Pods",
            Pane::Logs => "Logs",
            Pane::Events => "Events",
            Pane::Pipeline => "Pipeline",
            Pane::JobLog => "Job log",
            Pane::Gates => "Gates",
        }
    }
}

/// A one-line message for the user (command feedback, invalid filter …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The text.
    pub text: String,
    /// Whether it reports a problem.
    pub error: bool,
}

/// Where the session points: context, namespaces, permissions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The kubeconfig context in use.
    pub context: String,
    /// Every context in the kubeconfig (for `:ctx`).
    pub contexts: Vec<String>,
    /// Which namespaces are watched.
    pub scope: Scope,
    /// The API server URL (named when it cannot be reached).
    pub server: String,
    /// `--readonly`: no mutating action is offered.
    pub readonly: bool,
}

/// The whole application state. Owned by the event loop; changed only by `update`.
#[derive(Debug)]
pub struct Model {
    /// Context and namespaces.
    pub target: Target,
    /// Wall-clock now, from the last `Msg::Tick`.
    pub now_ms: i64,
    /// Terminal size, from `Msg::Resized`.
    pub size: (u16, u16),
    /// Everything the watches reported.
    pub cluster: Cluster,
    /// One row per Deployment / Rollout, derived from `cluster`.
    pub releases: Vec<Release>,
    /// The selected release's pods with their roles, problems first (derived, unfiltered).
    pub release_pods: Vec<(meta::ObjectKey, pod::PodRole)>,
    /// Connection state per watch source, and since when it holds (Unix ms).
    pub connections: BTreeMap<Kind, (Connection, i64)>,
    /// When a watch last delivered anything (the last tick's time; Unix ms).
    pub last_update_ms: Option<i64>,
    /// Kinds that have completed at least one list (their data can be trusted as a snapshot).
    pub synced: BTreeMap<Kind, bool>,
    /// The focused pane.
    pub focus: Pane,
    /// Keyboard mode.
    pub mode: Mode,
    /// Text being typed at the `/` or `:` prompt.
    pub input: String,
    /// Release name filter (substring).
    pub release_filter: String,
    /// Pod name filter (substring).
    pub pod_filter: String,
    /// The highlighted release (stays put when rows move).
    pub selected: Option<ReleaseId>,
    /// Highlighted row in the Pods pane.
    pub pod_cursor: usize,
    /// Scroll offset of the Events pane.
    pub event_scroll: usize,
    /// Scroll offset of the help overlay.
    pub help_scroll: usize,
    /// The Logs pane state.
    pub logs: LogView,
    /// Whether Quarterdeck's own log is shown.
    pub show_app_log: bool,
    /// Feedback line.
    pub notice: Option<Notice>,
    /// The key bindings.
    pub keymap: Keymap,
    /// Keys of an unfinished chord.
    pub pending_keys: Vec<KeyPress>,
    /// CI links, pipelines, gates, job log and rate budgets.
    pub ci: ci::CiState,
    /// The context generation shown and a switch under way.
    pub context: context::ContextState,
    /// Something changed since the last frame.
    dirty: bool,
}

impl Model {
    /// A fresh model: nothing known yet, every source connecting.
    pub fn new(target: Target, keymap: Keymap, now_ms: i64) -> Self {
        let connections = Kind::ALL
            .iter()
            .map(|k| (*k, (Connection::Connecting, now_ms)))
            .collect();
        Self {
            target,
            now_ms,
            size: (80, 24),
            cluster: Cluster::default(),
            releases: Vec::new(),
            release_pods: Vec::new(),
            connections,
            last_update_ms: None,
            synced: BTreeMap::new(),
            focus: Pane::Releases,
            mode: Mode::Normal,
            input: String::new(),
            release_filter: String::new(),
            pod_filter: String::new(),
            selected: None,
            pod_cursor: 0,
            event_scroll: 0,
            help_scroll: 0,
            logs: LogView::default(),
            show_app_log: false,
            notice: None,
            keymap,
            pending_keys: Vec::new(),
            ci: ci::CiState::default(),
            context: context::ContextState::default(),
            dirty: true,
        }
    }

    /// Whether a frame is due; clears the flag.
    pub fn take_dirty(&mut self) -> bool {
        std::mem::take(&mut self.dirty)
    }

    /// Marks the model as changed.
    pub fn mark_dirty(&mut self) {
        self.dirty = true;
    }

    /// Releases that pass the filter, in display order.
    pub fn visible_releases(&self) -> Vec<&Release> {
        let needle = self.release_filter.to_lowercase();
        self.releases
            .iter()
            .filter(|r| {
                needle.is_empty()
                    || r.id.key.name.to_lowercase().contains(&needle)
                    || r.id.key.namespace.to_lowercase().contains(&needle)
            })
            .collect()
    }

    /// Index of the selected release among the visible ones.
    pub fn release_cursor(&self) -> Option<usize> {
        let sel = self.selected.as_ref()?;
        self.visible_releases().iter().position(|r| &r.id == sel)
    }

    /// The selected release's row.
    pub fn selected_release(&self) -> Option<&Release> {
        let sel = self.selected.as_ref()?;
        self.releases.iter().find(|r| &r.id == sel)
    }

    /// The selected release's pod rows that pass the pod filter, problems first.
    pub fn pod_rows(&self) -> impl Iterator<Item = &(meta::ObjectKey, pod::PodRole)> {
        let needle = self.pod_filter.to_lowercase();
        self.release_pods
            .iter()
            .filter(move |(k, _)| needle.is_empty() || k.name.to_lowercase().contains(&needle))
    }

    /// The selected release's pods that pass the pod filter, problems first.
    pub fn visible_pods(&self) -> Vec<(&pod::Pod, pod::PodRole)> {
        self.pod_rows()
            .filter_map(|(k, role)| self.cluster.pods.get(k).map(|p| (p, *role)))
            .collect()
    }

    /// The pod under the Pods cursor.
    pub fn cursor_pod(&self) -> Option<&pod::Pod> {
        let n = self.pod_rows().count();
        let i = self.pod_cursor.min(n.saturating_sub(1));
        let (key, _) = self.pod_rows().nth(i)?;
        self.cluster.pods.get(key)
    }

    /// Events about the selected release, its ReplicaSets and pods, newest first.
    pub fn release_events(&self) -> Vec<&event::Event> {
        let Some(id) = &self.selected else {
            return Vec::new();
        };
        let prefix = format!("{}-", id.key.name);
        let mut out: Vec<&event::Event> = self
            .cluster
            .events
            .values()
            .filter(|e| {
                e.key.namespace == id.key.namespace
                    && (e.object_name == id.key.name || e.object_name.starts_with(&prefix))
            })
            .collect();
        out.sort_by(|a, b| b.last_ms.cmp(&a.last_ms).then(a.key.cmp(&b.key)));
        out
    }

    /// The connection state of one source.
    pub fn connection(&self, kind: Kind) -> &Connection {
        self.connections
            .get(&kind)
            .map_or(&Connection::Connecting, |(c, _)| c)
    }

    /// Whether any source is currently failing (its age label ticks every second).
    pub fn any_degraded(&self) -> bool {
        self.connections
            .values()
            .any(|(c, _)| matches!(c, Connection::Lost(_)))
    }

    /// The message of a 401, if any source got one: credentials expired or revoked.
    pub fn unauthorized(&self) -> Option<&str> {
        self.connections.values().find_map(|(c, _)| match c {
            Connection::Unauthorized(m) => Some(m.as_str()),
            _ => None,
        })
    }

    /// Whether the focused pane is one of the CI panes (they share the lower part of the screen).
    pub fn ci_focused(&self) -> bool {
        matches!(self.focus, Pane::Pipeline | Pane::JobLog | Pane::Gates)
    }

    /// Whether the API has never answered any list (unreachable since start).
    pub fn never_connected(&self) -> bool {
        !self.synced.values().any(|s| *s)
    }

    /// Whether a workload kind (Deployments, Rollouts) has not been listed yet and is not
    /// forbidden: until then an empty Releases pane means "not known yet", not "none".
    pub fn workloads_pending(&self) -> bool {
        [Kind::Deployments, Kind::Rollouts].into_iter().any(|k| {
            !self.synced.get(&k).copied().unwrap_or(false)
                && !matches!(self.connection(k), Connection::Forbidden(_))
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
