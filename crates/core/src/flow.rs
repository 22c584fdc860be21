//! What a change in one concern means for the others. The only module that writes across
//! concerns: a new selection, a new cluster state, a new scope.

use crate::concerns::logs::{MAX_PODS, WantedStream};
use crate::effect::Effect;
use crate::model::Model;
use crate::msg::Connection;
use crate::nav::Pane;
use crate::release::ReleaseId;

/// Focuses a pane: the one way focus changes. Leaving the job log (esc, a pane key, tab, a
/// command) stops following it.
pub(crate) fn focus(model: &mut Model, pane: Pane) -> Vec<Effect> {
    model.nav.focus = pane;
    let mut effects = sync_analysis(model);
    if pane != Pane::JobLog {
        effects.extend(model.ci.close_job_log());
    }
    effects
}

/// Makes `id` the selected release: the pods, logs, events and pipeline panes follow it.
pub(crate) fn select_release(model: &mut Model, id: Option<ReleaseId>) -> Vec<Effect> {
    if model.releases.selected == id {
        return Vec::new();
    }
    model.releases.selected = id;
    model.pods.cursor = 0;
    model.ci.job_cursor = 0;
    model.events.scroll = 0;
    model
        .pods
        .derive(&model.cluster, model.releases.selected.as_ref());
    let mut effects = model.logs.choose(None, false);
    effects.extend(sync_streams(model));
    effects.extend(sync_analysis(model));
    effects.extend(sync_ci_focus(model));
    effects
}

/// Re-derives the rows after the cluster changed, keeps a valid selection, and starts or
/// stops log streams and CI pollers to match.
pub(crate) fn refresh(model: &mut Model) -> Vec<Effect> {
    let still_there = model.releases.derive(&model.cluster);
    model
        .pods
        .derive(&model.cluster, model.releases.selected.as_ref());
    let mut effects = Vec::new();
    let first = model.releases.first_visible();
    if !still_there || (!model.releases.chosen && first != model.releases.selected) {
        effects.extend(select_release(model, first));
    }
    effects.extend(sync_streams(model));
    effects.extend(sync_ci(model));
    effects.extend(sync_analysis(model));
    effects
}

/// Asks for the analysis watches of the releases on screen or under a trigger when that set
/// changed.
pub(crate) fn sync_analysis(model: &mut Model) -> Vec<Effect> {
    crate::analysis::update::sync(model)
}

/// Derives each release's CI link and asks for new pollers when the set of links changed.
pub(crate) fn sync_ci(model: &mut Model) -> Vec<Effect> {
    model
        .ci
        .derive_links(&model.releases.rows, &model.cluster, &model.target.context);
    let wanted = model.ci.wanted_watches();
    let mut effects = Vec::new();
    if wanted != model.ci.watching {
        model.ci.watching = wanted.clone();
        model.ci.prune();
        effects.push(Effect::WatchCi(wanted));
    }
    effects.extend(sync_ci_focus(model));
    effects
}

/// Tells the pollers which release's CI is on screen when that changed.
fn sync_ci_focus(model: &mut Model) -> Vec<Effect> {
    let focus = model
        .releases
        .selected
        .as_ref()
        .and_then(|id| model.ci.links.get(id))
        .map(|l| l.key.clone());
    if focus == model.ci.focus {
        return Vec::new();
    }
    model.ci.focus = focus.clone();
    vec![Effect::FocusCi(focus)]
}

/// The streams the Logs pane needs now: one pod (when chosen) or the release's pods.
fn wanted_streams(model: &Model) -> Vec<WantedStream> {
    let pods = model
        .pods
        .rows
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

/// Brings the running log streams in line with what the Logs pane needs.
pub(crate) fn sync_streams(model: &mut Model) -> Vec<Effect> {
    let wanted = wanted_streams(model);
    model.logs.sync(&wanted)
}

/// Forgets everything watched so far (the next lists come from another place) and asks the
/// driver for `effect`.
pub(crate) fn restart(model: &mut Model, effect: Effect) -> Vec<Effect> {
    let mut effects = model.logs.reset();
    model.cluster = Default::default();
    model.releases.rows.clear();
    model.pods.rows.clear();
    model.releases.selected = None;
    model.releases.chosen = false;
    model.synced.clear();
    let now = model.now_ms;
    for (c, since) in model.connections.values_mut() {
        *c = Connection::Connecting;
        *since = now;
    }
    effects.push(effect);
    effects
}
