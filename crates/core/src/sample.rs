//! Builders of realistic model states, for tests, pane snapshots and benchmarks: a canary
//! paused at a step, a crash-looping release, an aborted rollout, a blue-green with a preview.
//! They build slim objects the way the conversions would, so a state reads like a cluster.

use super::cluster::{Kind, Object};
use super::deployment::{DeployStrategy, Deployment, ReplicaSet};
use super::event::Event;
use super::meta::{Condition, ObjectKey, Owner};
use super::msg::{Connection, Msg, RawLogLine, WatchEvent};
use super::pod::Pod;
use super::rollout::{CanaryStep, PauseCondition, Rollout, RolloutStrategy};
use super::{Effect, Model, Scope, Target, update};
use crate::keymap::Keymap;

/// 2026-11-22T03:00:00Z: every sample is pinned to this instant so snapshots never move.
pub const NOW_MS: i64 = 1_795_316_400_000;

/// Milliseconds `mins` minutes before `NOW_MS`.
pub fn ago(mins: i64) -> i64 {
    NOW_MS - mins * 60_000
}

fn cond(kind: &str, status: &str, reason: &str, message: &str, mins_ago: i64) -> Condition {
    Condition {
        kind: kind.into(),
        status: status.into(),
        reason: reason.into(),
        message: message.into(),
        updated_ms: Some(ago(mins_ago)),
    }
}

/// A Deployment with `ready` of `desired` replicas at `revision`.
pub fn deployment(ns: &str, name: &str, revision: i64, desired: i32, ready: i32) -> Deployment {
    Deployment {
        key: ObjectKey::new(ns, name),
        generation: revision,
        observed_generation: revision,
        revision: Some(revision),
        strategy: DeployStrategy::RollingUpdate,
        paused: false,
        desired,
        replicas: desired,
        updated: desired,
        ready,
        available: ready,
        image: format!("registry.example.com/{name}:1.{revision}.0"),
        conditions: vec![
            cond(
                "Available",
                if ready == desired { "True" } else { "False" },
                "MinimumReplicasAvailable",
                "Deployment has minimum availability.",
                30,
            ),
            cond(
                "Progressing",
                "True",
                "NewReplicaSetAvailable",
                "ReplicaSet has successfully progressed.",
                12,
            ),
        ],
        created_ms: Some(ago(60 * 24 * 9)),
        annotations: Default::default(),
    }
}

/// A ReplicaSet owned by `owner_kind/owner` with pod-template hash `hash`.
pub fn replicaset(
    ns: &str,
    owner_kind: &str,
    owner: &str,
    hash: &str,
    revision: i64,
    replicas: i32,
) -> ReplicaSet {
    ReplicaSet {
        key: ObjectKey::new(ns, &format!("{owner}-{hash}")),
        owner: Some(Owner {
            kind: owner_kind.into(),
            name: owner.into(),
        }),
        revision: Some(revision),
        hash: hash.into(),
        image: format!("registry.example.com/{owner}:1.{revision}.0"),
        change_cause: None,
        desired: replicas,
        replicas,
        ready: replicas,
        available: replicas,
        created_ms: Some(ago(60 + revision)),
    }
}

/// A ready, running pod of ReplicaSet `owner-hash`.
pub fn pod(ns: &str, owner: &str, hash: &str, suffix: &str) -> Pod {
    Pod {
        key: ObjectKey::new(ns, &format!("{owner}-{hash}-{suffix}")),
        owner: Some(Owner {
            kind: "ReplicaSet".into(),
            name: format!("{owner}-{hash}"),
        }),
        hash: hash.into(),
        phase: "Running".into(),
        status: "Running".into(),
        last_reason: None,
        ready: 1,
        total: 1,
        restarts: 0,
        node: Some("node-a1".into()),
        containers: vec![owner.to_string()],
        created_ms: Some(ago(42)),
        deleting: false,
    }
}

