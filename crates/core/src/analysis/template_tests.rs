//! Triggers from AnalysisTemplates: the pure conversion of a metric, and through `update` the
//! precedence `[[release]] triggers` > the Rollout's templates > `[analysis] triggers`.

use super::template::{duration_ms, metric_trigger, signal_of, triggers};
use super::*;
use crate::effect::Effect;
use crate::flow;
use crate::meta::ObjectKey;
use crate::model::Model;
use crate::msg::Msg;
use crate::release::{ReleaseId, WorkloadKind};
use crate::rollout::{AnalysisUse, TemplateRef, TemplateUse};
use crate::sample::{self, NOW_MS};
use crate::update::update;

const ERROR_RATIO_Q: &str = r#"sum(rate(http_requests_total{namespace="{{args.namespace}}",rollouts_pod_template_hash="{{args.canary-hash}}",code=~"5.."}[2m])) / sum(rate(http_requests_total{namespace="{{args.namespace}}",rollouts_pod_template_hash="{{args.canary-hash}}"}[2m]))"#;
const P95_Q: &str = r#"histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{namespace="{{args.namespace}}"}[2m])))"#;

fn metric(query: &str, failure: Option<&str>, success: Option<&str>) -> TemplateMetric {
    TemplateMetric {
        name: "m".into(),
        query: Some(query.into()),
        failure_condition: failure.map(str::to_string),
        success_condition: success.map(str::to_string),
        interval: Some("30s".into()),
        failure_limit: Some("3".into()),
    }
}

fn trigger(signal: Signal, above: f64, for_ms: i64) -> Trigger {
    Trigger {
        signal,
        above,
        for_ms,
    }
}

#[test]
fn the_seed_templates_are_the_seed_triggers() {
    let error = metric(
        ERROR_RATIO_Q,
        Some("len(result) > 0 && result[0] > 0.01"),
        None,
    );
    let p95 = metric(P95_Q, Some("len(result) > 0 && result[0] > 0.05"), None);
    // 30 s apart, failed at the fourth (failureLimit 3 + 1): two minutes.
    assert_eq!(
        metric_trigger(&error),
        Ok(trigger(Signal::ErrorRatio, 0.01, 120_000))
    );
    assert_eq!(
        metric_trigger(&p95),
        Ok(trigger(Signal::P95, 0.05, 120_000))
    );
}

