//! The analysis concern through `update`: watches, the trigger window, verdicts and the guard.

use super::queries::STEP_MS;
use super::*;
use crate::cluster::Object;
use crate::control::{
    Access, ControlEffect, ControlMsg, Dialog, JournalResult, Op, Outcome, needs,
};
use crate::effect::Effect;
use crate::flow;
use crate::key::KeyPress;
use crate::meta::ObjectKey;
use crate::model::Model;
use crate::msg::{Msg, WatchEvent};
use crate::release::{ReleaseId, WorkloadKind};
use crate::sample::{self, NOW_MS};
use crate::update::update;

const URL: &str = "http://prometheus:9090";

fn error_trigger() -> Trigger {
    Trigger {
        signal: Signal::ErrorRatio,
        above: 0.01,
        for_ms: 120_000,
    }
}

fn feature_store() -> ReleaseId {
    ReleaseId {
        key: ObjectKey::new("bnpl", "feature-store"),
        kind: WorkloadKind::Deployment,
    }
}

fn orders_api() -> ReleaseId {
    ReleaseId {
        key: ObjectKey::new("orders", "orders-api"),
        kind: WorkloadKind::Rollout,
    }
}

/// The showcase with a Prometheus, the error-ratio trigger by default and `guard`.
fn setup(guard: GuardMode) -> (Model, Vec<Effect>) {
    let (mut model, _) = sample::model_with(sample::showcase_objects(), 200, 60);
    model.analysis.config = AnalysisConfig {
        url: Some(URL.into()),
        default_triggers: vec![error_trigger()],
        default_guard: guard,
        ..AnalysisConfig::default()
    };
    let effects = flow::sync_analysis(&mut model);
    (model, effects)
}

fn allow(model: &mut Model, id: &ReleaseId) {
    for op in [Op::Undo, Op::Abort] {
        for k in needs(&model.target.context, id, op) {
            model.control.access.insert(k, Access::Allowed);
        }
    }
}

/// Reports a canary series: one point every 15 s, the newest at `end_ms`.
fn feed(
    model: &mut Model,
    id: &ReleaseId,
    signal: Signal,
    values: &[Option<f64>],
    end_ms: i64,
) -> Vec<Effect> {
    let n = values.len() as i64;
    let points = values
        .iter()
        .enumerate()
        .map(|(i, v)| Point {
            at_ms: end_ms - (n - 1 - i as i64) * STEP_MS,
            value: *v,
        })
        .collect();
    update(
        model,
        Msg::Analysis(AnalysisMsg::Series {
            release: id.clone(),
            key: SeriesKey {
                side: Side::Canary,
                signal,
            },
            points,
            at_ms: end_ms,
            warnings: Vec::new(),
        }),
    )
}

/// `n` error-ratio points of 3.2 %, with traffic, ending at `end_ms`.
fn bad(model: &mut Model, id: &ReleaseId, n: usize, end_ms: i64) -> Vec<Effect> {
    let mut effects = feed(model, id, Signal::RequestRate, &vec![Some(20.0); n], end_ms);
    effects.extend(feed(
        model,
        id,
        Signal::ErrorRatio,
        &vec![Some(0.032); n],
        end_ms,
    ));
    effects
}

fn state(model: &Model, id: &ReleaseId) -> TriggerState {
    model.analysis.releases[id].triggers[0].state.clone()
}

fn acts(effects: &[Effect]) -> Vec<crate::control::Request> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Control(c) => match c.as_ref() {
                ControlEffect::Act(r) => Some(r.as_ref().clone()),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

#[test]
fn a_release_off_screen_whose_new_revision_starts_rolling_is_watched() {
    let (mut model, _) = setup(GuardMode::Propose);
    let watched = |m: &Model| {
        m.analysis
            .watching
            .iter()
            .any(|w| w.release.key.name == "order-generation")
    };
    assert!(!watched(&model), "healthy and off screen");
    // A new ReplicaSet while the old one still runs pods: revision 13 is on trial.
    let rs = sample::replicaset(
        "globeco",
        "Deployment",
        "order-generation",
        "7d8e9f0a1",
        13,
        1,
    );
    let effects = update(
        &mut model,
        Msg::Watch(WatchEvent::Apply(Object::ReplicaSet(rs))),
    );
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::WatchAnalysis(_))),
        "{effects:?}"
    );
    assert!(watched(&model));
}

