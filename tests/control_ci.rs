//! CI control against the simulator: the GitHub and GitLab clients approve, reject, play,
//! retry, cancel and redeploy, and the world afterwards is read over HTTP from the simulator
//! (the runs, and the images the cluster received), never from our own model. Targets that
//! moved are refused without a write; a user the simulator denies sees why, and a forced
//! write gets the provider's refusal verbatim.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use quarterdeck::integrations::github::GitHubClient;
use quarterdeck::integrations::gitlab::GitLabClient;
use quarterdeck::integrations::rest::{ActError, Clock, Redeploy, Token};
use quarterdeck_sim::{Sim, SimConfig, SimHandle};
use serde_json::{Value, json};

/// Simulated start: 2026-11-22T03:20:00Z.
const START_MS: i64 = 1_795_317_600_000;
const ORDERS: &str = "acme/orders-api";
const ORDER_GENERATION: &str = "kasbench/globeco-order-generation-service";
const FEATURE_STORE: &str = "bnpl/feature-store";
const FS_IMAGE: &str = "gcr.io/feature-store-prod/feature-store";

/// The simulator's clock read in-process, as in `ci_clients.rs`.
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

fn github(h: &SimHandle) -> GitHubClient {
    let token = Token::new(h.token.clone(), "GITHUB_TOKEN");
    let clock: Arc<dyn Clock> = Arc::new(SimClock(h.sim.clone()));
    GitHubClient::new(&format!("{}/github", h.base_url()), Some(token), clock).unwrap()
}

fn gitlab(h: &SimHandle) -> GitLabClient {
    let token = Token::new(h.token.clone(), "GITLAB_TOKEN");
    let clock: Arc<dyn Clock> = Arc::new(SimClock(h.sim.clone()));
    GitLabClient::new(&format!("{}/gitlab", h.base_url()), Some(token), clock).unwrap()
}

