//! What Quarterdeck changes on GitLab (API.md §4): play a manual job, retry a job, cancel a
//! pipeline, approve or reject a blocked deployment (and play its job once the approvals are
//! complete: approving does not start it), and redeploy an earlier version by retrying the
//! deploy job of the pipeline that built it. Each write first re-reads its target and refuses,
//! without writing, when it moved; a write is never retried after a network error.

use serde_json::{Value, json};

use super::client::{GitLabClient, project_path};
use super::convert::time_ms;
use crate::integrations::rest::{ActError, Candidate, Redeploy, deployed_image, image_tag};

/// Pipeline and job statuses after which nothing runs any more.
const FINISHED: [&str; 4] = ["success", "failed", "canceled", "skipped"];

fn name_of(job: &Value) -> &str {
    job["name"].as_str().unwrap_or("?")
}

fn status_of(v: &Value) -> &str {
    v["status"].as_str().unwrap_or("unknown")
}

/// Keeps an error's kind but says what had already happened before it.
fn after(done: &str, e: ActError) -> ActError {
    let say = |m: String| format!("{done}, but {m}");
    match e {
        ActError::Moved(m) => ActError::Moved(say(m)),
        ActError::Forbidden(m) => ActError::Forbidden(say(m)),
        ActError::Conflict(m) => ActError::Conflict(say(m)),
        ActError::Http { status, message } => ActError::Http {
            status,
            message: say(message),
        },
        ActError::Network(m) => ActError::Network(say(m)),
        ActError::Invalid(m) => ActError::Invalid(say(m)),
    }
}

impl GitLabClient {
    /// A GET under the project, read as JSON.
    async fn read(&self, project: &str, path: &str) -> Result<Value, ActError> {
        let fetched = self
            .rest()
            .get(&format!("{}{path}", project_path(project)))
            .await?;
        serde_json::from_str(&fetched.body)
            .map_err(|e| ActError::Invalid(format!("GitLab sent an unreadable answer: {e}")))
    }

