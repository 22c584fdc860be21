//! What a change in one concern means for the others. The only module that writes across
//! concerns: a new selection, a new cluster state, a new scope.

use crate::cluster::{Kind, Object};
use crate::concerns::logs::{MAX_PODS, WantedStream};
use crate::concerns::pods::RowChange;
use crate::effect::{Effect, Scope};
use crate::meta::{ObjectKey, Owner};
use crate::model::Model;
use crate::msg::{Connection, WatchEvent};
use crate::nav::Pane;
use crate::release::{ReleaseId, WorkloadKind, row_of};
use crate::time::age;

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
    effects.extend(sync_events(model));
    effects.extend(sync_streams(model));
    effects.extend(sync_analysis(model));
    effects.extend(sync_ci_focus(model));
    effects
}

/// Across all namespaces, asks for the events of the selected release's namespace when that
/// changed; until their list comes, the Events pane says they are loading. Within one
/// namespace its watch has them all.
fn sync_events(model: &mut Model) -> Vec<Effect> {
    let wanted = match model.target.scope {
        Scope::All => model
            .releases
            .selected
            .as_ref()
            .map(|id| id.key.namespace.clone()),
        Scope::Namespace(_) => None,
    };
    if wanted == model.events.watching {
        return Vec::new();
    }
    model.events.watching = wanted.clone();
    model.synced.insert(Kind::Events, false);
    vec![Effect::WatchEvents(wanted)]
}

/// Applies one watch event, then re-derives only what reads the object it changed: a pod
/// moves its own row, an event draws when it is about the selected release's namespace, a
/// workload re-derives the releases. Draws only when something on screen may have changed.
pub(crate) fn watched(model: &mut Model, event: WatchEvent) -> Vec<Effect> {
    let mut settle = Settle::default();
    apply_watched(model, event, &mut settle);
    settle.run(model)
}

/// What watch events applied one after the other leave to derive once, after the last: a
/// rollout's hundreds of ReplicaSet and pod updates read together derive the selection, the
/// streams, the CI links and the analysis watches once instead of once per event.
#[derive(Debug, Default)]
pub(crate) struct Settle {
    /// A whole list came: everything is derived again.
    refresh: bool,
    /// A workload changed: the selection may have to move.
    workloads: bool,
    /// A workload in the selected release's namespace changed: its pods' roles may have.
    in_view: bool,
    /// The selected release's pods joined or left the rows.
    streams: bool,
    /// A Deployment or Rollout changed: their CI links may have.
    ci: bool,
    /// A release the analysis may read changed.
    analysis: bool,
}

impl Settle {
    /// Derives what the events applied so far left, once; the effects that asks for.
    pub(crate) fn run(self, model: &mut Model) -> Vec<Effect> {
        if self.refresh {
            return refresh(model);
        }
        let mut effects = Vec::new();
        let mut streams = self.streams;
        if self.workloads {
            let still_there = model.releases.selection_exists();
            let first = model.releases.first_visible();
            let selected = model.releases.selected.clone();
            if !still_there || (!model.releases.chosen && first != model.releases.selected) {
                effects.extend(select_release(model, first));
            }
            let kept = selected
                .as_ref()
                .is_some_and(|id| model.pods.roles_kept(&model.cluster, id));
            if self.in_view && model.releases.selected == selected && !kept {
                model
                    .pods
                    .derive(&model.cluster, model.releases.selected.as_ref());
                streams = true;
            }
        }
        if streams {
            effects.extend(sync_streams(model));
        }
        if self.ci {
            effects.extend(sync_ci(model));
        }
        if self.analysis {
            effects.extend(sync_analysis(model));
        }
        if self.workloads && !effects.is_empty() {
            model.mark_world_dirty();
        }
        effects
    }
}

