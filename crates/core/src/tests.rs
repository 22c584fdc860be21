//! Transition tests of `update`: keys, watch events, log streams, all without a runtime.

use super::cluster::{Kind, Object};
use super::key::KeyPress;
use super::msg::{Connection, Msg, StreamState, WatchEvent};
use super::phase::Phase;
use super::pod::PodRole;
use super::release::WorkloadKind;
use super::sample::{self, NOW_MS};
use super::*;
use crate::concerns::logs::LogView;

fn key(model: &mut Model, k: &str) -> Vec<Effect> {
    let press = KeyPress::parse(k).unwrap();
    update(model, Msg::Key(press))
}

fn keys(model: &mut Model, ks: &[&str]) -> Vec<Effect> {
    ks.iter().flat_map(|k| key(model, k)).collect()
}

fn typed(model: &mut Model, text: &str) -> Vec<Effect> {
    text.chars()
        .flat_map(|c| {
            let k = if c == ' ' {
                "space".to_string()
            } else {
                c.to_string()
            };
            key(model, &k)
        })
        .collect()
}

fn started(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::StartLogStream(s) => Some(format!("{}/{}", s.pod, s.container)),
            _ => None,
        })
        .collect()
}

fn stopped(effects: &[Effect]) -> usize {
    effects
        .iter()
        .filter(|e| matches!(e, Effect::StopLogStream(_)))
        .count()
}

fn showcase() -> (Model, Vec<Effect>) {
    sample::model_with(sample::showcase_objects(), 200, 60)
}

#[test]
fn first_release_is_selected_and_its_pods_stream() {
    let (model, effects) = showcase();
    let sel = model.releases.selected.clone().unwrap();
    // Sorted by namespace: bnpl/feature-store first.
    assert_eq!(sel.key.name, "feature-store");
    let pods = started(&effects);
    assert_eq!(pods.len(), 4, "{pods:?}");
    assert!(pods.iter().all(|p| p.starts_with("feature-store-")));
    // Problems first: the crash-looping pods start first.
    assert!(pods[0].contains("84d9f6c7b"), "{pods:?}");
}

#[test]
fn moving_the_release_cursor_stops_old_streams_and_starts_new_ones() {
    let (mut model, first) = showcase();
    let before = started(&first).len();
    let effects = key(&mut model, "j");
    assert_eq!(
        model.releases.selected.as_ref().unwrap().key.name,
        "order-generation"
    );
    assert_eq!(stopped(&effects), before);
    let new = started(&effects);
    assert_eq!(new.len(), 3);
    assert!(new.iter().all(|p| p.starts_with("order-generation-")));
    assert!(model.logs.buffer.is_empty());
    // Moving past the end stays on the last row and changes nothing.
    keys(&mut model, &["G"]);
    let last = model.releases.selected.clone();
    let effects = key(&mut model, "j");
    assert!(effects.is_empty());
    assert_eq!(model.releases.selected, last);
    // Back to the top.
    keys(&mut model, &["home"]);
    assert_eq!(
        model.releases.selected.as_ref().unwrap().key.name,
        "feature-store"
    );
}

#[test]
fn tab_cycles_focus_and_number_keys_jump() {
    let (mut model, _) = showcase();
    assert_eq!(model.nav.focus, Pane::Releases);
    key(&mut model, "tab");
    assert_eq!(model.nav.focus, Pane::Pods);
    key(&mut model, "tab");
    assert_eq!(model.nav.focus, Pane::Logs);
    key(&mut model, "shift-tab");
    assert_eq!(model.nav.focus, Pane::Pods);
    key(&mut model, "4");
    assert_eq!(model.nav.focus, Pane::Events);
    key(&mut model, "esc");
    assert_eq!(model.nav.focus, Pane::Releases);
}

#[test]
fn selecting_a_pod_opens_its_own_stream_and_esc_goes_back_to_all() {
    let (mut model, _) = showcase();
    keys(&mut model, &["enter"]);
    assert_eq!(model.nav.focus, Pane::Pods);
    let effects = keys(&mut model, &["j", "enter"]);
    assert_eq!(model.nav.focus, Pane::Logs);
    let only = model.logs.only_pod.clone().unwrap();
    assert_eq!(stopped(&effects), 4);
    assert_eq!(
        started(&effects),
        vec![format!("{}/feature-store", only.name)]
    );
    let effects = key(&mut model, "esc");
    assert!(model.logs.only_pod.is_none());
    assert_eq!(stopped(&effects), 1);
    assert_eq!(started(&effects).len(), 4);
}

