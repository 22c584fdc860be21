//! The simulated GitHub Actions and GitLab CI, driven over HTTP with a frozen clock: the
//! default world's runs move as the clock is advanced, gates are approved or rejected and the
//! cluster's workloads follow, and the HTTP details clients depend on (ETag/304, rate limits,
//! pagination, error formats, encoded GitLab paths) behave as the real services do.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use quarterdeck_sim::{SimConfig, SimHandle};
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

/// Simulated start: 2026-11-22T03:20:00Z.
const START_MS: i64 = 1_795_404_000_000;

struct Ci {
    rt: tokio::runtime::Runtime,
    handle: SimHandle,
    http: reqwest::Client,
}

struct Answer {
    status: u16,
    headers: HeaderMap,
    text: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("{e}: {}", self.text))
    }
    fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    }
}

impl Ci {
    fn start() -> Ci {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let handle = rt
            .block_on(quarterdeck_sim::start(SimConfig {
                frozen: true,
                start_ms: Some(START_MS),
                ..SimConfig::default()
            }))
            .unwrap();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Ci { rt, handle, http }
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.handle.base_url())
        }
    }

    fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Answer {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self.http.request(method, self.url(path));
        let mut with_token = true;
        for (k, v) in headers {
            if *k == "no-token" {
                with_token = false;
            } else {
                req = req.header(*k, *v);
            }
        }
        if with_token {
            req = req.bearer_auth(&self.handle.token);
        }
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        self.rt.block_on(async {
            let resp = req.send().await.unwrap();
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            let text = resp.text().await.unwrap();
            Answer {
                status,
                headers,
                text,
            }
        })
    }

    fn get(&self, path: &str) -> Answer {
        self.call("GET", path, None, &[])
    }

    fn get_json(&self, path: &str) -> Value {
        let a = self.get(path);
        assert_eq!(a.status, 200, "GET {path}: {}", a.text);
        a.json()
    }

    fn post(&self, path: &str, body: Value) -> Answer {
        self.call("POST", path, Some(body), &[])
    }

    fn advance(&self, seconds: f64) {
        let a = self.post("/sim/clock", json!({"advance_seconds": seconds}));
        assert_eq!(a.status, 200, "advance: {}", a.text);
    }

    fn rollout_image(&self, kind: &str, ns: &str, name: &str) -> String {
        let path = match kind {
            "rollout" => format!("/apis/argoproj.io/v1alpha1/namespaces/{ns}/rollouts/{name}"),
            _ => format!("/apis/apps/v1/namespaces/{ns}/deployments/{name}"),
        };
        let obj = self.get_json(&path);
        obj["spec"]["template"]["spec"]["containers"][0]["image"]
            .as_str()
            .unwrap()
            .to_string()
    }
}

const ORDERS: &str = "/github/repos/acme/orders-api";

fn latest_orders_run(ci: &Ci) -> Value {
    let runs = ci.get_json(&format!("{ORDERS}/actions/runs?per_page=1&branch=main"));
    runs["workflow_runs"][0].clone()
}

fn job_named<'a>(jobs: &'a Value, name: &str) -> &'a Value {
    jobs["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["name"] == name)
        .unwrap_or_else(|| panic!("no job {name} in {jobs}"))
}

/// Advances until the run's status is `want`, at most `max_s` simulated seconds.
fn wait_run(ci: &Ci, run_id: u64, want: &str, max_s: u32) -> Value {
    for _ in 0..=max_s / 5 {
        let run = ci.get_json(&format!("{ORDERS}/actions/runs/{run_id}"));
        if run["status"] == want {
            return run;
        }
        ci.advance(5.0);
    }
    panic!("run {run_id} never reached {want}");
}

