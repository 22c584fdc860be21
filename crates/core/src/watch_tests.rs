//! The per-event watch path: a pod moves only its own row, yet the rows stay what a full
//! derivation gives; events the screen does not show draw nothing; the events cap drops the
//! oldest.

use super::cluster::{Kind, MAX_EVENTS, Object};
use super::msg::{Msg, WatchEvent};
use super::release::pods_of;
use super::sample;
use super::*;

fn apply(model: &mut Model, object: Object) -> Vec<Effect> {
    update(model, Msg::Watch(WatchEvent::Apply(object)))
}

fn delete(model: &mut Model, kind: Kind, ns: &str, name: &str) -> Vec<Effect> {
    let key = meta::ObjectKey::new(ns, name);
    update(model, Msg::Watch(WatchEvent::Delete { kind, key }))
}

/// The selected release's rows as a full derivation makes them.
fn derived(model: &Model) -> Vec<(meta::ObjectKey, pod::PodRole)> {
    let id = model.releases.selected.clone().unwrap();
    pods_of(&model.cluster, &id)
        .into_iter()
        .map(|(p, role)| (p.key.clone(), role))
        .collect()
}

#[test]
fn a_pod_change_moves_its_row_where_a_full_derivation_puts_it() {
    let (mut model, _) = sample::model_with(sample::showcase_objects(), 200, 60);
    // bnpl/feature-store: two crash-looping canary pods, two stable ones.
    assert_eq!(
        model.releases.selected.as_ref().unwrap().key.name,
        "feature-store"
    );
    let ns = "bnpl";
    let healed = sample::pod(ns, "feature-store", "84d9f6c7b", "q8r7s");
    apply(&mut model, Object::Pod(healed));
    assert_eq!(model.pods.rows, derived(&model));
    let mut not_ready = sample::pod(ns, "feature-store", "5b6c7d8e9", "f3g4h");
    not_ready.ready = 0;
    apply(&mut model, Object::Pod(not_ready));
    assert_eq!(model.pods.rows[0].0.name, "feature-store-84d9f6c7b-v4w5x");
    assert_eq!(model.pods.rows, derived(&model));
    for s in ["a0000", "zzzzz", "m5555"] {
        apply(
            &mut model,
            Object::Pod(sample::pod(ns, "feature-store", "84d9f6c7b", s)),
        );
        assert_eq!(model.pods.rows, derived(&model));
    }
    delete(&mut model, Kind::Pods, ns, "feature-store-84d9f6c7b-v4w5x");
    assert_eq!(model.pods.rows, derived(&model));
    // Another release's pod in the same namespace, and a pod of another namespace.
    let rows = model.pods.rows.clone();
    apply(
        &mut model,
        Object::Pod(sample::pod(ns, "other", "5b6c7d8e9", "a1b2c")),
    );
    apply(
        &mut model,
        Object::Pod(sample::pod("orders", "orders-api", "6c5f7d9b8", "zz")),
    );
    assert_eq!(model.pods.rows, rows);
    assert_eq!(model.pods.rows.len(), 6);
}

#[test]
fn a_new_pod_of_the_selected_release_starts_its_stream() {
    let (mut model, _) = sample::model_with(sample::showcase_objects(), 200, 60);
    let pod = sample::pod("bnpl", "feature-store", "5b6c7d8e9", "n3w00");
    let effects = apply(&mut model, Object::Pod(pod));
    assert!(
        effects.iter().any(
            |e| matches!(e, Effect::StartLogStream(s) if s.pod == "feature-store-5b6c7d8e9-n3w00")
        ),
        "{effects:?}"
    );
}

#[test]
fn changes_outside_the_selected_release_draw_nothing() {
    let (mut model, _) = sample::model_with(sample::showcase_objects(), 200, 60);
    model.take_dirty();
    let elsewhere = sample::pod("orders", "orders-api", "6c5f7d9b8", "x2k4p");
    let mut restarted = elsewhere.clone();
    restarted.restarts = 3;
    assert!(apply(&mut model, Object::Pod(restarted)).is_empty());
    let event = sample::event(
        "orders",
        "Rollout",
        "orders-api",
        false,
        "SetWeight",
        "Set weight to 50",
        0,
    );
    apply(&mut model, Object::Event(event));
    assert!(
        !model.take_dirty(),
        "nothing on screen shows orders' pods or events"
    );
    let mut mine = sample::pod("bnpl", "feature-store", "5b6c7d8e9", "c1d2e");
    mine.restarts = 2;
    apply(&mut model, Object::Pod(mine));
    assert!(model.take_dirty(), "the Pods pane shows the restart");
    let event = sample::event(
        "bnpl",
        "Pod",
        "feature-store-5b6c7d8e9-c1d2e",
        true,
        "BackOff",
        "Back-off",
        0,
    );
    apply(&mut model, Object::Event(event));
    assert!(model.take_dirty(), "the Events pane shows it");
}