#[test]
fn previous_logs_restart_the_pod_stream_with_previous_set() {
    let (mut model, _) = showcase();
    keys(&mut model, &["2"]);
    let effects = key(&mut model, "p");
    let spec = effects
        .iter()
        .find_map(|e| match e {
            Effect::StartLogStream(s) => Some(s.clone()),
            _ => None,
        })
        .unwrap();
    assert!(spec.previous);
    assert!(spec.pod.starts_with("feature-store-84d9f6c7b"));
    let effects = key(&mut model, "p");
    assert!(started(&effects).len() == 1 && stopped(&effects) == 1);
    assert!(!model.logs.previous);
}

#[test]
fn watch_events_update_releases_and_pods() {
    let (mut model, _) = showcase();
    let orders = model
        .releases
        .rows
        .iter()
        .find(|r| r.id.key.name == "orders-api")
        .unwrap()
        .clone();
    assert_eq!(orders.phase, Phase::Paused);
    assert_eq!(orders.step, Some((3, 8)));
    assert_eq!(orders.weight, Some((25, 25)));
    assert_eq!(orders.id.kind, WorkloadKind::Rollout);

    // The controller advances to step 5 (setWeight 50) and scales the canary up.
    let mut r = sample::canary_paused("orders", "orders-api");
    r.current_step_index = Some(5);
    r.phase = "Progressing".into();
    r.pause_conditions.clear();
    r.controller_pause = false;
    update(
        &mut model,
        Msg::Watch(WatchEvent::Apply(Object::Rollout(r))),
    );
    let mut rs = sample::replicaset("orders", "Rollout", "orders-api", "7f9c4b6d5", 4, 2);
    rs.available = 2;
    update(
        &mut model,
        Msg::Watch(WatchEvent::Apply(Object::ReplicaSet(rs))),
    );
    let orders = model
        .releases
        .rows
        .iter()
        .find(|r| r.id.key.name == "orders-api")
        .unwrap();
    assert_eq!(orders.phase, Phase::Progressing);
    assert_eq!(orders.step, Some((5, 8)));
    assert_eq!(model.last_update_ms, Some(NOW_MS));
    assert_eq!(orders.weight, Some((50, 50)));

    // A release disappears: the selection moves to a remaining one.
    let sel = model.releases.selected.clone().unwrap();
    update(
        &mut model,
        Msg::Watch(WatchEvent::Delete {
            kind: Kind::Deployments,
            key: sel.key.clone(),
        }),
    );
    assert_ne!(model.releases.selected.as_ref().unwrap(), &sel);
    assert_eq!(model.releases.rows.len(), 4);
}

#[test]
fn analysis_run_events_are_stored_without_re_deriving_releases() {
    let (mut model, _) = showcase();
    let rows = model.releases.rows.len();
    // A workload the releases have not been derived from yet: only a re-derive shows it.
    model.cluster.upsert(Object::Deployment(sample::deployment(
        "extra", "newcomer", 1, 1, 1,
    )));
    model.take_dirty();
    let run = crate::analysis::AnalysisRun {
        key: crate::meta::ObjectKey {
            namespace: "orders".into(),
            name: "orders-api-7f9c4b6d5-3-2".into(),
        },
        rollout: Some("orders-api".into()),
        hash: "7f9c4b6d5".into(),
        run_type: "Step".into(),
        step_index: Some(2),
        revision: Some(3),
        phase: "Running".into(),
        message: String::new(),
        started_ms: Some(NOW_MS),
        completed_ms: None,
        metrics: Vec::new(),
    };
    let effects = update(
        &mut model,
        Msg::Watch(WatchEvent::Apply(Object::AnalysisRun(run.clone()))),
    );
    assert!(effects.is_empty(), "{effects:?}");
    assert!(model.take_dirty());
    assert_eq!(model.cluster.analysis_runs.get(&run.key), Some(&run));
    assert_eq!(model.releases.rows.len(), rows);
    update(
        &mut model,
        Msg::Watch(WatchEvent::Delete {
            kind: Kind::AnalysisRuns,
            key: run.key.clone(),
        }),
    );
    assert!(model.cluster.analysis_runs.is_empty());
    assert_eq!(model.releases.rows.len(), rows);
    // Any other kind re-derives them.
    update(
        &mut model,
        Msg::Watch(WatchEvent::Replace {
            kind: Kind::Events,
            objects: Vec::new(),
        }),
    );
    assert_eq!(model.releases.rows.len(), rows + 1);
}

