//! What Quarterdeck changes on GitHub (API.md §3): review a run's pending deployment, re-run
//! its failed jobs, cancel it, dispatch a workflow, and redeploy an earlier version through the
//! deploy workflow. Each write first re-reads its target and refuses, without writing, when it
//! moved; writes are spaced ≥1 s apart and never retried after a network error.

use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::client::GitHubClient;
use super::convert::time_ms;
use crate::integrations::rest::{
    ActError, Candidate, Redeploy, deployed_image, encode_component, image_tag,
};

/// GitHub's secondary limits ask for this much time between mutations.
const WRITE_SPACING: Duration = Duration::from_secs(1);
/// The deploy workflow's input naming the environment (seed 001's `deploy.yml`).
pub const ENVIRONMENT_INPUT: &str = "environment";
/// The deploy workflow's input naming the image tag (seed 001's `deploy.yml`).
pub const IMAGE_TAG_INPUT: &str = "image_tag";

/// What a run's status says, for messages (`in_progress` → `running`).
fn status_words(run: &Value) -> String {
    match (run["status"].as_str(), run["conclusion"].as_str()) {
        (Some("completed"), Some(c)) => format!("completed: {c}"),
        (Some("in_progress"), _) => "running".into(),
        (Some(s), _) => s.to_string(),
        (None, _) => "unknown".into(),
    }
}

/// A job's state in one word for messages.
fn job_word(job: &Value) -> &str {
    match (job["status"].as_str(), job["conclusion"].as_str()) {
        (Some("completed"), Some("failure")) => "failed",
        (Some("completed"), Some(c)) => c,
        (Some("in_progress"), _) => "running",
        (Some(s), _) => s,
        _ => "unknown",
    }
}

/// The run and job ids in a deployment status's `log_url` (`…/actions/runs/R/job/J`).
fn run_and_job(url: &str) -> Option<(u64, u64)> {
    let (_, tail) = url.split_once("/actions/runs/")?;
    let mut parts = tail.split('/');
    let run = parts.next()?.parse().ok()?;
    let job = match (parts.next(), parts.next()) {
        (Some("job"), Some(j)) => j.parse().ok()?,
        _ => return None,
    };
    Some((run, job))
}

impl GitHubClient {
    /// A conditional GET read as `T` (a 304 answers from the cache and costs nothing).
    async fn read<T: DeserializeOwned>(&self, path: &str) -> Result<T, ActError> {
        let fetched = self.api.rest().get(path).await?;
        serde_json::from_str(&fetched.body)
            .map_err(|e| ActError::Invalid(format!("GitHub sent an unreadable answer: {e}")))
    }

    /// POSTs `body`, at least [`WRITE_SPACING`] after the previous write; the answer's body.
    async fn write(&self, path: &str, body: &Value) -> Result<String, ActError> {
        let mut last = self.last_write.lock().await;
        if let Some(wait) = last.and_then(|t| WRITE_SPACING.checked_sub(t.elapsed())) {
            tokio::time::sleep(wait).await;
        }
        let answer = self.api.rest().post(path, body).await;
        *last = Some(Instant::now());
        Ok(answer?)
    }

    /// The token's user: `GET /user` → login.
    pub async fn whoami(&self) -> Result<String, ActError> {
        let user: Value = self.read("/user").await?;
        user["login"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| ActError::Invalid("GitHub's /user has no login".into()))
    }