/// Applies one watch event and records in `settle` what it leaves to derive.
pub(crate) fn apply_watched(model: &mut Model, event: WatchEvent, settle: &mut Settle) {
    let (kind, key, owners, dropped) = match event {
        WatchEvent::Replace { kind, objects } => {
            model.cluster.replace(kind, objects);
            model.synced.insert(kind, true);
            model.last_update_ms = Some(model.now_ms);
            // A whole list (the first, or after a watch was lost) is drawn at once: it is what
            // a user who just started is waiting for, and it comes rarely.
            model.mark_dirty();
            // AnalysisRuns are read where they are shown; they change no release's rows,
            // streams or pollers, so their many status updates re-derive nothing.
            if kind != Kind::AnalysisRuns {
                settle.refresh = true;
            }
            return;
        }
        WatchEvent::Apply(object) => {
            let (kind, key) = (object.kind(), object.key().clone());
            let mut owners = replicaset_owner(&model.cluster, &key);
            if let Object::ReplicaSet(rs) = &object {
                owners.extend(rs.owner.clone());
            }
            let dropped = model.cluster.upsert(object);
            (kind, key, owners, dropped)
        }
        WatchEvent::Delete { kind, key } => {
            let owners = match kind {
                Kind::ReplicaSets => replicaset_owner(&model.cluster, &key),
                _ => Vec::new(),
            };
            model.cluster.delete(kind, &key);
            (kind, key, owners, Vec::new())
        }
    };
    let before = model.last_update_ms.replace(model.now_ms);
    // "updated … ago" has minute resolution: a steady stream of events redraws nothing.
    if before.is_none_or(|t| age(model.now_ms, t) != age(model.now_ms, model.now_ms)) {
        model.mark_world_dirty();
    }
    let shown = |model: &Model, key: &ObjectKey| {
        model
            .releases
            .selected
            .as_ref()
            .is_none_or(|id| id.key.namespace == key.namespace)
    };
    match kind {
        Kind::AnalysisRuns => model.mark_world_dirty(),
        // Events are read only where the selected release's are shown.
        Kind::Events => {
            if shown(model, &key) || dropped.iter().any(|k| shown(model, k)) {
                model.mark_world_dirty();
            }
        }
        Kind::Pods => {
            let id = model.releases.selected.clone();
            let change = model.pods.apply_pod(&model.cluster, id.as_ref(), &key);
            if change == RowChange::Outside {
                return;
            }
            model.mark_world_dirty();
            // A pod's containers never change: its streams do only when it joins or leaves
            // the rows, or, past the first MAX_PODS, when it moves in or out of them.
            if change != RowChange::Updated || model.pods.rows.len() > MAX_PODS {
                settle.streams = true;
            }
        }
        Kind::Deployments | Kind::ReplicaSets | Kind::Rollouts => {
            let in_view = shown(model, &key);
            let mut rows: Vec<ReleaseId> = match kind {
                Kind::ReplicaSets => owners
                    .iter()
                    .filter_map(|o| row_of(kind, &key, Some(o)))
                    .collect(),
                _ => row_of(kind, &key, None).into_iter().collect(),
            };
            rows.dedup();
            // A Deployment's ReplicaSet moves no row of its own, but its release's sides.
            let mut released: Vec<ReleaseId> = match kind {
                Kind::ReplicaSets => owners
                    .iter()
                    .filter_map(|o| release_of_owner(&key.namespace, o))
                    .collect(),
                _ => rows.clone(),
            };
            released.dedup();
            for id in rows {
                if model.releases.derive_one(&model.cluster, id) {
                    model.mark_world_dirty();
                }
            }
            if in_view {
                model.mark_world_dirty();
            }
            settle.workloads = true;
            settle.in_view |= in_view;
            settle.ci |= kind != Kind::ReplicaSets;
            settle.analysis |= released.iter().any(|id| analysis_reads(model, id));
        }
    }
}

/// The owner the cluster knows for ReplicaSet `key`, if any (an empty list otherwise).
fn replicaset_owner(cluster: &crate::cluster::Cluster, key: &ObjectKey) -> Vec<Owner> {
    cluster
        .replicasets
        .get(key)
        .and_then(|rs| rs.owner.clone())
        .into_iter()
        .collect()
}

/// The release a ReplicaSet's owner is, if it is a Deployment or a Rollout.
fn release_of_owner(namespace: &str, owner: &Owner) -> Option<ReleaseId> {
    let kind = match owner.kind.as_str() {
        "Deployment" => WorkloadKind::Deployment,
        "Rollout" => WorkloadKind::Rollout,
        _ => return None,
    };
    Some(ReleaseId {
        key: ObjectKey::new(namespace, &owner.name),
        kind,
    })
}

/// Whether the analysis may read release `id` after its workload changed: it is selected,
/// has analysis state (watched, or known to have no Prometheus), or a new revision of it is
/// on trial. Any other release's change leaves the watches as they are, so the watches of all
/// releases are not derived again on each of a rollout's many ReplicaSet updates.
fn analysis_reads(model: &Model, id: &ReleaseId) -> bool {
    model.releases.selected.as_ref() == Some(id)
        || model.analysis.releases.contains_key(id)
        || crate::analysis::queries::sides(&model.cluster, id).rolling()
}

/// Re-derives the rows after the cluster changed, keeps a valid selection, and starts or
/// stops log streams and CI pollers to match.
pub(crate) fn refresh(model: &mut Model) -> Vec<Effect> {
    let (still_there, _) = model.releases.derive(&model.cluster);
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
    model.pods.clear();
    model.releases.selected = None;
    model.releases.chosen = false;
    model.events.watching = None;
    model.synced.clear();
    let now = model.now_ms;
    for (c, since) in model.connections.values_mut() {
        *c = Connection::Connecting;
        *since = now;
    }
    effects.push(effect);
    effects
}