#[test]
fn watches_only_releases_on_screen_or_under_a_trigger() {
    let (model, effects) = setup(GuardMode::Propose);
    let [Effect::WatchAnalysis(watches)] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    let mut names: Vec<&str> = watches
        .iter()
        .map(|w| w.release.key.name.as_str())
        .collect();
    names.sort_unstable();
    // Rolling with triggers: the Deployment mid-rollout (selected), the canary, the preview.
    // Not the aborted canary nor the healthy Deployment.
    assert_eq!(names, ["feature-store", "orders-api", "producer"]);
    let of = |name: &str| watches.iter().find(|w| w.release.key.name == name).unwrap();
    let fs = of("feature-store");
    assert!(fs.urgent, "the selected release is on screen");
    assert!(!of("orders-api").urgent);
    assert_eq!(fs.url, URL);
    assert_eq!(fs.queries.len(), 10, "five signals, both sides");
    let error = fs
        .queries
        .iter()
        .find(|q| q.key.side == Side::Canary && q.key.signal == Signal::ErrorRatio)
        .unwrap();
    assert_eq!(
        error.promql,
        "sum(rate(http_requests_total{namespace=\"bnpl\",pod_template_hash=\"84d9f6c7b\",code=~\"5..\"}[1m])) / sum(rate(http_requests_total{namespace=\"bnpl\",pod_template_hash=\"84d9f6c7b\"}[1m]))"
    );
    assert_eq!((error.range_ms, error.step_ms), (600_000, 15_000));
    let stable_p95 = of("orders-api")
        .queries
        .iter()
        .find(|q| {
            q.key
                == SeriesKey {
                    side: Side::Stable,
                    signal: Signal::P95,
                }
        })
        .unwrap();
    assert!(
        stable_p95
            .promql
            .contains("rollouts_pod_template_hash=\"6c5f7d9b8\"")
    );
    assert!(
        stable_p95
            .promql
            .starts_with("histogram_quantile(0.95, sum by (le) (rate(")
    );
    let health = &of("producer")
        .queries
        .iter()
        .find(|q| q.key.signal == Signal::HealthFailures)
        .unwrap();
    assert!(
        health.promql.contains("pod=~\"producer-9a7e5c3b1-.*\""),
        "{}",
        health.promql
    );
    // Nothing changed: nothing asked again.
    let mut model = model;
    assert!(flow::sync_analysis(&mut model).is_empty());
}

