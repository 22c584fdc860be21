//! Transitions of the Logs pane at release scale: every pod streamed up to the cap, and the
//! canary | stable split with its counters.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::cluster::{Kind, Object};
use crate::concerns::logs::MAX_PODS;
use crate::concerns::logs_split;
use crate::effect::Effect;
use crate::key::KeyPress;
use crate::model::Model;
use crate::msg::{Msg, RawLogLine, WatchEvent};
use crate::pod::PodRole;
use crate::sample::{self, NOW_MS};
use crate::update;

fn key(model: &mut Model, k: &str) -> Vec<Effect> {
    update(model, Msg::Key(KeyPress::parse(k).unwrap()))
}

fn starts(effects: &[Effect]) -> usize {
    effects
        .iter()
        .filter(|e| matches!(e, Effect::StartLogStream(_)))
        .count()
}

/// One Deployment of `n` pods.
fn release_of(n: usize) -> (Model, Vec<Effect>) {
    let ns = "shop";
    let mut objects = vec![
        Object::Deployment(sample::deployment(ns, "web", 3, n as i32, n as i32)),
        Object::ReplicaSet(sample::replicaset(
            ns,
            "Deployment",
            "web",
            "5d8f9c7b6",
            3,
            n as i32,
        )),
    ];
    for i in 0..n {
        let pod = sample::pod(ns, "web", "5d8f9c7b6", &format!("p{i:04}"));
        objects.push(Object::Pod(pod));
    }
    sample::model_with(objects, 200, 60)
}

#[test]
fn every_pod_of_a_big_release_is_streamed() {
    let (_, effects) = release_of(40);
    assert_eq!(starts(&effects), 40, "40 pods, 40 streams");
}

#[test]
fn past_the_cap_the_first_pods_are_streamed_and_pods_that_come_and_go_follow() {
    let (mut model, effects) = release_of(MAX_PODS + 20);
    assert_eq!(starts(&effects), MAX_PODS);
    assert_eq!(model.pods.rows.len(), MAX_PODS + 20);
    // A streamed pod goes: one stream stops, the next pod's starts.
    let gone = model.logs.sources[0].pod.clone();
    let effects = update(
        &mut model,
        Msg::Watch(WatchEvent::Delete {
            kind: Kind::Pods,
            key: gone,
        }),
    );
    assert_eq!(starts(&effects), 1);
    assert_eq!(
        effects
            .iter()
            .filter(|e| matches!(e, Effect::StopLogStream(_)))
            .count(),
        1
    );
    assert_eq!(
        model.logs.sources.iter().filter(|s| s.active).count(),
        MAX_PODS
    );
}

#[test]
fn past_the_cap_a_pod_that_starts_crashing_is_streamed_first() {
    let (mut model, _) = release_of(MAX_PODS + 20);
    let last = format!("p{:04}", MAX_PODS + 19);
    let streamed = |m: &Model, name: &str| {
        m.logs
            .sources
            .iter()
            .any(|s| s.active && s.pod.name.ends_with(name))
    };
    assert!(!streamed(&model, &last));
    // The same pod, now a problem: it sorts first, so it is streamed and the last of the
    // first MAX_PODS is not.
    let crashing = sample::crashing_pod("shop", "web", "5d8f9c7b6", &last, "Error");
    let effects = update(
        &mut model,
        Msg::Watch(WatchEvent::Apply(Object::Pod(crashing))),
    );
    assert_eq!(starts(&effects), 1);
    assert!(streamed(&model, &last));
    assert_eq!(
        model.logs.sources.iter().filter(|s| s.active).count(),
        MAX_PODS
    );
}

#[test]
fn a_pod_that_only_changes_state_starts_and_stops_nothing() {
    let (mut model, _) = release_of(40);
    let crashing = sample::crashing_pod("shop", "web", "5d8f9c7b6", "p0007", "Error");
    let effects = update(
        &mut model,
        Msg::Watch(WatchEvent::Apply(Object::Pod(crashing))),
    );
    assert!(effects.is_empty(), "{effects:?}");
    assert!(
        model.pods.rows[0].0.name.ends_with("p0007"),
        "it sorts first"
    );
}

/// The showcase with orders-api, a paused canary (one canary pod, three stable), selected.
fn canary() -> Model {
    let (mut model, _) = sample::model_with(sample::showcase_objects(), 200, 60);
    while model.releases.selected.as_ref().unwrap().key.name != "orders-api" {
        key(&mut model, "j");
    }
    model
}

fn feed(model: &mut Model, role: PodRole, lines: &[&str]) {
    let id = model
        .logs
        .sources
        .iter()
        .find(|s| s.active && s.role == role)
        .unwrap()
        .id;
    let lines = lines
        .iter()
        .map(|t| RawLogLine::from_text(Some(NOW_MS - 1_000), t))
        .collect();
    update(model, Msg::LogLines { stream: id, lines });
}

#[test]
fn the_split_counts_lines_and_errors_per_side() {
    let mut model = canary();
    key(&mut model, "|");
    assert!(logs_split::shown(&model));
    feed(
        &mut model,
        PodRole::Canary,
        &["INFO GET /a -> 200 in 3ms", "INFO GET /a -> 503 in 9ms"],
    );
    feed(
        &mut model,
        PodRole::Stable,
        &["INFO ok", "INFO ok", "INFO ok", "ERROR db down"],
    );
    let split = &model.logs.split;
    assert_eq!((split.canary.lines, split.canary.errors), (2, 1));
    assert_eq!((split.stable.lines, split.stable.errors), (4, 1));
    assert_eq!(split.canary.error_ratio(NOW_MS), Some(0.5));
    assert_eq!(split.stable.error_ratio(NOW_MS), Some(0.25));
    key(&mut model, "|");
    assert!(!logs_split::shown(&model));
    assert!(model.notice.is_none());
}

#[test]
fn outside_a_canary_the_split_key_says_so() {
    let (mut model, _) = sample::model_with(sample::showcase_objects(), 200, 60);
    assert_eq!(
        model.releases.selected.as_ref().unwrap().key.name,
        "feature-store"
    );
    key(&mut model, "|");
    assert!(!model.logs.split.on);
    let notice = model.notice.clone().unwrap();
    assert!(
        notice.text.contains("feature-store is not a canary"),
        "{}",
        notice.text
    );
}