/// A pod that keeps crashing: `CrashLoopBackOff`, last terminated by `reason`.
pub fn crashing_pod(ns: &str, owner: &str, hash: &str, suffix: &str, reason: &str) -> Pod {
    Pod {
        status: "CrashLoopBackOff".into(),
        last_reason: Some(reason.into()),
        ready: 0,
        restarts: 7,
        created_ms: Some(ago(14)),
        ..pod(ns, owner, hash, suffix)
    }
}

/// A canary Rollout with eight steps, paused (waiting for a human) at step 3.
pub fn canary_paused(ns: &str, name: &str) -> Rollout {
    Rollout {
        key: ObjectKey::new(ns, name),
        generation: 4,
        observed_generation: Some("4".into()),
        revision: Some(4),
        strategy: RolloutStrategy::Canary {
            steps: vec![
                CanaryStep::SetWeight(10),
                CanaryStep::Pause(Some("2m".into())),
                CanaryStep::SetWeight(25),
                CanaryStep::Pause(None),
                CanaryStep::SetWeight(50),
                CanaryStep::Analysis(vec!["success-rate".into()]),
                CanaryStep::SetWeight(100),
                CanaryStep::Pause(Some("5m".into())),
            ],
            traffic_routing: false,
            max_weight: 100,
        },
        spec_paused: false,
        desired: 4,
        image: format!("registry.example.com/{name}:2.4.0"),
        phase: "Paused".into(),
        message: "CanaryPauseStep".into(),
        current_step_index: Some(3),
        stable_rs: "6c5f7d9b8".into(),
        current_pod_hash: "7f9c4b6d5".into(),
        pause_conditions: vec![PauseCondition {
            reason: "CanaryPauseStep".into(),
            since_ms: Some(ago(4)),
        }],
        controller_pause: true,
        abort: false,
        aborted_at_ms: None,
        replicas: 4,
        updated: 1,
        ready: 4,
        available: 4,
        routed_canary_weight: None,
        active_selector: None,
        preview_selector: None,
        conditions: vec![
            cond("Paused", "True", "RolloutPaused", "Rollout is paused", 4),
            cond(
                "Progressing",
                "True",
                "RolloutPaused",
                "Rollout is paused",
                4,
            ),
            cond(
                "Available",
                "True",
                "AvailableReason",
                "Rollout has minimum availability",
                30,
            ),
        ],
        created_ms: Some(ago(60 * 24 * 30)),
        annotations: Default::default(),
        analysis: Default::default(),
    }
}

/// A canary whose new revision was aborted back to stable.
pub fn canary_aborted(ns: &str, name: &str) -> Rollout {
    Rollout {
        phase: "Degraded".into(),
        message: "RolloutAborted: Rollout aborted update to revision 4: Metric \"error-rate\" assessed Failed".into(),
        abort: true,
        aborted_at_ms: Some(ago(2)),
        controller_pause: false,
        pause_conditions: Vec::new(),
        current_step_index: Some(0),
        updated: 0,
        conditions: vec![
            cond(
                "Progressing",
                "False",
                "RolloutAborted",
                "Rollout aborted update to revision 4",
                2,
            ),
            cond(
                "Available",
                "True",
                "AvailableReason",
                "Rollout has minimum availability",
                30,
            ),
        ],
        ..canary_paused(ns, name)
    }
}