#[test]
fn each_signal_is_read_from_its_query() {
    assert_eq!(signal_of(P95_Q), Some(Signal::P95));
    assert_eq!(
        signal_of("histogram_quantile( 0.99 , sum by (le) (rate(x_bucket[1m])))"),
        Some(Signal::P99)
    );
    assert_eq!(
        signal_of("histogram_quantile(0.5, rate(x_bucket[1m]))"),
        None
    );
    assert_eq!(
        signal_of(r#"sum(rate(prober_probe_total{result="failed"}[1m]))"#),
        Some(Signal::HealthFailures)
    );
    assert_eq!(signal_of(ERROR_RATIO_Q), Some(Signal::ErrorRatio));
    assert_eq!(
        signal_of(r#"sum(rate(requests{status=~"5.."}[1m]))/sum(rate(requests[1m]))"#),
        Some(Signal::ErrorRatio)
    );
    // A 5xx count is not a ratio; a '/' inside a matcher divides nothing.
    assert_eq!(
        signal_of(r#"sum(rate(http_requests_total{code=~"5.."}[1m]))"#),
        None
    );
    assert_eq!(
        signal_of(r#"sum(rate(http_requests_total{code=~"5..",path="/a/b"}[1m]))"#),
        None
    );
    // A success rate (non-5xx over all) is not a signal Quarterdeck reads.
    assert_eq!(
        signal_of(
            r#"sum(irate(istio_requests_total{response_code!~"5.*"}[5m])) / sum(irate(istio_requests_total[5m]))"#
        ),
        None
    );
}

#[test]
fn thresholds_come_from_failure_then_success_conditions() {
    let at = |failure: Option<&str>, success: Option<&str>| {
        metric_trigger(&metric(P95_Q, failure, success)).map(|t| t.above)
    };
    assert_eq!(at(Some("result[0] > 0.05"), None), Ok(0.05));
    assert_eq!(at(Some("result[0]>=0.2"), None), Ok(0.2));
    assert_eq!(at(Some("any(result, # > 0.3)"), None), Ok(0.3));
    assert_eq!(
        at(Some("!isNaN(result[0]) && result[0] > 1e-1"), None),
        Ok(0.1)
    );
    assert_eq!(at(None, Some("result[0] < 0.25")), Ok(0.25));
    assert_eq!(at(None, Some("result[0] <= 0.25")), Ok(0.25));
    assert_eq!(at(None, Some("all(result, # < 0.4)")), Ok(0.4));
    assert_eq!(
        at(None, Some("len(result) == 0 || result[0] < 0.5")),
        Ok(0.5)
    );
    // The failure condition decides when both are given.
    assert_eq!(
        at(Some("result[0] > 0.1"), Some("result[0] < 0.05")),
        Ok(0.1)
    );
    // Lower bounds, two bounds, no number: not a threshold.
    for (failure, success) in [
        (Some("result[0] < 0.5"), None),
        (None, Some("result[0] > 0.95")),
        (Some("result[0] > 0.1 || result[0] < 0.01"), None),
        (Some("result[0] > {{args.limit}}"), None),
        (Some("result[0] > NaN"), None),
    ] {
        let err = at(failure, success).unwrap_err();
        assert!(err.contains("is not a threshold on result"), "{err}");
    }
    assert_eq!(
        at(None, None).unwrap_err(),
        "no successCondition or failureCondition"
    );
}

#[test]
fn the_window_is_the_interval_times_one_more_than_the_failure_limit() {
    let mut m = metric(P95_Q, Some("result[0] > 0.05"), None);
    m.interval = Some("1m".into());
    m.failure_limit = None;
    assert_eq!(metric_trigger(&m).unwrap().for_ms, 60_000);
    m.failure_limit = Some("2".into());
    assert_eq!(metric_trigger(&m).unwrap().for_ms, 180_000);
    // No interval: Argo measures once and judges at once.
    m.interval = None;
    assert_eq!(metric_trigger(&m).unwrap().for_ms, 0);
    m.interval = Some("{{args.every}}".into());
    assert!(metric_trigger(&m).unwrap_err().contains("not a duration"));
    m.interval = Some("30s".into());
    m.failure_limit = Some("-1".into());
    assert!(metric_trigger(&m).unwrap_err().contains("never fails"));
    assert_eq!(duration_ms("1m30s"), Some(90_000));
    assert_eq!(duration_ms("500ms"), Some(500));
    assert_eq!(duration_ms("1h"), Some(3_600_000));
    assert_eq!(duration_ms("1.5m"), Some(90_000));
    assert_eq!(duration_ms("30"), None);
    assert_eq!(duration_ms(""), None);
}

#[test]
fn metrics_that_are_no_trigger_say_why_and_duplicates_count_once() {
    let template = |name: &str, metrics| AnalysisTemplate {
        name: name.into(),
        cluster_scope: false,
        metrics,
    };
    let error = TemplateMetric {
        name: "error-rate".into(),
        ..metric(ERROR_RATIO_Q, Some("result[0] > 0.01"), None)
    };
    let other = TemplateMetric {
        name: "queue-depth".into(),
        ..metric("sum(queue_depth)", Some("result[0] > 100"), None)
    };
    let job = TemplateMetric {
        name: "smoke".into(),
        query: None,
        ..TemplateMetric::default()
    };
    let (got, notes) = triggers(&[
        template("a", vec![error.clone(), other]),
        template("b", vec![error, job]),
    ]);
    assert_eq!(got, [trigger(Signal::ErrorRatio, 0.01, 120_000)]);
    assert_eq!(
        notes,
        [
            "template metric queue-depth: not a signal Quarterdeck reads",
            "template metric smoke: not a Prometheus metric"
        ]
    );
}

// Through update: which triggers a release ends up with.

const URL: &str = "http://prometheus:9090";

fn orders_api() -> ReleaseId {
    ReleaseId {
        key: ObjectKey::new("orders", "orders-api"),
        kind: WorkloadKind::Rollout,
    }
}

fn refs() -> Vec<TemplateRef> {
    vec![TemplateRef {
        name: "error-rate".into(),
        cluster_scope: true,
    }]
}

/// The showcase with a Prometheus, `defaults` as `[analysis] triggers`, and orders-api's
/// canary naming the cluster template `error-rate` in its background analysis.
fn setup(defaults: Vec<Trigger>) -> (Model, Vec<Effect>) {
    let (mut model, _) = sample::model_with(sample::showcase_objects(), 200, 60);
    model.analysis.config = AnalysisConfig {
        url: Some(URL.into()),
        default_triggers: defaults,
        default_guard: GuardMode::Propose,
        ..AnalysisConfig::default()
    };
    let r = model.cluster.rollouts.get_mut(&orders_api().key).unwrap();
    *r.analysis = refs()
        .into_iter()
        .map(|template| TemplateUse {
            template,
            used: AnalysisUse::Background,
        })
        .collect();
    let effects = flow::sync_analysis(&mut model);
    (model, effects)
}

fn templates_read(model: &mut Model, triggers: Vec<Trigger>) -> Vec<Effect> {
    update(
        model,
        Msg::Analysis(AnalysisMsg::Templates {
            release: orders_api(),
            refs: refs(),
            triggers,
            notes: vec!["template metric x: not a signal Quarterdeck reads".into()],
        }),
    )
}

fn triggers_of(model: &Model) -> (Vec<Trigger>, TriggerSource) {
    let (t, source) = queries::triggers(&model.analysis, &model.cluster, &orders_api(), "");
    let ra = &model.analysis.releases[&orders_api()];
    assert_eq!(
        ra.triggers.iter().map(|s| &s.trigger).collect::<Vec<_>>(),
        t.iter().collect::<Vec<_>>(),
        "the release's trigger states follow its triggers"
    );
    (t.to_vec(), source)
}

fn watch_of(effects: &[Effect]) -> Option<AnalysisWatch> {
    effects.iter().find_map(|e| match e {
        Effect::WatchAnalysis(w) => w.iter().find(|w| w.release == orders_api()).cloned(),
        _ => None,
    })
}

#[test]
fn a_rolling_rollout_naming_templates_is_watched_for_them_without_any_trigger() {
    let (model, effects) = setup(Vec::new());
    let w = watch_of(&effects).expect("orders-api is watched for its templates");
    assert_eq!(w.templates, refs());
    assert!(model.analysis.releases[&orders_api()].triggers.is_empty());
}

#[test]
fn the_templates_win_over_the_defaults_and_lose_to_the_release_s_own() {
    let default = trigger(Signal::ErrorRatio, 0.05, 60_000);
    let (mut model, _) = setup(vec![default.clone()]);
    assert_eq!(
        triggers_of(&model),
        (vec![default.clone()], TriggerSource::Defaults)
    );
    let from_template = trigger(Signal::ErrorRatio, 0.01, 120_000);
    templates_read(&mut model, vec![from_template.clone()]);
    assert_eq!(
        triggers_of(&model),
        (vec![from_template.clone()], TriggerSource::Templates)
    );
    assert_eq!(model.analysis.templates[&orders_api()].notes.len(), 1);
    // A failed re-read keeps what was read.
    update(
        &mut model,
        Msg::Analysis(AnalysisMsg::TemplatesFailed {
            release: orders_api(),
            refs: refs(),
            message: "connection refused".into(),
        }),
    );
    assert_eq!(triggers_of(&model).1, TriggerSource::Templates);
    assert_eq!(
        model.analysis.templates[&orders_api()].error.as_deref(),
        Some("connection refused")
    );
    // The release's own triggers win.
    let own = trigger(Signal::P95, 0.2, 0);
    model.analysis.config.releases.push(ReleaseAnalysisConfig {
        name: "orders-api".into(),
        kind: WorkloadKind::Rollout,
        workload: "orders-api".into(),
        namespace: "orders".into(),
        context: None,
        prometheus: None,
        triggers: Some(vec![own.clone()]),
        guard: GuardMode::Propose,
        auto_protected: false,
    });
    flow::sync_analysis(&mut model);
    assert_eq!(triggers_of(&model), (vec![own], TriggerSource::Release));
}

#[test]
fn templates_the_rollout_no_longer_names_or_without_triggers_leave_the_defaults() {
    let default = trigger(Signal::ErrorRatio, 0.05, 60_000);
    let (mut model, _) = setup(vec![default.clone()]);
    templates_read(&mut model, Vec::new());
    assert_eq!(
        triggers_of(&model),
        (vec![default.clone()], TriggerSource::Defaults)
    );
    templates_read(&mut model, vec![trigger(Signal::P95, 0.05, 120_000)]);
    assert_eq!(triggers_of(&model).1, TriggerSource::Templates);
    // The rollout's spec changes to name no template: what was read no longer counts.
    let effects = {
        let r = model.cluster.rollouts.get_mut(&orders_api().key).unwrap();
        r.analysis.clear();
        flow::sync_analysis(&mut model)
    };
    assert_eq!(
        triggers_of(&model),
        (vec![default], TriggerSource::Defaults)
    );
    assert!(watch_of(&effects).unwrap().templates.is_empty());
}

#[test]
fn a_template_trigger_holds_and_fires_like_any_other() {
    let (mut model, _) = setup(Vec::new());
    templates_read(&mut model, vec![trigger(Signal::ErrorRatio, 0.01, 60_000)]);
    let id = orders_api();
    let points = (0..6)
        .map(|i| Point {
            at_ms: NOW_MS - (5 - i) * queries::STEP_MS,
            value: Some(0.032),
        })
        .collect();
    update(
        &mut model,
        Msg::Analysis(AnalysisMsg::Series {
            release: id.clone(),
            key: SeriesKey {
                side: Side::Canary,
                signal: Signal::ErrorRatio,
            },
            points,
            at_ms: NOW_MS,
            warnings: Vec::new(),
        }),
    );
    assert!(matches!(
        model.analysis.releases[&id].triggers[0].state,
        TriggerState::Fired { .. }
    ));
}