#[test]
fn without_triggers_only_the_selected_release_and_without_prometheus_none() {
    let (mut model, _) = sample::model_with(sample::showcase_objects(), 200, 60);
    model.analysis.config.url = Some(URL.into());
    let effects = flow::sync_analysis(&mut model);
    let [Effect::WatchAnalysis(w)] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].release, feature_store());
    // Moving the selection moves the watch.
    let effects = update(&mut model, Msg::Key(KeyPress::parse("j").unwrap()));
    let w = effects
        .iter()
        .find_map(|e| match e {
            Effect::WatchAnalysis(w) => Some(w.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(w.len(), 1);
    assert_ne!(w[0].release, feature_store());

    let (mut model, _) = sample::model_with(sample::showcase_objects(), 200, 60);
    assert!(flow::sync_analysis(&mut model).is_empty());
    let error = model.analysis.releases[&feature_store()]
        .error
        .clone()
        .unwrap();
    assert!(error.contains("[prometheus] url"), "{error}");
}

#[test]
fn the_prometheus_url_is_the_release_s_then_the_context_s_then_the_default() {
    let id = feature_store();
    let mut config = AnalysisConfig {
        url: Some("http://default".into()),
        context_urls: vec![
            ("staging".into(), "http://staging".into()),
            ("prod-*".into(), "http://prod".into()),
        ],
        ..AnalysisConfig::default()
    };
    assert_eq!(
        queries::url(&config, &id, "prod-eu").as_deref(),
        Some("http://prod")
    );
    assert_eq!(
        queries::url(&config, &id, "dev").as_deref(),
        Some("http://default")
    );
    config.releases.push(ReleaseAnalysisConfig {
        name: "fs".into(),
        kind: WorkloadKind::Deployment,
        workload: "feature-store".into(),
        namespace: "bnpl".into(),
        context: None,
        prometheus: Some("http://own".into()),
        triggers: None,
        guard: GuardMode::Off,
        auto_protected: false,
    });
    assert_eq!(
        queries::url(&config, &id, "prod-eu").as_deref(),
        Some("http://own")
    );
}

#[test]
fn under_two_minutes_nothing_fires_and_the_countdown_runs() {
    let (mut model, _) = setup(GuardMode::Propose);
    let id = feature_store();
    // Eight points: 1m45s above the threshold.
    let effects = bad(&mut model, &id, 8, NOW_MS);
    assert_eq!(
        state(&model, &id),
        TriggerState::Holding {
            since_ms: NOW_MS - 105_000,
            value: 0.032
        }
    );
    assert!(model.analysis.proposal.is_none());
    assert!(acts(&effects).is_empty());
    let ra = &model.analysis.releases[&id];
    assert_eq!(ra.countdown().unwrap().remaining_ms, 15_000);
    assert_eq!(
        ra.banner("feature-store").unwrap(),
        "feature-store canary: error ratio 3.2% > 1% for 1m45s of 2m"
    );
    assert_eq!(ra.signal_verdict(Signal::ErrorRatio), Verdict::Fail);
}

#[test]
fn a_holding_trigger_makes_its_release_urgent() {
    let (mut model, _) = setup(GuardMode::Propose);
    let effects = bad(&mut model, &orders_api(), 3, NOW_MS);
    let w = effects
        .iter()
        .find_map(|e| match e {
            Effect::WatchAnalysis(w) => Some(w.clone()),
            _ => None,
        })
        .expect("urgency changed");
    assert!(w.iter().find(|w| w.release == orders_api()).unwrap().urgent);
}

#[test]
fn two_minutes_sustained_fires_once_and_proposes() {
    let (mut model, _) = setup(GuardMode::Propose);
    let id = feature_store();
    let effects = bad(&mut model, &id, 9, NOW_MS);
    assert!(matches!(state(&model, &id), TriggerState::Fired { .. }));
    assert!(acts(&effects).is_empty(), "propose never acts by itself");
    let p = model.analysis.proposal.clone().unwrap();
    assert_eq!(p.release, id);
    assert_eq!(p.hash, "84d9f6c7b");
    assert_eq!(
        p.banner,
        "feature-store canary: error ratio 3.2% > 1% for 2m0s — B roll back"
    );
    assert!(p.plan.contains(&"action: undo".to_string()), "{:?}", p.plan);
    assert!(
        p.plan.iter().any(|l| l.starts_with("to: revision 7")),
        "{:?}",
        p.plan
    );
    assert_eq!(model.analysis.releases[&id].verdict(), Verdict::Fail);
    // Dismissed, then more bad readings of the same incident: not proposed again.
    model.analysis.proposal = None;
    bad(&mut model, &id, 12, NOW_MS + 45_000);
    assert!(model.analysis.proposal.is_none());
}

#[test]
fn recovery_resets_the_window_and_re_arms_the_guard() {
    let (mut model, _) = setup(GuardMode::Propose);
    let id = feature_store();
    bad(&mut model, &id, 9, NOW_MS);
    assert!(model.analysis.proposal.is_some());
    let mut values = vec![Some(0.032); 9];
    values.push(Some(0.002));
    feed(
        &mut model,
        &id,
        Signal::ErrorRatio,
        &values,
        NOW_MS + 15_000,
    );
    assert_eq!(state(&model, &id), TriggerState::Clear);
    assert!(model.analysis.proposal.is_none(), "withdrawn on recovery");
    assert!(model.analysis.incidents.is_empty());
    // Bad again: a run starting after the recovery, which must last its own two minutes.
    values.extend(vec![Some(0.05); 8]);
    feed(
        &mut model,
        &id,
        Signal::ErrorRatio,
        &values,
        NOW_MS + 135_000,
    );
    assert!(matches!(state(&model, &id), TriggerState::Holding { .. }));
    values.push(Some(0.05));
    feed(
        &mut model,
        &id,
        Signal::ErrorRatio,
        &values,
        NOW_MS + 150_000,
    );
    assert!(matches!(state(&model, &id), TriggerState::Fired { .. }));
    assert!(model.analysis.proposal.is_some(), "armed again");
}

#[test]
fn no_data_never_fires_and_breaks_the_run() {
    let t = error_trigger();
    let pts = |values: &[Option<f64>]| -> Vec<Point> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| Point {
                at_ms: i as i64 * STEP_MS,
                value: *v,
            })
            .collect()
    };
    assert_eq!(evaluate(&t, &[], STEP_MS), TriggerState::NoData);
    assert_eq!(
        evaluate(&t, &pts(&[None; 20]), STEP_MS),
        TriggerState::NoData
    );
    let mut v = vec![Some(0.5); 20];
    v.push(None);
    assert_eq!(evaluate(&t, &pts(&v), STEP_MS), TriggerState::NoData);
    // A hole in the middle: the run starts after it.
    let mut v = vec![Some(0.5); 10];
    v.push(None);
    v.extend(vec![Some(0.5); 5]);
    assert_eq!(
        evaluate(&t, &pts(&v), STEP_MS),
        TriggerState::Holding {
            since_ms: 11 * STEP_MS,
            value: 0.5
        }
    );
    // A missing sample (a gap in time) breaks it too.
    let mut p = pts(&[Some(0.5); 12]);
    for q in p.iter_mut().skip(4) {
        q.at_ms += STEP_MS;
    }
    assert!(
        matches!(evaluate(&t, &p, STEP_MS), TriggerState::Holding { since_ms, .. } if since_ms == 5 * STEP_MS)
    );

    let (mut model, _) = setup(GuardMode::Auto);
    let id = feature_store();
    allow(&mut model, &id);
    let effects = feed(&mut model, &id, Signal::ErrorRatio, &[None; 40], NOW_MS);
    assert_eq!(state(&model, &id), TriggerState::NoData);
    assert!(acts(&effects).is_empty());
    assert_eq!(model.analysis.releases[&id].verdict(), Verdict::NoData);
}

