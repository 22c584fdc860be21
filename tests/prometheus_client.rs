//! Quarterdeck's Prometheus client and analysis poller against the simulator's Prometheus:
//! every result shape, empty results and NaN, long queries as form POSTs, the server's clock,
//! and each error as the user reads it (400, 422, 503, 500, 401, 404, unreachable).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use quarterdeck::effects::{AnalysisDriver, AnalysisSetup};
use quarterdeck::integrations::prometheus::{Auth, Data, PromClient, PromError, Range};
use quarterdeck::integrations::rest::{Pacing, Token};
use quarterdeck_core::Msg;
use quarterdeck_core::analysis::{
    AnalysisMsg, AnalysisWatch, SeriesKey, SeriesQuery, Side, Signal,
};
use quarterdeck_core::meta::ObjectKey;
use quarterdeck_core::release::{ReleaseId, WorkloadKind};
use support::{Fixture, START_MS};
use tokio::sync::mpsc;

const WAIT: Duration = Duration::from_secs(20);

fn client(fx: &Fixture, path: &str) -> PromClient {
    let auth = Auth::Bearer(Token::new(fx.handle.token.clone(), "PROMETHEUS_TOKEN"));
    PromClient::new(&format!("{}{path}", fx.handle.base_url()), Some(auth)).unwrap()
}

fn prom_requests(fx: &Fixture, verb: &str) -> u64 {
    let (_, stats) = fx.send("GET", "/sim/stats", "application/json", "");
    stats["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["api"] == "prometheus" && r["verb"] == verb)
        .map(|r| r["count"].as_u64().unwrap())
        .sum()
}

#[test]
fn every_result_shape_reads_on_the_servers_clock() {
    let fx = Fixture::start();
    let c = client(&fx, "/prometheus/");
    fx.rt.block_on(async {
        assert!(!c.knows_time());
        let a = c.query("1", None).await.unwrap();
        let Data::Scalar(p) = a.data else {
            panic!("{:?}", a.data)
        };
        assert_eq!((p.at_ms, p.value), (START_MS, Some(1.0)));
        // The frozen simulated clock, learned from `Date`, not this machine's.
        assert!(c.knows_time());
        assert!((c.now_ms() - START_MS).abs() < 60_000, "{}", c.now_ms());

        let a = c.query("0/0", Some(START_MS)).await.unwrap();
        assert!(
            matches!(a.data, Data::Scalar(p) if p.value.is_none()),
            "{:?}",
            a.data
        );

        let a = c.query("\"canary\"", None).await.unwrap();
        assert_eq!(
            a.data,
            Data::String {
                at_ms: START_MS,
                value: "canary".into()
            }
        );

        let a = c.query("count(http_requests_total)", None).await.unwrap();
        let Data::Vector(v) = a.data else {
            panic!("{:?}", a.data)
        };
        assert_eq!(v.len(), 1);
        assert!(v[0].points[0].value.unwrap() > 0.0, "{v:?}");

        let a = c
            .query("http_requests_total{namespace=\"no-such-namespace\"}", None)
            .await
            .unwrap();
        assert_eq!(a.data, Data::Vector(Vec::new()));

        let range = Range {
            start_ms: START_MS - 300_000,
            end_ms: START_MS,
            step_ms: 30_000,
        };
        let a = c
            .query_range("sum(rate(http_requests_total[2m]))", range)
            .await
            .unwrap();
        let Data::Matrix(m) = a.data else {
            panic!("{:?}", a.data)
        };
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].points.last().unwrap().at_ms, START_MS);
        assert!(m[0].points.iter().all(|p| p.at_ms >= range.start_ms));
    });
}

#[test]
fn a_long_query_is_a_form_post() {
    let fx = Fixture::start();
    let c = client(&fx, "/prometheus");
    let pods: Vec<String> = (0..120).map(|i| format!("no-such-pod-{i}")).collect();
    let long = format!("http_requests_total{{pod=~\"{}\"}}", pods.join("|"));
    assert!(long.len() > 1024);
    let before = prom_requests(&fx, "post");
    let a = fx.rt.block_on(c.query(&long, None)).unwrap();
    assert_eq!(a.data, Data::Vector(Vec::new()));
    assert_eq!(prom_requests(&fx, "post"), before + 1);
}