#[test]
fn a_workload_change_elsewhere_draws_when_its_row_changes() {
    let (mut model, _) = sample::model_with(sample::showcase_objects(), 200, 60);
    model.take_dirty();
    let mut rs = sample::replicaset("orders", "Rollout", "orders-api", "6c5f7d9b8", 3, 3);
    rs.created_ms = rs.created_ms.map(|t| t + 1);
    apply(&mut model, Object::ReplicaSet(rs.clone()));
    assert!(
        !model.take_dirty(),
        "no row reads an old ReplicaSet's creation time"
    );
    rs.available = 2;
    let mut canary = sample::replicaset("orders", "Rollout", "orders-api", "7f9c4b6d5", 4, 1);
    canary.available = 0;
    apply(&mut model, Object::ReplicaSet(canary));
    assert!(model.take_dirty(), "the canary's actual weight changed");
}

#[test]
fn beyond_the_cap_the_oldest_events_go_first() {
    let (mut model, _) = sample::model_with(Vec::new(), 80, 24);
    let event = |i: usize, mins: i64| {
        let mut e = sample::event(
            "ns",
            "Pod",
            &format!("p{i}"),
            false,
            "Pulled",
            "pulled",
            mins,
        );
        e.key = meta::ObjectKey::new("ns", &format!("e{i:05}"));
        Object::Event(e)
    };
    for i in 0..MAX_EVENTS {
        apply(&mut model, event(i, 10 + (i % 7) as i64));
    }
    // e00006 is among the oldest (17 minutes ago); it is seen again now, so it stays.
    apply(&mut model, event(6, 0));
    apply(&mut model, event(MAX_EVENTS, 1));
    assert_eq!(model.cluster.events.len(), MAX_EVENTS);
    assert!(
        model
            .cluster
            .events
            .contains_key(&meta::ObjectKey::new("ns", "e00006"))
    );
    assert!(
        !model
            .cluster
            .events
            .contains_key(&meta::ObjectKey::new("ns", "e00013"))
    );
    assert!(
        model
            .cluster
            .events
            .contains_key(&meta::ObjectKey::new("ns", "e00020"))
    );
    // Seen again after it was deleted: its old age must not make it the next to go.
    delete(&mut model, Kind::Events, "ns", "e00020");
    apply(&mut model, event(20, 0));
    apply(&mut model, event(MAX_EVENTS + 1, 1));
    assert_eq!(model.cluster.events.len(), MAX_EVENTS);
    assert!(
        model
            .cluster
            .events
            .contains_key(&meta::ObjectKey::new("ns", "e00020"))
    );
    assert!(
        !model
            .cluster
            .events
            .contains_key(&meta::ObjectKey::new("ns", "e00027"))
    );
    assert!(
        model
            .cluster
            .events
            .contains_key(&meta::ObjectKey::new("ns", "e00034"))
    );
}

#[test]
fn a_new_revision_of_the_selected_deployment_moves_its_pods_to_their_new_roles() {
    let (mut model, _) = sample::model_with(sample::showcase_objects(), 200, 60);
    while model.releases.selected.as_ref().unwrap().key.name != "order-generation" {
        update(&mut model, Msg::Key(key::KeyPress::parse("j").unwrap()));
    }
    let ns = "globeco";
    let stable = |m: &Model| {
        m.pods
            .rows
            .iter()
            .filter(|(_, r)| *r == pod::PodRole::Stable)
            .count()
    };
    assert_eq!(stable(&model), 3);
    // Counts only: the old ReplicaSet's status moves; no pod changes role.
    let mut old = sample::replicaset(ns, "Deployment", "order-generation", "4c3b2a190", 11, 0);
    old.desired = 1;
    apply(&mut model, Object::ReplicaSet(old));
    assert_eq!(model.pods.rows, derived(&model));
    assert_eq!(stable(&model), 3);
    // A newer revision: the running pods are no longer the newest.
    let new = sample::replicaset(ns, "Deployment", "order-generation", "9a8b7c6d5", 13, 1);
    apply(&mut model, Object::ReplicaSet(new));
    assert_eq!(model.pods.rows, derived(&model));
    assert_eq!(stable(&model), 0);
}

fn watch(object: Object) -> Msg {
    Msg::Watch(WatchEvent::Apply(object))
}