#[test]
fn orders_api_reaches_its_staging_gate_and_approval_rolls_out_the_image() {
    let ci = Ci::start();
    let run = latest_orders_run(&ci);
    let run_id = run["id"].as_u64().unwrap();
    assert_eq!(run["status"], "in_progress", "before the gate: {run}");
    assert_eq!(run["event"], "push");
    let sha7 = run["head_sha"].as_str().unwrap()[..7].to_string();

    ci.advance(10.0);
    let run = ci.get_json(&format!("{ORDERS}/actions/runs/{run_id}"));
    assert_eq!(run["status"], "waiting", "{run}");
    assert_eq!(run["conclusion"], Value::Null);
    let jobs = ci.get_json(&format!("{ORDERS}/actions/runs/{run_id}/jobs"));
    assert_eq!(job_named(&jobs, "deploy-staging")["status"], "waiting");
    let build = job_named(&jobs, "build");
    assert_eq!(
        (build["status"].as_str(), build["conclusion"].as_str()),
        (Some("completed"), Some("success"))
    );
    let steps = build["steps"].as_array().unwrap();
    assert_eq!(steps[0]["name"], "Set up job");
    assert!(
        steps.iter().all(|s| s["conclusion"] == "success"),
        "{build}"
    );
    assert_eq!(
        job_named(&jobs, "deploy-production")["conclusion"],
        "skipped"
    );

    let pending = ci.get_json(&format!(
        "{ORDERS}/actions/runs/{run_id}/pending_deployments"
    ));
    let pending = pending.as_array().unwrap();
    assert_eq!(pending.len(), 1, "{pending:?}");
    assert_eq!(pending[0]["environment"]["name"], "staging");
    assert_eq!(pending[0]["current_user_can_approve"], true);
    assert!(!pending[0]["reviewers"].as_array().unwrap().is_empty());
    let env_id = pending[0]["environment"]["id"].as_u64().unwrap();

    let path = format!("{ORDERS}/actions/runs/{run_id}/pending_deployments");
    let no_comment = ci.post(
        &path,
        json!({"environment_ids": [env_id], "state": "approved"}),
    );
    assert_eq!(no_comment.status, 422);
    assert!(
        no_comment.json()["message"]
            .as_str()
            .unwrap()
            .contains("\"comment\" wasn't supplied")
    );
    assert!(no_comment.json()["documentation_url"].is_string());
    let wrong = ci.post(
        &path,
        json!({"environment_ids": [1], "state": "approved", "comment": "x"}),
    );
    assert_eq!(wrong.status, 422, "{}", wrong.text);

    let before = ci.rollout_image("rollout", "orders", "orders-api");
    let ok = ci.post(
        &path,
        json!({"environment_ids": [env_id], "state": "approved", "comment": "LGTM"}),
    );
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(ok.json()[0]["environment"], "staging");
    ci.advance(15.0);
    let after = ci.rollout_image("rollout", "orders", "orders-api");
    assert_ne!(before, after);
    assert_eq!(after, format!("ghcr.io/acme/orders-api:sha-{sha7}"));
    let approvals = ci.get_json(&format!("{ORDERS}/actions/runs/{run_id}/approvals"));
    assert_eq!(approvals[0]["comment"], "LGTM");

    let run = wait_run(&ci, run_id, "completed", 120);
    assert_eq!(run["conclusion"], "success");

    // Job logs: a redirect to a short-lived URL that needs no token and expires.
    let jobs = ci.get_json(&format!("{ORDERS}/actions/runs/{run_id}/jobs"));
    let job_id = job_named(&jobs, "deploy-staging")["id"].as_u64().unwrap();
    let redirect = ci.get(&format!("{ORDERS}/actions/jobs/{job_id}/logs"));
    assert_eq!(redirect.status, 302);
    let location = redirect.header("location");
    let log = ci.call("GET", &location, None, &[("no-token", "")]);
    assert_eq!(log.status, 200);
    assert!(log.header("content-type").starts_with("text/plain"));
    let first = log.text.lines().next().unwrap();
    assert!(
        regex::Regex::new(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z ")
            .unwrap()
            .is_match(first),
        "{first}"
    );
    assert!(log.text.contains("##[group]Run"), "{}", log.text);
    assert!(
        log.text.contains(&format!("sha-{sha7}")),
        "the deploy step reports the image: {}",
        log.text
    );
    ci.advance(61.0);
    assert_eq!(
        ci.call("GET", &location, None, &[("no-token", "")]).status,
        403
    );
}

#[test]
fn rejecting_the_gate_fails_the_run_and_leaves_the_cluster_alone() {
    let ci = Ci::start();
    ci.advance(10.0);
    let run = latest_orders_run(&ci);
    let run_id = run["id"].as_u64().unwrap();
    assert_eq!(run["status"], "waiting");
    let pending = ci.get_json(&format!(
        "{ORDERS}/actions/runs/{run_id}/pending_deployments"
    ));
    let env_id = pending[0]["environment"]["id"].as_u64().unwrap();
    let before = ci.rollout_image("rollout", "orders", "orders-api");
    let path = format!("{ORDERS}/actions/runs/{run_id}/pending_deployments");
    let rejected = ci.post(
        &path,
        json!({"environment_ids": [env_id], "state": "rejected", "comment": "not today"}),
    );
    assert_eq!(rejected.status, 200, "{}", rejected.text);
    ci.advance(5.0);
    let run = ci.get_json(&format!("{ORDERS}/actions/runs/{run_id}"));
    assert_eq!(
        (run["status"].as_str(), run["conclusion"].as_str()),
        (Some("completed"), Some("failure"))
    );
    let jobs = ci.get_json(&format!("{ORDERS}/actions/runs/{run_id}/jobs"));
    assert_eq!(job_named(&jobs, "deploy-staging")["conclusion"], "failure");
    ci.advance(20.0);
    assert_eq!(ci.rollout_image("rollout", "orders", "orders-api"), before);

    // A completed run cannot be cancelled; a rerun keeps the id and bumps the attempt.
    assert_eq!(
        ci.post(&format!("{ORDERS}/actions/runs/{run_id}/cancel"), json!({}))
            .status,
        409
    );
    let rerun = ci.post(
        &format!("{ORDERS}/actions/runs/{run_id}/rerun-failed-jobs"),
        json!({}),
    );
    assert_eq!(rerun.status, 201, "{}", rerun.text);
    let run = ci.get_json(&format!("{ORDERS}/actions/runs/{run_id}"));
    assert_eq!(run["id"].as_u64(), Some(run_id));
    assert_eq!(run["run_attempt"], 2);
    assert_ne!(run["status"], "completed");
    let latest = ci.get_json(&format!("{ORDERS}/actions/runs/{run_id}/jobs"));
    let all = ci.get_json(&format!("{ORDERS}/actions/runs/{run_id}/jobs?filter=all"));
    assert!(all["total_count"].as_u64() > latest["total_count"].as_u64());
    assert!(
        latest["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|j| j["run_attempt"] == 2)
    );
    let again = ci.post(&format!("{ORDERS}/actions/runs/{run_id}/rerun"), json!({}));
    assert_eq!(
        again.status, 403,
        "a running run cannot be rerun: {}",
        again.text
    );
    let cancel = ci.post(&format!("{ORDERS}/actions/runs/{run_id}/cancel"), json!({}));
    assert_eq!(cancel.status, 202);
    let run = ci.get_json(&format!("{ORDERS}/actions/runs/{run_id}"));
    assert_eq!(run["conclusion"], "cancelled");
}

#[test]
fn github_etags_rate_limits_pagination_and_errors() {
    let ci = Ci::start();
    // Pagination past 100 items by following Link.
    let mut url = format!("{ORDERS}/actions/runs?per_page=100");
    let mut seen = std::collections::BTreeSet::new();
    let mut total;
    let mut pages = 0;
    loop {
        let a = ci.get(&url);
        assert_eq!(a.status, 200);
        let body = a.json();
        total = body["total_count"].as_u64().unwrap();
        for r in body["workflow_runs"].as_array().unwrap() {
            assert!(
                seen.insert(r["id"].as_u64().unwrap()),
                "duplicate run across pages"
            );
        }
        pages += 1;
        let link = a.header("link");
        let next = link
            .split(", ")
            .find(|l| l.ends_with("rel=\"next\""))
            .map(|l| {
                l.trim_start_matches('<')
                    .split('>')
                    .next()
                    .unwrap()
                    .to_string()
            });
        if pages == 1 {
            assert!(link.contains("rel=\"last\""), "{link}");
        }
        match next {
            Some(n) => url = n,
            None => break,
        }
    }
    assert!(total > 100, "only {total} runs");
    assert_eq!(seen.len() as u64, total);
    assert!(pages >= 2);
    let failed = ci.get_json(&format!(
        "{ORDERS}/actions/runs?status=failure&per_page=100"
    ));
    assert!(
        failed["total_count"].as_u64().unwrap() > 0,
        "the history has failures"
    );
    assert!(
        failed["workflow_runs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["conclusion"] == "failure")
    );
    let by_file = ci.get_json(&format!(
        "{ORDERS}/actions/workflows/ci-cd.yml/runs?per_page=1"
    ));
    assert_eq!(by_file["total_count"].as_u64(), Some(total));

    // ETag and If-None-Match: a 304 costs nothing.
    let path = format!("{ORDERS}/actions/runs?per_page=5");
    let first = ci.get(&path);
    let tag = first.header("etag");
    assert!(tag.starts_with("W/\""), "{tag}");
    let remaining: u32 = first.header("x-ratelimit-remaining").parse().unwrap();
    assert_eq!(first.header("x-ratelimit-limit"), "5000");
    assert_eq!(first.header("x-ratelimit-resource"), "core");
    let again = ci.call("GET", &path, None, &[("if-none-match", &tag)]);
    assert_eq!(again.status, 304);
    assert!(again.text.is_empty());
    assert_eq!(
        again
            .header("x-ratelimit-remaining")
            .parse::<u32>()
            .unwrap(),
        remaining
    );
    let third = ci.get(&path);
    assert_eq!(
        third
            .header("x-ratelimit-remaining")
            .parse::<u32>()
            .unwrap(),
        remaining - 1
    );

    // The budget runs out.
    let set = ci.post(
        "/sim/ci/budget",
        json!({"provider": "github", "remaining": 0}),
    );
    assert_eq!(set.status, 200, "{}", set.text);
    let limited = ci.get(&path);
    assert_eq!(limited.status, 403);
    assert_eq!(limited.header("x-ratelimit-remaining"), "0");
    assert!(limited.header("retry-after").parse::<u32>().unwrap() > 0);
    assert!(
        limited.json()["message"]
            .as_str()
            .unwrap()
            .starts_with("API rate limit exceeded for user ID 1.")
    );
    ci.post(
        "/sim/ci/budget",
        json!({"provider": "github", "remaining": 5000}),
    );

    // Errors in GitHub's format.
    let bad = ci.call(
        "GET",
        &path,
        None,
        &[("no-token", ""), ("authorization", "Bearer nope")],
    );
    assert_eq!(bad.status, 401);
    assert_eq!(
        bad.json(),
        json!({"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"})
    );
    let missing = ci.get("/github/repos/acme/nope/actions/runs");
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["message"], "Not Found");

    // Environments with their protection rules.
    let envs = ci.get_json(&format!("{ORDERS}/environments"));
    let staging = envs["environments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "staging")
        .unwrap();
    assert_eq!(staging["protection_rules"][0]["type"], "required_reviewers");
    let prod = ci.get_json(&format!("{ORDERS}/environments/production"));
    assert!(
        prod["protection_rules"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["type"] == "wait_timer" && r["wait_timer"] == 5)
    );

    // A dispatched deploy.yml run targets the chosen environment.
    let og = "/github/repos/kasbench/globeco-order-generation-service";
    let d = ci.post(
        &format!("{og}/actions/workflows/deploy.yml/dispatches"),
        json!({"ref": "main", "inputs": {"environment": "staging", "image_tag": "1.4.1"}}),
    );
    assert_eq!(d.status, 204, "{}", d.text);
    let runs = ci.get_json(&format!(
        "{og}/actions/workflows/deploy.yml/runs?per_page=1"
    ));
    assert_eq!(runs["workflow_runs"][0]["event"], "workflow_dispatch");
    ci.advance(60.0);
    assert_eq!(
        ci.rollout_image(
            "deployment",
            "globeco-staging",
            "globeco-order-generation-service"
        ),
        "kasbench/globeco-order-generation-service:1.4.1"
    );
}

/// `GET` with `If-None-Match`: the status and the entity tag answered.
fn conditional(ci: &Ci, path: &str, tag: &str) -> (u16, String) {
    let a = ci.call("GET", path, None, &[("if-none-match", tag)]);
    (a.status, a.header("etag"))
}

#[test]
fn github_run_lists_filter_by_creation_time_and_stay_unchanged_while_steps_move() {
    let ci = Ci::start();
    let wf = format!("{ORDERS}/actions/workflows/ci-cd.yml/runs");
    let all = ci.get_json(&format!("{wf}?per_page=100"));
    let newest = all["workflow_runs"][0]["created_at"]
        .as_str()
        .unwrap()
        .to_string();
    let since = format!("{wf}?created=%3E{newest}&per_page=1");
    let none = ci.get(&since);
    assert_eq!(none.status, 200, "{}", none.text);
    assert_eq!(none.json()["total_count"], 0, "nothing after the newest");
    let at = ci.get_json(&format!("{wf}?created={newest}"));
    assert!(
        at["total_count"].as_u64().unwrap() >= 1,
        "the newest itself"
    );
    let before = ci.get_json(&format!("{wf}?per_page=100&created=%3C{newest}"));
    assert!(
        before["workflow_runs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["created_at"].as_str().unwrap() < newest.as_str())
    );
    let day = &newest[..10];
    let that_day = ci.get_json(&format!("{wf}?per_page=100&created={day}"));
    assert!(
        that_day["workflow_runs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["created_at"].as_str().unwrap().starts_with(day))
    );
    let bad = ci.get(&format!("{wf}?created=yesterday"));
    assert_eq!(bad.status, 422, "{}", bad.text);

    // The answers change only when the filtered runs do: the completed list stays a 304
    // while the running runs move, the list since the newest until a run is created.
    let completed = format!("{wf}?status=completed&per_page=10");
    let first = ci.get(&completed);
    assert!(
        first.json()["workflow_runs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] == "completed")
    );
    let (done_tag, none_tag) = (first.header("etag"), none.header("etag"));
    let full = format!("{wf}?per_page=10");
    let full_tag = ci.get(&full).header("etag");
    ci.advance(10.0);
    assert_eq!(conditional(&ci, &completed, &done_tag).0, 304);
    assert_eq!(conditional(&ci, &since, &none_tag).0, 304);
    assert_eq!(
        conditional(&ci, &full, &full_tag).0,
        200,
        "the latest run moved"
    );
    let d = ci.post(
        &format!("{ORDERS}/actions/workflows/ci-cd.yml/dispatches"),
        json!({"ref": "main", "return_run_details": true}),
    );
    assert_eq!(d.status, 200, "{}", d.text);
    let id = d.json()["workflow_run_id"].as_u64().unwrap();
    let (status, _) = conditional(&ci, &since, &none_tag);
    assert_eq!(status, 200, "a run was created");
    assert_eq!(ci.get_json(&since)["workflow_runs"][0]["id"], id);
    let both = ci.get_json(&format!("{wf}?status=completed&created=%3E{newest}"));
    assert_eq!(both["total_count"], 0, "filters combine: {both}");
}

/// A job list's `(id, status, conclusion)` triples, steps left out.
fn job_states(list: &Value, key: &str) -> Vec<(u64, String, String)> {
    list[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| {
            (
                j["id"].as_u64().unwrap(),
                j["status"].as_str().unwrap_or("").to_string(),
                j["conclusion"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn github_check_runs_are_the_jobs_without_their_steps() {
    let ci = Ci::start();
    let d = ci.post(
        &format!("{ORDERS}/actions/workflows/ci-cd.yml/dispatches"),
        json!({"ref": "main", "return_run_details": true}),
    );
    assert_eq!(d.status, 200, "{}", d.text);
    let run_id = d.json()["workflow_run_id"].as_u64().unwrap();
    let suite = ci.get_json(&format!("{ORDERS}/actions/runs/{run_id}"))["check_suite_id"]
        .as_u64()
        .unwrap();
    let checks = format!("{ORDERS}/check-suites/{suite}/check-runs?per_page=100");
    let jobs = format!("{ORDERS}/actions/runs/{run_id}/jobs?per_page=100");
    let (mut steps_only, mut with_jobs) = (0, 0);
    let mut before: Option<(Answer, Answer)> = None;
    for _ in 0..120 {
        let (c, j) = (ci.get(&checks), ci.get(&jobs));
        assert_eq!(c.status, 200, "{}", c.text);
        let (cv, jv) = (c.json(), j.json());
        assert_eq!(job_states(&cv, "check_runs"), job_states(&jv, "jobs"));
        assert!(cv["check_runs"][0].get("steps").is_none());
        assert_eq!(cv["check_runs"][0]["check_suite"]["id"], suite);
        if let Some((bc, bj)) = &before {
            let jobs_moved = bj.text != j.text;
            let states_moved =
                job_states(&bc.json(), "check_runs") != job_states(&cv, "check_runs");
            let (again, _) = conditional(&ci, &checks, &bc.header("etag"));
            assert_eq!(
                again == 304,
                !states_moved,
                "a check run list changes with job states only"
            );
            if jobs_moved && !states_moved {
                steps_only += 1;
            }
            if states_moved {
                with_jobs += 1;
            }
        }
        before = Some((c, j));
        ci.advance(2.0);
    }
    assert!(steps_only > 0 && with_jobs > 0, "{steps_only} {with_jobs}");
    let other = ci.get(&format!("{ORDERS}/check-suites/{}/check-runs", suite + 1));
    assert_eq!(other.status, 404);
}

const FS: &str = "/gitlab/api/v4/projects/bnpl%2Ffeature-store";

fn gl(ci: &Ci, method: &str, path: &str, body: Option<Value>) -> Answer {
    let token = ci.handle.token.clone();
    ci.call(
        method,
        path,
        body,
        &[("no-token", ""), ("private-token", &token)],
    )
}

#[test]
fn gitlab_manual_production_job_blocked_deployment_and_retry() {
    let ci = Ci::start();
    let project = gl(&ci, "GET", FS, None);
    assert_eq!(project.status, 200, "{}", project.text);
    assert_eq!(project.json()["path_with_namespace"], "bnpl/feature-store");
    let unencoded = gl(
        &ci,
        "GET",
        "/gitlab/api/v4/projects/bnpl/feature-store/pipelines",
        None,
    );
    assert_eq!(unencoded.status, 404);
    let by_id = gl(&ci, "GET", "/gitlab/api/v4/projects/4211", None);
    assert_eq!(by_id.json()["id"], 4211);
    let nope = gl(
        &ci,
        "GET",
        "/gitlab/api/v4/projects/bnpl%2Fnope/pipelines",
        None,
    );
    assert_eq!(
        (nope.status, nope.json()["message"].clone()),
        (404, json!("404 Project Not Found"))
    );
    let bad = ci.call(
        "GET",
        FS,
        None,
        &[("no-token", ""), ("private-token", "wrong")],
    );
    assert_eq!(
        (bad.status, bad.json()),
        (401, json!({"message": "401 Unauthorized"}))
    );

    // Pagination headers.
    let page = gl(&ci, "GET", &format!("{FS}/pipelines?per_page=5"), None);
    assert_eq!(page.header("x-page"), "1");
    assert_eq!(page.header("x-per-page"), "5");
    assert_eq!(page.header("x-next-page"), "2");
    assert_eq!(page.header("x-prev-page"), "");
    let total: usize = page.header("x-total").parse().unwrap();
    assert!(total > 5);
    assert!(page.header("link").contains("rel=\"next\""));
    assert!(!page.header("ratelimit-remaining").is_empty());
    let last_page = page.header("x-total-pages");
    let last = gl(
        &ci,
        "GET",
        &format!("{FS}/pipelines?per_page=5&page={last_page}"),
        None,
    );
    assert_eq!(last.header("x-next-page"), "");

    let pipes = page.json();
    let live = pipes
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["sha"].as_str().unwrap().starts_with("7c3d2a9"))
        .unwrap();
    let pid = live["id"].as_u64().unwrap();
    let jobs = gl(
        &ci,
        "GET",
        &format!("{FS}/pipelines/{pid}/jobs?per_page=100"),
        None,
    )
    .json();
    let jobs = jobs.as_array().unwrap();
    let ids: Vec<u64> = jobs.iter().map(|j| j["id"].as_u64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
    let names: Vec<&str> = jobs.iter().map(|j| j["name"].as_str().unwrap()).collect();
    for n in [
        "test:unit 1/3",
        "test:unit 2/3",
        "test:unit 3/3",
        "deploy:staging",
        "deploy:production",
    ] {
        assert!(names.contains(&n), "{names:?}");
    }
    let prod = jobs
        .iter()
        .find(|j| j["name"] == "deploy:production")
        .unwrap();
    assert_eq!(prod["status"], "manual");
    assert_eq!(prod["stage"], "deploy");
    let prod_id = prod["id"].as_u64().unwrap();
    let manual = gl(
        &ci,
        "GET",
        &format!("{FS}/pipelines/{pid}/jobs?scope[]=manual"),
        None,
    )
    .json();
    assert_eq!(manual.as_array().unwrap().len(), 1);
    let both = gl(
        &ci,
        "GET",
        &format!("{FS}/pipelines/{pid}/jobs?scope[]=manual&scope[]=success&per_page=100"),
        None,
    )
    .json();
    assert!(both.as_array().unwrap().len() > 1);

    let blocked = gl(
        &ci,
        "GET",
        &format!("{FS}/deployments?status=blocked"),
        None,
    )
    .json();
    let blocked = blocked.as_array().unwrap();
    assert_eq!(blocked.len(), 1, "{blocked:?}");
    assert_eq!(blocked[0]["environment"]["name"], "production");
    assert_eq!(blocked[0]["pending_approval_count"], 1);
    assert_eq!(blocked[0]["deployable"]["id"].as_u64(), Some(prod_id));
    let dep_id = blocked[0]["id"].as_u64().unwrap();
    let protected = gl(&ci, "GET", &format!("{FS}/protected_environments"), None).json();
    assert_eq!(protected[0]["name"], "production");

    let early = gl(&ci, "POST", &format!("{FS}/jobs/{prod_id}/play"), None);
    assert_eq!(early.status, 403, "blocked until approved: {}", early.text);
    let approval = gl(
        &ci,
        "POST",
        &format!("{FS}/deployments/{dep_id}/approval"),
        Some(json!({"status": "approved", "comment": "canary plan ok"})),
    );
    assert_eq!(approval.status, 201, "{}", approval.text);
    assert_eq!(approval.json()["status"], "approved");
    let dep = gl(&ci, "GET", &format!("{FS}/deployments/{dep_id}"), None).json();
    assert_ne!(dep["status"], "blocked");
    assert_eq!(dep["approvals"][0]["comment"], "canary plan ok");
    let job = gl(&ci, "GET", &format!("{FS}/jobs/{prod_id}"), None).json();
    assert_eq!(job["status"], "manual", "approval does not start the job");

    let played = gl(&ci, "POST", &format!("{FS}/jobs/{prod_id}/play"), None);
    assert_eq!(played.status, 200, "{}", played.text);
    assert_eq!(played.json()["status"], "pending");
    ci.advance(90.0);
    let job = gl(&ci, "GET", &format!("{FS}/jobs/{prod_id}"), None).json();
    assert_eq!(job["status"], "success", "{job}");
    assert_eq!(
        ci.rollout_image("rollout", "bnpl", "feature-store"),
        "gcr.io/feature-store-prod/feature-store:7c3d2a9"
    );
    let trace = gl(&ci, "GET", &format!("{FS}/jobs/{prod_id}/trace"), None);
    assert_eq!(trace.status, 200);
    assert!(trace.header("content-type").starts_with("text/plain"));
    assert!(
        trace.text.contains("section_start:") && trace.text.contains(":step_script\r\x1b[0K"),
        "{}",
        trace.text
    );
    assert!(trace.text.contains("section_end:"));
    assert!(trace.text.contains("Job succeeded"));

    let again = gl(&ci, "POST", &format!("{FS}/jobs/{prod_id}/play"), None);
    assert_eq!(
        (again.status, again.json()["message"].clone()),
        (400, json!("400 Bad request - Unplayable Job"))
    );

    // Retry gives a new job; the old one is only listed with include_retried.
    let lint = jobs.iter().find(|j| j["name"] == "lint").unwrap()["id"]
        .as_u64()
        .unwrap();
    let retried = gl(&ci, "POST", &format!("{FS}/jobs/{lint}/retry"), None);
    assert_eq!(retried.status, 201, "{}", retried.text);
    let new_id = retried.json()["id"].as_u64().unwrap();
    assert_ne!(new_id, lint);
    assert_eq!(retried.json()["name"], "lint");
    let listed = gl(
        &ci,
        "GET",
        &format!("{FS}/pipelines/{pid}/jobs?per_page=100"),
        None,
    )
    .json();
    let listed_ids: Vec<u64> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_u64().unwrap())
        .collect();
    assert!(listed_ids.contains(&new_id) && !listed_ids.contains(&lint));
    let with_old = gl(
        &ci,
        "GET",
        &format!("{FS}/pipelines/{pid}/jobs?per_page=100&include_retried=true"),
        None,
    )
    .json();
    assert!(
        with_old
            .as_array()
            .unwrap()
            .iter()
            .any(|j| j["id"].as_u64() == Some(lint))
    );

    // The budget runs out: 429 with Retry-After.
    ci.post(
        "/sim/ci/budget",
        json!({"provider": "gitlab", "remaining": 0}),
    );
    let limited = gl(&ci, "GET", FS, None);
    assert_eq!(limited.status, 429);
    assert!(limited.header("retry-after").parse::<u32>().unwrap() > 0);
    assert_eq!(limited.header("ratelimit-remaining"), "0");
}
