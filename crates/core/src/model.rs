//! The whole application state, composed of the concerns' own states.

use std::cell::RefCell;
use std::collections::BTreeMap;

use crate::cluster::{Cluster, Kind};
use crate::concerns::ci::CiState;
use crate::concerns::context::ContextState;
use crate::concerns::events::{EventList, release_events};
use crate::concerns::logs::LogView;
use crate::concerns::pods::PodList;
use crate::concerns::releases::ReleaseList;
use crate::control::ControlState;
use crate::effect::Scope;
use crate::event;
use crate::keymap::Keymap;
use crate::meta::ObjectKey;
use crate::msg::Connection;
use crate::nav::Nav;
use crate::release::{Release, ReleaseId};

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
    /// Connection state per watch source, and since when it holds (Unix ms).
    pub connections: BTreeMap<Kind, (Connection, i64)>,
    /// When a watch last delivered anything (the last tick's time; Unix ms).
    pub last_update_ms: Option<i64>,
    /// Kinds that have completed at least one list (their data can be trusted as a snapshot).
    pub synced: BTreeMap<Kind, bool>,
    /// Focus, keyboard mode, prompts and overlays.
    pub nav: Nav,
    /// The Releases pane: rows, filter, selection.
    pub releases: ReleaseList,
    /// The Pods pane: the selected release's pods, filter, cursor.
    pub pods: PodList,
    /// The Events pane.
    pub events: EventList,
    /// The Logs pane.
    pub logs: LogView,
    /// CI links, pipelines, gates, job log and rate budgets.
    pub ci: CiState,
    /// The context generation shown and a switch under way.
    pub context: ContextState,
    /// Release control: dialogs, actions in flight, permissions, Leases.
    pub control: ControlState,
    /// Canary analysis: settings, series, triggers and the guard.
    pub analysis: crate::analysis::AnalysisState,
    /// The rollback drill under way (`quarterdeck drill`), if any.
    pub drill: Option<crate::drill::DrillState>,
    /// Feedback line.
    pub notice: Option<Notice>,
    /// The key bindings.
    pub keymap: Keymap,
    /// What changed since the last frame.
    dirty: Redraw,
    /// The selected release's events (keys, newest first) and what they were derived from:
    /// drawn every frame, derived again only when the release or its namespace changed.
    release_events: RefCell<Option<ReleaseEvents>>,
}

/// What changed since the last frame, from least to most: a frame draws again what it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Redraw {
    /// Nothing: no frame is due.
    #[default]
    Nothing,
    /// Only the log view (`Model::logs`): no other pane reads it.
    Logs,
    /// What the watches saw: every pane, but a frame may wait for more of the same.
    World,
    /// Anything else (a key, a new size, an action's result): every pane, at once.
    All,
}

/// [`Model::release_events`] as last derived.
#[derive(Debug)]
struct ReleaseEvents {
    release: ReleaseId,
    stamp: (u64, u64),
    keys: Vec<ObjectKey>,
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
            connections,
            last_update_ms: None,
            synced: BTreeMap::new(),
            nav: Nav::default(),
            releases: ReleaseList::default(),
            pods: PodList::default(),
            events: EventList::default(),
            logs: LogView::default(),
            ci: CiState::default(),
            context: ContextState::default(),
            control: ControlState::default(),
            analysis: Default::default(),
            drill: None,
            notice: None,
            keymap,
            dirty: Redraw::All,
            release_events: RefCell::new(None),
        }
    }

    /// Whether a frame is due; clears the flag.
    pub fn take_dirty(&mut self) -> bool {
        self.take_redraw() != Redraw::Nothing
    }

    /// What the next frame must draw again; clears it.
    pub fn take_redraw(&mut self) -> Redraw {
        std::mem::take(&mut self.dirty)
    }

    /// Marks the model as changed: the next frame draws everything.
    pub(crate) fn mark_dirty(&mut self) {
        self.dirty = Redraw::All;
    }

    /// Marks the cluster as changed by a watch: every pane, in a frame that may wait for more
    /// events (a rollout moves hundreds of pods; each frame costs the whole dashboard).
    pub(crate) fn mark_world_dirty(&mut self) {
        self.dirty = self.dirty.max(Redraw::World);
    }

    /// Marks the log view as changed and nothing else: only the Logs pane needs drawing again.
    pub(crate) fn mark_logs_dirty(&mut self) {
        self.dirty = self.dirty.max(Redraw::Logs);
    }

    /// The selected release's row.
    pub fn selected_release(&self) -> Option<&Release> {
        self.releases.selected_row()
    }

    /// Events about the selected release, its ReplicaSets and pods, newest first.
    pub fn release_events(&self) -> Vec<&event::Event> {
        let Some(id) = self.releases.selected.as_ref() else {
            return Vec::new();
        };
        let stamp = self.cluster.events_stamp(&id.key.namespace);
        let mut cached = self.release_events.borrow_mut();
        if !cached
            .as_ref()
            .is_some_and(|c| c.stamp == stamp && &c.release == id)
        {
            *cached = Some(ReleaseEvents {
                release: id.clone(),
                stamp,
                keys: release_events(&self.cluster, id)
                    .into_iter()
                    .map(|e| e.key.clone())
                    .collect(),
            });
        }
        cached.as_ref().map_or_else(Vec::new, |c| {
            c.keys
                .iter()
                .filter_map(|k| self.cluster.events.get(k))
                .collect()
        })
    }

    /// The connection state of one source.
    pub fn connection(&self, kind: Kind) -> &Connection {
        self.connections
            .get(&kind)
            .map_or(&Connection::Connecting, |(c, _)| c)
    }

    /// Whether any source is currently failing (its age label ticks every second).
    pub(crate) fn any_degraded(&self) -> bool {
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