#[test]
fn each_error_reads_as_what_to_do() {
    let fx = Fixture::start();
    let c = client(&fx, "/prometheus");
    let token = fx.handle.token.clone();
    let e = fx.rt.block_on(c.query("sum(rate(", None)).unwrap_err();
    assert!(matches!(e, PromError::BadQuery(_)), "{e:?}");
    assert!(
        e.to_string().starts_with("the query is not valid PromQL: "),
        "{e}"
    );

    let e = fx
        .rt
        .block_on(c.query("stddev(http_requests_total)", None))
        .unwrap_err();
    assert!(matches!(e, PromError::Execution(_)), "{e:?}");

    for (status, starts) in [
        (503, "Prometheus gave up on the query: "),
        (500, "Prometheus at http://127.0.0.1:"),
    ] {
        let body = format!("{{\"fail_next\":{{\"count\":1,\"status\":{status}}}}}");
        let (code, _) = fx.send("POST", "/sim/prometheus", "application/json", &body);
        assert_eq!(code, 200);
        let e = fx.rt.block_on(c.query("1", None)).unwrap_err().to_string();
        assert!(e.starts_with(starts), "{e}");
    }
    // The failures are used up.
    assert!(fx.rt.block_on(c.query("1", None)).is_ok());

    let wrong = PromClient::new(
        &format!("{}/prometheus", fx.handle.base_url()),
        Some(Auth::Bearer(Token::new(
            "not-the-token",
            "PROMETHEUS_TOKEN",
        ))),
    )
    .unwrap();
    let e = fx.rt.block_on(wrong.query("1", None)).unwrap_err();
    assert!(matches!(e, PromError::Unauthorized { .. }), "{e:?}");
    assert!(e.to_string().ends_with("check PROMETHEUS_TOKEN"), "{e}");

    let e = fx
        .rt
        .block_on(client(&fx, "/prom").query("1", None))
        .unwrap_err();
    assert!(matches!(e, PromError::NotFound { .. }), "{e:?}");

    let closed = PromClient::new("http://user:pw-secret@127.0.0.1:9", None).unwrap();
    let e = fx.rt.block_on(closed.query("1", None)).unwrap_err();
    assert!(matches!(e, PromError::Unreachable { .. }), "{e:?}");
    let text = e.to_string();
    assert!(text.contains("http://***@127.0.0.1:9"), "{text}");
    assert!(
        !text.contains("pw-secret") && !text.contains(&token),
        "{text}"
    );
}

#[test]
fn the_driver_polls_each_watch_and_reports_series_and_failures() {
    let fx = Fixture::start();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let release = ReleaseId {
        kind: WorkloadKind::Rollout,
        key: ObjectKey {
            namespace: "bnpl".into(),
            name: "feature-store".into(),
        },
    };
    let key = |signal| SeriesKey {
        side: Side::Canary,
        signal,
    };
    let watch = AnalysisWatch {
        release: release.clone(),
        url: format!("{}/prometheus", fx.handle.base_url()),
        queries: vec![
            SeriesQuery {
                key: key(Signal::RequestRate),
                promql: "sum(rate(http_requests_total[2m]))".into(),
                range_ms: 120_000,
                step_ms: 10_000,
            },
            SeriesQuery {
                key: key(Signal::P95),
                promql: "histogram_quantile(".into(),
                range_ms: 120_000,
                step_ms: 10_000,
            },
        ],
        urgent: true,
        templates: Vec::new(),
    };
    fx.rt.block_on(async {
        let mut driver = AnalysisDriver::new(
            AnalysisSetup {
                auth: Some(Auth::Bearer(Token::new(fx.handle.token.clone(), "t"))),
                pacing: Pacing {
                    fast_ms: 200,
                    slow_ms: 1_000,
                },
            },
            tx,
        );
        driver.watch(vec![watch]);
        let mut series = None;
        let mut failed = None;
        tokio::time::timeout(WAIT, async {
            while series.is_none() || failed.is_none() {
                match rx.recv().await.unwrap() {
                    Msg::Analysis(AnalysisMsg::Series {
                        release: r,
                        key: k,
                        points,
                        at_ms,
                        ..
                    }) => {
                        assert_eq!((r, k), (release.clone(), key(Signal::RequestRate)));
                        series = Some((points, at_ms));
                    }
                    Msg::Analysis(AnalysisMsg::Failed {
                        key: k, message, ..
                    }) => {
                        assert_eq!(k, Some(key(Signal::P95)));
                        failed = Some(message);
                    }
                    other => panic!("{other:?}"),
                }
            }
        })
        .await
        .unwrap();
        let (points, at_ms) = series.unwrap();
        // The window ends at the simulated now (frozen), one point per step.
        assert!((at_ms - START_MS).abs() < 60_000, "{at_ms}");
        assert_eq!(points.len(), 13);
        assert!(points.iter().any(|p| p.value.is_some()), "{points:?}");
        assert!(failed.unwrap().starts_with("the query is not valid PromQL"));
        drop(driver);
    });
}
