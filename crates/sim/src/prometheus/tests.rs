#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The evaluator over a small world: selectors, functions, operators, errors, and the metrics
//! agreeing with the logs.

use super::functions::{extrapolated_rate, histogram_quantile, irate};
use super::{Labels, Value, instant};
use crate::logs::LogKey;
use crate::scenario::Scenario;
use crate::world::World;

const START: i64 = 1_767_225_600_000;

/// A Rollout `shop/api` (4 pods of `reg/api:2`) and a Deployment `app/web` (2 pods), settled,
/// then ten minutes of traffic.
fn world(api_error_rate: f64) -> World {
    let toml = format!(
        r#"name = "t"
nodes = ["n1"]
settle_seconds = 60
[[workload]]
kind = "rollout"
namespace = "shop"
name = "api"
replicas = 4
strategy = "canary"
history = ["reg/api:1"]
image = "reg/api:2"
steps = [{{ setWeight = 25 }}, {{ pause = {{}} }}]
[[workload]]
kind = "deployment"
namespace = "app"
name = "web"
replicas = 2
strategy = "rolling"
history = ["reg/web:1"]
image = "reg/web:2"
[[version]]
image = "reg/api:2"
error_rate = {api_error_rate}
"#
    );
    let s = Scenario::parse(&toml, std::path::Path::new("test.toml")).unwrap();
    let mut w = World::new(7, START, 1.0);
    s.build(&mut w);
    w.advance(600_000.0);
    w
}

fn now(w: &World) -> i64 {
    w.clock.now_ms
}

fn vector(w: &World, q: &str) -> Vec<(Labels, f64)> {
    match instant(w, q, now(w)) {
        Ok(Value::Vector(v)) => v,
        other => panic!("{q}: {other:?}"),
    }
}

fn scalar(w: &World, q: &str) -> f64 {
    match instant(w, q, now(w)) {
        Ok(Value::Scalar(v)) => v,
        other => panic!("{q}: {other:?}"),
    }
}

fn one(w: &World, q: &str) -> f64 {
    let v = vector(w, q);
    assert_eq!(v.len(), 1, "{q}: {v:?}");
    v[0].1
}

fn err(w: &World, q: &str) -> (&'static str, String) {
    let e = instant(w, q, now(w)).unwrap_err();
    (e.error_type(), e.message().to_string())
}