#[test]
fn a_new_pod_of_the_selected_release_gets_a_stream_and_a_deleted_one_loses_it() {
    let (mut model, _) = showcase();
    let p = sample::pod("bnpl", "feature-store", "84d9f6c7b", "zz9zz");
    let effects = update(
        &mut model,
        Msg::Watch(WatchEvent::Apply(Object::Pod(p.clone()))),
    );
    assert_eq!(
        started(&effects),
        vec![format!("{}/feature-store", p.key.name)]
    );
    let effects = update(
        &mut model,
        Msg::Watch(WatchEvent::Delete {
            kind: Kind::Pods,
            key: p.key.clone(),
        }),
    );
    assert_eq!(stopped(&effects), 1);
    assert!(started(&effects).is_empty());
    // A pod of another release changes nothing about the streams.
    let other = sample::pod("globeco", "order-generation", "55f6d7c8b", "new01");
    let effects = update(
        &mut model,
        Msg::Watch(WatchEvent::Apply(Object::Pod(other))),
    );
    assert!(effects.is_empty());
}

#[test]
fn pod_roles_follow_the_rollout_hashes() {
    let (mut model, _) = showcase();
    keys(&mut model, &["j", "j", "j"]);
    assert_eq!(
        model.releases.selected.as_ref().unwrap().key.name,
        "producer"
    );
    let roles: Vec<PodRole> = model
        .pods
        .visible(&model.cluster)
        .iter()
        .map(|(_, r)| *r)
        .collect();
    assert_eq!(
        roles,
        vec![
            PodRole::Stable,
            PodRole::Stable,
            PodRole::Preview,
            PodRole::Preview
        ]
    );
    keys(&mut model, &["j"]);
    assert_eq!(
        model.releases.selected.as_ref().unwrap().key.name,
        "orders-api"
    );
    let roles: Vec<PodRole> = model
        .pods
        .visible(&model.cluster)
        .iter()
        .map(|(_, r)| *r)
        .collect();
    assert_eq!(roles.iter().filter(|r| **r == PodRole::Canary).count(), 1);
}

#[test]
fn log_lines_are_sanitised_bounded_and_counted_when_dropped() {
    let (mut model, _) = showcase();
    model.logs = LogView::with_capacity(10, 1 << 20);
    let effects = crate::flow::sync_streams(&mut model);
    let id = effects
        .iter()
        .find_map(|e| match e {
            Effect::StartLogStream(s) => Some(s.id),
            _ => None,
        })
        .unwrap();
    let mut lines = sample::log_lines(25, NOW_MS);
    lines[24] = crate::msg::RawLogLine::from_text(
        Some(NOW_MS),
        "\x1b]0;pwned\x07\x1b[2J\x1b[Hhello\x07 \x1b[31mred\x1b[0m",
    );
    update(&mut model, Msg::LogLines { stream: id, lines });
    assert_eq!(model.logs.buffer.len(), 10);
    assert_eq!(model.logs.buffer.dropped(), 15);
    let last = model.logs.buffer.iter().last().unwrap();
    assert_eq!(last.text.text, "hello red");
    assert_eq!(last.text.spans.len(), 1);
    // Lines of a stopped stream are ignored and do not ask for a frame.
    model.take_dirty();
    update(
        &mut model,
        Msg::LogLines {
            stream: 9_999,
            lines: sample::log_lines(3, NOW_MS),
        },
    );
    assert_eq!(model.logs.buffer.len(), 10);
    assert!(!model.take_dirty());
}

