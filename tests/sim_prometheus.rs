//! The simulated Prometheus over HTTP: the envelope of every result shape, every error as
//! Prometheus answers it, auth, and canary queries that tell a bad version from a good one in
//! its metrics and its logs alike.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use serde_json::{Value, json};
use support::Fixture;

const API: &str = "/prometheus/api/v1";
/// The default world's paused canary: its canary version and namespace.
const CANARY_IMAGE: &str = "gcr.io/feature-store-prod/feature-store:e51f6b3";
const NS: &str = "bnpl";

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn form(params: &[(&str, &str)]) -> String {
    params
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// GET `endpoint` with `params` in the query string.
fn get(fx: &Fixture, endpoint: &str, params: &[(&str, &str)]) -> (u16, Value) {
    let path = format!("{API}/{endpoint}?{}", form(params));
    fx.send("GET", &path, "application/json", "")
}

/// POST `endpoint` with `params` as a form body.
fn post(fx: &Fixture, endpoint: &str, params: &[(&str, &str)]) -> (u16, Value) {
    fx.send(
        "POST",
        &format!("{API}/{endpoint}"),
        "application/x-www-form-urlencoded",
        &form(params),
    )
}

fn ok(fx: &Fixture, endpoint: &str, params: &[(&str, &str)]) -> Value {
    let (code, body) = get(fx, endpoint, params);
    assert_eq!(code, 200, "{endpoint} {params:?}: {body}");
    assert_eq!(body["status"], "success");
    body
}

fn failed(fx: &Fixture, endpoint: &str, params: &[(&str, &str)], code: u16, kind: &str) -> String {
    let (got, body) = get(fx, endpoint, params);
    assert_eq!(
        (got, body["status"].as_str()),
        (code, Some("error")),
        "{body}"
    );
    assert_eq!(body["errorType"], kind, "{body}");
    body["error"].as_str().unwrap().to_string()
}

/// The single value of an instant query, parsed.
fn value(fx: &Fixture, q: &str) -> f64 {
    let body = ok(fx, "query", &[("query", q)]);
    let result = body["data"]["result"].as_array().unwrap();
    assert_eq!(result.len(), 1, "{q}: {body}");
    result[0]["value"][1].as_str().unwrap().parse().unwrap()
}

fn started() -> Fixture {
    let fx = Fixture::start();
    // Ten minutes of traffic after the world settled.
    fx.advance(600.0);
    fx
}

#[test]
fn every_result_shape_in_the_prometheus_envelope() {
    let fx = started();
    let now = fx.handle.sim.world().clock.now_ms as f64 / 1000.0;
    let sel = format!("http_requests_total{{namespace=\"{NS}\",code=\"200\"}}");
    // vector
    let body = ok(&fx, "query", &[("query", &sel)]);
    assert_eq!(body["data"]["resultType"], "vector");
    let first = &body["data"]["result"][0];
    assert_eq!(first["metric"]["__name__"], "http_requests_total");
    assert_eq!(first["metric"]["job"], "kubernetes-pods");
    assert_eq!(first["value"][0].as_f64(), Some(now));
    assert!(first["value"][1].as_str().unwrap().parse::<f64>().unwrap() > 0.0);
    assert!(body.get("warnings").is_none());
    // matrix, from an instant query of a range selector and from a range query (POSTed)
    let body = ok(&fx, "query", &[("query", &format!("{sel}[1m]"))]);
    assert_eq!(body["data"]["resultType"], "matrix");
    assert_eq!(
        body["data"]["result"][0]["values"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    let (start, end) = ((now - 300.0).to_string(), now.to_string());
    let q = format!("sum(rate({sel}[1m]))");
    let (code, body) = post(
        &fx,
        "query_range",
        &[
            ("query", &q),
            ("start", &start),
            ("end", &end),
            ("step", "30s"),
        ],
    );
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["data"]["resultType"], "matrix");
    let values = body["data"]["result"][0]["values"].as_array().unwrap();
    assert_eq!(values.len(), 11);
    assert_eq!(values[0][0].as_f64(), Some(now - 300.0));
    // RFC 3339 times and a float step give the same points.
    let rfc = |t: f64| {
        chrono::DateTime::from_timestamp(t as i64, 0)
            .unwrap()
            .to_rfc3339()
    };
    let body2 = ok(
        &fx,
        "query_range",
        &[
            ("query", &q),
            ("start", &rfc(now - 300.0)),
            ("end", &rfc(now)),
            ("step", "30"),
        ],
    );
    assert_eq!(body2["data"], body["data"]);
    // scalar, string
    let body = ok(
        &fx,
        "query",
        &[("query", "1 + 1"), ("time", "1700000000.5")],
    );
    assert_eq!(
        body["data"],
        json!({"resultType": "scalar", "result": [1_700_000_000.5, "2"]})
    );
    let body = ok(&fx, "query", &[("query", "\"hello\"")]);
    assert_eq!(body["data"]["resultType"], "string");
    assert_eq!(body["data"]["result"][1], "hello");
    // empty is a success
    let body = ok(&fx, "query", &[("query", "nope_total")]);
    assert_eq!(body["data"], json!({"resultType": "vector", "result": []}));
    // NaN and infinities as strings
    let body = ok(&fx, "query", &[("query", "vector(0) / vector(0)")]);
    assert_eq!(body["data"]["result"][0]["value"][1], "NaN");
    let body = ok(&fx, "query", &[("query", "-1 / 0")]);
    assert_eq!(body["data"]["result"][1], "-Inf");
    let body = ok(&fx, "query", &[("query", "vector(1) / 0")]);
    assert_eq!(body["data"]["result"][0]["value"][1], "+Inf");
    // warnings: a result cut by `limit`
    let body = ok(&fx, "query", &[("query", &sel), ("limit", "1")]);
    assert_eq!(body["data"]["result"].as_array().unwrap().len(), 1);
    assert_eq!(body["warnings"], json!(["results truncated due to limit"]));
}

#[test]
fn labels_values_and_series() {
    let fx = started();
    let body = ok(&fx, "labels", &[]);
    let names = body["data"].as_array().unwrap();
    for want in [
        "__name__",
        "code",
        "le",
        "rollouts_pod_template_hash",
        "pod_template_hash",
        "probe_type",
    ] {
        assert!(names.iter().any(|n| n == want), "{want} in {names:?}");
    }
    let body = ok(&fx, "label/__name__/values", &[]);
    assert_eq!(
        body["data"],
        json!([
            "http_request_duration_seconds_bucket",
            "http_request_duration_seconds_count",
            "http_request_duration_seconds_sum",
            "http_requests_total",
            "prober_probe_total"
        ])
    );
    let body = ok(
        &fx,
        "label/probe_type/values",
        &[("match[]", "prober_probe_total")],
    );
    assert_eq!(body["data"], json!(["Liveness", "Readiness"]));
    let m = format!("http_request_duration_seconds_count{{namespace=\"{NS}\"}}");
    let body = ok(&fx, "series", &[("match[]", &m)]);
    let series = body["data"].as_array().unwrap();
    // Paused at setWeight 10 on 5 replicas, Argo keeps all 5 stable pods and adds 1 canary
    // (the default maxSurge allows it): one series per pod.
    assert_eq!(series.len(), 6, "{body}");
    assert!(
        series
            .iter()
            .all(|s| s["namespace"] == NS && s.get("le").is_none())
    );
    failed(&fx, "series", &[], 400, "bad_data");
}

#[test]
fn errors_are_answered_as_prometheus_does() {
    let fx = started();
    let msg = failed(&fx, "query", &[("query", "sum(")], 400, "bad_data");
    assert!(msg.starts_with("invalid parameter \"query\""), "{msg}");
    failed(
        &fx,
        "query",
        &[("query", "1"), ("time", "yesterday")],
        400,
        "bad_data",
    );
    failed(
        &fx,
        "query_range",
        &[("query", "1"), ("start", "0"), ("end", "10")],
        400,
        "bad_data",
    );
    let msg = failed(
        &fx,
        "query_range",
        &[
            ("query", "1"),
            ("start", "0"),
            ("end", "12000"),
            ("step", "1"),
        ],
        400,
        "bad_data",
    );
    assert_eq!(
        msg,
        "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)"
    );
    let msg = failed(
        &fx,
        "query",
        &[("query", "predict_linear(up[5m], 60)")],
        422,
        "execution",
    );
    assert!(msg.contains("predict_linear"), "{msg}");
    let msg = failed(
        &fx,
        "query",
        &[(
            "query",
            "http_requests_total / on(namespace) http_requests_total",
        )],
        422,
        "execution",
    );
    assert!(msg.contains("many-to-many matching not allowed"), "{msg}");
    // A timeout shorter than the evaluation.
    let heavy = "sum(rate(http_requests_total[5m]))";
    failed(
        &fx,
        "query",
        &[("query", heavy), ("timeout", "0.0000001")],
        503,
        "timeout",
    );
    assert_eq!(
        ok(&fx, "query", &[("query", heavy), ("timeout", "30s")])["status"],
        "success"
    );
    // An injected failure, for the next two requests only.
    let (code, _) = fx.send(
        "POST",
        "/sim/prometheus",
        "application/json",
        &json!({"fail_next": {"count": 2, "status": 503}}).to_string(),
    );
    assert_eq!(code, 200);
    failed(&fx, "query", &[("query", "1")], 503, "timeout");
    failed(&fx, "labels", &[], 503, "timeout");
    ok(&fx, "query", &[("query", "1")]);
}

#[test]
fn the_token_or_basic_auth_is_required() {
    let fx = started();
    let url = format!("{}{API}/query?query=1", fx.handle.base_url());
    let (none, basic, wrong) = fx.rt.block_on(async {
        let http = reqwest::Client::new();
        let none = http.get(&url).send().await.unwrap().status().as_u16();
        let basic = http
            .get(&url)
            .basic_auth("quarterdeck", Some(&fx.handle.token))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        let wrong = http
            .get(&url)
            .basic_auth("quarterdeck", Some("nope"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        (none, basic, wrong)
    });
    assert_eq!((none, basic, wrong), (401, 200, 401));
}

/// The canary's and the stable's pod-template hashes of the paused feature-store canary.
fn hashes(fx: &Fixture) -> (String, String) {
    let (code, ro) = fx.send(
        "GET",
        &format!("/apis/argoproj.io/v1alpha1/namespaces/{NS}/rollouts/feature-store"),
        "application/json",
        "",
    );
    assert_eq!(code, 200);
    let st = &ro["status"];
    let canary = st["currentPodHash"].as_str().unwrap().to_string();
    let stable = st["stableRS"].as_str().unwrap().to_string();
    assert_ne!(canary, stable, "{st}");
    (canary, stable)
}

fn error_ratio(fx: &Fixture, hash: &str, window: &str) -> f64 {
    value(
        fx,
        &format!(
            r#"sum(rate(http_requests_total{{namespace="{NS}",rollouts_pod_template_hash="{hash}",code=~"5.."}}[{window}]))
            / sum(rate(http_requests_total{{namespace="{NS}",rollouts_pod_template_hash="{hash}"}}[{window}]))"#
        ),
    )
}

fn p95(fx: &Fixture, hash: &str) -> f64 {
    value(
        fx,
        &format!(
            r#"histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{{namespace="{NS}",rollouts_pod_template_hash="{hash}"}}[5m])))"#
        ),
    )
}

/// The 5xx share of the request lines the canary's pods logged after `from` (RFC 3339).
fn canary_log_error_share(fx: &Fixture, hash: &str, from: &str) -> f64 {
    let (code, pods) = fx.send(
        "GET",
        &format!("/api/v1/namespaces/{NS}/pods?labelSelector=rollouts-pod-template-hash%3D{hash}"),
        "application/json",
        "",
    );
    assert_eq!(code, 200);
    let (mut errors, mut lines) = (0usize, 0usize);
    for pod in pods["items"].as_array().unwrap() {
        let name = pod["metadata"]["name"].as_str().unwrap();
        let (code, log) = fx.send(
            "GET",
            &format!("/api/v1/namespaces/{NS}/pods/{name}/log?sinceTime={from}"),
            "text/plain",
            "",
        );
        assert_eq!(code, 200);
        let text = match log {
            Value::String(s) => s,
            other => other.to_string(),
        };
        for line in text.lines() {
            // The feature-store's pods log JSON, logfmt, access or coloured lines.
            let status = ["\"status\":", " status=", "HTTP/1.1\" ", " -> "]
                .iter()
                .find_map(|m| line.find(m).map(|i| &line[i + m.len()..]))
                .and_then(|rest| rest.get(..3))
                .and_then(|s| s.parse::<u16>().ok());
            if let Some(s) = status {
                lines += 1;
                errors += usize::from(s >= 500);
            }
        }
    }
    assert!(lines > 200, "only {lines} request lines");
    errors as f64 / lines as f64
}

#[test]
fn a_bad_canary_shows_in_its_metrics_and_logs_at_once() {
    let fx = started();
    let (canary, stable) = hashes(&fx);
    // Both versions are good so far.
    assert!(error_ratio(&fx, &canary, "5m") < 0.02);
    assert!(error_ratio(&fx, &stable, "5m") < 0.02);
    // Mark the running canary's version bad: 25% errors, slow.
    let (code, _) = fx.send(
        "POST",
        "/sim/version",
        "application/json",
        &json!({"image": CANARY_IMAGE, "error_rate": 0.25, "latency_ms": 120}).to_string(),
    );
    assert_eq!(code, 200);
    let from = fx.handle.sim.world().clock.rfc3339();
    fx.advance(900.0);
    let bad = error_ratio(&fx, &canary, "10m");
    let good = error_ratio(&fx, &stable, "10m");
    assert!((bad - 0.25).abs() < 0.01, "canary error ratio {bad}");
    assert!(good < 0.01, "stable error ratio {good}");
    let (bad_p95, good_p95) = (p95(&fx, &canary), p95(&fx, &stable));
    assert!(bad_p95 > 3.0 * good_p95, "p95 {bad_p95} vs {good_p95}");
    // The logs written since tell the same story.
    let logged = canary_log_error_share(&fx, &canary, &from);
    assert!((logged - bad).abs() < 0.08, "logs {logged} vs metric {bad}");
}

#[test]
fn prometheus_requests_are_counted_under_their_own_api() {
    let fx = started();
    let (code, _) = fx.send("DELETE", "/sim/stats", "application/json", "");
    assert_eq!(code, 204);
    ok(&fx, "query", &[("query", "1")]);
    ok(&fx, "labels", &[]);
    let (_, stats) = fx.send("GET", "/sim/stats", "application/json", "");
    assert_eq!(stats["totals"]["prometheus"]["requests"], 2, "{stats}");
}
