//! `/sim/stats` counts what clients were served — by API, verb, resource and status, with
//! 304s apart; the bytes sent, streamed bodies included; the watches and log follows open now
//! and the most at once — and not the simulator's own control API.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::{Duration, Instant};

use serde_json::Value;

fn count(stats: &Value, api: &str, verb: &str, resource: &str, status: u64) -> u64 {
    stats["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            r["api"] == api
                && r["verb"] == verb
                && r["resource"] == resource
                && r["status"] == status
        })
        .map(|r| r["count"].as_u64().unwrap())
        .sum()
}

#[test]
fn stats_count_client_requests_by_api_verb_resource_and_status() {
    let fx = support::Fixture::start();
    let (code, _) = fx.send("DELETE", "/sim/stats", "application/json", "");
    assert_eq!(code, 204);
    for _ in 0..2 {
        let (code, _) = fx.send(
            "GET",
            "/api/v1/namespaces/bnpl/pods",
            "application/json",
            "",
        );
        assert_eq!(code, 200);
    }
    let (code, _) = fx.send(
        "GET",
        "/api/v1/namespaces/bnpl/pods/nope",
        "application/json",
        "",
    );
    assert_eq!(code, 404);
    // A conditional GitHub request answered 304.
    let url = format!(
        "{}/github/repos/acme/orders-api/actions/runs",
        fx.handle.base_url()
    );
    let (etag, not_modified) = fx.rt.block_on(async {
        let http = reqwest::Client::new();
        let first = http
            .get(&url)
            .bearer_auth(&fx.handle.token)
            .send()
            .await
            .unwrap();
        let etag = first.headers()["etag"].to_str().unwrap().to_string();
        let second = http
            .get(&url)
            .bearer_auth(&fx.handle.token)
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        (etag, second.status().as_u16())
    });
    assert!(!etag.is_empty());
    assert_eq!(not_modified, 304);

    let (code, stats) = fx.send("GET", "/sim/stats", "application/json", "");
    assert_eq!(code, 200);
    assert_eq!(
        count(&stats, "kubernetes", "list", "pods", 200),
        2,
        "{stats}"
    );
    assert_eq!(
        count(&stats, "kubernetes", "get", "pods", 404),
        1,
        "{stats}"
    );
    assert_eq!(
        count(
            &stats,
            "github",
            "get",
            "repos/:repos/:repos/actions/runs",
            304
        ),
        1,
        "{stats}"
    );
    assert_eq!(stats["totals"]["github"]["requests"], 2, "{stats}");
    assert_eq!(stats["totals"]["github"]["not_modified"], 1, "{stats}");
    assert_eq!(stats["totals"]["kubernetes"]["requests"], 3, "{stats}");
    // The control API itself is not a client's cost.
    assert!(stats["totals"].get("sim").is_none(), "{stats}");
}

/// Reads `/sim/stats` until `cond` holds; panics with the last answer after a deadline.
fn stats_until(fx: &support::Fixture, what: &str, cond: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (code, stats) = fx.send("GET", "/sim/stats", "application/json", "");
        assert_eq!(code, 200);
        if cond(&stats) {
            return stats;
        }
        assert!(Instant::now() < deadline, "never {what}: {stats}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn open(stats: &Value, kind: &str, resource: &str) -> (u64, u64) {
    let entry = stats[kind]["by_resource"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["api"] == "kubernetes" && r["resource"] == resource);
    entry.map_or((0, 0), |r| {
        (r["open"].as_u64().unwrap(), r["peak"].as_u64().unwrap())
    })
}

#[test]
fn stats_count_the_bytes_of_each_api_streamed_bodies_included() {
    let fx = support::Fixture::start();
    fx.seed("bytes");
    fx.send("DELETE", "/sim/stats", "application/json", "");
    let url = format!("{}/api/v1/namespaces/bytes/pods", fx.handle.base_url());
    let listed = fx.rt.block_on(async {
        let http = reqwest::Client::new();
        let list = http.get(&url).bearer_auth(&fx.handle.token).send().await;
        list.unwrap().bytes().await.unwrap().len() as u64
    });
    let stats = stats_until(&fx, "counted the list", |s| {
        s["totals"]["kubernetes"]["bytes"] == listed
    });
    assert!(stats["totals"].get("github").is_none(), "{stats}");

    // A watch's events are counted as they go out, not when the watch ends.
    let watch = fx.rt.block_on(async {
        let http = reqwest::Client::new();
        let resp = http
            .get(format!("{url}?watch=1"))
            .bearer_auth(&fx.handle.token)
            .send()
            .await
            .unwrap();
        let mut resp = resp;
        let first = resp.chunk().await.unwrap().unwrap();
        (resp, first.len() as u64)
    });
    let (_body, first) = watch;
    assert!(first > 0);
    stats_until(&fx, "counted the watch's events", |s| {
        s["totals"]["kubernetes"]["bytes"].as_u64() >= Some(listed + first)
    });
}

#[test]
fn stats_show_open_watches_and_log_follows_and_the_most_at_once() {
    let fx = support::Fixture::start();
    fx.seed("open");
    let base = format!("{}/api/v1/namespaces/open/pods", fx.handle.base_url());
    let follow = format!("{base}/web-6d4f8b9c7-abcde/log?follow=true");
    let whole = format!("{base}/web-6d4f8b9c7-abcde/log");
    let get = |url: String| {
        let token = fx.handle.token.clone();
        fx.rt.block_on(async move {
            let resp = reqwest::Client::new()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 200);
            resp
        })
    };
    let w1 = get(format!("{base}?watch=1"));
    let w2 = get(format!("{base}?watch=true"));
    let log = get(follow);
    // A log read without follow is answered whole: it is no stream.
    let _whole = fx.rt.block_on(get(whole).text()).unwrap();
    let stats = stats_until(&fx, "two watches and a follow open", |s| {
        open(s, "watches", "pods") == (2, 2) && open(s, "log_streams", "pods/log") == (1, 1)
    });
    assert_eq!(stats["watches"]["open"], 2, "{stats}");
    assert_eq!(stats["log_streams"]["open"], 1, "{stats}");

    drop(w1);
    drop(log);
    let stats = stats_until(&fx, "the closed streams gone", |s| {
        open(s, "watches", "pods") == (1, 2) && open(s, "log_streams", "pods/log") == (0, 1)
    });
    assert_eq!(stats["watches"]["peak"], 2, "{stats}");

    // A reset starts the peaks again from what is still open.
    fx.send("DELETE", "/sim/stats", "application/json", "");
    let (_, stats) = fx.send("GET", "/sim/stats", "application/json", "");
    assert_eq!(open(&stats, "watches", "pods"), (1, 1), "{stats}");
    assert_eq!(stats["log_streams"]["peak"], 0, "{stats}");
    drop(w2);
    stats_until(&fx, "the last watch gone", |s| s["watches"]["open"] == 0);
}
