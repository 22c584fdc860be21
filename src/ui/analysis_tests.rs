//! Snapshots of the Analysis pane, the Releases verdict and countdown columns and the guard's
//! banner, on the showcase with analysis state filled in by hand.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

use crate::config::{Theme, Token};
use quarterdeck_core::analysis::{
    AnalysisRun, Measurement, Point, Proposal, ReleaseAnalysis, RunMetric, SeriesData, SeriesKey,
    Side, Signal, Trigger, TriggerState, TriggerStatus,
};
use quarterdeck_core::key::KeyPress;
use quarterdeck_core::meta::ObjectKey;
use quarterdeck_core::release::ReleaseId;
use quarterdeck_core::sample::{self, NOW_MS};
use quarterdeck_core::{Model, Msg, Pane, update};

const STEP_MS: i64 = 15_000;
const POINTS: i64 = 41;

fn draw(model: &Model) -> Buffer {
    let (w, h) = model.size;
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    let theme = Theme::load("default", None).unwrap();
    term.draw(|f| {
        super::view(model, &theme, f);
    })
    .unwrap();
    term.backend().buffer().clone()
}

fn snap(model: &Model) -> String {
    let buf = draw(model);
    let mut out = String::new();
    for y in 0..buf.area.height {
        let line: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn key(model: &mut Model, k: &str) {
    update(model, Msg::Key(KeyPress::parse(k).unwrap()));
}

/// The showcase with `name` selected.
fn with_selected(w: u16, h: u16, name: &str) -> Model {
    let mut model = sample::model_with(sample::showcase_objects(), w, h).0;
    key(&mut model, "home");
    for _ in 0..model.releases.rows.len() {
        if model.releases.selected.as_ref().unwrap().key.name == name {
            return model;
        }
        key(&mut model, "j");
    }
    panic!("no release {name}");
}

fn id(model: &Model, name: &str) -> ReleaseId {
    model
        .releases
        .rows
        .iter()
        .find(|r| r.id.key.name == name)
        .unwrap()
        .id
        .clone()
}

/// Ten minutes of samples every 15 s ending now, the i-th (oldest first) from `f`.
fn series(f: impl Fn(i64) -> Option<f64>) -> SeriesData {
    SeriesData {
        points: (0..POINTS)
            .map(|i| Point {
                at_ms: NOW_MS - (POINTS - 1 - i) * STEP_MS,
                value: f(i),
            })
            .collect(),
        at_ms: NOW_MS,
        warnings: Vec::new(),
    }
}

fn trigger(signal: Signal, above: f64, state: TriggerState) -> TriggerStatus {
    TriggerStatus {
        trigger: Trigger {
            signal,
            above,
            for_ms: 120_000,
        },
        state,
    }
}

/// The canary's error ratio climbs over 1% for its last five samples (70 s ago); p95 stays
/// under 50 ms; health failures have no data.
fn failing_canary() -> ReleaseAnalysis {
    let breach = POINTS - 5;
    let mut ra = ReleaseAnalysis {
        canary_hash: Some("7f9c4b6d5".into()),
        ..ReleaseAnalysis::default()
    };
    let mut put = |side, signal, data| {
        ra.series.insert(SeriesKey { side, signal }, data);
    };
    put(
        Side::Canary,
        Signal::RequestRate,
        series(|i| Some(3.0 + (i % 4) as f64 * 0.2)),
    );
    put(
        Side::Stable,
        Signal::RequestRate,
        series(|i| Some(27.0 + (i % 3) as f64)),
    );
    put(
        Side::Canary,
        Signal::ErrorRatio,
        series(|i| {
            Some(if i >= breach {
                0.028 + (i - breach) as f64 * 0.001
            } else {
                0.004
            })
        }),
    );
    put(Side::Stable, Signal::ErrorRatio, series(|_| Some(0.002)));
    put(
        Side::Canary,
        Signal::P95,
        series(|i| Some(0.030 + (i % 5) as f64 * 0.002)),
    );
    let mut stable_p95 = series(|_| Some(0.028));
    stable_p95.warnings = vec!["PromQL info: metric might not be a histogram".into()];
    put(Side::Stable, Signal::P95, stable_p95);
    put(Side::Canary, Signal::P99, series(|_| Some(0.081)));
    put(Side::Stable, Signal::P99, series(|_| Some(0.064)));
    put(Side::Canary, Signal::HealthFailures, series(|_| None));
    put(Side::Stable, Signal::HealthFailures, series(|_| Some(0.0)));
    ra.triggers = vec![
        trigger(
            Signal::ErrorRatio,
            0.01,
            TriggerState::Holding {
                since_ms: NOW_MS - 70_000,
                value: 0.032,
            },
        ),
        trigger(Signal::P95, 0.05, TriggerState::Clear),
        trigger(Signal::HealthFailures, 0.05, TriggerState::NoData),
    ];
    ra
}

fn measurement(phase: &str, value: &str, secs_ago: i64) -> Measurement {
    Measurement {
        phase: phase.into(),
        value: value.into(),
        finished_ms: Some(NOW_MS - secs_ago * 1000),
        message: String::new(),
    }
}

/// A failed step run (its error-rate metric over its failure limit) and a running background one.
fn runs() -> Vec<AnalysisRun> {
    let error_rate = RunMetric {
        name: "error-rate".into(),
        phase: "Failed".into(),
        count: 3,
        successful: 0,
        failed: 3,
        max_count: Some(5),
        failure_limit: 2,
        consecutive_error_limit: 4,
        interval: "30s".into(),
        success_condition: "result[0] < 0.01".into(),
        query: "sum(rate(http_requests_total{namespace=\"orders\",rollouts_pod_template_hash=\"7f9c4b6d5\",code=~\"5..\"}[1m]))\n  / sum(rate(http_requests_total{namespace=\"orders\",rollouts_pod_template_hash=\"7f9c4b6d5\"}[1m]))".into(),
        message: "failed (3) > failureLimit (2)".into(),
        measurements: vec![
            measurement("Failed", "[0.028]", 60),
            measurement("Failed", "[0.031]", 30),
            measurement("Failed", "[0.032]", 0),
        ],
        ..RunMetric::default()
    };
    let latency = RunMetric {
        name: "latency-p95".into(),
        phase: "Successful".into(),
        count: 3,
        successful: 3,
        max_count: Some(5),
        consecutive_error: 1,
        consecutive_error_limit: 4,
        error: 1,
        success_condition: "all(result, # < 0.05)".into(),
        query: "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{rollouts_pod_template_hash=\"7f9c4b6d5\"}[1m])))".into(),
        measurements: vec![
            measurement("Error", "", 60),
            measurement("Successful", "[0.034]", 30),
            measurement("Successful", "[0.036]", 0),
        ],
        ..RunMetric::default()
    };
    let step = AnalysisRun {
        key: ObjectKey::new("orders", "orders-api-7f9c4b6d5-3-2"),
        rollout: Some("orders-api".into()),
        hash: "7f9c4b6d5".into(),
        run_type: "Step".into(),
        step_index: Some(2),
        revision: Some(3),
        phase: "Failed".into(),
        message: "Metric \"error-rate\" assessed Failed due to failed (3) > failureLimit (2)"
            .into(),
        started_ms: Some(NOW_MS - 120_000),
        completed_ms: Some(NOW_MS),
        metrics: vec![error_rate, latency],
    };
    let background = AnalysisRun {
        key: ObjectKey::new("orders", "orders-api-7f9c4b6d5-3"),
        run_type: "Background".into(),
        step_index: None,
        phase: "Running".into(),
        message: String::new(),
        started_ms: Some(NOW_MS - 300_000),
        completed_ms: None,
        metrics: vec![RunMetric {
            name: "health".into(),
            phase: "Running".into(),
            count: 1,
            successful: 1,
            inconclusive_limit: 1,
            consecutive_error_limit: 4,
            query: "sum(rate(probe_failures_total[1m]))".into(),
            measurements: vec![measurement("Successful", "0", 10)],
            ..RunMetric::default()
        }],
        ..step.clone()
    };
    // Another rollout's run, which must not show.
    let other = AnalysisRun {
        key: ObjectKey::new("orders", "payments-1"),
        rollout: Some("payments".into()),
        ..step.clone()
    };
    vec![step, background, other]
}

/// orders-api selected, its canary failing the error-ratio threshold, its runs in the cluster,
/// the Analysis pane open.
fn analysed(w: u16, h: u16) -> Model {
    let mut m = with_selected(w, h, "orders-api");
    configure(&mut m);
    key(&mut m, "v");
    assert_eq!(m.nav.focus, Pane::Analysis);
    // Filled in after the last key, so that no update re-evaluates the hand-made states.
    let orders = id(&m, "orders-api");
    m.analysis.releases.insert(orders, failing_canary());
    for run in runs() {
        m.cluster.analysis_runs.insert(run.key.clone(), run);
    }
    m
}

/// A Prometheus and the triggers of `failing_canary` as the defaults.
fn configure(m: &mut Model) {
    m.analysis.config.url = Some("http://prometheus.monitoring:9090".into());
    m.analysis.config.default_triggers = failing_canary()
        .triggers
        .into_iter()
        .map(|t| t.trigger)
        .collect();
}

#[test]
fn analysis_pane_failing_canary_and_failed_run_wide() {
    let m = analysed(200, 60);
    let s = snap(&m);
    for want in [
        "error ratio",
        "3.2%",
        "✗ fail",
        "> 1% /2m",
        "– no data",
        "failed 3 / limit 2",
        "errors in a row 1 / 4",
        "measurements 3 / 5",
        "Step 2 · Failed",
        "histogram_quantile",
        "Prometheus warns",
        "⚠ 50s",
        "orders-api canary: error ratio 3.2% > 1% for 1m10s of 2m",
    ] {
        assert!(s.contains(want), "{want:?} missing:\n{s}");
    }
    assert!(!s.contains("payments-1"), "another rollout's run is shown");
    // The running background run comes before the failed step run.
    assert!(s.find("Background · Running").unwrap() < s.find("Step 2 · Failed").unwrap());
    insta::assert_snapshot!(s);
}

#[test]
fn analysis_pane_80x24_puts_verdicts_and_values_first() {
    let m = analysed(80, 24);
    let s = snap(&m);
    for want in [
        "error ratio",
        "3.2%",
        "✗",
        "p95 latency",
        "STABLE",
        "error-rate Failed  failed 3 / limit 2",
    ] {
        assert!(s.contains(want), "{want:?} missing:\n{s}");
    }
    insta::assert_snapshot!(s);
}

#[test]
fn template_triggers_say_so_and_fit_80x24() {
    use quarterdeck_core::analysis::TemplateTriggers;
    use quarterdeck_core::rollout::{AnalysisUse, TemplateRef, TemplateUse};
    let mut m = analysed(80, 24);
    // No trigger in config: orders-api's come from the cluster templates its canary names.
    m.analysis.config.default_triggers.clear();
    let orders = id(&m, "orders-api");
    let refs = vec![TemplateRef {
        name: "error-rate".into(),
        cluster_scope: true,
    }];
    *m.cluster.rollouts.get_mut(&orders.key).unwrap().analysis = vec![TemplateUse {
        template: refs[0].clone(),
        used: AnalysisUse::Background,
    }];
    m.analysis.templates.insert(
        orders,
        TemplateTriggers {
            refs,
            triggers: failing_canary()
                .triggers
                .into_iter()
                .map(|t| t.trigger)
                .collect(),
            notes: vec!["template metric success-rate: not a signal Quarterdeck reads".into()],
            error: None,
        },
    );
    let s = snap(&m);
    for want in [
        "> 1% /2m tmpl",
        "> 50ms /2m tmpl",
        "> 5% /2m tmpl",
        "template metric success-rate: not a signal Quarterdeck reads",
        "orders-api canary: error ratio 3.2% > 1% for 1m10s of 2m",
    ] {
        assert!(s.contains(want), "{want:?} missing:\n{s}");
    }
    insta::assert_snapshot!(s);
}

#[test]
fn breaching_samples_are_drawn_in_the_failure_style() {
    let m = analysed(200, 60);
    let buf = draw(&m);
    let error = Theme::load("default", None).unwrap().style(Token::Error);
    let row = (0..buf.area.height)
        .find(|y| {
            let line: String = (0..buf.area.width).map(|x| buf[(x, *y)].symbol()).collect();
            line.starts_with("┃error ratio")
        })
        .unwrap();
    // The error-ratio sparkline's rows: the bars of the last five samples (the newest, at the
    // right) are in the failure style, the older ones are not.
    let start = (0..buf.area.width)
        .find(|x| "▁▂▃▄▅▆▇█".contains(buf[(*x, row + 1)].symbol()))
        .unwrap();
    // The canary's cells only: stable's sparkline starts after the gap.
    let bars: Vec<(u16, bool)> = (start..buf.area.width)
        .map_while(|x| {
            let c = &buf[(x, row + 1)];
            "▁▂▃▄▅▆▇█"
                .contains(c.symbol())
                .then(|| (x, c.fg == error.fg.unwrap()))
        })
        .collect();
    let breaching: Vec<u16> = bars.iter().filter(|b| b.1).map(|b| b.0).collect();
    let first_breach = *breaching.first().unwrap();
    assert!(
        bars.iter().filter(|b| !b.1).all(|b| b.0 < first_breach),
        "{bars:?}"
    );
    assert!(
        breaching.len() >= 5 && breaching.len() < bars.len() / 4,
        "{bars:?}"
    );
}

#[test]
fn not_configured_and_unreadable_prometheus_say_what_to_do() {
    let mut m = with_selected(120, 40, "orders-api");
    key(&mut m, "v");
    let s = snap(&m);
    assert!(s.contains("Prometheus is not configured"), "{s}");
    assert!(s.contains("[prometheus] url"), "{s}");
    configure(&mut m);
    let orders = id(&m, "orders-api");
    m.analysis.releases.insert(
        orders,
        ReleaseAnalysis {
            error: Some("Prometheus answered 503 timeout: query timed out".into()),
            ..ReleaseAnalysis::default()
        },
    );
    let s = snap(&m);
    assert!(
        s.contains("Cannot read Prometheus: Prometheus answered 503 timeout"),
        "{s}"
    );
    assert!(s.contains("keeps retrying"), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn fired_trigger_marks_the_row_and_the_banner_offers_the_rollback() {
    let mut m = with_selected(120, 40, "orders-api");
    configure(&mut m);
    let orders = id(&m, "orders-api");
    let mut ra = failing_canary();
    ra.triggers[0].state = TriggerState::Fired {
        at_ms: NOW_MS,
        value: 0.032,
    };
    m.analysis.releases.insert(orders.clone(), ra);
    let mut quiet = failing_canary();
    quiet.triggers[0].state = TriggerState::Clear;
    quiet.series.insert(
        SeriesKey {
            side: Side::Canary,
            signal: Signal::ErrorRatio,
        },
        series(|_| Some(0.002)),
    );
    m.analysis.releases.insert(id(&m, "feature-store"), quiet);
    m.analysis.proposal = Some(Proposal {
        release: orders,
        hash: "7f9c4b6d5".into(),
        trigger: "error ratio 3.2% > 1% for 2m".into(),
        banner: String::new(),
        plan: Vec::new(),
    });
    let s = snap(&m);
    assert!(
        s.contains("orders-api canary: error ratio 3.2% > 1% for 2m — B roll back"),
        "{s}"
    );
    assert!(s.contains("✗ fired"), "{s}");
    insta::assert_snapshot!(s);
}