#[test]
fn too_little_traffic_is_inconclusive_never_a_pass() {
    let (mut model, _) = setup(GuardMode::Off);
    let id = feature_store();
    feed(
        &mut model,
        &id,
        Signal::RequestRate,
        &[Some(0.2); 10],
        NOW_MS,
    );
    feed(
        &mut model,
        &id,
        Signal::ErrorRatio,
        &[Some(0.0); 10],
        NOW_MS,
    );
    assert_eq!(
        model.analysis.releases[&id].verdict(),
        Verdict::Inconclusive
    );
    feed(
        &mut model,
        &id,
        Signal::RequestRate,
        &[Some(20.0); 10],
        NOW_MS,
    );
    assert_eq!(model.analysis.releases[&id].verdict(), Verdict::Pass);
}

#[test]
fn the_proposal_key_opens_the_usual_confirmation_with_the_plan() {
    let (mut model, _) = setup(GuardMode::Propose);
    let id = orders_api();
    allow(&mut model, &id);
    bad(&mut model, &id, 9, NOW_MS);
    assert!(model.analysis.proposal.is_some());
    update(&mut model, Msg::Key(KeyPress::parse("B").unwrap()));
    let Some(Dialog::Confirm(c)) = &model.control.dialog else {
        panic!("{:?} {:?}", model.control.dialog, model.notice);
    };
    assert_eq!(c.request.op, Op::Undo);
    assert!(c.request.params.abort_first);
    assert_eq!(
        c.request.params.revision.as_ref().unwrap().hash,
        "6c5f7d9b8"
    );
    let text = c.plan.text();
    assert!(
        text.contains(&"action: abort, then undo".to_string()),
        "{text:?}"
    );
    assert!(
        text.iter().any(|l| l.starts_with("to: revision 3")),
        "{text:?}"
    );
    assert!(!c.confirm_focused, "cancel is preselected");
    assert!(model.analysis.proposal.is_none());
}