/// A blue-green Rollout with a new revision up behind the preview service, waiting.
pub fn blue_green_preview(ns: &str, name: &str) -> Rollout {
    Rollout {
        key: ObjectKey::new(ns, name),
        generation: 3,
        observed_generation: Some("3".into()),
        revision: Some(3),
        strategy: RolloutStrategy::BlueGreen {
            active_service: format!("{name}-active"),
            preview_service: Some(format!("{name}-preview")),
            auto_promotion: false,
        },
        spec_paused: false,
        desired: 2,
        image: format!("registry.example.com/{name}:0.9.3"),
        phase: "Paused".into(),
        message: "BlueGreenPause".into(),
        current_step_index: None,
        stable_rs: "5d8b7c6f4".into(),
        current_pod_hash: "9a7e5c3b1".into(),
        pause_conditions: vec![PauseCondition {
            reason: "BlueGreenPause".into(),
            since_ms: Some(ago(7)),
        }],
        controller_pause: true,
        abort: false,
        aborted_at_ms: None,
        replicas: 4,
        updated: 2,
        ready: 4,
        available: 4,
        routed_canary_weight: None,
        active_selector: Some("5d8b7c6f4".into()),
        preview_selector: Some("9a7e5c3b1".into()),
        conditions: vec![cond(
            "Paused",
            "True",
            "RolloutPaused",
            "Rollout is paused",
            7,
        )],
        created_ms: Some(ago(60 * 24 * 12)),
        annotations: Default::default(),
        analysis: Default::default(),
    }
}

/// A Kubernetes Event about `object`.
pub fn event(
    ns: &str,
    object_kind: &str,
    object: &str,
    warning: bool,
    reason: &str,
    message: &str,
    mins_ago: i64,
) -> Event {
    Event {
        key: ObjectKey::new(ns, &format!("{object}.{reason}.{mins_ago}").to_lowercase()),
        object_kind: object_kind.into(),
        object_name: object.into(),
        kind: if warning { "Warning" } else { "Normal" }.into(),
        reason: reason.into(),
        message: message.into(),
        count: if warning { 7 } else { 1 },
        last_ms: Some(ago(mins_ago)),
    }
}

/// The application's default keymap, which the sample model binds (the file is the app's).
pub const DEFAULT_KEYMAP: &str = include_str!("../../../keymaps/default.toml");

/// A model with every source live, holding `objects`, at `NOW_MS`, `width`×`height`.
pub fn model_with(objects: Vec<Object>, width: u16, height: u16) -> (Model, Vec<Effect>) {
    let mut keymap = Keymap::default();
    keymap
        .layer("built-in keymaps/default.toml", DEFAULT_KEYMAP)
        .unwrap_or_default();
    let mut model = Model::new(
        Target {
            context: "prod-eu-west".into(),
            contexts: vec!["prod-eu-west".into(), "staging".into()],
            scope: Scope::All,
            server: "https://10.0.0.1:6443".into(),
            readonly: false,
        },
        keymap,
        NOW_MS,
    );
    let mut effects = update(&mut model, Msg::Resized { width, height });
    effects.extend(list_all(&mut model, &objects));
    // The selection asked for its namespace's events: the driver answers with their list.
    if effects.iter().any(|e| matches!(e, Effect::WatchEvents(_))) {
        effects.extend(relist_events(&mut model));
    }
    (model, effects)
}

/// Every kind's list of `objects`, each source then live, as the watches send them.
pub fn list_all(model: &mut Model, objects: &[Object]) -> Vec<Effect> {
    let mut effects = Vec::new();
    for kind in Kind::ALL {
        let of_kind: Vec<Object> = objects
            .iter()
            .filter(|o| o.kind() == kind)
            .cloned()
            .collect();
        effects.extend(update(
            model,
            Msg::Watch(WatchEvent::Replace {
                kind,
                objects: of_kind,
            }),
        ));
        effects.extend(update(
            model,
            Msg::Connection {
                kind,
                state: Connection::Live,
                at_ms: NOW_MS,
            },
        ));
    }
    effects
}

/// What the driver does for `Effect::WatchEvents`: the events listed again (the sample
/// keeps every namespace's; the panes read the selected one's).
pub fn relist_events(model: &mut Model) -> Vec<Effect> {
    let objects: Vec<Object> = model
        .cluster
        .events
        .values()
        .cloned()
        .map(Object::Event)
        .collect();
    update(
        model,
        Msg::Watch(WatchEvent::Replace {
            kind: Kind::Events,
            objects,
        }),
    )
}

