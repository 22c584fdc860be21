//! The GitHub and GitLab clients against the simulator: runs, jobs and steps moving with the
//! clock, conditional requests, pagination, rate-limit pauses, errors without tokens, gates
//! and logs; the server's clock learned from `Date`; one client shared by the CI driver.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use quarterdeck::effects::{CiDriver, CiSetup};
use quarterdeck::integrations::github::{self, GitHubClient, GithubWatch};
use quarterdeck::integrations::gitlab::{self, GitLabClient, GitlabWatch};
use quarterdeck::integrations::rest::{Clock, Pacing, ServerClock, SystemClock, Token};
use quarterdeck_core::Msg;
use quarterdeck_core::gate::GateKind;
use quarterdeck_core::link::{CiLink, CiWatch};
use quarterdeck_core::pipeline::{
    CiErrorKind, CiSource, CiStatus, CiUpdate, JobLogState, JobRef, Provider,
};
use quarterdeck_sim::{Sim, SimConfig, SimHandle};
use serde_json::{Value, json};
use tokio::sync::mpsc;

/// Simulated start: 2026-11-22T03:20:00Z.
const START_MS: i64 = 1_795_317_600_000;
const ORDERS: &str = "acme/orders-api";
const FEATURE_STORE: &str = "bnpl/feature-store";
const WAIT: Duration = Duration::from_secs(20);

/// The simulator's clock read in-process. The app learns it from `Date` headers instead
/// ([`ServerClock`]), but a paused client sends nothing, so tests that advance a frozen clock
/// past a pause read it here.
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

fn clock(h: &SimHandle) -> Arc<dyn Clock> {
    Arc::new(SimClock(h.sim.clone()))
}

fn github(h: &SimHandle) -> Arc<GitHubClient> {
    let token = Token::new(h.token.clone(), "GITHUB_TOKEN");
    Arc::new(GitHubClient::new(&format!("{}/github", h.base_url()), Some(token), clock(h)).unwrap())
}

fn gitlab(h: &SimHandle) -> Arc<GitLabClient> {
    let token = Token::new(h.token.clone(), "GITLAB_TOKEN");
    Arc::new(GitLabClient::new(&format!("{}/gitlab", h.base_url()), Some(token), clock(h)).unwrap())
}

