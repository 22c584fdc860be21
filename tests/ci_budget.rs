//! The CI pollers' API budget at 20 linked projects per provider (the `ci-20` scenario): the
//! GitLab poller asks for jobs only of pipelines that changed, a gate still appears after a
//! change, and (ignored, run by hand) the requests per minute, 304 share and latency of both
//! pollers, idle and with runs active:
//!
//! ```text
//! cargo test --test ci_budget -- --ignored --nocapture
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use quarterdeck::effects::{CiDriver, CiSetup};
use quarterdeck::integrations::gitlab::{self, GitLabClient, GitlabWatch};
use quarterdeck::integrations::rest::{Clock, Pacing, ServerClock, Token};
use quarterdeck_core::Msg;
use quarterdeck_core::gate::GateKind;
use quarterdeck_core::link::{CiLink, CiWatch, ci_from_annotations};
use quarterdeck_core::pipeline::CiUpdate;
use quarterdeck_sim::{Sim, SimConfig, SimHandle};
use serde_json::{Value, json};
use tokio::sync::mpsc;

const START_MS: i64 = 1_795_317_600_000;
const WAIT: Duration = Duration::from_secs(30);

fn scenario() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/scenarios/ci-20.toml"
    ))
}

async fn start(frozen: bool) -> SimHandle {
    quarterdeck_sim::start(SimConfig {
        frozen,
        start_ms: Some(START_MS),
        scenario: Some(scenario()),
        ..Default::default()
    })
    .await
    .unwrap()
}

/// The watches the dashboard derives from the scenario's annotations (`namespace/name` keys).
fn watches() -> Vec<CiWatch> {
    let text = std::fs::read_to_string(scenario()).unwrap();
    let doc: toml::Value = toml::from_str(&text).unwrap();
    doc["workload"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| {
            let annotations = w.get("annotations")?.as_table()?;
            let annotations = annotations
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect();
            let link = ci_from_annotations(&annotations).ok()??;
            let key = format!(
                "{}/{}",
                w["namespace"].as_str()?,
                w["name"].as_str()?
            );
            Some(CiWatch { release: key, link })
        })
        .collect()
}

struct SimClock(Arc<Sim>);