#[test]
fn events_read_together_leave_the_model_as_events_read_one_by_one() {
    let (mut one_by_one, _) = sample::model_with(sample::showcase_objects(), 200, 60);
    let (mut together, _) = sample::model_with(sample::showcase_objects(), 200, 60);
    let ns = "globeco";
    let mut old = sample::replicaset(ns, "Deployment", "order-generation", "4c3b2a190", 11, 0);
    old.desired = 1;
    let new = sample::replicaset(ns, "Deployment", "order-generation", "9a8b7c6d5", 13, 1);
    let msgs = vec![
        watch(Object::ReplicaSet(old)),
        watch(Object::ReplicaSet(new)),
        watch(Object::Pod(sample::pod(
            "bnpl",
            "feature-store",
            "5b6c7d8e9",
            "n3w00",
        ))),
        Msg::Watch(WatchEvent::Delete {
            kind: Kind::Pods,
            key: meta::ObjectKey::new("bnpl", "feature-store-84d9f6c7b-v4w5x"),
        }),
        Msg::Watch(WatchEvent::Delete {
            kind: Kind::Deployments,
            key: meta::ObjectKey::new("bnpl", "feature-store"),
        }),
    ];
    for msg in msgs.clone() {
        update(&mut one_by_one, msg);
    }
    update_watched(&mut together, msgs);
    assert_eq!(together.releases.rows, one_by_one.releases.rows);
    assert_eq!(together.releases.selected, one_by_one.releases.selected);
    assert_eq!(together.pods.rows, one_by_one.pods.rows);
    assert_eq!(together.pods.rows, derived(&together));
    let streamed = |m: &Model| -> Vec<(meta::ObjectKey, String)> {
        let mut s: Vec<_> = m
            .logs
            .sources
            .iter()
            .filter(|s| s.active)
            .map(|s| (s.pod.clone(), s.container.clone()))
            .collect();
        s.sort();
        s
    };
    assert_eq!(streamed(&together), streamed(&one_by_one));
    assert_eq!(together.ci.watching, one_by_one.ci.watching);
}

#[test]
fn a_pod_that_comes_and_goes_between_two_reads_is_never_streamed() {
    let (mut model, _) = sample::model_with(sample::showcase_objects(), 200, 60);
    let pod = sample::pod("bnpl", "feature-store", "5b6c7d8e9", "n3w00");
    let key = pod.key.clone();
    let effects = update_watched(
        &mut model,
        vec![
            watch(Object::Pod(pod)),
            Msg::Watch(WatchEvent::Delete {
                kind: Kind::Pods,
                key,
            }),
        ],
    );
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::StartLogStream(_) | Effect::StopLogStream(_))),
        "{effects:?}"
    );
}

#[test]
fn an_old_contexts_events_read_together_are_dropped() {
    let (mut model, _) = sample::model_with(sample::showcase_objects(), 200, 60);
    let rows = model.pods.rows.clone();
    let stale = msg::ContextMsg::from_source(
        99,
        watch(Object::Pod(sample::pod(
            "bnpl",
            "feature-store",
            "5b6c7d8e9",
            "n3w00",
        ))),
    );
    update_watched(&mut model, vec![stale]);
    assert_eq!(model.pods.rows, rows);
}

#[test]
fn across_all_namespaces_the_events_watched_follow_the_selected_releases_namespace() {
    let (mut model, effects) = sample::model_with(sample::showcase_objects(), 200, 60);
    let selected_ns = |m: &Model| m.releases.selected.as_ref().unwrap().key.namespace.clone();
    let first = selected_ns(&model);
    assert!(
        effects.contains(&Effect::WatchEvents(Some(first.clone()))),
        "{effects:?}"
    );
    assert_eq!(model.events.watching.as_deref(), Some(first.as_str()));
    // To a release of another namespace: that namespace's events, loading until they come.
    let mut asked = Vec::new();
    while selected_ns(&model) == first {
        asked = update(&mut model, Msg::Key(key::KeyPress::parse("j").unwrap()));
    }
    let other = selected_ns(&model);
    assert!(
        asked.contains(&Effect::WatchEvents(Some(other.clone()))),
        "{asked:?}"
    );
    assert_eq!(model.synced.get(&Kind::Events), Some(&false));
    sample::relist_events(&mut model);
    assert_eq!(model.synced.get(&Kind::Events), Some(&true));
    // To another release of the same namespace: nothing to ask.
    let mut objects = sample::showcase_objects();
    objects.push(Object::Deployment(sample::deployment(
        &first, "ledger", 1, 1, 1,
    )));
    let (mut model, _) = sample::model_with(objects, 200, 60);
    let ns = selected_ns(&model);
    assert_eq!(ns, first);
    let neighbour = model
        .releases
        .rows
        .iter()
        .map(|r| r.id.clone())
        .find(|id| id.key.namespace == ns && model.releases.selected.as_ref() != Some(id))
        .expect("a second release in the namespace");
    let effects = flow::select_release(&mut model, Some(neighbour));
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::WatchEvents(_))),
        "{effects:?}"
    );
}

#[test]
fn within_one_namespace_its_watch_has_the_events_and_nothing_is_asked() {
    let (mut model, _) = sample::model_with(sample::showcase_objects(), 200, 60);
    let scope = Scope::Namespace("bnpl".into());
    model.target.scope = scope.clone();
    let effects = flow::restart(&mut model, Effect::SetScope(scope));
    assert_eq!(model.events.watching, None);
    let effects: Vec<Effect> = effects
        .into_iter()
        .chain(sample::list_all(&mut model, &sample::showcase_objects()))
        .collect();
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::WatchEvents(_))),
        "{effects:?}"
    );
}