/// A frame after log lines or a stream's state need draw only the Logs pane; anything else
/// in the same round asks for every pane.
#[test]
fn log_lines_ask_for_the_logs_pane_alone_and_anything_else_for_all() {
    let (mut model, _) = showcase();
    let id = model.logs.sources.iter().find(|s| s.active).unwrap().id;
    model.take_redraw();
    let lines = sample::log_lines(3, NOW_MS);
    update(&mut model, Msg::LogLines { stream: id, lines });
    assert_eq!(model.take_redraw(), Redraw::Logs);
    let state = StreamState::Retrying("stream ended".into());
    update(&mut model, Msg::LogStream { stream: id, state });
    assert_eq!(model.take_redraw(), Redraw::Logs);
    assert_eq!(model.take_redraw(), Redraw::Nothing);
    let lines = sample::log_lines(3, NOW_MS);
    update(&mut model, Msg::LogLines { stream: id, lines });
    update(&mut model, Msg::Key(KeyPress::parse("j").unwrap()));
    let lines = sample::log_lines(3, NOW_MS);
    update(&mut model, Msg::LogLines { stream: id, lines });
    assert_eq!(model.take_redraw(), Redraw::All);
}

/// What the watches saw may wait for more of the same (a rollout moves hundreds of pods); a
/// whole list, the first a user waits for, is drawn at once.
#[test]
fn watch_events_ask_for_a_world_frame_and_a_whole_list_for_one_at_once() {
    let (mut model, _) = showcase();
    let (key, _) = model.pods.rows.first().cloned().unwrap();
    let mut pod = model.cluster.pods[&key].clone();
    model.take_redraw();
    pod.restarts += 1;
    update(
        &mut model,
        Msg::Watch(WatchEvent::Apply(Object::Pod(pod.clone()))),
    );
    assert_eq!(model.take_redraw(), Redraw::World);
    let pods: Vec<Object> = model
        .cluster
        .pods
        .values()
        .cloned()
        .map(Object::Pod)
        .collect();
    update(
        &mut model,
        Msg::Watch(WatchEvent::Replace {
            kind: Kind::Pods,
            objects: pods,
        }),
    );
    assert_eq!(model.take_redraw(), Redraw::All);
}

#[test]
fn follow_pause_scroll_and_filter() {
    let (mut model, _) = showcase();
    sample::feed_logs(&mut model, 50);
    assert!(model.logs.following());
    keys(&mut model, &["3", "k", "k"]);
    assert!(!model.logs.following());
    let bottom = model.logs.bottom_index().unwrap();
    assert_eq!(bottom, model.logs.buffer.len() - 3);
    // New lines do not move a paused view.
    sample::feed_logs(&mut model, 5);
    assert_eq!(
        model
            .logs
            .buffer
            .get(model.logs.bottom_index().unwrap())
            .unwrap()
            .seq,
        model.logs.buffer.get(bottom).unwrap().seq
    );
    key(&mut model, "s");
    assert!(model.logs.following());
    keys(&mut model, &["/"]);
    typed(&mut model, "error");
    key(&mut model, "enter");
    let f = model.logs.filter.as_ref().unwrap();
    assert!(f.regex.is_match("ERROR upstream"));
    key(&mut model, "/");
    typed(&mut model, "(");
    assert!(model.notice.as_ref().unwrap().error);
    key(&mut model, "esc");
    assert!(model.logs.filter.is_none());
    keys(&mut model, &["w", "t"]);
    assert!(model.logs.wrap && model.logs.timestamps);
}

#[test]
fn release_filter_narrows_the_list() {
    let (mut model, _) = showcase();
    key(&mut model, "/");
    typed(&mut model, "orders");
    key(&mut model, "enter");
    let names: Vec<&str> = model
        .releases
        .visible()
        .iter()
        .map(|r| r.id.key.name.as_str())
        .collect();
    assert_eq!(names, vec!["orders-api"]);
    key(&mut model, "ctrl-u");
    assert_eq!(model.releases.visible().len(), 5);
}

#[test]
fn command_line_focuses_panes_and_changes_scope() {
    let (mut model, _) = showcase();
    key(&mut model, ":");
    typed(&mut model, "logs");
    key(&mut model, "enter");
    assert_eq!(model.nav.focus, Pane::Logs);
    key(&mut model, ":");
    typed(&mut model, "ns bnpl");
    let effects = key(&mut model, "enter");
    assert!(effects.contains(&Effect::SetScope(Scope::Namespace("bnpl".into()))));
    assert!(model.releases.rows.is_empty());
    assert_eq!(*model.connection(Kind::Pods), Connection::Connecting);
    key(&mut model, ":");
    typed(&mut model, "ctx nowhere");
    let effects = key(&mut model, "enter");
    assert!(effects.is_empty());
    assert!(model.notice.as_ref().unwrap().text.contains("nowhere"));
    key(&mut model, ":");
    typed(&mut model, "ctx staging");
    let effects = key(&mut model, "enter");
    assert!(effects.contains(&Effect::ConnectContext {
        name: "staging".into(),
        epoch: 1
    }));
}

