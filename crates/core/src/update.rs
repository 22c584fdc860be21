//! `update`: the one place the model changes. Pure: every transition is a unit test. Each
//! message goes to the concern it is about; keys go through `keys` and `actions`.

use crate::cluster::Kind;
use crate::context;
use crate::control;
use crate::effect::Effect;
use crate::flow;
use crate::keys;
use crate::model::Model;
use crate::msg::ContextMsg;
use crate::msg::{Connection, Msg};
use crate::time::minute_of;

/// Applies one message to the model and returns what the outside world must do.
pub fn update(model: &mut Model, msg: Msg) -> Vec<Effect> {
    let mut effects = apply(model, msg);
    // During a drill, every new look at a release is reported: detection is judged on it.
    if model.drill.is_some() {
        effects.extend(crate::drill::look(model));
    }
    effects
}

/// Applies the watches' messages read together, in order: each event as `update` would,
/// but what derives from many objects (the selection, the log streams, the CI links, the
/// analysis watches) once after the last event of a run, not once per event.
pub fn update_watched(model: &mut Model, msgs: Vec<Msg>) -> Vec<Effect> {
    let mut effects = Vec::new();
    let mut settle = flow::Settle::default();
    for msg in msgs {
        match accepted(model, msg) {
            Some(Msg::Watch(event)) => flow::apply_watched(model, event, &mut settle),
            Some(other) => {
                effects.extend(std::mem::take(&mut settle).run(model));
                effects.extend(apply(model, other));
            }
            None => {}
        }
    }
    effects.extend(settle.run(model));
    if model.drill.is_some() {
        effects.extend(crate::drill::look(model));
    }
    effects
}

/// `msg` without its context tag, unless an old context generation sent it.
fn accepted(model: &Model, msg: Msg) -> Option<Msg> {
    match msg {
        Msg::Context(ContextMsg::From { epoch, msg }) => {
            if model.context.accepts(epoch) {
                accepted(model, *msg)
            } else {
                None
            }
        }
        msg => Some(msg),
    }
}

fn apply(model: &mut Model, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Drill(bar) => {
            crate::drill::on_bar(model, bar);
            Vec::new()
        }
        Msg::Key(key) => {
            model.mark_dirty();
            keys::on_key(model, key)
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
        Msg::Watch(event) => flow::watched(model, event),
        Msg::Connection { kind, state, at_ms } => {
            on_connection(model, kind, state, at_ms);
            Vec::new()
        }
        Msg::LogLines { stream, lines } => {
            if model.logs.ingest(stream, lines) {
                model.mark_logs_dirty();
            }
            Vec::new()
        }
        Msg::LogsSaved(result) => {
            crate::logs::keys::saved(model, result);
            model.mark_dirty();
            Vec::new()
        }
        Msg::LogStream { stream, state } => {
            if model.logs.set_state(stream, state) {
                model.mark_logs_dirty();
            }
            Vec::new()
        }
        Msg::Ci(ci_update) => {
            if model.ci.apply(ci_update) {
                model.ci.clamp_job_cursor(model.releases.selected_row());
                control::follow_gate_cursor(model);
                model.mark_dirty();
            }
            Vec::new()
        }
        // A source of another context generation than the one shown: dropped.
        msg @ Msg::Context(ContextMsg::From { .. }) => accepted(model, msg)
            .map(|msg| update(model, msg))
            .unwrap_or_default(),
        Msg::Context(ContextMsg::Connected {
            name,
            epoch,
            server,
        }) => context::connected(model, name, epoch, server),
        Msg::Context(ContextMsg::Failed { name, epoch, error }) => {
            context::failed(model, &name, epoch, &error);
            Vec::new()
        }
        Msg::Control(msg) => control::on_msg(model, msg),
        Msg::Analysis(msg) => crate::analysis::update::on_msg(model, msg),
        Msg::CiClock { now_ms } => {
            let before = model.ci.now_ms.replace(now_ms);
            // Gate ages and job timers tick by the second, but only while a CI pane shows them.
            if before.is_none_or(|b| b / 1000 != now_ms / 1000) && model.nav.focus.is_ci() {
                model.mark_dirty();
            }
            Vec::new()
        }
    }
}

/// Records a watch's connection state and since when it holds.
fn on_connection(model: &mut Model, kind: Kind, state: Connection, at_ms: i64) {
    let unchanged = model
        .connections
        .get(&kind)
        .is_some_and(|(c, _)| *c == state);
    if !unchanged {
        model.connections.insert(kind, (state, at_ms));
        model.mark_dirty();
    }
}
