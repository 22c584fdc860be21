//! The per-event path: 10,000 watch events into a model of 50 Deployments × 100 pods over 10
//! namespaces (the scale world), the way a rolling world sends them — mostly pod updates, with
//! the ReplicaSet and Deployment status changes they cause. Work per event should be
//! proportional to what the event changed, not to the size of the world.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use quarterdeck_core::cluster::Object;
use quarterdeck_core::sample;
use quarterdeck_core::{Model, Msg, WatchEvent, update};

const NAMESPACES: usize = 10;
const PER_NAMESPACE: usize = 5;
const PODS: usize = 100;
const EVENTS: usize = 10_000;

fn name(d: usize) -> (String, String) {
    (format!("team-{}", d % NAMESPACES), format!("svc-{d:02}"))
}

/// Every Deployment with two ReplicaSets (an old, scaled-down one and the current one) and
/// 100 ready pods.
fn world() -> Vec<Object> {
    let mut o = Vec::new();
    for d in 0..NAMESPACES * PER_NAMESPACE {
        let (ns, svc) = name(d);
        o.push(Object::Deployment(sample::deployment(
            &ns,
            &svc,
            2,
            PODS as i32,
            PODS as i32,
        )));
        o.push(Object::ReplicaSet(sample::replicaset(
            &ns,
            "Deployment",
            &svc,
            "7d4b9c6f5",
            1,
            0,
        )));
        o.push(Object::ReplicaSet(sample::replicaset(
            &ns,
            "Deployment",
            &svc,
            "5f8c7b6d9",
            2,
            PODS as i32,
        )));
        for p in 0..PODS {
            o.push(Object::Pod(sample::pod(
                &ns,
                &svc,
                "5f8c7b6d9",
                &format!("{p:03}"),
            )));
        }
    }
    o
}

/// 10,000 events: pod updates spread over every release (a readiness flip or a restart), one
/// in ten followed by its ReplicaSet's and Deployment's status.
fn events() -> Vec<Msg> {
    let releases = NAMESPACES * PER_NAMESPACE;
    let mut out = Vec::with_capacity(EVENTS);
    let mut i = 0;
    while out.len() < EVENTS {
        let d = (i * 7) % releases;
        let (ns, svc) = name(d);
        let mut pod = sample::pod(&ns, &svc, "5f8c7b6d9", &format!("{:03}", i % PODS));
        pod.restarts = i as u32;
        pod.ready = (i % 2) as u32;
        out.push(Msg::Watch(WatchEvent::Apply(Object::Pod(pod))));
        if i % 10 == 0 {
            let ready = PODS as i32 - (i % 3) as i32;
            let mut rs = sample::replicaset(&ns, "Deployment", &svc, "5f8c7b6d9", 2, PODS as i32);
            rs.ready = ready;
            out.push(Msg::Watch(WatchEvent::Apply(Object::ReplicaSet(rs))));
            let dep = sample::deployment(&ns, &svc, 2, PODS as i32, ready);
            out.push(Msg::Watch(WatchEvent::Apply(Object::Deployment(dep))));
        }
        i += 1;
    }
    out.truncate(EVENTS);
    out
}

fn model() -> Model {
    let (model, _) = sample::model_with(world(), 200, 60);
    assert_eq!(model.releases.rows.len(), NAMESPACES * PER_NAMESPACE);
    assert_eq!(model.pods.rows.len(), PODS);
    model
}

/// Each event through `update` on its own, as a slow trickle of events arrives.
fn one_by_one(c: &mut Criterion) {
    let events = events();
    let mut group = c.benchmark_group("watch_events");
    group.sample_size(10);
    group.bench_function("10k events into 5,000 pods, one update each", |b| {
        b.iter_batched(
            || (model(), events.clone()),
            |(mut model, events)| {
                for msg in events {
                    black_box(update(&mut model, msg));
                }
                model
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, one_by_one);
criterion_main!(benches);