/// The objects of the five-release showcase: a paused canary (3/8), a crash-looping
/// Deployment, an aborted canary, a blue-green with a preview, a healthy Deployment.
pub fn showcase_objects() -> Vec<Object> {
    let mut o = Vec::new();
    // orders-api: canary paused at step 3/8, one canary pod among three stable.
    let ns = "orders";
    o.push(Object::Rollout(canary_paused(ns, "orders-api")));
    o.push(Object::ReplicaSet(replicaset(
        ns,
        "Rollout",
        "orders-api",
        "6c5f7d9b8",
        3,
        3,
    )));
    o.push(Object::ReplicaSet(replicaset(
        ns,
        "Rollout",
        "orders-api",
        "7f9c4b6d5",
        4,
        1,
    )));
    for s in ["x2k4p", "b7q9z", "m3n8d"] {
        o.push(Object::Pod(pod(ns, "orders-api", "6c5f7d9b8", s)));
    }
    o.push(Object::Pod(pod(ns, "orders-api", "7f9c4b6d5", "t5w2c")));
    o.push(Object::Event(event(
        ns,
        "Rollout",
        "orders-api",
        false,
        "RolloutPaused",
        "Rollout is paused (CanaryPauseStep)",
        4,
    )));
    o.push(Object::Event(event(
        ns,
        "Rollout",
        "orders-api",
        false,
        "SetWeight",
        "Set weight to 25",
        5,
    )));
    o.push(Object::Event(event(
        ns,
        "ReplicaSet",
        "orders-api-7f9c4b6d5",
        false,
        "SuccessfulCreate",
        "Created pod: orders-api-7f9c4b6d5-t5w2c",
        9,
    )));

    // feature-store: Deployment rolling out a bad revision; two pods crash-loop.
    let ns = "bnpl";
    let mut d = deployment(ns, "feature-store", 8, 3, 2);
    d.updated = 2;
    d.replicas = 4;
    d.available = 2;
    d.conditions[1] = cond(
        "Progressing",
        "True",
        "ReplicaSetUpdated",
        "ReplicaSet \"feature-store-84d9f6c7b\" is progressing.",
        3,
    );
    o.push(Object::Deployment(d));
    o.push(Object::ReplicaSet(replicaset(
        ns,
        "Deployment",
        "feature-store",
        "5b6c7d8e9",
        7,
        2,
    )));
    o.push(Object::ReplicaSet(replicaset(
        ns,
        "Deployment",
        "feature-store",
        "84d9f6c7b",
        8,
        2,
    )));
    o.push(Object::Pod(crashing_pod(
        ns,
        "feature-store",
        "84d9f6c7b",
        "q8r7s",
        "OOMKilled",
    )));
    o.push(Object::Pod(crashing_pod(
        ns,
        "feature-store",
        "84d9f6c7b",
        "v4w5x",
        "Error",
    )));
    for s in ["c1d2e", "f3g4h"] {
        o.push(Object::Pod(pod(ns, "feature-store", "5b6c7d8e9", s)));
    }
    o.push(Object::Event(event(
        ns,
        "Pod",
        "feature-store-84d9f6c7b-q8r7s",
        true,
        "BackOff",
        "Back-off restarting failed container feature-store in pod feature-store-84d9f6c7b-q8r7s",
        1,
    )));
    o.push(Object::Event(event(
        ns,
        "Deployment",
        "feature-store",
        false,
        "ScalingReplicaSet",
        "Scaled up replica set feature-store-84d9f6c7b from 1 to 2",
        3,
    )));

    // customer-intelligence: aborted canary.
    let ns = "ml-platform";
    o.push(Object::Rollout(canary_aborted(ns, "customer-intelligence")));
    o.push(Object::ReplicaSet(replicaset(
        ns,
        "Rollout",
        "customer-intelligence",
        "6c5f7d9b8",
        3,
        4,
    )));
    o.push(Object::ReplicaSet(replicaset(
        ns,
        "Rollout",
        "customer-intelligence",
        "7f9c4b6d5",
        4,
        0,
    )));
    for s in ["a1a1a", "b2b2b", "c3c3c", "d4d4d"] {
        o.push(Object::Pod(pod(
            ns,
            "customer-intelligence",
            "6c5f7d9b8",
            s,
        )));
    }
    o.push(Object::Event(event(
        ns,
        "Rollout",
        "customer-intelligence",
        true,
        "RolloutAborted",
        "Rollout aborted update to revision 4: Metric \"error-rate\" assessed Failed",
        2,
    )));

    // observability-stack producer: blue-green with a preview waiting.
    let ns = "observability";
    o.push(Object::Rollout(blue_green_preview(ns, "producer")));
    o.push(Object::ReplicaSet(replicaset(
        ns,
        "Rollout",
        "producer",
        "5d8b7c6f4",
        2,
        2,
    )));
    o.push(Object::ReplicaSet(replicaset(
        ns,
        "Rollout",
        "producer",
        "9a7e5c3b1",
        3,
        2,
    )));
    for (h, s) in [
        ("5d8b7c6f4", "k1l2m"),
        ("5d8b7c6f4", "n3o4p"),
        ("9a7e5c3b1", "q5r6s"),
        ("9a7e5c3b1", "t7u8v"),
    ] {
        o.push(Object::Pod(pod(ns, "producer", h, s)));
    }

    // order-generation: a healthy Deployment.
    let ns = "globeco";
    o.push(Object::Deployment(deployment(
        ns,
        "order-generation",
        12,
        3,
        3,
    )));
    o.push(Object::ReplicaSet(replicaset(
        ns,
        "Deployment",
        "order-generation",
        "55f6d7c8b",
        12,
        3,
    )));
    o.push(Object::ReplicaSet(replicaset(
        ns,
        "Deployment",
        "order-generation",
        "4c3b2a190",
        11,
        0,
    )));
    for s in ["r1s2t", "u3v4w", "x5y6z"] {
        o.push(Object::Pod(pod(ns, "order-generation", "55f6d7c8b", s)));
    }
    o
}