async fn call(h: &SimHandle, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
    let mut req = reqwest::Client::new()
        .request(method, format!("{}{path}", h.base_url()))
        .bearer_auth(&h.token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.unwrap();
    assert!(resp.status().is_success(), "{path}: {}", resp.status());
    resp.json().await.unwrap_or(Value::Null)
}

async fn get(h: &SimHandle, path: &str) -> Value {
    call(h, reqwest::Method::GET, path, None).await
}

async fn post(h: &SimHandle, path: &str, body: Value) -> Value {
    call(h, reqwest::Method::POST, path, Some(body)).await
}

async fn advance(h: &SimHandle, seconds: u64) {
    post(h, "/sim/clock", json!({"advance_seconds": seconds})).await;
}

/// The image of a workload's first container, read through the simulated Kubernetes API.
async fn image(h: &SimHandle, kind: &str, ns: &str, name: &str) -> String {
    let path = match kind {
        "rollout" => format!("/apis/argoproj.io/v1alpha1/namespaces/{ns}/rollouts/{name}"),
        _ => format!("/apis/apps/v1/namespaces/{ns}/deployments/{name}"),
    };
    get(h, &path).await["spec"]["template"]["spec"]["containers"][0]["image"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Advances the clock 5 s at a time, at most `max_s`, until the workload runs `want`.
async fn until_image(h: &SimHandle, kind: &str, ns: &str, name: &str, want: &str, max_s: u64) {
    let mut last = String::new();
    for _ in 0..=max_s / 5 {
        last = image(h, kind, ns, name).await;
        if last == want {
            return;
        }
        advance(h, 5).await;
    }
    panic!("{ns}/{name} never ran {want}; it runs {last}");
}

/// The orders-api run waiting on staging, and the staging environment's id.
async fn orders_gate(h: &SimHandle) -> (Value, u64) {
    advance(h, 10).await;
    let runs = get(
        h,
        &format!("/github/repos/{ORDERS}/actions/runs?per_page=1&branch=main"),
    )
    .await;
    let run = runs["workflow_runs"][0].clone();
    assert_eq!(run["status"], "waiting", "{run}");
    let id = run["id"].as_u64().unwrap();
    let pending = get(
        h,
        &format!("/github/repos/{ORDERS}/actions/runs/{id}/pending_deployments"),
    )
    .await;
    (run, pending[0]["environment"]["id"].as_u64().unwrap())
}

async fn gh_run(h: &SimHandle, id: u64) -> Value {
    get(h, &format!("/github/repos/{ORDERS}/actions/runs/{id}")).await
}

#[tokio::test]
async fn approving_the_orders_staging_gate_runs_its_deploy_job_and_rolls_out_the_image() {
    let h = start().await;
    let gh = github(&h);
    let (run, env) = orders_gate(&h).await;
    let id = run["id"].as_u64().unwrap();
    let sha7 = &run["head_sha"].as_str().unwrap()[..7];
    assert_eq!(gh.whoami().await.unwrap(), "alex.morgan");

    let said = gh
        .review_pending(ORDERS, id, env, "staging", true, "LGTM")
        .await
        .unwrap();
    assert!(
        said.starts_with(&format!(
            "run {id} approved for staging; job deploy-staging"
        )),
        "{said}"
    );
    let jobs = get(
        &h,
        &format!("/github/repos/{ORDERS}/actions/runs/{id}/jobs"),
    )
    .await;
    let deploy = jobs["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["name"] == "deploy-staging")
        .unwrap();
    assert_ne!(deploy["status"], "waiting", "{deploy}");
    let want = format!("ghcr.io/acme/orders-api:sha-{sha7}");
    until_image(&h, "rollout", "orders", "orders-api", &want, 60).await;
}

#[tokio::test]
async fn a_rejected_gate_fails_the_run_which_reruns_and_cancels() {
    let h = start().await;
    let gh = github(&h);
    let (run, env) = orders_gate(&h).await;
    let id = run["id"].as_u64().unwrap();
    let said = gh
        .review_pending(ORDERS, id, env, "staging", false, "not today")
        .await
        .unwrap();
    assert!(said.contains("rejected for staging"), "{said}");
    advance(&h, 5).await;
    let after = gh_run(&h, id).await;
    assert_eq!(
        (after["status"].as_str(), after["conclusion"].as_str()),
        (Some("completed"), Some("failure"))
    );

    let said = gh.rerun_failed_jobs(ORDERS, id).await.unwrap();
    assert!(said.contains("attempt 2"), "{said}");
    let rerun = gh_run(&h, id).await;
    assert_eq!(rerun["run_attempt"], 2);
    assert_ne!(rerun["status"], "completed");
    // A second re-run finds the run running again: refused before writing.
    let again = gh.rerun_failed_jobs(ORDERS, id).await.unwrap_err();
    assert!(
        matches!(again, ActError::Moved(ref m) if m.contains("no failed jobs")),
        "{again}"
    );

    gh.cancel_run(ORDERS, id).await.unwrap();
    let cancelled = gh_run(&h, id).await;
    assert_eq!(cancelled["conclusion"], "cancelled", "{cancelled}");
    let moved = gh.cancel_run(ORDERS, id).await.unwrap_err();
    assert_eq!(
        moved,
        ActError::Moved(format!("run {id} already finished (completed: cancelled)"))
    );
}

#[tokio::test]
async fn a_gate_approved_elsewhere_first_is_refused_without_a_write() {
    let h = start().await;
    let gh = github(&h);
    let (run, env) = orders_gate(&h).await;
    let id = run["id"].as_u64().unwrap();
    post(
        &h,
        &format!("/github/repos/{ORDERS}/actions/runs/{id}/pending_deployments"),
        json!({"environment_ids": [env], "state": "approved", "comment": "from the web UI"}),
    )
    .await;
    let refused = gh
        .review_pending(ORDERS, id, env, "staging", false, "too late")
        .await
        .unwrap_err();
    assert_eq!(
        refused,
        ActError::Moved(format!("run {id} is no longer waiting on staging"))
    );
    let approvals = get(
        &h,
        &format!("/github/repos/{ORDERS}/actions/runs/{id}/approvals"),
    )
    .await;
    let states: Vec<&str> = approvals
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["state"].as_str().unwrap())
        .collect();
    assert_eq!(
        states,
        ["approved"],
        "only the web UI's review: {approvals}"
    );
}

#[tokio::test]
async fn a_denied_github_reviewer_may_not_approve_and_a_forced_review_is_refused_verbatim() {
    let h = start().await;
    let gh = github(&h);
    let (run, env) = orders_gate(&h).await;
    let id = run["id"].as_u64().unwrap();
    post(
        &h,
        "/sim/ci/reviewer",
        json!({"provider": "github", "project": ORDERS, "environment": "staging", "may_review": false}),
    )
    .await;
    let pending = gh.pending_deployments(ORDERS, id).await.unwrap();
    assert!(!pending[0].current_user_can_approve);
    let refused = gh
        .review_pending(ORDERS, id, env, "staging", true, "LGTM")
        .await
        .unwrap_err();
    assert_eq!(
        refused,
        ActError::Http {
            status: 422,
            message: "You are not a required reviewer of every given environment.".into()
        }
    );
    assert_eq!(gh_run(&h, id).await["status"], "waiting");
}

#[tokio::test]
async fn order_generation_rolls_back_by_dispatching_deploy_yml_with_an_earlier_tag() {
    let h = start().await;
    let gh = github(&h);
    advance(&h, 120).await;
    let candidates = gh
        .list_redeploy_candidates(ORDER_GENERATION, "deploy.yml", 10)
        .await
        .unwrap();
    let staging: Vec<&str> = candidates
        .iter()
        .filter(|c| c.environment == "staging")
        .map(|c| c.version.as_str())
        .collect();
    assert_eq!(staging, ["1.4.0", "1.3.2", "1.2.0"], "{candidates:#?}");
    let chosen = candidates
        .iter()
        .find(|c| c.environment == "staging" && c.version == "1.3.2")
        .unwrap();
    assert_eq!(
        chosen.how,
        Redeploy::Dispatch {
            workflow: "deploy.yml".into(),
            git_ref: "main".into(),
            inputs: vec![
                ("environment".into(), "staging".into()),
                ("image_tag".into(), "1.3.2".into())
            ],
        }
    );
    let service = "globeco-order-generation-service";
    let now = image(&h, "deployment", "globeco-staging", service).await;
    assert!(now.ends_with(":1.4.0"), "{now}");
    let said = gh.redeploy(ORDER_GENERATION, chosen).await.unwrap();
    assert!(said.starts_with("deploy.yml dispatched on main"), "{said}");
    let want = format!("{ORDER_GENERATION}:1.3.2");
    until_image(&h, "deployment", "globeco-staging", service, &want, 120).await;
}

/// Feature-store's newest pipeline: its blocked production deployment (id, job id).
async fn blocked_deployment(gl: &GitLabClient) -> (u64, u64, Option<bool>, Option<String>) {
    let me = Some(1);
    let deps = gl.deployments(FEATURE_STORE, 50, me).await.unwrap();
    let d = deps.iter().find(|d| d.status == "blocked").unwrap();
    (
        d.id,
        d.job_id.unwrap(),
        d.current_user_can_approve,
        d.you_may_not_because.clone(),
    )
}

/// Advances the clock 5 s at a time, at most `max_s`, until the feature-store job has `want`.
async fn until_job(h: &SimHandle, job: u64, want: &str, max_s: u64) {
    let path = format!("/gitlab/api/v4/projects/bnpl%2Ffeature-store/jobs/{job}");
    for _ in 0..=max_s / 5 {
        if get(h, &path).await["status"] == want {
            return;
        }
        advance(h, 5).await;
    }
    panic!("job {job} never reached {want}");
}

#[tokio::test]
async fn feature_store_is_approved_played_and_rolled_back_by_retrying_an_earlier_deploy_job() {
    let h = start().await;
    let gl = gitlab(&h);
    assert_eq!(gl.whoami().await.unwrap(), "alex.morgan");
    let (dep, job, you, _) = blocked_deployment(&gl).await;
    assert_eq!(you, Some(true));
    let early = gl.play_job(FEATURE_STORE, job).await.unwrap_err();
    assert_eq!(
        early,
        ActError::Forbidden("403 Forbidden - Deployment requires approval".into())
    );
    let said = gl
        .review_blocked_deployment(FEATURE_STORE, dep, job, true, "canary plan ok")
        .await
        .unwrap();
    assert!(
        said.starts_with(&format!(
            "deployment {dep} approved; job deploy:production ({job}) played"
        )),
        "{said}"
    );
    let path = format!("/gitlab/api/v4/projects/bnpl%2Ffeature-store/jobs/{job}");
    assert_ne!(get(&h, &path).await["status"], "manual");
    until_image(
        &h,
        "rollout",
        "bnpl",
        "feature-store",
        &format!("{FS_IMAGE}:7c3d2a9"),
        120,
    )
    .await;
    until_job(&h, job, "success", 120).await;
    // Once played, the job is no longer manual: a second play is refused before writing.
    let moved = gl.play_job(FEATURE_STORE, job).await.unwrap_err();
    assert!(
        matches!(moved, ActError::Moved(ref m) if m.starts_with(&format!("job {job} is no longer manual"))),
        "{moved}"
    );

    let candidates = gl
        .list_redeploy_candidates(FEATURE_STORE, "production", 5)
        .await
        .unwrap();
    let versions: Vec<&str> = candidates.iter().map(|c| c.version.as_str()).collect();
    assert_eq!(versions.first(), Some(&"7c3d2a9"), "{candidates:#?}");
    let earlier = candidates.iter().find(|c| c.version == "e51f6b3").unwrap();
    assert_eq!(
        earlier.image.as_deref(),
        Some(&*format!("{FS_IMAGE}:e51f6b3"))
    );
    let said = gl.redeploy(FEATURE_STORE, earlier).await.unwrap();
    assert!(said.contains("retried as job"), "{said}");
    until_image(
        &h,
        "rollout",
        "bnpl",
        "feature-store",
        &format!("{FS_IMAGE}:e51f6b3"),
        120,
    )
    .await;
}

#[tokio::test]
async fn a_gitlab_job_is_retried_and_a_pipeline_cancelled() {
    let h = start().await;
    let gl = gitlab(&h);
    let started = post(
        &h,
        "/sim/ci/trigger",
        json!({"provider": "gitlab", "project": FEATURE_STORE, "fail": "never"}),
    )
    .await;
    let pipeline = started["id"].as_u64().unwrap();
    advance(&h, 5).await;
    gl.cancel_pipeline(FEATURE_STORE, pipeline).await.unwrap();
    let base = "/gitlab/api/v4/projects/bnpl%2Ffeature-store";
    assert_eq!(
        get(&h, &format!("{base}/pipelines/{pipeline}")).await["status"],
        "canceled"
    );
    let moved = gl
        .cancel_pipeline(FEATURE_STORE, pipeline)
        .await
        .unwrap_err();
    assert_eq!(
        moved,
        ActError::Moved(format!("pipeline {pipeline} already finished (canceled)"))
    );

    let jobs = get(
        &h,
        &format!("{base}/pipelines/{pipeline}/jobs?scope[]=canceled"),
    )
    .await;
    let old = jobs[0]["id"].as_u64().unwrap();
    let said = gl.retry_job(FEATURE_STORE, old).await.unwrap();
    let new: u64 = said
        .split("retried as job ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{said}"));
    assert_ne!(new, old);
    let new_job = get(&h, &format!("{base}/jobs/{new}")).await;
    assert_eq!(new_job["name"], jobs[0]["name"]);
    assert_ne!(new_job["status"], "canceled", "{new_job}");
}

#[tokio::test]
async fn a_denied_gitlab_approver_sees_why_and_a_forced_approval_is_refused_verbatim() {
    let h = start().await;
    post(
        &h,
        "/sim/ci/reviewer",
        json!({"provider": "gitlab", "project": FEATURE_STORE, "environment": "production",
               "rules": [{"user": "alex.morgan", "required_approvals": 1}, {"user": "maria.chen", "required_approvals": 1}],
               "may_review": false}),
    )
    .await;
    let gl = gitlab(&h);
    let (dep, job, you, why) = blocked_deployment(&gl).await;
    assert_eq!(you, Some(false));
    assert_eq!(
        why.as_deref(),
        Some("no open approval rule includes you (needs: maria.chen)")
    );
    let refused = gl
        .review_blocked_deployment(FEATURE_STORE, dep, job, true, "")
        .await
        .unwrap_err();
    assert_eq!(
        refused,
        ActError::Http {
            status: 400,
            message: "You don't have permission to approve this deployment. Contact the project or group owner for help.".into()
        }
    );

    // A guest may not even read deployments: GitLab's bare 403.
    post(
        &h,
        "/sim/ci/reviewer",
        json!({"provider": "gitlab", "project": FEATURE_STORE, "access_level": 10}),
    )
    .await;
    let refused = gl
        .review_blocked_deployment(FEATURE_STORE, dep, job, true, "")
        .await
        .unwrap_err();
    assert_eq!(refused, ActError::Forbidden("403 Forbidden".into()));
    let d = get(
        &h,
        &format!("/gitlab/api/v4/projects/bnpl%2Ffeature-store/deployments/{dep}"),
    )
    .await;
    assert_eq!(d["status"], "blocked");
    assert_eq!(d["approvals"], json!([]), "nothing was written");
}