    /// Approves (or rejects) the deployment of `run_id` to the environment
    /// `environment_id` (named `environment`) with `comment`, which GitHub requires. Refuses
    /// with [`ActError::Moved`] when the run no longer waits on that environment.
    pub async fn review_pending(
        &self,
        repo: &str,
        run_id: u64,
        environment_id: u64,
        environment: &str,
        approve: bool,
        comment: &str,
    ) -> Result<String, ActError> {
        if comment.trim().is_empty() {
            return Err(ActError::Invalid(
                "GitHub requires a comment to review a deployment".into(),
            ));
        }
        let runs = format!("/repos/{repo}/actions/runs/{run_id}");
        let pending: Vec<Value> = self.read(&format!("{runs}/pending_deployments")).await?;
        if !pending
            .iter()
            .any(|p| p["environment"]["id"].as_u64() == Some(environment_id))
        {
            return Err(ActError::Moved(format!(
                "run {run_id} is no longer waiting on {environment}"
            )));
        }
        let jobs_path = format!("{runs}/jobs?filter=latest&per_page=100");
        let before: Value = self.read(&jobs_path).await?;
        let waiting: Vec<u64> = before["jobs"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|j| j["status"] == "waiting")
            .filter_map(|j| j["id"].as_u64())
            .collect();
        let body = json!({
            "environment_ids": [environment_id],
            "state": if approve { "approved" } else { "rejected" },
            "comment": comment,
        });
        self.write(&format!("{runs}/pending_deployments"), &body)
            .await?;
        let verb = if approve { "approved" } else { "rejected" };
        let mut said = format!("run {run_id} {verb} for {environment}");
        // What followed is worth saying but not worth failing over: the review happened.
        if let Ok(after) = self.read::<Value>(&jobs_path).await {
            let moved: Vec<String> = after["jobs"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|j| j["id"].as_u64().is_some_and(|id| waiting.contains(&id)))
                .map(|j| format!("job {} {}", j["name"].as_str().unwrap_or("?"), job_word(j)))
                .collect();
            if !moved.is_empty() {
                said = format!("{said}; {}", moved.join(", "));
            }
        }
        Ok(said)
    }

    /// Re-runs the failed jobs of a completed run (and what needs them): a new attempt.
    pub async fn rerun_failed_jobs(&self, repo: &str, run_id: u64) -> Result<String, ActError> {
        let path = format!("/repos/{repo}/actions/runs/{run_id}");
        let run: Value = self.read(&path).await?;
        let failed = matches!(
            run["conclusion"].as_str(),
            Some("failure" | "cancelled" | "timed_out" | "startup_failure")
        );
        if run["status"] != "completed" || !failed {
            return Err(ActError::Moved(format!(
                "run {run_id} has no failed jobs to re-run (now {})",
                status_words(&run)
            )));
        }
        self.write(&format!("{path}/rerun-failed-jobs"), &json!({}))
            .await?;
        let attempt = run["run_attempt"].as_u64().unwrap_or(1) + 1;
        Ok(format!(
            "run {run_id}: failed jobs re-run as attempt {attempt}"
        ))
    }

    /// Cancels a run that has not completed.
    pub async fn cancel_run(&self, repo: &str, run_id: u64) -> Result<String, ActError> {
        let path = format!("/repos/{repo}/actions/runs/{run_id}");
        let run: Value = self.read(&path).await?;
        if run["status"] == "completed" {
            return Err(ActError::Moved(format!(
                "run {run_id} already finished ({})",
                status_words(&run)
            )));
        }
        self.write(&format!("{path}/cancel"), &json!({})).await?;
        Ok(format!("run {run_id} cancelling"))
    }

    /// Dispatches `workflow` (file name or id) on `git_ref` with `inputs`. Refuses when the
    /// workflow is not active. Names the new run when GitHub says which it is.
    pub async fn dispatch_workflow(
        &self,
        repo: &str,
        workflow: &str,
        git_ref: &str,
        inputs: &[(String, String)],
    ) -> Result<String, ActError> {
        let path = format!(
            "/repos/{repo}/actions/workflows/{}",
            encode_component(workflow)
        );
        let wf: Value = self.read(&path).await?;
        if let Some(state) = wf["state"].as_str().filter(|s| *s != "active") {
            return Err(ActError::Moved(format!(
                "workflow {workflow} is no longer active ({state})"
            )));
        }
        let map: serde_json::Map<String, Value> = inputs
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        let body = json!({"ref": git_ref, "inputs": map, "return_run_details": true});
        let answer = self.write(&format!("{path}/dispatches"), &body).await?;
        let shown: Vec<String> = inputs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let run = serde_json::from_str::<Value>(&answer)
            .ok()
            .and_then(|v| v["workflow_run_id"].as_u64());
        Ok(match run {
            Some(id) => format!(
                "{workflow} dispatched on {git_ref} ({}): run {id}",
                shown.join(", ")
            ),
            None => format!("{workflow} dispatched on {git_ref} ({})", shown.join(", ")),
        })
    }