/// Log lines a pod of the showcase would write (request lines, an error, ANSI colour).
pub fn log_lines(n: usize, start_ms: i64) -> Vec<RawLogLine> {
    (0..n)
        .map(|i| {
            let time_ms = start_ms + i as i64 * 250;
            let text = match i % 7 {
                0 => format!(
                    "\x1b[32mINFO\x1b[0m GET /api/orders/{} 200 {}ms",
                    1000 + i,
                    3 + i % 40
                ),
                3 => format!(
                    "\x1b[31mERROR\x1b[0m upstream timeout after 5000ms (order {})",
                    1000 + i
                ),
                5 => format!(
                    "WARN slow query: SELECT * FROM orders WHERE id = {} took {}ms",
                    i,
                    120 + i % 300
                ),
                _ => format!(
                    "INFO POST /api/orders 201 {}ms request_id=req-{:06}",
                    4 + i % 30,
                    i
                ),
            };
            RawLogLine::from_text(Some(time_ms), &text)
        })
        .collect()
}

/// Feeds `per_stream` lines to every running stream, interleaved as they would arrive.
pub fn feed_logs(model: &mut Model, per_stream: usize) {
    let ids: Vec<u64> = model
        .logs
        .sources
        .iter()
        .filter(|s| s.active)
        .map(|s| s.id)
        .collect();
    let mut per: Vec<std::vec::IntoIter<RawLogLine>> = (0..ids.len())
        .map(|k| log_lines(per_stream, ago(3) + k as i64 * 60).into_iter())
        .collect();
    for _ in 0..per_stream {
        for (id, lines) in ids.iter().zip(per.iter_mut()) {
            if let Some(line) = lines.next() {
                update(
                    model,
                    Msg::LogLines {
                        stream: *id,
                        lines: vec![line],
                    },
                );
            }
        }
    }
}