async fn control(h: &SimHandle, path: &str, body: Value) -> Value {
    let resp = reqwest::Client::new()
        .post(format!("{}{path}", h.base_url()))
        .bearer_auth(&h.token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{path}: {}", resp.status());
    resp.json().await.unwrap_or(Value::Null)
}

async fn advance(h: &SimHandle, seconds: u64) {
    control(h, "/sim/clock", json!({"advance_seconds": seconds})).await;
}

/// Waits (with a timeout) for the first update that `pick` accepts.
async fn until<T>(
    rx: &mut mpsc::Receiver<CiUpdate>,
    mut pick: impl FnMut(&CiUpdate) -> Option<T>,
) -> T {
    tokio::time::timeout(WAIT, async {
        loop {
            let u = rx.recv().await.expect("poller stopped");
            if let Some(t) = pick(&u) {
                return t;
            }
        }
    })
    .await
    .expect("no matching update in time")
}

fn fast() -> Pacing {
    Pacing {
        fast_ms: 100,
        slow_ms: 200,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn github_runs_jobs_and_steps_move_with_the_clock_to_a_gate() {
    let h = start().await;
    let gh = github(&h);
    let runs = gh.runs(ORDERS, Some("ci-cd.yml"), 5).await.unwrap();
    let live = runs[0].clone();
    assert_eq!(live.status, CiStatus::Running, "{:?}", live.provider_status);
    assert_eq!(live.title, "Add idempotency keys to order creation");
    let stages = gh.jobs(ORDERS, live.id).await.unwrap();
    let done: Vec<_> = stages
        .iter()
        .flat_map(|s| &s.jobs)
        .filter(|j| j.status == CiStatus::Success)
        .collect();
    assert!(
        !done.is_empty(),
        "finished jobs before the gate: {stages:#?}"
    );
    assert!(
        done.iter()
            .all(|j| !j.steps.is_empty() && j.steps.iter().all(|s| s.status == CiStatus::Success))
    );

    advance(&h, 10).await;
    let runs = gh.runs(ORDERS, Some("ci-cd.yml"), 5).await.unwrap();
    let waiting = runs.iter().find(|r| r.id == live.id).unwrap();
    assert_eq!(
        (waiting.status.clone(), waiting.provider_status.as_str()),
        (CiStatus::Waiting, "waiting")
    );
    let stages = gh.jobs(ORDERS, live.id).await.unwrap();
    let gate_job = stages
        .iter()
        .flat_map(|s| &s.jobs)
        .find(|j| j.status == CiStatus::Waiting)
        .unwrap();
    assert_eq!(gate_job.name, "deploy-staging");
    let pending = gh.pending_deployments(ORDERS, live.id).await.unwrap();
    assert_eq!(pending[0].environment, "staging");
    assert!(pending[0].current_user_can_approve);
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unchanged_poll_is_a_304_that_costs_no_budget() {
    let h = start().await;
    let gh = github(&h);
    let path = format!("/repos/{ORDERS}/actions/runs?per_page=5");
    let first = gh.rest().get(&path).await.unwrap();
    assert!(!first.not_modified);
    let used = h.sim.world().ci.github_budget.used;
    gh.rest().take_spent();
    let second = gh.rest().get(&path).await.unwrap();
    assert!(second.not_modified);
    assert_eq!(second.body, first.body, "the cached body is reused");
    assert_eq!(h.sim.world().ci.github_budget.used, used, "a 304 is free");
    assert_eq!(gh.rest().take_spent(), 0);
    assert_eq!(gh.rest().limits().remaining, Some(5000 - used));
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exhausted_budget_pauses_polling_until_the_reset() {
    let h = start().await;
    let gh = github(&h);
    let budget = control(
        &h,
        "/sim/ci/budget",
        json!({"provider": "github", "remaining": 0}),
    )
    .await;
    let reset_ms = budget["reset"].as_i64().unwrap() * 1000;
    let (tx, mut rx) = mpsc::channel(64);
    let watch = GithubWatch {
        release: "orders-api".into(),
        repo: ORDERS.into(),
        workflows: vec!["ci-cd.yml".into()],
    };
    let options = github::PollOptions {
        pacing: fast(),
        runs_per_workflow: 5,
    };
    let (_focus, on_screen) = tokio::sync::watch::channel(Some("orders-api".to_string()));
    let task = tokio::spawn(github::poll(
        gh.clone(),
        vec![watch],
        options,
        on_screen,
        tx,
    ));
    let message = until(&mut rx, |u| match u {
        CiUpdate::SourceError {
            kind: CiErrorKind::RateLimited,
            message,
            ..
        } => Some(message.clone()),
        _ => None,
    })
    .await;
    assert!(
        message.starts_with("GitHub rate limit reached"),
        "{message}"
    );
    let paused = until(&mut rx, |u| match u {
        CiUpdate::RateLimit {
            provider: Provider::GitHub,
            state,
        } => Some(state.clone()),
        _ => None,
    })
    .await;
    assert_eq!(paused.remaining, Some(0));
    assert_eq!(
        paused.paused_until_ms,
        Some(reset_ms),
        "retry-after from the simulated now ends at the reset"
    );
    let sent = gh.rest().requests_sent();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(gh.rest().requests_sent(), sent, "no request while paused");

    task.abort();
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gitlab_429_pauses_polling_and_the_next_window_resumes_it() {
    let h = start().await;
    let gl = gitlab(&h);
    let budget = control(
        &h,
        "/sim/ci/budget",
        json!({"provider": "gitlab", "remaining": 0}),
    )
    .await;
    let reset_ms = budget["reset"].as_i64().unwrap() * 1000;
    let (tx, mut rx) = mpsc::channel(64);
    let watch = GitlabWatch {
        release: "feature-store".into(),
        project: FEATURE_STORE.into(),
    };
    let options = gitlab::PollOptions {
        pacing: fast(),
        pipelines: 3,
    };
    let task = tokio::spawn(gitlab::poll(gl.clone(), vec![watch], options, tx));
    let message = until(&mut rx, |u| match u {
        CiUpdate::SourceError {
            kind: CiErrorKind::RateLimited,
            message,
            ..
        } => Some(message.clone()),
        _ => None,
    })
    .await;
    assert!(
        message.starts_with("GitLab rate limit reached"),
        "{message}"
    );
    assert!(
        message.ends_with("polling paused until 03:21:00 UTC"),
        "{message}"
    );
    let paused = until(&mut rx, |u| match u {
        CiUpdate::RateLimit { state, .. } if state.paused_until_ms.is_some() => Some(state.clone()),
        _ => None,
    })
    .await;
    assert_eq!(paused.paused_until_ms, Some(reset_ms));
    advance(&h, 61).await;
    // One cycle reports the pipelines, then the budget that answered them.
    let mut pipelines = false;
    let resumed = until(&mut rx, |u| match u {
        CiUpdate::Pipelines { .. } => {
            pipelines = true;
            None
        }
        CiUpdate::RateLimit { state, .. } if state.paused_until_ms.is_none() => Some(state.clone()),
        _ => None,
    })
    .await;
    assert!(pipelines, "polling resumed with the pipelines");
    assert!(resumed.remaining.unwrap() > 1900, "{resumed:?}");
    task.abort();
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pagination_follows_next_links_past_100_items() {
    let h = start().await;
    let runs = github(&h).runs(ORDERS, None, 1000).await.unwrap();
    assert!(runs.len() > 100, "three weeks of history: {}", runs.len());
    let mut ids: Vec<u64> = runs.iter().map(|r| r.id).collect();
    let read = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), read, "no page read twice");
    let pipelines = gitlab(&h).pipelines(FEATURE_STORE, 30).await.unwrap();
    assert_eq!(pipelines.len(), 30, "two pages of 20 by x-next-page / Link");
    assert!(
        pipelines.windows(2).all(|w| w[0].id > w[1].id),
        "newest first"
    );
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_token_is_named_by_its_variable_and_never_shown() {
    let h = start().await;
    let secret = "ghp_wrongwrongwrong0123456789";
    let bad = Token::new(secret, "GITHUB_TOKEN");
    let gh = GitHubClient::new(&format!("{}/github", h.base_url()), Some(bad), clock(&h)).unwrap();
    let e = gh.runs(ORDERS, None, 5).await.unwrap_err();
    assert_eq!(e.kind, CiErrorKind::Unauthorized);
    assert_eq!(
        e.message,
        "GitHub rejected the token from GITHUB_TOKEN (401 Bad credentials)"
    );
    let shown = format!("{e} {e:?} {gh:?}");
    assert!(!shown.contains(secret), "{shown}");
    let gl_bad = Token::new(secret, "GITLAB_TOKEN");
    let gl =
        GitLabClient::new(&format!("{}/gitlab", h.base_url()), Some(gl_bad), clock(&h)).unwrap();
    let e = gl.pipelines(FEATURE_STORE, 5).await.unwrap_err();
    assert!(
        e.message
            .starts_with("GitLab rejected the token from GITLAB_TOKEN (401 "),
        "{e}"
    );
    assert!(!format!("{e:?} {gl:?}").contains(secret));
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gitlab_paths_are_encoded_and_a_missing_project_says_where_to_look() {
    let h = start().await;
    let gl = gitlab(&h);
    let pipelines = gl.pipelines(FEATURE_STORE, 3).await.unwrap();
    assert_eq!(pipelines[0].project, FEATURE_STORE);
    let manual = gl
        .pipeline_jobs_in(FEATURE_STORE, pipelines[0].id, &["manual", "success"])
        .await
        .unwrap();
    assert!(
        manual
            .iter()
            .all(|j| matches!(j.status, CiStatus::Manual | CiStatus::Success))
    );
    let e = gl.pipelines("bnpl/no-such-project", 3).await.unwrap_err();
    assert_eq!(e.kind, CiErrorKind::NotFound);
    assert_eq!(
        e.message,
        "GitLab project bnpl/no-such-project not found (404) — check the [[release]] gitlab setting, and that the token can see it"
    );
    let e = github(&h)
        .runs("acme/no-such-repo", None, 3)
        .await
        .unwrap_err();
    assert_eq!(
        e.message,
        "GitHub repository acme/no-such-repo not found (404) — check the [[release]] github setting, and that the token can see it"
    );
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gitlab_poller_reports_pipelines_and_the_blocked_production_gate() {
    let h = start().await;
    let (tx, mut rx) = mpsc::channel(64);
    let watch = GitlabWatch {
        release: "feature-store".into(),
        project: FEATURE_STORE.into(),
    };
    let options = gitlab::PollOptions {
        pacing: fast(),
        pipelines: 5,
    };
    let task = tokio::spawn(gitlab::poll(gitlab(&h), vec![watch], options, tx));
    let runs = until(&mut rx, |u| match u {
        CiUpdate::Pipelines { runs, .. } => Some(runs.clone()),
        _ => None,
    })
    .await;
    assert!(
        !runs[0].stages.is_empty(),
        "the newest pipeline comes with its stages"
    );
    let gates = until(&mut rx, |u| match u {
        CiUpdate::Gates { gates, .. } => Some(gates.clone()),
        _ => None,
    })
    .await;
    let blocked = gates
        .iter()
        .find(|g| matches!(g.id.kind, GateKind::GitlabBlockedDeployment { .. }))
        .unwrap_or_else(|| panic!("no blocked deployment among {gates:#?}"));
    assert_eq!(blocked.where_, "production");
    assert!(
        blocked
            .approving_will
            .contains("then starts job 'deploy:production'"),
        "{}",
        blocked.approving_will
    );
    assert_eq!(blocked.release.as_deref(), Some("feature-store"));
    task.abort();
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn job_logs_github_when_complete_and_gitlab_traces_with_sections() {
    let h = start().await;
    let gh = github(&h);
    let runs = gh.runs(ORDERS, Some("ci-cd.yml"), 5).await.unwrap();
    let stages = gh.jobs(ORDERS, runs[0].id).await.unwrap();
    let jobs: Vec<_> = stages.iter().flat_map(|s| s.jobs.clone()).collect();
    let done = jobs.iter().find(|j| j.status == CiStatus::Success).unwrap();
    let source = CiSource {
        provider: Provider::GitHub,
        project: ORDERS.into(),
    };
    let (tx, mut rx) = mpsc::channel(8);
    let job = JobRef {
        source: source.clone(),
        job_id: done.id,
    };
    tokio::spawn(github::follow_job_log(gh.clone(), job, fast(), tx));
    let (text, state) = until(&mut rx, |u| match u {
        CiUpdate::JobLog { text, state, .. } => Some((text.clone(), state.clone())),
        _ => None,
    })
    .await;
    assert_eq!(state, JobLogState::Complete);
    assert!(text.contains("##[group]"), "{text}");
    if let Some(running) = jobs.iter().find(|j| !j.status.is_finished()) {
        let (tx, mut rx) = mpsc::channel(8);
        let job = JobRef {
            source,
            job_id: running.id,
        };
        let t = tokio::spawn(github::follow_job_log(gh.clone(), job, fast(), tx));
        let state = until(&mut rx, |u| match u {
            CiUpdate::JobLog { state, .. } => Some(state.clone()),
            _ => None,
        })
        .await;
        assert_eq!(state, JobLogState::Unavailable(github::NOT_YET.into()));
        t.abort();
    }

    let gl = gitlab(&h);
    let pipelines = gl.pipelines(FEATURE_STORE, 3).await.unwrap();
    let raw = gl
        .pipeline_jobs(FEATURE_STORE, pipelines[0].id)
        .await
        .unwrap();
    let finished = raw.iter().find(|j| j.status == "success").unwrap();
    let (tx, mut rx) = mpsc::channel(8);
    let job = JobRef {
        source: CiSource {
            provider: Provider::GitLab,
            project: FEATURE_STORE.into(),
        },
        job_id: finished.id,
    };
    tokio::spawn(gitlab::follow_job_log(gl, job, fast(), tx));
    let (text, sections, state) = until(&mut rx, |u| match u {
        CiUpdate::JobLog {
            text,
            sections,
            state,
            ..
        } => Some((text.clone(), sections.clone(), state.clone())),
        _ => None,
    })
    .await;
    assert_eq!(state, JobLogState::Complete);
    assert!(
        !text.contains("section_start:") && !text.contains("section_end:"),
        "{text}"
    );
    assert!(!sections.is_empty());
    assert!(
        sections
            .iter()
            .all(|s| s.last_line.is_some() && s.duration_s.is_some()),
        "{sections:#?}"
    );
    h.stop().await;
}

/// A GET with the run's token; the answer's `Date` header.
async fn date_of(h: &SimHandle, path: &str, token: bool) -> String {
    let mut req = reqwest::Client::new().get(format!("{}{path}", h.base_url()));
    if token {
        req = req.bearer_auth(&h.token);
    }
    let resp = req.send().await.unwrap();
    let date = resp
        .headers()
        .get("date")
        .map(|v| v.to_str().unwrap().to_string());
    date.unwrap_or_else(|| panic!("{path}: no Date header"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_is_dated_on_the_simulated_clock() {
    let h = start().await;
    let paths = [
        ("/sim/state", true),
        ("/api/v1/namespaces", true),
        ("/github/repos/acme/orders-api/actions/runs", true),
        (
            "/gitlab/api/v4/projects/bnpl%2Ffeature-store/pipelines",
            true,
        ),
        ("/github/repos/acme/orders-api/actions/runs", false),
    ];
    for (path, token) in paths {
        assert_eq!(
            date_of(&h, path, token).await,
            "Sun, 22 Nov 2026 03:20:00 GMT",
            "{path}"
        );
    }
    advance(&h, 90).await;
    for (path, token) in paths {
        assert_eq!(
            date_of(&h, path, token).await,
            "Sun, 22 Nov 2026 03:21:30 GMT",
            "{path}"
        );
    }
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_clock_follows_the_simulated_time_from_its_answers() {
    // 2001-09-09T01:46:40Z, frozen: years from the wall clock.
    const FAR_MS: i64 = 1_000_000_000_000;
    let h = quarterdeck_sim::start(SimConfig {
        frozen: true,
        start_ms: Some(FAR_MS),
        ..Default::default()
    })
    .await
    .unwrap();
    let clock = Arc::new(ServerClock::new());
    let token = Token::new(h.token.clone(), "GITHUB_TOKEN");
    let gh = GitHubClient::new(
        &format!("{}/github", h.base_url()),
        Some(token),
        clock.clone(),
    )
    .unwrap();
    let wall = SystemClock.now_ms();
    assert!(
        (clock.now_ms() - wall).abs() < 60_000,
        "the local clock before any answer"
    );
    gh.runs(ORDERS, None, 1).await.unwrap();
    let now = clock.now_ms();
    assert!(
        (FAR_MS..FAR_MS + 60_000).contains(&now),
        "{now}: the simulated time after an answer"
    );
    advance(&h, 3_600).await;
    gh.runs(ORDERS, None, 1).await.unwrap();
    let later = clock.now_ms();
    assert!(
        (FAR_MS + 3_600_000..FAR_MS + 3_660_000).contains(&later),
        "{later}: an hour later after the clock moved"
    );
    h.stop().await;
}

/// Waits (with a timeout) for the first CI update on the event loop's channel that `pick`
/// accepts.
async fn until_msg<T>(
    rx: &mut mpsc::UnboundedReceiver<Msg>,
    mut pick: impl FnMut(&CiUpdate) -> Option<T>,
) -> T {
    tokio::time::timeout(WAIT, async {
        loop {
            if let Msg::Ci(u) = rx.recv().await.expect("driver stopped")
                && let Some(t) = pick(&u)
            {
                return t;
            }
        }
    })
    .await
    .expect("no matching update in time")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limit_pause_the_poller_met_holds_the_job_log_follower_too() {
    let h = start().await;
    let gh = github(&h);
    let runs = gh.runs(ORDERS, Some("ci-cd.yml"), 5).await.unwrap();
    let stages = gh.jobs(ORDERS, runs[0].id).await.unwrap();
    let done = stages
        .iter()
        .flat_map(|s| &s.jobs)
        .find(|j| j.status == CiStatus::Success)
        .unwrap()
        .id;
    control(
        &h,
        "/sim/ci/budget",
        json!({"provider": "github", "remaining": 0}),
    )
    .await;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let base = h.base_url();
    let token = Some(Token::new(h.token.clone(), "the simulator"));
    let mut driver = CiDriver::new(
        CiSetup {
            github_base: format!("{base}/github"),
            gitlab_base: format!("{base}/gitlab"),
            github_token: token.clone(),
            gitlab_token: token,
            clock: Arc::new(ServerClock::new()),
            pacing: fast(),
        },
        tx,
    );
    driver.watch(vec![CiWatch {
        release: "orders-api".into(),
        link: CiLink::GitHub {
            repo: ORDERS.into(),
            workflows: vec!["ci-cd.yml".into()],
        },
    }]);
    let refused = until_msg(&mut rx, |u| match u {
        CiUpdate::SourceError {
            kind: CiErrorKind::RateLimited,
            message,
            ..
        } => Some(message.clone()),
        _ => None,
    })
    .await;
    assert!(refused.contains("API rate limit exceeded"), "{refused}");

    // The server has budget again, but the pause it imposed lasts until the reset: a follower
    // sharing the poller's client waits too, without asking.
    control(
        &h,
        "/sim/ci/budget",
        json!({"provider": "github", "remaining": 5000}),
    )
    .await;
    driver.follow(JobRef {
        source: CiSource {
            provider: Provider::GitHub,
            project: ORDERS.into(),
        },
        job_id: done,
    });
    let answer = until_msg(&mut rx, |u| match u {
        CiUpdate::JobLog { .. } | CiUpdate::SourceError { .. } => Some(u.clone()),
        _ => None,
    })
    .await;
    match answer {
        CiUpdate::SourceError {
            kind: CiErrorKind::RateLimited,
            message,
            ..
        } => assert!(
            message.starts_with("GitHub rate limit reached; polling paused until"),
            "{message}"
        ),
        CiUpdate::JobLog { state, .. } => {
            panic!("the follower asked the server during the pause (log {state:?})")
        }
        other => panic!("unexpected {other:?}"),
    }
    let budget = control(&h, "/sim/ci/budget", json!({"provider": "github"})).await;
    assert_eq!(budget["remaining"], 5000, "no request reached the server");
    drop(driver);
    h.stop().await;
}