#[test]
fn the_proposal_key_pressed_during_the_permission_check_opens_the_confirmation_on_the_answer() {
    let (mut model, _) = setup(GuardMode::Propose);
    let id = orders_api();
    bad(&mut model, &id, 9, NOW_MS);
    assert!(model.analysis.proposal.is_some());
    update(&mut model, Msg::Key(KeyPress::parse("B").unwrap()));
    assert!(model.control.dialog.is_none(), "opened before the answer");
    for op in [Op::Undo, Op::Abort] {
        for key in needs(&model.target.context, &id, op) {
            update(
                &mut model,
                Msg::Control(ControlMsg::Access {
                    key,
                    access: Access::Allowed,
                }),
            );
        }
    }
    let Some(Dialog::Confirm(c)) = &model.control.dialog else {
        panic!("{:?} {:?}", model.control.dialog, model.notice);
    };
    assert_eq!(c.request.op, Op::Undo);
    assert!(!model.analysis.open_when_permitted);
}

#[test]
fn auto_rolls_back_once_journaled_as_the_guard() {
    let (mut model, _) = setup(GuardMode::Auto);
    let id = orders_api();
    allow(&mut model, &id);
    let effects = bad(&mut model, &id, 9, NOW_MS);
    let [request] = acts(&effects).try_into().unwrap();
    assert_eq!(request.op, Op::Undo);
    assert!(request.params.abort_first);
    assert!(model.control.dialog.is_none(), "no dialog");
    assert!(model.analysis.proposal.is_none());
    // The same incident again: nothing more.
    assert!(acts(&bad(&mut model, &id, 10, NOW_MS + 15_000)).is_empty());
    let done = update(
        &mut model,
        Msg::Control(ControlMsg::Done {
            id: request.id,
            outcome: Outcome::Done {
                after: "revision 5".into(),
            },
        }),
    );
    let entry = done
        .iter()
        .find_map(|e| match e {
            Effect::Control(c) => match c.as_ref() {
                ControlEffect::Journal(j) => Some(j.clone()),
                _ => None,
            },
            _ => None,
        })
        .unwrap();
    assert_eq!(entry.by, "guard");
    assert_eq!(entry.result, JournalResult::Done);
    assert!(acts(&bad(&mut model, &id, 11, NOW_MS + 30_000)).is_empty());
}

