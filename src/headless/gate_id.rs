//! The ids `get gates` prints and `approve`, `reject` and `play` take: short, stable across
//! polls, and enough to find the gate again.
//!
//! - `github:OWNER/REPO:RUN:ENVIRONMENT_ID` — an environment's pending deployment;
//! - `gitlab:GROUP/PROJECT:job:JOB_ID` — a manual job;
//! - `gitlab:GROUP/PROJECT:deployment:DEPLOYMENT_ID` — a deployment blocked on approval;
//! - `rollout:NAMESPACE/NAME` — an Argo Rollouts pause (approving it promotes).

use quarterdeck_core::control::InboxItem;
use quarterdeck_core::gate::{GateId, GateKind};
use quarterdeck_core::pipeline::Provider;

/// The id of an inbox row.
pub fn of(item: &InboxItem<'_>) -> String {
    match item {
        InboxItem::Ci(g) => of_gate(&g.id),
        InboxItem::Pause(p) => {
            format!("rollout:{}/{}", p.release.key.namespace, p.release.key.name)
        }
    }
}

/// The id of a CI gate.
pub fn of_gate(id: &GateId) -> String {
    match &id.kind {
        GateKind::GithubPendingDeployment {
            run_id,
            environment_id,
            ..
        } => format!("github:{}:{run_id}:{environment_id}", id.project),
        GateKind::GitlabManualJob { job_id } => format!("gitlab:{}:job:{job_id}", id.project),
        GateKind::GitlabBlockedDeployment { deployment_id, .. } => {
            format!("gitlab:{}:deployment:{deployment_id}", id.project)
        }
    }
}

/// The inbox row `text` names, if it is waiting.
pub fn find<'a, 'm>(inbox: &'a [InboxItem<'m>], text: &str) -> Option<&'a InboxItem<'m>> {
    inbox.iter().find(|i| of(i) == text)
}

/// Whether `text` has the shape of a gate id (to tell "no such gate" from "not waiting").
pub fn well_formed(text: &str) -> bool {
    let parts: Vec<&str> = text.split(':').collect();
    match parts.as_slice() {
        ["rollout", rel] => rel.contains('/'),
        ["github", repo, run, env] => {
            repo.contains('/') && run.parse::<u64>().is_ok() && env.parse::<u64>().is_ok()
        }
        ["gitlab", project, "job" | "deployment", id] => {
            project.contains('/') && id.parse::<u64>().is_ok()
        }
        _ => false,
    }
}

/// The provider an id names, for messages.
pub fn provider(text: &str) -> Option<Provider> {
    match text.split(':').next()? {
        "github" => Some(Provider::GitHub),
        "gitlab" => Some(Provider::GitLab),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_recognised() {
        assert!(well_formed("github:acme/orders-api:11902001246:4"));
        assert!(well_formed("gitlab:bnpl/feature-store:job:307"));
        assert!(well_formed("gitlab:group/sub/project:deployment:88"));
        assert!(well_formed("rollout:bnpl/feature-store"));
        assert!(!well_formed("gitlab:bnpl/feature-store:pipeline:1"));
        assert!(!well_formed("orders-api"));
        assert_eq!(provider("gitlab:a/b:job:1"), Some(Provider::GitLab));
    }
}
