//! GitHub's gates: a waiting run's pending deployments, each an environment whose protection
//! rules wait on a reviewer (or a wait timer), in words that say what approving will do.

use quarterdeck_core::gate::{Gate, GateId, GateKind};
use quarterdeck_core::pipeline::{CiStatus, Job, Pipeline, Provider};

/// One entry of GitHub's `pending_deployments`, reduced to what a gate shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingDeployment {
    /// Environment id.
    pub environment_id: u64,
    /// Environment name.
    pub environment: String,
    /// Wait timer in minutes (0 when none).
    pub wait_timer_min: u32,
    /// When the wait timer started, Unix ms.
    pub wait_timer_started_ms: Option<i64>,
    /// `current_user_can_approve`.
    pub current_user_can_approve: bool,
    /// Required reviewers: user logins and `team:slug`.
    pub reviewers: Vec<String>,
}

fn quoted_jobs(jobs: &[&Job]) -> String {
    let names: Vec<String> = jobs.iter().map(|j| format!("'{}'", j.name)).collect();
    match names.len() {
        1 => format!("job {}", names[0]),
        _ => format!("jobs {}", names.join(", ")),
    }
}

/// The gates of a waiting GitHub run: one per pending deployment.
pub fn of_run(run: &Pipeline, pending: &[PendingDeployment], release: Option<&str>) -> Vec<Gate> {
    let waiting: Vec<&Job> = run
        .jobs()
        .filter(|j| j.status == CiStatus::Waiting)
        .collect();
    let oldest_wait = waiting
        .iter()
        .filter_map(|j| j.created_ms)
        .min()
        .or(run.started_ms);
    pending
        .iter()
        .map(|p| {
            let ship = format!(
                "deploy {}@{} to {}",
                run.project_name(),
                run.short_sha(),
                p.environment
            );
            let approving_will = if waiting.is_empty() {
                format!("{ship}: run #{} continues", run.number)
            } else {
                format!("{ship}: starts {}", quoted_jobs(&waiting))
            };
            let mut who = p.reviewers.clone();
            if who.is_empty() && p.wait_timer_min > 0 {
                who.push(format!("nobody: a {} min wait timer", p.wait_timer_min));
            }
            Gate {
                id: GateId {
                    provider: Provider::GitHub,
                    project: run.project.clone(),
                    kind: GateKind::GithubPendingDeployment {
                        run_id: run.id,
                        environment_id: p.environment_id,
                        environment: p.environment.clone(),
                    },
                },
                release: release.map(str::to_string),
                pipeline_id: run.id,
                what: run.headline(),
                where_: p.environment.clone(),
                sha: run.sha.clone(),
                waiting_since_ms: p.wait_timer_started_ms.or(oldest_wait),
                who_may_approve: who,
                you_may_approve: Some(p.current_user_can_approve),
                approvals: None,
                approving_will,
                web_url: run.web_url.clone(),
            }
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use quarterdeck_core::sample_ci;

    #[test]
    fn the_sample_gate_is_what_the_sample_run_raises() {
        let pending = PendingDeployment {
            environment_id: 77,
            environment: "staging".into(),
            wait_timer_min: 0,
            wait_timer_started_ms: None,
            current_user_can_approve: true,
            reviewers: vec!["alex.morgan".into(), "team:release-managers".into()],
        };
        assert_eq!(
            of_run(&sample_ci::github_waiting_run(), &[pending], Some("orders")),
            sample_ci::github_gate("orders")
        );
    }
}