#[test]
fn quit_and_help() {
    let (mut model, _) = showcase();
    key(&mut model, "?");
    assert_eq!(model.nav.mode, crate::keymap::Mode::Help);
    key(&mut model, "esc");
    assert_eq!(model.nav.mode, crate::keymap::Mode::Normal);
    assert_eq!(key(&mut model, "q"), vec![Effect::Quit]);
    // In the filter prompt `q` is text, ctrl-c still quits.
    key(&mut model, "/");
    assert!(key(&mut model, "q").is_empty());
    assert_eq!(model.nav.input, "q");
    assert_eq!(key(&mut model, "ctrl-c"), vec![Effect::Quit]);
}

#[test]
fn ticks_only_ask_for_a_frame_when_a_label_changes() {
    let (mut model, _) = showcase();
    model.take_dirty();
    update(
        &mut model,
        Msg::Tick {
            now_ms: NOW_MS + 1_000,
        },
    );
    assert!(
        !model.take_dirty(),
        "nothing visible changed within the minute"
    );
    update(
        &mut model,
        Msg::Tick {
            now_ms: NOW_MS + 61_000,
        },
    );
    assert!(model.take_dirty(), "ages changed at the minute");
    update(
        &mut model,
        Msg::Connection {
            kind: Kind::Pods,
            state: Connection::Lost("connection reset".into()),
            at_ms: NOW_MS + 61_000,
        },
    );
    assert!(model.take_dirty());
    update(
        &mut model,
        Msg::Tick {
            now_ms: NOW_MS + 62_000,
        },
    );
    assert!(model.take_dirty(), "the stale counter ticks every second");
    // Repeating the same state is not a change.
    update(
        &mut model,
        Msg::Connection {
            kind: Kind::Pods,
            state: Connection::Lost("connection reset".into()),
            at_ms: NOW_MS + 63_000,
        },
    );
    assert!(!model.take_dirty());
}

#[test]
fn stream_states_are_recorded() {
    let (mut model, _) = showcase();
    let id = model.logs.sources[0].id;
    update(
        &mut model,
        Msg::LogStream {
            stream: id,
            state: StreamState::Retrying("connection reset".into()),
        },
    );
    assert_eq!(
        model.logs.sources[0].state,
        StreamState::Retrying("connection reset".into())
    );
}

#[test]
fn unauthorized_and_unreachable_are_visible_in_the_model() {
    let (mut model, _) = showcase();
    assert!(!model.never_connected());
    update(
        &mut model,
        Msg::Connection {
            kind: Kind::Deployments,
            state: Connection::Unauthorized("Unauthorized".into()),
            at_ms: NOW_MS,
        },
    );
    assert_eq!(model.unauthorized(), Some("Unauthorized"));
    let fresh = Model::new(model.target.clone(), model.keymap.clone(), NOW_MS);
    assert!(fresh.never_connected());
}

#[test]
fn the_first_row_is_selected_until_the_user_chooses_whatever_answered_first() {
    // Deployments answer first; a Rollout that sorts before them arrives later.
    let (mut model, _) = sample::model_with(
        vec![Object::Deployment(sample::deployment(
            "zeta", "web", 1, 1, 1,
        ))],
        120,
        40,
    );
    assert_eq!(model.releases.selected.as_ref().unwrap().key.name, "web");
    let api = Object::Rollout(sample::canary_paused("alpha", "api"));
    update(&mut model, Msg::Watch(WatchEvent::Apply(api)));
    assert_eq!(model.releases.selected.as_ref().unwrap().key.name, "api");
    // Once the user moved, a new first row does not take the selection.
    key(&mut model, "j");
    assert_eq!(model.releases.selected.as_ref().unwrap().key.name, "web");
    let first = Object::Rollout(sample::canary_paused("aaa", "new"));
    update(&mut model, Msg::Watch(WatchEvent::Apply(first)));
    assert_eq!(model.releases.selected.as_ref().unwrap().key.name, "web");
}