impl Clock for SimClock {
    fn now_ms(&self) -> i64 {
        self.0.world().clock.now_ms
    }
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

async fn stats(h: &SimHandle) -> Value {
    reqwest::Client::new()
        .get(format!("{}/sim/stats", h.base_url()))
        .bearer_auth(&h.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn reset_stats(h: &SimHandle) {
    reqwest::Client::new()
        .delete(format!("{}/sim/stats", h.base_url()))
        .bearer_auth(&h.token)
        .send()
        .await
        .unwrap();
}

/// Requests the simulator served for `api` whose resource contains `needle`, by status.
fn served(stats: &Value, api: &str, needle: &str) -> u64 {
    stats["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["api"] == api && r["resource"].as_str().unwrap_or("").contains(needle))
        .map(|r| r["count"].as_u64().unwrap_or(0))
        .sum()
}

fn gitlab_client(h: &SimHandle) -> Arc<GitLabClient> {
    let token = Token::new(h.token.clone(), "GITLAB_TOKEN");
    let clock: Arc<dyn Clock> = Arc::new(SimClock(h.sim.clone()));
    Arc::new(GitLabClient::new(&format!("{}/gitlab", h.base_url()), Some(token), clock).unwrap())
}

fn gitlab_watches() -> Vec<GitlabWatch> {
    watches()
        .into_iter()
        .filter_map(|w| match w.link {
            CiLink::GitLab { project } => Some(GitlabWatch {
                release: w.release,
                project,
            }),
            CiLink::GitHub { .. } => None,
        })
        .collect()
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scenario_links_twenty_projects_per_provider() {
    let w = watches();
    let projects = |gitlab: bool| {
        let mut p: Vec<&str> = w
            .iter()
            .filter(|w| matches!(w.link, CiLink::GitLab { .. }) == gitlab)
            .map(|w| w.link.project())
            .collect();
        p.sort_unstable();
        p.dedup();
        p.len()
    };
    assert_eq!((projects(false), projects(true)), (20, 20));
    let h = start(true).await;
    for w in &w {
        let (api, path) = match &w.link {
            CiLink::GitHub { repo, .. } => ("github", format!("/github/repos/{repo}")),
            CiLink::GitLab { project } => (
                "gitlab",
                format!("/gitlab/api/v4/projects/{}", project.replace('/', "%2F")),
            ),
        };
        let resp = reqwest::Client::new()
            .get(format!("{}{path}", h.base_url()))
            .bearer_auth(&h.token)
            .header("PRIVATE-TOKEN", &h.token)
            .header("User-Agent", "test")
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_success(), "{api} {path}: {}", resp.status());
    }
    h.stop().await;
}

/// Per provider: (requests, 304s) in the stats.
fn totals(stats: &Value) -> BTreeMap<String, (u64, u64)> {
    stats["totals"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(api, t)| {
            (
                api.clone(),
                (
                    t["requests"].as_u64().unwrap_or(0),
                    t["not_modified"].as_u64().unwrap_or(0),
                ),
            )
        })
        .collect()
}

fn print_phase(name: &str, stats: &Value, seconds: f64) {
    for (api, (requests, not_modified)) in totals(stats) {
        let per_min = requests as f64 * 60.0 / seconds;
        let spent = (requests - not_modified) as f64 * 60.0 / seconds;
        println!(
            "{name}: {api}: {per_min:.0} requests/min, {:.0}% 304, {spent:.0} costing budget/min ({:.0}/h)",
            100.0 * not_modified as f64 / requests.max(1) as f64,
            spent * 60.0
        );
    }
    let mut by: Vec<(String, u64)> = stats["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                format!("{} {} {}", r["api"].as_str().unwrap_or(""), r["resource"].as_str().unwrap_or(""), r["status"]),
                r["count"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    by.sort_by(|a, b| b.1.cmp(&a.1));
    for (what, n) in by.iter().take(8) {
        println!("    {n:5}  {what}");
    }
}

/// Requests per minute and 304 share per provider at 20 projects, idle then with runs active,
/// and how long a triggered run takes from the simulator to an update message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a 2.5-minute measurement, run by hand"]
async fn measure_ci_budget_at_twenty_projects() {
    const PHASE: Duration = Duration::from_secs(60);
    const ACTIVE_PER_PROVIDER: usize = 5;
    let h = start(false).await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let token = |var: &str| Some(Token::new(h.token.clone(), var));
    let mut driver = CiDriver::new(
        CiSetup {
            github_base: format!("{}/github", h.base_url()),
            gitlab_base: format!("{}/gitlab", h.base_url()),
            github_token: token("GITHUB_TOKEN"),
            gitlab_token: token("GITLAB_TOKEN"),
            clock: Arc::new(ServerClock::new()),
            pacing: Pacing::default(),
        },
        tx,
    );
    let all = watches();
    driver.watch(all.clone());
    // Arrival time of the first update naming each run id.
    let seen: Arc<std::sync::Mutex<HashMap<u64, Instant>>> = Arc::default();
    let recorder = {
        let seen = seen.clone();
        tokio::spawn(async move {
            while let Some(msg) = rx.recv().await {
                if let Msg::Ci(CiUpdate::Pipelines { runs, .. }) = msg {
                    let mut seen = seen.lock().unwrap();
                    for r in runs {
                        seen.entry(r.id).or_insert_with(Instant::now);
                    }
                }
            }
        })
    };
    // The first full read is not what polling costs: let it finish.
    tokio::time::sleep(Duration::from_secs(20)).await;
    reset_stats(&h).await;
    tokio::time::sleep(PHASE).await;
    print_phase("idle", &stats(&h).await, PHASE.as_secs_f64());

    reset_stats(&h).await;
    let mut triggered = Vec::new();
    for provider in ["github", "gitlab"] {
        let mut projects: Vec<&str> = all
            .iter()
            .filter(|w| matches!(w.link, CiLink::GitLab { .. }) == (provider == "gitlab"))
            .map(|w| w.link.project())
            .filter(|p| p.ends_with("-2") || p.ends_with("-3"))
            .collect();
        projects.dedup();
        for p in projects.into_iter().take(ACTIVE_PER_PROVIDER) {
            let at = Instant::now();
            let run = control(
                &h,
                "/sim/ci/trigger",
                json!({"provider": provider, "project": p, "fail": "never"}),
            )
            .await;
            triggered.push((provider, run["id"].as_u64().unwrap(), at));
        }
    }
    tokio::time::sleep(PHASE).await;
    print_phase(
        &format!("{ACTIVE_PER_PROVIDER} runs active per provider"),
        &stats(&h).await,
        PHASE.as_secs_f64(),
    );
    let seen = seen.lock().unwrap().clone();
    for provider in ["github", "gitlab"] {
        let latencies: Vec<String> = triggered
            .iter()
            .filter(|(p, ..)| *p == provider)
            .map(|(_, id, at)| match seen.get(id) {
                Some(t) => format!("{:.1}s", t.duration_since(*at).as_secs_f64()),
                None => "never".into(),
            })
            .collect();
        println!(
            "{provider}: a triggered run appeared after {}",
            latencies.join(", ")
        );
    }
    drop(driver);
    recorder.abort();
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gitlab_pipelines_list_filters_by_update_time() {
    let h = start(true).await;
    let get = |q: &str| {
        let url = format!(
            "{}/gitlab/api/v4/projects/bnpl%2Ffeature-store-2/{q}",
            h.base_url()
        );
        let token = h.token.clone();
        async move {
            reqwest::Client::new()
                .get(url)
                .header("PRIVATE-TOKEN", token)
                .send()
                .await
                .unwrap()
        }
    };
    let all: Vec<Value> = get("pipelines?per_page=100").await.json().await.unwrap();
    assert!(all.len() > 3, "the mirror has its seed's history");
    let newest_update = all
        .iter()
        .map(|p| p["updated_at"].as_str().unwrap().to_string())
        .max()
        .unwrap();
    let after: Vec<Value> = get(&format!("pipelines?updated_after={newest_update}"))
        .await
        .json()
        .await
        .unwrap();
    assert!(after.is_empty(), "nothing was updated after the newest update");
    let before: Vec<Value> = get(&format!("pipelines?per_page=100&updated_before={newest_update}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(before.len(), all.len() - 1);
    let bad = get("deployments?updated_after=2026-01-01T00:00:00Z").await;
    assert_eq!(bad.status(), 400, "deployments filter on updated_at only in that order");
    let ok = get("deployments?updated_after=2026-01-01T00:00:00Z&order_by=updated_at").await;
    assert_eq!(ok.status(), 200);
    h.stop().await;
}
