//! Trigger evaluation per tick: 50 releases, each with 10 minutes of 15 s canary points and
//! three triggers (error ratio, p95, health failures). Budget (issue 10): under 1 ms.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use quarterdeck_core::analysis::{
    Point, ReleaseAnalysis, SeriesData, SeriesKey, Side, Signal, Trigger, TriggerState,
    TriggerStatus, evaluate_all,
};
use std::hint::black_box;

const RELEASES: usize = 50;
const POINTS: i64 = 40;
const STEP_MS: i64 = 15_000;

fn trigger(signal: Signal, above: f64) -> TriggerStatus {
    TriggerStatus {
        trigger: Trigger {
            signal,
            above,
            for_ms: 120_000,
        },
        state: TriggerState::NoData,
    }
}

/// One release whose canary breaches in its last minutes, so runs are walked back.
fn release(seed: usize) -> ReleaseAnalysis {
    let series = [
        (Signal::ErrorRatio, 0.01, 0.03),
        (Signal::P95, 0.05, 0.08),
        (Signal::HealthFailures, 0.05, 0.01),
    ]
    .into_iter()
    .map(|(signal, above, bad)| {
        let points = (0..POINTS)
            .map(|i| Point {
                at_ms: i * STEP_MS,
                value: Some(if i > 30 - (seed as i64 % 10) {
                    bad
                } else {
                    above / 2.0
                }),
            })
            .collect();
        (
            SeriesKey {
                side: Side::Canary,
                signal,
            },
            SeriesData {
                points,
                at_ms: POINTS * STEP_MS,
                warnings: Vec::new(),
            },
        )
    })
    .collect();
    ReleaseAnalysis {
        series,
        error: None,
        triggers: vec![
            trigger(Signal::ErrorRatio, 0.01),
            trigger(Signal::P95, 0.05),
            trigger(Signal::HealthFailures, 0.05),
        ],
        canary_hash: Some(format!("hash{seed}")),
    }
}

fn triggers(c: &mut Criterion) {
    let releases: Vec<ReleaseAnalysis> = (0..RELEASES).map(release).collect();
    c.bench_function("evaluate_triggers_50_releases", |b| {
        b.iter_batched_ref(
            || releases.clone(),
            |rs| {
                for r in rs.iter_mut() {
                    black_box(evaluate_all(r));
                }
            },
            criterion::BatchSize::SmallInput,
        )
    });
}

criterion_group!(benches, triggers);
criterion_main!(benches);
