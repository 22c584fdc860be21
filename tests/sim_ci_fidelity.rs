//! Details of the simulated GitHub and GitLab that real clients rely on and that the
//! simulator once got wrong: GitHub's `token` auth scheme, jobs whose `needs` still wait,
//! GitLab approval rules counted one by one, and GitLab's conditional requests.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use quarterdeck_sim::{SimConfig, SimHandle};
use serde_json::{Value, json};

/// Simulated start: 2026-11-22T03:20:00Z.
const START_MS: i64 = 1_795_404_000_000;

const ORDERS: &str = "/github/repos/acme/orders-api";
const FS: &str = "/gitlab/api/v4/projects/bnpl%2Ffeature-store";

/// A frozen simulator and a client that sends whatever `Authorization` it is told to.
struct Sim {
    handle: SimHandle,
    http: reqwest::Client,
}

/// Status, headers and body of one answer.
struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

impl Answer {
    fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    }
}

impl Sim {
    async fn start() -> Sim {
        let handle = quarterdeck_sim::start(SimConfig {
            frozen: true,
            start_ms: Some(START_MS),
            ..SimConfig::default()
        })
        .await
        .unwrap();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Sim { handle, http }
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, String)],
        body: Option<Value>,
    ) -> Answer {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.handle.base_url()));
        for (k, v) in headers {
            req = req.header(*k, v);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Answer {
            status,
            headers,
            body,
        }
    }

    fn bearer(&self) -> (&'static str, String) {
        ("authorization", format!("Bearer {}", self.handle.token))
    }

    async fn get(&self, path: &str) -> Answer {
        self.call("GET", path, &[self.bearer()], None).await
    }

    async fn post(&self, path: &str, body: Value) -> Answer {
        let a = self.call("POST", path, &[self.bearer()], Some(body)).await;
        assert!(a.status < 300, "POST {path}: {} {}", a.status, a.body);
        a
    }
}

#[tokio::test]
async fn github_takes_the_token_scheme_as_well_as_bearer_and_gitlab_does_not() {
    let sim = Sim::start().await;
    let token = sim.handle.token.clone();
    for scheme in ["token", "Bearer"] {
        let a = sim
            .call(
                "GET",
                &format!("{ORDERS}/actions/runs?per_page=1"),
                &[("authorization", format!("{scheme} {token}"))],
                None,
            )
            .await;
        assert_eq!(a.status, 200, "{scheme}: {}", a.body);
    }
    let wrong = sim
        .call(
            "GET",
            &format!("{ORDERS}/actions/runs"),
            &[("authorization", "token nope".into())],
            None,
        )
        .await;
    assert_eq!(wrong.status, 401);
    assert_eq!(wrong.body["message"], "Bad credentials");
    // `token` is GitHub's own scheme: GitLab and Kubernetes answer 401 to it.
    for path in [FS.to_string(), "/api/v1/namespaces".into()] {
        let a = sim
            .call(
                "GET",
                &path,
                &[("authorization", format!("token {token}"))],
                None,
            )
            .await;
        assert_eq!(a.status, 401, "{path}");
    }
}

/// The blocked production deployment of feature-store in the default world.
async fn blocked_feature_store_deployment(sim: &Sim) -> Value {
    let a = sim.get(&format!("{FS}/deployments?status=blocked")).await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.body.as_array().unwrap()[0].clone()
}

#[tokio::test]
async fn gitlab_approval_rules_each_count_their_own_approvals() {
    let sim = Sim::start().await;
    sim.post(
        "/sim/ci/reviewer",
        json!({"provider": "gitlab", "project": "bnpl/feature-store", "environment": "production",
               "rules": [{"group": "release-managers", "required_approvals": 1},
                         {"user": "maria.chen", "required_approvals": 2}]}),
    )
    .await;
    let protected = sim
        .get(&format!("{FS}/protected_environments/production"))
        .await;
    assert_eq!(
        protected.body["required_approval_count"], 3,
        "{}",
        protected.body
    );
    let counts: Vec<&Value> = protected.body["approval_rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["required_approvals"])
        .collect();
    assert_eq!(counts, [&json!(1), &json!(2)]);

    let dep = blocked_feature_store_deployment(&sim).await;
    assert_eq!(dep["pending_approval_count"], 3, "{dep}");
    let rules = dep["approval_summary"]["rules"].as_array().unwrap();
    assert_eq!(rules[0]["required_approvals"], 1);
    assert_eq!(rules[1]["required_approvals"], 2);

    // alex.morgan (the token's user) meets the release managers' rule, not Maria's.
    let id = dep["id"].as_u64().unwrap();
    sim.post(
        &format!("{FS}/deployments/{id}/approval"),
        json!({"status": "approved", "comment": "lgtm"}),
    )
    .await;
    let after = sim.get(&format!("{FS}/deployments/{id}")).await.body;
    assert_eq!(after["status"], "blocked", "one rule met of two: {after}");
    assert_eq!(after["pending_approval_count"], 2);
    let rules = after["approval_summary"]["rules"].as_array().unwrap();
    assert_eq!(
        rules[0]["deployment_approvals"].as_array().unwrap().len(),
        1
    );
    assert_eq!(
        rules[1]["deployment_approvals"].as_array().unwrap().len(),
        0
    );
}

#[tokio::test]
async fn gitlab_answers_a_matching_if_none_match_with_304_and_stats_count_it() {
    let sim = Sim::start().await;
    sim.call("DELETE", "/sim/stats", &[sim.bearer()], None)
        .await;
    let path = format!("{FS}/pipelines?per_page=5");
    let first = sim.get(&path).await;
    assert_eq!(first.status, 200);
    let tag = first.header("etag");
    assert!(
        tag.starts_with("W/\""),
        "a weak ETag, as Rack::ETag makes: {tag:?}"
    );
    let again = sim
        .call(
            "GET",
            &path,
            &[sim.bearer(), ("if-none-match", tag.clone())],
            None,
        )
        .await;
    assert_eq!(again.status, 304);
    assert_eq!(again.header("etag"), tag);
    assert_eq!(again.body, Value::String(String::new()));
    // A changed world changes the answer: a new pipeline means a new ETag and a 200.
    sim.post(
        "/sim/ci/trigger",
        json!({"provider": "gitlab", "project": "bnpl/feature-store", "ref": "main"}),
    )
    .await;
    let changed = sim
        .call(
            "GET",
            &path,
            &[sim.bearer(), ("if-none-match", tag.clone())],
            None,
        )
        .await;
    assert_eq!(changed.status, 200);
    assert_ne!(changed.header("etag"), tag);
    let stats = sim.get("/sim/stats").await.body;
    assert_eq!(stats["totals"]["gitlab"]["not_modified"], 1, "{stats}");
}