#[test]
fn slash_filters_the_events_pane_itself_and_says_why_where_there_is_no_filter() {
    let (mut model, _) = showcase();
    key(&mut model, "4");
    let all = model.events.shown(model.release_events()).len();
    assert!(all > 1, "the showcase release has events");
    key(&mut model, "/");
    typed(&mut model, "no-such-event");
    key(&mut model, "enter");
    assert_eq!(model.events.filter, "no-such-event");
    assert!(model.logs.filter.is_none(), "the Logs pane is left alone");
    assert!(model.events.shown(model.release_events()).is_empty());
    key(&mut model, "esc");
    assert_eq!(model.events.shown(model.release_events()).len(), all);

    key(&mut model, "g");
    assert_eq!(model.nav.focus, Pane::Gates);
    key(&mut model, "/");
    assert_eq!(model.nav.mode, keymap::Mode::Normal);
    let notice = model.notice.as_ref().unwrap();
    assert!(
        notice.text.contains("the Gates pane has no filter"),
        "{}",
        notice.text
    );
}

#[test]
fn ctrl_z_is_the_keymaps_suspend_action_in_every_mode() {
    let (model, _) = showcase();
    let z = KeyPress::parse("ctrl-z").unwrap();
    for mode in [
        keymap::Mode::Normal,
        keymap::Mode::Filter,
        keymap::Mode::Command,
        keymap::Mode::Help,
    ] {
        assert_eq!(
            model.keymap.action(mode, &z),
            Some(action::Action::Suspend),
            "{mode:?}"
        );
    }
}

#[test]
fn the_help_overlay_searches_as_you_type() {
    let (mut model, _) = showcase();
    keys(&mut model, &["?", "/"]);
    assert!(model.nav.help_typing);
    // Keys bound in the overlay (q closes it) are text while searching.
    typed(&mut model, "quit");
    assert_eq!(model.nav.help_query, "quit");
    assert_eq!(model.nav.mode, keymap::Mode::Help);
    key(&mut model, "enter");
    assert!(!model.nav.help_typing);
    assert_eq!(model.nav.help_query, "quit");
    // esc clears the search first, then closes the overlay.
    key(&mut model, "esc");
    assert!(model.nav.help_query.is_empty());
    assert_eq!(model.nav.mode, keymap::Mode::Help);
    key(&mut model, "esc");
    assert_eq!(model.nav.mode, keymap::Mode::Normal);
}

#[test]
fn the_events_pane_keeps_up_with_events_and_the_selection() {
    let (mut model, _) = showcase();
    // What the pane shows is always what a fresh derivation gives, though it is kept between
    // frames.
    let fresh = |model: &Model| -> Vec<String> {
        let id = model.releases.selected.as_ref().unwrap();
        crate::concerns::events::release_events(&model.cluster, id)
            .iter()
            .map(|e| e.key.name.clone())
            .collect()
    };
    let shown = |model: &Model| -> Vec<String> {
        model
            .release_events()
            .iter()
            .map(|e| e.key.name.clone())
            .collect()
    };
    assert!(!shown(&model).is_empty(), "the showcase release has events");
    assert_eq!(shown(&model), fresh(&model));
    let id = model.releases.selected.clone().unwrap();
    let mut newest = sample::event(
        &id.key.namespace,
        id.kind.kind_name(),
        &id.key.name,
        true,
        "Brandnew",
        "just now",
        0,
    );
    newest.last_ms = Some(NOW_MS + 1_000);
    let key = newest.key.clone();
    update(
        &mut model,
        Msg::Watch(WatchEvent::Apply(Object::Event(newest))),
    );
    assert_eq!(shown(&model).first(), Some(&key.name));
    assert_eq!(shown(&model), fresh(&model));
    update(
        &mut model,
        Msg::Watch(WatchEvent::Delete {
            kind: Kind::Events,
            key: key.clone(),
        }),
    );
    assert!(!shown(&model).contains(&key.name));
    assert_eq!(shown(&model), fresh(&model));
    key_down_to_another_release(&mut model, &id);
    assert_eq!(shown(&model), fresh(&model));
}

/// Moves the Releases cursor until another release than `id` is selected.
fn key_down_to_another_release(model: &mut Model, id: &crate::release::ReleaseId) {
    key(model, "1");
    for _ in 0..10 {
        key(model, "j");
        if model.releases.selected.as_ref() != Some(id) {
            return;
        }
    }
    panic!("no other release to select");
}
