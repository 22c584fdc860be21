//! The Checks API's view of Actions jobs: each job is a check run (same id) in its run's check
//! suite. A check run carries a job's status and times but not its steps, so a list of them
//! stays the same while only steps move.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::json::{Urls, job_status};
use super::{GhError, Out};
use crate::ci::http::{Page, Req};
use crate::ci::run::Job;
use crate::world::{World, fmt_time};

/// The GitHub Actions app, the owner of every Actions check run.
const ACTIONS_APP_ID: u64 = 15_368;

/// The check suite of a run (what `check_suite_id` of a run object says).
pub(crate) fn suite_of_run(run_id: u64) -> u64 {
    run_id * 2 + 7
}

/// `GET /repos/{o}/{r}/check-suites/{id}/check-runs`: `filter` (`latest`, the default, or
/// `all`), `status`, `check_name`, pages.
pub(crate) fn list(
    world: &World,
    req: &Req,
    pid: u64,
    suite: &str,
    urls: &Urls,
) -> Result<Out, GhError> {
    let engine = &world.ci.engine;
    let run = suite
        .parse::<u64>()
        .ok()
        .filter(|s| *s >= 7 && (s - 7) % 2 == 0)
        .and_then(|s| engine.runs.get(&((s - 7) / 2)))
        .filter(|r| r.project == pid)
        .ok_or_else(GhError::not_found)?;
    let repo = engine
        .project(pid)
        .map(|p| p.path.as_str())
        .ok_or_else(GhError::not_found)?;
    let latest = req.q("filter") != Some("all");
    let runs: Vec<Value> = run
        .jobs
        .iter()
        .filter_map(|id| engine.jobs.get(id))
        .filter(|j| !latest || (!j.retried && j.attempt == run.attempt))
        .filter(|j| req.q("status").is_none_or(|s| job_status(j.state).0 == s))
        .filter(|j| req.q("check_name").is_none_or(|n| j.name == n))
        .map(|j| check_run(j, &run.start.sha, repo, urls))
        .collect();
    let page = Page::of(req, 30, 100);
    let mut h = Vec::new();
    if let Some(link) = page.link(req, runs.len()) {
        h.push(("link".into(), link));
    }
    Ok(Out::Json(
        StatusCode::OK,
        json!({"total_count": runs.len(), "check_runs": page.slice(&runs)}),
        h,
    ))
}

/// One job as a check run.
fn check_run(j: &Job, sha: &str, repo: &str, urls: &Urls) -> Value {
    let (status, conclusion) = job_status(j.state);
    let api = format!("{}/repos/{repo}/check-runs/{}", urls.api, j.id);
    let html = format!("{}/{repo}/actions/runs/{}/job/{}", urls.web, j.run_id, j.id);
    json!({
        "id": j.id,
        "name": j.name,
        "node_id": format!("CR_{:X}", j.id),
        "head_sha": sha,
        "external_id": format!("{:032x}", j.id),
        "url": api,
        "html_url": html,
        "details_url": html,
        "status": status,
        "conclusion": conclusion,
        "started_at": j.started_ms.map(fmt_time),
        "completed_at": j.finished_ms.map(fmt_time),
        "output": {
            "title": null,
            "summary": null,
            "text": null,
            "annotations_count": 0,
            "annotations_url": format!("{api}/annotations"),
        },
        "check_suite": {"id": suite_of_run(j.run_id)},
        "app": {"id": ACTIONS_APP_ID, "slug": "github-actions", "name": "GitHub Actions"},
        "pull_requests": [],
    })
}