#[test]
fn auto_never_acts_in_a_protected_or_read_only_context_nor_when_in_flight() {
    let protect = |model: &mut Model| {
        model
            .control
            .policies
            .rules
            .push(crate::control::ContextRule {
                pattern: "prod-*".into(),
                protected: true,
                readonly: false,
            });
    };
    let (mut model, _) = setup(GuardMode::Auto);
    let id = orders_api();
    allow(&mut model, &id);
    protect(&mut model);
    assert!(acts(&bad(&mut model, &id, 9, NOW_MS)).is_empty());
    assert!(model.analysis.proposal.is_some(), "proposed instead");

    // Unless told so.
    let (mut model, _) = setup(GuardMode::Auto);
    allow(&mut model, &id);
    protect(&mut model);
    model.analysis.config.releases.push(ReleaseAnalysisConfig {
        name: "orders-api".into(),
        kind: WorkloadKind::Rollout,
        workload: "orders-api".into(),
        namespace: "orders".into(),
        context: None,
        prometheus: None,
        triggers: None,
        guard: GuardMode::Auto,
        auto_protected: true,
    });
    let effects = bad(&mut model, &id, 9, NOW_MS);
    assert_eq!(
        acts(&effects).len(),
        1,
        "{:?} {:?}",
        model.notice,
        model.analysis.proposal
    );

    let (mut model, _) = setup(GuardMode::Auto);
    allow(&mut model, &id);
    model.target.readonly = true;
    assert!(acts(&bad(&mut model, &id, 9, NOW_MS)).is_empty());
    assert!(model.analysis.proposal.is_none());

    // An action on the target in flight: the guard waits, and acts on a later reading.
    let (mut model, _) = setup(GuardMode::Auto);
    allow(&mut model, &id);
    model.control.in_flight.insert(
        crate::control::Subject::Workload(id.clone()),
        crate::control::InFlight {
            id: 99,
            op: Op::Promote,
            shown: Vec::new(),
            before: String::new(),
            context: "prod-eu-west".into(),
            leased: false,
            by: "user",
        },
    );
    assert!(acts(&bad(&mut model, &id, 9, NOW_MS)).is_empty());
    model.control.in_flight.clear();
    assert_eq!(acts(&bad(&mut model, &id, 10, NOW_MS + 15_000)).len(), 1);
}

#[test]
fn a_new_canary_is_a_new_incident() {
    let (mut model, _) = setup(GuardMode::Propose);
    let id = orders_api();
    bad(&mut model, &id, 9, NOW_MS);
    assert!(model.analysis.proposal.is_some());
    let mut r = model.cluster.rollouts[&id.key].clone();
    r.current_pod_hash = "1a2b3c4d5".into();
    update(
        &mut model,
        Msg::Watch(crate::msg::WatchEvent::Apply(
            crate::cluster::Object::Rollout(r),
        )),
    );
    assert!(model.analysis.proposal.is_none());
    assert_eq!(
        state(&model, &id),
        TriggerState::NoData,
        "series start afresh"
    );
    bad(&mut model, &id, 9, NOW_MS + 60_000);
    assert_eq!(model.analysis.proposal.unwrap().hash, "1a2b3c4d5");
}

#[test]
fn a_series_read_again_with_nothing_new_draws_no_frame() {
    let (mut model, _) = setup(GuardMode::Propose);
    let id = feature_store();
    let values = vec![Some(0.001); 4];
    feed(&mut model, &id, Signal::ErrorRatio, &values, NOW_MS);
    model.take_dirty();
    // The same samples, read again later: the range's end moved, nothing in it did.
    let mut again = values.clone();
    let key = SeriesKey {
        side: Side::Canary,
        signal: Signal::ErrorRatio,
    };
    let points = model.analysis.releases[&id].series[&key].points.clone();
    update(
        &mut model,
        Msg::Analysis(AnalysisMsg::Series {
            release: id.clone(),
            key,
            points,
            at_ms: NOW_MS + STEP_MS,
            warnings: Vec::new(),
        }),
    );
    assert!(!model.take_dirty(), "nothing new was drawn");
    again.push(Some(0.002));
    feed(
        &mut model,
        &id,
        Signal::ErrorRatio,
        &again,
        NOW_MS + STEP_MS,
    );
    assert!(model.take_dirty(), "a new sample is drawn");
}
