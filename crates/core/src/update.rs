//! `update`: the one place the model changes. Pure: every transition is a unit test.

use super::cluster::Kind;
use super::effect::Effect;
use super::input;
use super::logview::{MAX_PODS, WantedStream};
use super::msg::{Connection, Msg, WatchEvent};
use super::release::derive_releases;
use super::time::minute_of;
use super::{Model, Pane};

/// Applies one message to the model and returns what the outside world must do.
pub fn update(model: &mut Model, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) => {
            model.mark_dirty();
            input::on_key(model, key)
        }
        Msg::Tick { now_ms } => {
            // Relative labels have minute resolution, staleness counters second resolution:
            // only draw when one of them changes.
            let minute_changed = minute_of(now_ms) != minute_of(model.now_ms);
            let second_changed = now_ms / 1000 != model.now_ms / 1000;
            model.now_ms = now_ms;
            if minute_changed || (second_changed && model.any_degraded()) {
                model.mark_dirty();
            }
            Vec::new()
        }
        Msg::Resized { width, height } => {
            model.size = (width, height);
            model.mark_dirty();
            Vec::new()
        }
        Msg::Redraw => {
            model.mark_dirty();
            Vec::new()
        }
        Msg::Watch(event) => {
            match event {
                WatchEvent::Replace { kind, objects } => {
                    model.cluster.replace(kind, objects);
                    model.synced.insert(kind, true);
                }
                WatchEvent::Apply(object) => model.cluster.upsert(object),
                WatchEvent::Delete { kind, key } => model.cluster.delete(kind, &key),
            }
            model.last_update_ms = Some(model.now_ms);
            model.mark_dirty();
            refresh(model)
        }
        Msg::Connection { kind, state, at_ms } => {
            let unchanged = model
                .connections
                .get(&kind)
                .is_some_and(|(c, _)| *c == state);
            if !unchanged {
                model.connections.insert(kind, (state, at_ms));
                model.mark_dirty();
            }
            Vec::new()
        }
        Msg::LogLines { stream, lines } => {
            if model.logs.ingest(stream, lines) {
                model.mark_dirty();
            }
            Vec::new()
        }
        Msg::LogStream { stream, state } => {
            if model.logs.set_state(stream, state) {
                model.mark_dirty();
            }
            Vec::new()
        }
        Msg::Ci(ci_update) => {
            if model.ci.apply(ci_update) {
                clamp_job_cursor(model);
                model.mark_dirty();
            }
            Vec::new()
        }
        Msg::Context(context_msg) => super::context::update(model, context_msg),
        Msg::CiClock { now_ms } => {
            let before = model.ci.now_ms.replace(now_ms);
            // Gate ages and job timers tick by the second, but only while a CI pane shows them.
            if before.is_none_or(|b| b / 1000 != now_ms / 1000) && model.ci_focused() {
                model.mark_dirty();
            }
            Vec::new()
        }
    }
}

/// Keeps the Pipeline pane's job cursor on a job of the run it shows.
pub(crate) fn clamp_job_cursor(model: &mut Model) {
    let n = model
        .selected_release()
        .and_then(|r| super::ci::release_runs(&model.ci, r))
        .map_or(0, |rr| rr.jobs().len());
    model.ci.job_cursor = model.ci.job_cursor.min(n.saturating_sub(1));
}

/// Derives each release's CI link and asks for new pollers when the set of links changed.
pub(crate) fn sync_ci(model: &mut Model) -> Vec<Effect> {
    model
        .ci
        .derive_links(&model.releases, &model.cluster, &model.target.context);
    let wanted = model.ci.wanted_watches();
    if wanted == model.ci.watching {
        return Vec::new();
    }
    model.ci.watching = wanted.clone();
    model.ci.prune();
    vec![Effect::WatchCi(wanted)]
}

/// Re-derives the release rows after the cluster changed, keeps a valid selection, and
/// starts or stops log streams for the selected release's pods.
pub(crate) fn refresh(model: &mut Model) -> Vec<Effect> {
    model.releases = derive_releases(&model.cluster);
    derive_pods(model);
    let mut effects = Vec::new();
    let still_there = model
        .selected
        .as_ref()
        .is_some_and(|id| model.releases.iter().any(|r| &r.id == id));
    if !still_there {
        let first = model.visible_releases().first().map(|r| r.id.clone());
        effects.extend(select_release(model, first));
    }
    effects.extend(sync_streams(model));
    effects.extend(sync_ci(model));
    effects
}

/// Makes `id` the selected release: the pods, logs and events panes follow it.
pub(crate) fn select_release(
    model: &mut Model,
    id: Option<super::release::ReleaseId>,
) -> Vec<Effect> {
    if model.selected == id {
        return Vec::new();
    }
    model.selected = id;
    model.pod_cursor = 0;
    model.ci.job_cursor = 0;
    model.event_scroll = 0;
    model.logs.only_pod = None;
    model.logs.previous = false;
    derive_pods(model);
    let mut effects = model.logs.reset();
    effects.extend(sync_streams(model));
    effects
}

/// Recomputes the selected release's pod rows (sorting thousands of pods is too slow to do
/// on every frame).
fn derive_pods(model: &mut Model) {
    model.release_pods = match &model.selected {
        Some(id) => super::release::pods_of(&model.cluster, id)
            .into_iter()
            .map(|(p, role)| (p.key.clone(), role))
            .collect(),
        None => Vec::new(),
    };
}

/// The streams the Logs pane needs now: one pod (when chosen) or the release's pods.
pub(crate) fn wanted_streams(model: &Model) -> Vec<WantedStream> {
    let pods = model
        .release_pods
        .iter()
        .filter_map(|(k, role)| model.cluster.pods.get(k).map(|p| (p, *role)));
    let chosen: Vec<_> = match &model.logs.only_pod {
        Some(key) => pods.filter(|(p, _)| &p.key == key).collect(),
        None => pods.take(MAX_PODS).collect(),
    };
    chosen
        .into_iter()
        .flat_map(|(pod, role)| {
            let multi = pod.containers.len() > 1;
            pod.containers.iter().map(move |c| WantedStream {
                pod: pod.key.clone(),
                container: c.clone(),
                role,
                multi_container: multi,
            })
        })
        .collect()
}

/// Brings the running log streams in line with `wanted_streams`.
pub(crate) fn sync_streams(model: &mut Model) -> Vec<Effect> {
    let wanted = wanted_streams(model);
    model.logs.sync(&wanted)
}

/// Focuses a pane.
pub(crate) fn focus(model: &mut Model, pane: Pane) {
    model.focus = pane;
}

/// Whether every source is live (used by tests and the status bar).
pub fn all_live(model: &Model) -> bool {
    Kind::ALL
        .iter()
        .all(|k| *model.connection(*k) == Connection::Live)
}
