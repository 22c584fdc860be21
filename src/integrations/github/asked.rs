//! The answers one poll round already received, so that releases of one repository ask each
//! question once a round: asked again, the answer would be a 304, free of the hourly budget
//! but still a point of GitHub's secondary limit (900 a minute).

use std::collections::HashMap;

use super::client::GitHubClient;
use super::gates::PendingDeployment;
use crate::integrations::rest::CiError;
use quarterdeck_core::pipeline::{Pipeline, Stage};

/// Runs as a list gives them, each with its check suite.
pub(super) type Listed = Vec<(Pipeline, Option<u64>)>;

/// This round's answers, by question.
#[derive(Debug, Default)]
pub(super) struct Asked {
    lists: HashMap<String, Listed>,
    jobs: HashMap<u64, Vec<Stage>>,
    pending: HashMap<u64, Vec<PendingDeployment>>,
}

impl Asked {
    /// Forgets the last round's answers.
    pub(super) fn clear(&mut self) {
        self.lists.clear();
        self.jobs.clear();
        self.pending.clear();
    }

    /// [`GitHubClient::runs_listed`], asked once a round.
    pub(super) async fn runs(
        &mut self,
        client: &GitHubClient,
        repo: &str,
        workflow: Option<&str>,
        filters: &[(&str, &str)],
        max: usize,
    ) -> Result<Listed, CiError> {
        let key = format!("{repo} {workflow:?} {filters:?} {max}");
        if let Some(listed) = self.lists.get(&key) {
            return Ok(listed.clone());
        }
        let listed = client.runs_listed(repo, workflow, filters, max).await?;
        self.lists.insert(key, listed.clone());
        Ok(listed)
    }

    /// The runs of `repo` waiting on a human (`status=waiting`), asked once a round.
    pub(super) async fn waiting(
        &mut self,
        client: &GitHubClient,
        repo: &str,
        max: usize,
    ) -> Result<Vec<Pipeline>, CiError> {
        let listed = self
            .runs(client, repo, None, &[("status", "waiting")], max)
            .await?;
        Ok(listed.into_iter().map(|(run, _)| run).collect())
    }

    /// [`GitHubClient::jobs`], asked once a round (run ids are unique across repositories).
    pub(super) async fn jobs(
        &mut self,
        client: &GitHubClient,
        repo: &str,
        run_id: u64,
    ) -> Result<Vec<Stage>, CiError> {
        if let Some(jobs) = self.jobs.get(&run_id) {
            return Ok(jobs.clone());
        }
        let jobs = client.jobs(repo, run_id).await?;
        self.jobs.insert(run_id, jobs.clone());
        Ok(jobs)
    }

    /// [`GitHubClient::pending_deployments`], asked once a round.
    pub(super) async fn pending(
        &mut self,
        client: &GitHubClient,
        repo: &str,
        run_id: u64,
    ) -> Result<Vec<PendingDeployment>, CiError> {
        if let Some(pending) = self.pending.get(&run_id) {
            return Ok(pending.clone());
        }
        let pending = client.pending_deployments(repo, run_id).await?;
        self.pending.insert(run_id, pending.clone());
        Ok(pending)
    }
}