    /// Earlier versions `workflow` (the deploy workflow, `deploy.yml`) deployed successfully,
    /// newest first, at most `max`: each with its environment and image tag (from the
    /// deployment GitHub recorded and its job's log), and the dispatch that deploys it again.
    /// The first of each environment is what is deployed there now.
    pub async fn list_redeploy_candidates(
        &self,
        repo: &str,
        workflow: &str,
        max: usize,
    ) -> Result<Vec<Candidate>, ActError> {
        let runs: Value = self
            .read(&format!(
                "/repos/{repo}/actions/workflows/{}/runs?status=success&per_page=100",
                encode_component(workflow)
            ))
            .await?;
        let runs: Vec<&Value> = runs["workflow_runs"]
            .as_array()
            .into_iter()
            .flatten()
            .collect();
        let deployments: Vec<Value> = self
            .read(&format!("/repos/{repo}/deployments?per_page=100"))
            .await?;
        let mut out = Vec::new();
        for d in &deployments {
            if out.len() >= max {
                break;
            }
            let (Some(id), Some(environment)) = (d["id"].as_u64(), d["environment"].as_str())
            else {
                continue;
            };
            let statuses: Vec<Value> = self
                .read(&format!(
                    "/repos/{repo}/deployments/{id}/statuses?per_page=1"
                ))
                .await?;
            let Some(newest) = statuses.first().filter(|s| s["state"] == "success") else {
                continue;
            };
            let Some((run_id, job_id)) = newest["log_url"].as_str().and_then(run_and_job) else {
                continue;
            };
            let Some(run) = runs.iter().find(|r| r["id"].as_u64() == Some(run_id)) else {
                continue;
            };
            let log = self
                .api
                .rest()
                .get_redirected_text(&format!("/repos/{repo}/actions/jobs/{job_id}/logs"))
                .await?;
            let Some(image) = log.as_deref().and_then(deployed_image) else {
                continue;
            };
            let tag = image_tag(&image).to_string();
            out.push(Candidate {
                version: tag.clone(),
                environment: environment.to_string(),
                run_id,
                when_ms: time_ms(d["created_at"].as_str()),
                how: Redeploy::Dispatch {
                    workflow: workflow.to_string(),
                    git_ref: run["head_branch"].as_str().unwrap_or("main").to_string(),
                    inputs: vec![
                        (ENVIRONMENT_INPUT.into(), environment.to_string()),
                        (IMAGE_TAG_INPUT.into(), tag),
                    ],
                },
                image: Some(image),
            });
        }
        Ok(out)
    }

    /// Deploys `candidate` again by dispatching its workflow with its inputs.
    pub async fn redeploy(&self, repo: &str, candidate: &Candidate) -> Result<String, ActError> {
        match &candidate.how {
            Redeploy::Dispatch {
                workflow,
                git_ref,
                inputs,
            } => {
                self.dispatch_workflow(repo, workflow, git_ref, inputs)
                    .await
            }
            Redeploy::RetryJob { .. } => Err(ActError::Invalid(
                "a GitLab job retry cannot be sent to GitHub".into(),
            )),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn a_status_log_url_names_its_run_and_job() {
        assert_eq!(
            run_and_job("https://github.com/o/r/actions/runs/11902000007/job/33410000123"),
            Some((11_902_000_007, 33_410_000_123))
        );
        assert_eq!(run_and_job("https://github.com/o/r/actions/runs/5"), None);
    }
}
