//! GitLab group approval rules: the simulator serves groups' members as GitLab's members API
//! does, and the client reads the membership a group rule needs, once per rule per few
//! minutes, to tell whether its user may approve.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use quarterdeck::integrations::gitlab::GitLabClient;
use quarterdeck::integrations::rest::{Clock, Token};
use quarterdeck_sim::{Sim, SimConfig, SimHandle};
use serde_json::{Value, json};

/// Simulated start: 2026-11-22T03:20:00Z.
const START_MS: i64 = 1_795_404_000_000;
const FEATURE_STORE: &str = "bnpl/feature-store";
/// The seeded release managers group (Alex, the token's user, and Maria).
const RELEASE_MANAGERS: u64 = 9001;

/// The simulator's clock read in-process, so the client's cache ages with simulated time.
struct SimClock(Arc<Sim>);

impl Clock for SimClock {
    fn now_ms(&self) -> i64 {
        self.0.world().clock.now_ms
    }
}

async fn start() -> SimHandle {
    quarterdeck_sim::start(SimConfig {
        frozen: true,
        start_ms: Some(START_MS),
        ..Default::default()
    })
    .await
    .unwrap()
}

fn gitlab(h: &SimHandle) -> GitLabClient {
    let token = Token::new(h.token.clone(), "GITLAB_TOKEN");
    let clock: Arc<dyn Clock> = Arc::new(SimClock(h.sim.clone()));
    GitLabClient::new(&format!("{}/gitlab", h.base_url()), Some(token), clock).unwrap()
}

async fn call(h: &SimHandle, method: reqwest::Method, path: &str, body: Value) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .request(method, format!("{}{path}", h.base_url()))
        .bearer_auth(&h.token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn get(h: &SimHandle, path: &str) -> (u16, Value) {
    call(
        h,
        reqwest::Method::GET,
        &format!("/gitlab/api/v4{path}"),
        Value::Null,
    )
    .await
}

async fn control(h: &SimHandle, path: &str, body: Value) {
    let (status, answer) = call(h, reqwest::Method::POST, path, body).await;
    assert!((200..300).contains(&status), "{path}: {status} {answer}");
}

/// How many group-membership reads the simulator served since the last reset.
async fn membership_reads(h: &SimHandle) -> u64 {
    let (_, stats) = call(h, reqwest::Method::GET, "/sim/stats", Value::Null).await;
    stats["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["resource"].as_str().unwrap().starts_with("groups/"))
        .map(|r| r["count"].as_u64().unwrap())
        .sum()
}

/// Whether the token's user may approve the blocked feature-store deployment, and why not.
async fn you_may_approve(gl: &GitLabClient) -> (Option<bool>, Option<String>) {
    let deps = gl.deployments(FEATURE_STORE, 50, Some(1)).await.unwrap();
    let d = deps.iter().find(|d| d.status == "blocked").unwrap();
    (d.current_user_can_approve, d.you_may_not_because.clone())
}

#[tokio::test]
async fn groups_members_answer_as_gitlab_members_api_does() {
    let h = start().await;
    let (status, alex) = get(&h, &format!("/groups/{RELEASE_MANAGERS}/members/all/1")).await;
    assert_eq!(status, 200, "{alex}");
    assert_eq!(alex["username"], "alex.morgan");
    assert_eq!(alex["access_level"], 30);
    assert_eq!(alex["membership_state"], "active");
    let (status, _) = get(&h, &format!("/groups/{RELEASE_MANAGERS}/members/1")).await;
    assert_eq!(status, 200, "a direct member is a member either way");
    let (status, dev) = get(&h, &format!("/groups/{RELEASE_MANAGERS}/members/all/3")).await;
    assert_eq!((status, dev), (404, json!({"message": "404 Not Found"})));
    let (status, all) = get(&h, "/groups/release-managers/members/all").await;
    assert_eq!(status, 200);
    let names: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["alex.morgan", "maria.chen"]);
    let (status, none) = get(&h, "/groups/4242/members/all/1").await;
    assert_eq!(
        (status, none),
        (404, json!({"message": "404 Group Not Found"}))
    );
    h.stop().await;
}

#[tokio::test]
async fn a_group_rule_lets_its_members_approve_and_is_read_once_per_few_minutes() {
    let h = start().await;
    let gl = gitlab(&h);
    let (status, protected) = get(
        &h,
        "/projects/bnpl%2Ffeature-store/protected_environments/production",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        protected["approval_rules"][0]["group_id"], RELEASE_MANAGERS,
        "the seed approves production by group: {protected}"
    );
    call(&h, reqwest::Method::DELETE, "/sim/stats", Value::Null).await;
    assert_eq!(you_may_approve(&gl).await, (Some(true), None));
    assert_eq!(membership_reads(&h).await, 1);
    // Polled again within minutes, the membership comes from the cache.
    assert_eq!(you_may_approve(&gl).await, (Some(true), None));
    assert_eq!(
        membership_reads(&h).await,
        1,
        "one read per rule, not per poll"
    );
    control(&h, "/sim/clock", json!({"advance_seconds": 6 * 60})).await;
    assert_eq!(you_may_approve(&gl).await, (Some(true), None));
    assert_eq!(membership_reads(&h).await, 2, "read again once it is stale");

    // A group you do not belong to: you may not, and the inbox says which group it needs.
    control(
        &h,
        "/sim/ci/reviewer",
        json!({"provider": "gitlab", "project": FEATURE_STORE, "environment": "production",
               "rules": [{"group": "ml-leads", "required_approvals": 1}]}),
    )
    .await;
    assert_eq!(
        you_may_approve(&gl).await,
        (
            Some(false),
            Some("no open approval rule includes you (needs: ml-leads)".into())
        )
    );
    h.stop().await;
}
