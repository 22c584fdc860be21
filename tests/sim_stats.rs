//! `/sim/stats` counts what clients were served — by API, verb, resource and status, with
//! 304s apart — and not the simulator's own control API.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

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