#[test]
fn series_carry_the_scrape_labels_and_the_pod_template_hash() {
    let w = world(0.002);
    let v = vector(
        &w,
        r#"http_requests_total{namespace="shop",method="GET",code="200"}"#,
    );
    assert_eq!(v.len(), 4);
    for (l, x) in &v {
        assert_eq!(l["job"], "kubernetes-pods");
        assert_eq!(l["container"], "api");
        assert!(l["pod"].starts_with("api-"));
        assert!(!l["rollouts_pod_template_hash"].is_empty());
        assert!(!l.contains_key("pod_template_hash"));
        assert!(*x > 0.0);
    }
    let web = vector(
        &w,
        r#"http_request_duration_seconds_count{namespace="app"}"#,
    );
    assert_eq!(web.len(), 2);
    assert!(web.iter().all(|(l, _)| !l["pod_template_hash"].is_empty()));
    let probes = vector(
        &w,
        r#"prober_probe_total{namespace="app",probe_type="Readiness",result="successful"}"#,
    );
    assert_eq!(probes.len(), 2);
    assert!(probes.iter().all(|(_, x)| *x > 40.0));
    // 24 method/code series per pod, 15 buckets (14 bounds and +Inf).
    assert_eq!(
        vector(&w, r#"http_requests_total{namespace="app"}"#).len(),
        48
    );
    assert_eq!(
        vector(
            &w,
            r#"http_request_duration_seconds_bucket{namespace="app"}"#
        )
        .len(),
        30
    );
}

#[test]
fn matchers_select_by_equality_and_anchored_regex() {
    let w = world(0.002);
    let n = |q: &str| vector(&w, q).len();
    // POSTs answer 201, not 200.
    assert_eq!(n(r#"http_requests_total{namespace!="shop",code="200"}"#), 6);
    assert_eq!(n(r#"http_requests_total{namespace=~"sho",code="200"}"#), 0);
    assert_eq!(
        n(r#"http_requests_total{namespace=~"sho.*",code=~"5.."}"#),
        64
    );
    assert_eq!(
        n(r#"http_requests_total{namespace="app",code!~"5..|404"}"#),
        8
    );
    assert_eq!(
        n(r#"{__name__=~"http_request_duration_seconds_(sum|count)",namespace="app"}"#),
        4
    );
    assert_eq!(n(r#"nope_total"#), 0);
}

#[test]
fn rate_increase_and_irate_follow_the_traffic() {
    let w = world(0.002);
    let sel = r#"http_request_duration_seconds_count{namespace="app"}"#;
    let rate = one(&w, &format!("sum(rate({sel}[5m]))"));
    // Two pods at 10–20 req/s each.
    assert!((20.0..40.0).contains(&rate), "{rate}");
    let increase = one(&w, &format!("sum(increase({sel}[5m]))"));
    assert!((increase / 300.0 - rate).abs() < 1e-6 * rate.max(1.0));
    let irate = one(&w, &format!("sum(irate({sel}[1m]))"));
    assert!((irate - rate).abs() / rate < 0.3, "{irate} vs {rate}");
    // rate drops the metric name; a selector keeps it.
    assert!(
        !vector(&w, &format!("rate({sel}[5m])"))[0]
            .0
            .contains_key("__name__")
    );
    assert!(vector(&w, sel)[0].0.contains_key("__name__"));
    // offset reads the past: ten minutes ago there was only the settling world.
    let old = vector(&w, &format!("{sel} offset 5m"));
    let new = vector(&w, sel);
    assert!(old.iter().zip(&new).all(|(a, b)| a.1 < b.1));
    assert!(vector(&w, &format!("{sel} offset 1h")).is_empty());
}

#[test]
fn rate_extrapolates_like_prometheus_and_copes_with_resets() {
    // Samples every 15 s over a 60 s window, 10/s, with a reset to 0 after the third sample:
    // the raw increase is 450 + 50 - 150 = 350 over 45 s sampled, extrapolated by the 15 s to
    // the window's start (less than 1.1 sample intervals) and nothing at the end.
    let pts = [
        (15_000, 150.0),
        (30_000, 300.0),
        (45_000, 450.0),
        (60_000, 50.0),
    ];
    let inc = extrapolated_rate(&pts, 0, 60_000, false).unwrap();
    let expected = 350.0 * 60.0 / 45.0;
    assert!((inc - expected).abs() < 1e-9, "{inc} vs {expected}");
    // A counter starting near zero is extrapolated back only as far as zero.
    let fresh = [
        (15_000, 5.0),
        (30_000, 155.0),
        (45_000, 305.0),
        (60_000, 455.0),
    ];
    let inc0 = extrapolated_rate(&fresh, 0, 60_000, false).unwrap();
    let expected0 = 450.0 * (45.0 + 45.0 * 5.0 / 450.0) / 45.0;
    assert!((inc0 - expected0).abs() < 1e-9, "{inc0} vs {expected0}");
    // Far from the window's edges: half an interval at each end.
    let mid = [(30_000, 100.0), (45_000, 250.0)];
    let inc1 = extrapolated_rate(&mid, 0, 120_000, false).unwrap();
    assert!((inc1 - 150.0 * 30.0 / 15.0).abs() < 1e-9, "{inc1}");
    let rate = extrapolated_rate(&pts, 0, 60_000, true).unwrap();
    assert!((rate - expected / 60.0).abs() < 1e-9);
    assert_eq!(extrapolated_rate(&pts[..1], 0, 60_000, true), None);
    assert_eq!(irate(&pts), Some(50.0 / 15.0));
    assert_eq!(irate(&pts[..3]), Some(10.0));
    assert_eq!(irate(&pts[..1]), None);
}

fn buckets(counts: &[(&str, f64)]) -> Vec<(Labels, f64)> {
    counts
        .iter()
        .map(|(le, c)| {
            let mut l = Labels::new();
            l.insert("__name__".into(), "x_bucket".into());
            l.insert("le".into(), (*le).into());
            (l, *c)
        })
        .collect()
}

#[test]
fn histogram_quantile_interpolates_within_the_bucket() {
    let b = buckets(&[("0.1", 50.0), ("0.5", 90.0), ("1", 100.0), ("+Inf", 100.0)]);
    let q = |phi: f64, b: Vec<(Labels, f64)>| histogram_quantile(phi, b)[0].1;
    assert!((q(0.5, b.clone()) - 0.1).abs() < 1e-12);
    assert!((q(0.7, b.clone()) - 0.3).abs() < 1e-12);
    assert!((q(0.95, b.clone()) - 0.75).abs() < 1e-12);
    assert_eq!(q(1.5, b.clone()), f64::INFINITY);
    assert_eq!(q(-1.0, b.clone()), f64::NEG_INFINITY);
    // The answer is in the +Inf bucket: the highest finite bound.
    let tail = buckets(&[("0.1", 10.0), ("+Inf", 100.0)]);
    assert_eq!(q(0.99, tail), 0.1);
    assert!(q(0.5, buckets(&[("0.1", 0.0), ("+Inf", 0.0)])).is_nan());
    assert!(q(0.5, buckets(&[("0.1", 3.0), ("1", 5.0)])).is_nan());
    assert!(histogram_quantile(0.5, Vec::new()).is_empty());
    // Labels: the group's, without le and the name.
    let out = histogram_quantile(0.5, b);
    assert!(out[0].0.is_empty());
}

#[test]
fn aggregations_group_by_and_without() {
    let w = world(0.002);
    let sel = r#"http_requests_total{code="200"}"#;
    let by = vector(&w, &format!("sum by (namespace) ({sel})"));
    assert_eq!(by.len(), 2);
    assert!(by.iter().all(|(l, _)| l.len() == 1));
    let total = one(&w, &format!("sum({sel})"));
    assert!((by.iter().map(|x| x.1).sum::<f64>() - total).abs() < 1e-6);
    let without = vector(&w, &format!("sum without (pod, method) ({sel})"));
    assert!(
        without
            .iter()
            .all(|(l, _)| !l.contains_key("pod") && !l.contains_key("__name__"))
    );
    assert_eq!(
        one(
            &w,
            r#"count(http_requests_total{code="200",namespace="app"})"#
        ),
        6.0
    );
    let per_pod = vector(
        &w,
        r#"sum by (pod) (http_request_duration_seconds_count{namespace="shop"})"#,
    );
    let xs: Vec<f64> = per_pod.iter().map(|x| x.1).collect();
    let lo = xs.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = xs.iter().copied().fold(0.0, f64::max);
    let q = |agg: &str| {
        one(
            &w,
            &format!(
                "{agg}(sum by (pod) (http_request_duration_seconds_count{{namespace=\"shop\"}}))"
            ),
        )
    };
    assert_eq!(q("min"), lo);
    assert_eq!(q("max"), hi);
    assert!((q("avg") - xs.iter().sum::<f64>() / 4.0).abs() < 1e-6);
    assert!(vector(&w, "sum(nope_total)").is_empty());
    assert_eq!(err(&w, "topk(1, nope_total)").0, "execution");
}

#[test]
fn binary_operators_match_one_to_one_and_scalars() {
    let w = world(0.002);
    assert_eq!(scalar(&w, "1 + 2 * 3 - 4 / 2"), 5.0);
    assert_eq!(scalar(&w, "7 % 4"), 3.0);
    assert_eq!(scalar(&w, "1 / 0"), f64::INFINITY);
    assert!(scalar(&w, "0 / 0").is_nan());
    assert_eq!(scalar(&w, "2 > bool 1"), 1.0);
    assert_eq!(scalar(&w, "time()"), now(&w) as f64 / 1000.0);
    assert!(one(&w, "vector(0) / vector(0)").is_nan());
    let count = r#"http_request_duration_seconds_count{namespace="app"}"#;
    let sum = r#"http_request_duration_seconds_sum{namespace="app"}"#;
    // Mean latency per pod: the series match on every label but the name.
    let mean = vector(&w, &format!("{sum} / {count}"));
    assert_eq!(mean.len(), 2);
    assert!(
        mean.iter()
            .all(|(l, x)| !l.contains_key("__name__") && (0.005..0.05).contains(x))
    );
    // A comparison filters and keeps the name; `bool` gives 0/1.
    assert_eq!(vector(&w, &format!("{count} > 0")).len(), 2);
    assert!(
        vector(&w, &format!("{count} > 0"))[0]
            .0
            .contains_key("__name__")
    );
    assert!(vector(&w, &format!("{count} < 0")).is_empty());
    let b = vector(&w, &format!("{count} < bool 0"));
    assert!(
        b.len() == 2
            && b.iter()
                .all(|(l, x)| *x == 0.0 && !l.contains_key("__name__"))
    );
    // The vector's value is kept when the scalar is on the left.
    let x = vector(&w, &format!("0 < {count}"));
    assert_eq!(x, vector(&w, count));
    assert_eq!(
        one(&w, &format!("sum({count}) * 2")),
        2.0 * one(&w, &format!("sum({count})"))
    );
    assert_eq!(
        one(&w, &format!("-sum({count})")),
        -one(&w, &format!("sum({count})"))
    );
    // on / ignoring.
    let on = vector(&w, &format!("{count} - on(pod) {sum}"));
    assert!(on.len() == 2 && on.iter().all(|(l, _)| l.len() == 1));
    let ign = vector(&w, &format!("{count} - ignoring(le) {sum}"));
    assert_eq!(ign.len(), 2);
    // Many on one side of the match: 422 as in Prometheus.
    let (kind, msg) = err(&w, &format!("{count} / on(namespace) {sum}"));
    assert_eq!(kind, "execution");
    assert!(msg.contains("many-to-many matching not allowed"), "{msg}");
}

#[test]
fn set_operators_and_functions() {
    let w = world(0.002);
    let app = r#"http_request_duration_seconds_count{namespace="app"}"#;
    let shop = r#"http_request_duration_seconds_count{namespace="shop"}"#;
    let first = vector(&w, app)[0].0["pod"].clone();
    let one_pod = format!(r#"http_request_duration_seconds_count{{pod="{first}"}}"#);
    assert_eq!(vector(&w, &format!("{app} and {one_pod}")).len(), 1);
    assert_eq!(vector(&w, &format!("{app} unless {one_pod}")).len(), 1);
    assert_eq!(vector(&w, &format!("{app} or {shop}")).len(), 6);
    assert_eq!(
        vector(&w, &format!("{app} and on(namespace) {one_pod}")).len(),
        2
    );
    assert!(scalar(&w, &format!("scalar({app})")).is_nan());
    assert_eq!(
        scalar(&w, &format!("scalar({one_pod})")),
        vector(&w, &one_pod)[0].1
    );
    assert_eq!(one(&w, "abs(vector(-2))"), 2.0);
    assert_eq!(one(&w, "clamp_min(vector(-2), 1)"), 1.0);
    assert_eq!(one(&w, "clamp_max(vector(5), 1)"), 1.0);
    let (kind, msg) = err(&w, &format!("predict_linear({app}[5m], 60)"));
    assert_eq!(kind, "execution");
    assert!(msg.contains("predict_linear"), "{msg}");
    assert_eq!(err(&w, "sum(").0, "bad_data");
    assert_eq!(
        err(&w, &format!("max_over_time({app}[5m:1m])")).0,
        "execution"
    );
}

#[test]
fn a_range_query_gives_one_point_per_step() {
    let w = world(0.002);
    let end = now(&w);
    let q = r#"sum(rate(http_request_duration_seconds_count{namespace="app"}[1m]))"#;
    let Value::Matrix(m) = super::range(&w, q, end - 300_000, end, 30_000, None).unwrap() else {
        panic!("not a matrix");
    };
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].1.len(), 11);
    // The wobble moves the line, within the seeded band.
    let xs: Vec<f64> = m[0].1.iter().map(|p| p.1).collect();
    assert!(xs.windows(2).any(|w| w[0] != w[1]));
    let too_many = super::range(&w, q, end - 12_000_000, end, 1_000, None).unwrap_err();
    assert_eq!(too_many.error_type(), "bad_data");
    assert!(too_many.message().contains("11,000 points"));
    let matrix = super::range(&w, "up[5m]", end - 60_000, end, 30_000, None).unwrap_err();
    assert_eq!(matrix.error_type(), "bad_data");
}

#[test]
fn the_same_seed_gives_the_same_numbers() {
    let q = r#"sum(http_requests_total{namespace="shop"})"#;
    assert_eq!(one(&world(0.002), q), one(&world(0.002), q));
}

/// The status of a request log line in any of `loggen`'s styles.
fn status(line: &str) -> Option<u16> {
    let after = |marker: &str| {
        line.find(marker)
            .map(|i| &line[i + marker.len()..])
            .and_then(|rest| rest.get(..3))
            .and_then(|s| s.parse().ok())
    };
    after("\"status\":")
        .or_else(|| after(" status="))
        .or_else(|| after("HTTP/1.1\" "))
        .or_else(|| after(" -> "))
}

/// The share of 5xx in a pod's log since `from_ms`, with the number of request lines.
fn log_error_share(w: &World, ns: &str, pod: &str, ctr: &str, from_ms: i64) -> (f64, f64) {
    let key = LogKey {
        namespace: ns.into(),
        pod: pod.into(),
        container: ctr.into(),
    };
    let codes: Vec<u16> = w
        .logs
        .lines(&key)
        .iter()
        .filter(|l| l.time_ms > from_ms)
        .filter_map(|l| status(&String::from_utf8_lossy(&l.text)))
        .collect();
    let n = codes.len() as f64;
    (codes.iter().filter(|c| **c >= 500).count() as f64 / n, n)
}

#[test]
fn the_error_ratio_agrees_with_the_logs_for_good_and_bad_versions() {
    for rate in [0.002, 0.3] {
        let mut w = world(rate);
        let from = now(&w);
        w.advance(1_800_000.0);
        let pods: Vec<String> = vector(
            &w,
            r#"http_request_duration_seconds_count{namespace="shop"}"#,
        )
        .into_iter()
        .map(|(l, _)| l["pod"].clone())
        .collect();
        let (mut errors, mut lines) = (0.0, 0.0);
        for pod in &pods {
            let (share, n) = log_error_share(&w, "shop", pod, "api", from);
            errors += share * n;
            lines += n;
        }
        let logs = errors / lines;
        let metric = one(
            &w,
            r#"sum(increase(http_requests_total{namespace="shop",code=~"5.."}[30m])) / sum(increase(http_requests_total{namespace="shop"}[30m]))"#,
        );
        let sigma = (rate * (1.0 - rate) / lines).sqrt();
        assert!(
            (metric - rate).abs() < 0.01 * rate + 1e-3,
            "metric {metric} vs {rate}"
        );
        assert!(
            (logs - metric).abs() < 4.0 * sigma + 1e-3,
            "logs {logs} vs metric {metric} over {lines} lines"
        );
    }
}
