//! The answers one poll round already received, so that releases of one repository ask each
//! question once a round: asked again, the answer would be a 304, free of the hourly budget
//! but still a point of GitHub's secondary limit (900 a minute).

use std::collections::HashMap;
use std::hash::Hash;

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

/// `seen`'s answer for `key`, or `ask`'s (a future does nothing until awaited), kept.
async fn once<K: Hash + Eq, T: Clone>(
    seen: &mut HashMap<K, T>,
    key: K,
    ask: impl Future<Output = Result<T, CiError>>,
) -> Result<T, CiError> {
    if let Some(answer) = seen.get(&key) {
        return Ok(answer.clone());
    }
    let answer = ask.await?;
    seen.insert(key, answer.clone());
    Ok(answer)
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
        let ask = client.runs_listed(repo, workflow, filters, max);
        once(&mut self.lists, key, ask).await
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
        once(&mut self.jobs, run_id, client.jobs(repo, run_id)).await
    }

    /// [`GitHubClient::pending_deployments`], asked once a round.
    pub(super) async fn pending(
        &mut self,
        client: &GitHubClient,
        repo: &str,
        run_id: u64,
    ) -> Result<Vec<PendingDeployment>, CiError> {
        once(
            &mut self.pending,
            run_id,
            client.pending_deployments(repo, run_id),
        )
        .await
    }
}