    /// A POST under the project; the answer read as JSON (`Null` when empty).
    async fn write(&self, project: &str, path: &str, body: &Value) -> Result<Value, ActError> {
        let text = self
            .rest()
            .post(&format!("{}{path}", project_path(project)), body)
            .await?;
        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// The token's user: `GET /user` → username.
    pub async fn whoami(&self) -> Result<String, ActError> {
        let fetched = self.rest().get("/user").await?;
        serde_json::from_str::<Value>(&fetched.body)
            .ok()
            .and_then(|u| u["username"].as_str().map(str::to_string))
            .ok_or_else(|| ActError::Invalid("GitLab's /user has no username".into()))
    }

    /// Plays a manual job; refuses when it is no longer manual.
    pub async fn play_job(&self, project: &str, job_id: u64) -> Result<String, ActError> {
        let job = self.read(project, &format!("/jobs/{job_id}")).await?;
        if status_of(&job) != "manual" {
            return Err(ActError::Moved(format!(
                "job {job_id} is no longer manual (now {})",
                status_of(&job)
            )));
        }
        let played = self
            .write(project, &format!("/jobs/{job_id}/play"), &json!({}))
            .await?;
        Ok(format!(
            "job {} ({job_id}) played; now {}",
            name_of(&job),
            status_of(&played)
        ))
    }

    /// Retries a finished job; GitLab answers with the new job, whose id is named.
    pub async fn retry_job(&self, project: &str, job_id: u64) -> Result<String, ActError> {
        let job = self.read(project, &format!("/jobs/{job_id}")).await?;
        if !["success", "failed", "canceled"].contains(&status_of(&job)) {
            return Err(ActError::Moved(format!(
                "job {job_id} is not finished (now {})",
                status_of(&job)
            )));
        }
        let new = self
            .write(project, &format!("/jobs/{job_id}/retry"), &json!({}))
            .await?;
        Ok(format!(
            "job {} ({job_id}) retried as job {} ({})",
            name_of(&job),
            new["id"].as_u64().unwrap_or(0),
            status_of(&new)
        ))
    }

    /// Cancels a pipeline that has not finished.
    pub async fn cancel_pipeline(
        &self,
        project: &str,
        pipeline_id: u64,
    ) -> Result<String, ActError> {
        let path = format!("/pipelines/{pipeline_id}");
        let pipeline = self.read(project, &path).await?;
        if FINISHED.contains(&status_of(&pipeline)) {
            return Err(ActError::Moved(format!(
                "pipeline {pipeline_id} already finished ({})",
                status_of(&pipeline)
            )));
        }
        let after = self
            .write(project, &format!("{path}/cancel"), &json!({}))
            .await?;
        Ok(format!(
            "pipeline {pipeline_id} cancelled (now {})",
            status_of(&after)
        ))
    }

    /// Approves (or rejects) a blocked deployment whose job is `job_id`; when the approval
    /// completes the rules, plays the job (approving does not start it). Refuses when the
    /// deployment is no longer blocked or deploys through another job.
    pub async fn review_blocked_deployment(
        &self,
        project: &str,
        deployment_id: u64,
        job_id: u64,
        approve: bool,
        comment: &str,
    ) -> Result<String, ActError> {
        let path = format!("/deployments/{deployment_id}");
        let d = self.read(project, &path).await?;
        if status_of(&d) != "blocked" {
            return Err(ActError::Moved(format!(
                "deployment {deployment_id} is no longer blocked (now {})",
                status_of(&d)
            )));
        }
        if d["deployable"]["id"].as_u64() != Some(job_id) {
            return Err(ActError::Moved(format!(
                "deployment {deployment_id} no longer deploys through job {job_id}"
            )));
        }
        let job = name_of(&d["deployable"]).to_string();
        let mut body = json!({"status": if approve { "approved" } else { "rejected" }});
        if !comment.trim().is_empty() {
            body["comment"] = json!(comment);
        }
        self.write(project, &format!("{path}/approval"), &body)
            .await?;
        if !approve {
            return Ok(format!(
                "deployment {deployment_id} rejected; job {job} will not run"
            ));
        }
        let done = format!("deployment {deployment_id} approved");
        let now = self
            .read(project, &path)
            .await
            .map_err(|e| after(&done, e))?;
        if status_of(&now) == "blocked" {
            let left = now["pending_approval_count"].as_u64().unwrap_or(0);
            return Ok(format!(
                "{done}; {left} more approval(s) needed before job {job} can start"
            ));
        }
        let played = self
            .play_job(project, job_id)
            .await
            .map_err(|e| after(&done, e))?;
        Ok(format!("{done}; {played}"))
    }

    /// Earlier versions deployed successfully to `environment` (every environment when it is
    /// empty), newest first, at most `max`: one per pipeline and environment, each with the image its deploy job set (from the job's trace) and the
    /// retry of that job that deploys it again (GitLab's environment rollback). The first is
    /// what is deployed there now.
    pub async fn list_redeploy_candidates(
        &self,
        project: &str,
        environment: &str,
        max: usize,
    ) -> Result<Vec<Candidate>, ActError> {
        // An empty environment lists every environment's deploys, each labelled with its own.
        let filter = if environment.is_empty() {
            String::new()
        } else {
            format!(
                "environment={}&",
                crate::integrations::rest::encode_component(environment)
            )
        };
        let path =
            format!("/deployments?{filter}status=success&order_by=id&sort=desc&per_page=100");
        let deployments = self.read(project, &path).await?;
        let mut seen = Vec::new();
        let mut out = Vec::new();
        for d in deployments.as_array().into_iter().flatten() {
            if out.len() >= max {
                break;
            }
            let job = &d["deployable"];
            let (Some(job_id), Some(pipeline)) =
                (job["id"].as_u64(), job["pipeline"]["id"].as_u64())
            else {
                continue;
            };
            let env = d["environment"]["name"].as_str().unwrap_or(environment);
            if seen.contains(&(pipeline, env.to_string())) {
                continue;
            }
            seen.push((pipeline, env.to_string()));
            let trace = self
                .rest()
                .get(&format!("{}/jobs/{job_id}/trace", project_path(project)))
                .await
                .ok()
                .map(|f| f.body);
            let image = trace.as_deref().and_then(deployed_image);
            let sha = d["sha"].as_str().unwrap_or_default();
            out.push(Candidate {
                version: image.as_deref().map_or_else(
                    || sha.get(..8).unwrap_or(sha).to_string(),
                    |i| image_tag(i).to_string(),
                ),
                image,
                environment: env.to_string(),
                run_id: pipeline,
                when_ms: time_ms(d["created_at"].as_str()),
                how: Redeploy::RetryJob { job_id },
            });
        }
        Ok(out)
    }

    /// Deploys `candidate` again by retrying its deploy job.
    pub async fn redeploy(&self, project: &str, candidate: &Candidate) -> Result<String, ActError> {
        match candidate.how {
            Redeploy::RetryJob { job_id } => self.retry_job(project, job_id).await,
            Redeploy::Dispatch { .. } => Err(ActError::Invalid(
                "a GitHub workflow dispatch cannot be sent to GitLab".into(),
            )),
        }
    }
}
