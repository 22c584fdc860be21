//! Conversion of real-shaped GitLab payloads (tests/fixtures/gitlab), unknown values included.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::integrations::gitlab::gates::{Deployment, of_pipeline as gitlab_gates};
use quarterdeck_core::gate::GateKind;

const PIPELINES: &str = include_str!("../../../tests/fixtures/gitlab/pipelines.json");
const JOBS: &str = include_str!("../../../tests/fixtures/gitlab/jobs.json");
const DEPLOYMENTS: &str = include_str!("../../../tests/fixtures/gitlab/deployments.json");

fn manual_pipeline() -> Pipeline {
    let raw: Vec<RawPipeline> = serde_json::from_str(PIPELINES).unwrap();
    let jobs: Vec<RawJob> = serde_json::from_str(JOBS).unwrap();
    with_jobs(pipeline(&raw[0], "bnpl/feature-store"), &jobs)
}

#[test]
fn pipelines_map_every_status_and_keep_unknown_ones() {
    let raw: Vec<RawPipeline> = serde_json::from_str(PIPELINES).unwrap();
    let p: Vec<Pipeline> = raw
        .iter()
        .map(|r| pipeline(r, "bnpl/feature-store"))
        .collect();
    assert_eq!(p[0].status, CiStatus::Manual);
    assert_eq!(p[1].status, CiStatus::Success);
    assert_eq!(p[1].name, "Release pipeline");
    assert_eq!(
        p[2].status,
        CiStatus::Unknown("waiting_for_callback_v2".into())
    );
    assert_eq!(p[2].provider_status, "waiting_for_callback_v2");
    assert_eq!(
        (p[0].number, p[0].branch.as_str(), p[0].event.as_str()),
        (412, "main", "push")
    );
}

#[test]
fn jobs_group_into_stages_in_file_order_with_parallel_families() {
    let p = manual_pipeline();
    let shape: Vec<(&str, Vec<&str>)> = p
        .stages
        .iter()
        .map(|s| {
            (
                s.name.as_str(),
                s.jobs.iter().map(|j| j.name.as_str()).collect(),
            )
        })
        .collect();
    assert_eq!(
        shape,
        vec![
            ("prepare", vec!["warm-cache"]),
            (
                "test",
                vec!["test 1/3", "test 2/3", "test 3/3", "lint", "benchmark"]
            ),
            ("build", vec!["build-image"]),
            ("deploy", vec!["deploy:staging", "deploy:production"]),
        ]
    );
    assert_eq!(
        p.stages[0].status,
        CiStatus::Unknown("quantum_superposition".into())
    );
    let test = &p.stages[1];
    assert_eq!(test.jobs[0].group.as_deref(), Some("test"));
    assert_eq!(
        test.jobs[3].failure_reason.as_deref(),
        Some("script_failure")
    );
    assert!(test.jobs[3].allow_failure);
    assert_eq!(test.jobs[4].status, CiStatus::Skipped);
    assert_eq!(p.stages[3].status, CiStatus::Manual);
    assert_eq!(p.title, "Serve features over gRPC by default");
    assert_eq!(p.actor, "dev-patel");
    assert_eq!(p.started_ms, Some(1_795_317_001_000));
    assert_eq!(p.finished_ms, None, "a manual pipeline has not finished");
}

#[test]
fn a_blocked_deployment_is_a_gate_that_approves_then_plays() {
    let raw: Vec<RawDeployment> = serde_json::from_str(DEPLOYMENTS).unwrap();
    let deps: Vec<Deployment> = raw.iter().map(|d| deployment(d, Some(1))).collect();
    assert_eq!(
        deps[0].approvers,
        vec!["Maintainers".to_string(), "Ada Admin".to_string()]
    );
    // Two rules, each to be met: Maintainers 1 of 2, Ada Admin 0 of 1.
    assert_eq!(
        (deps[0].approvals_given, deps[0].approvals_required),
        (1, 3)
    );
    assert_eq!(deps[0].current_user_can_approve, Some(true));
    assert_eq!(deps[2].status, "teleported");
    assert_eq!(deps[2].job_id, None);
    assert_eq!(
        deployment(&raw[0], Some(9)).current_user_can_approve,
        None,
        "a role rule leaves it open"
    );
    let gates = gitlab_gates(&manual_pipeline(), &deps, Some("feature-store"));
    assert_eq!(gates.len(), 1);
    let g = &gates[0];
    assert_eq!(
        g.id.kind,
        GateKind::GitlabBlockedDeployment {
            deployment_id: 99_120,
            job_id: 7_710_009
        }
    );
    assert_eq!(g.where_, "production");
    assert_eq!(
        g.approving_will,
        "approve the deployment of feature-store@7c3d2a9 to production (2 of 3 approvals); 1 more approval(s) needed before the job can start"
    );
    assert_eq!(g.approvals, Some((1, 3)));
    assert_eq!(
        g.waiting_since_ms,
        Some(1_795_317_350_000),
        "when the stages before it ended"
    );
}

#[test]
fn a_manual_job_without_a_deployment_is_a_play_gate() {
    let gates = gitlab_gates(&manual_pipeline(), &[], None);
    assert_eq!(
        gates[0].id.kind,
        GateKind::GitlabManualJob { job_id: 7_710_009 }
    );
    assert_eq!(gates[0].approving_will, "starts job 'deploy:production'");
    assert_eq!(gates[0].where_, "deploy");
    assert_eq!(gates[0].you_may_approve, None);
}

#[test]
fn gitlab_statuses_normalise_and_unknown_words_survive() {
    let cases = [
        ("created", CiStatus::Queued),
        ("waiting_for_resource", CiStatus::Queued),
        ("preparing", CiStatus::Queued),
        ("pending", CiStatus::Queued),
        ("scheduled", CiStatus::Queued),
        ("running", CiStatus::Running),
        ("canceling", CiStatus::Running),
        ("waiting_for_callback", CiStatus::Running),
        ("manual", CiStatus::Manual),
        ("blocked", CiStatus::Waiting),
        ("success", CiStatus::Success),
        ("failed", CiStatus::Failed),
        ("canceled", CiStatus::Cancelled),
        ("skipped", CiStatus::Skipped),
        (
            "new_in_gitlab_19",
            CiStatus::Unknown("new_in_gitlab_19".into()),
        ),
    ];
    for (status, want) in cases {
        assert_eq!(super::status(status), want, "{status}");
    }
}

#[test]
fn approvals_count_rule_by_rule_and_a_surplus_in_one_covers_no_other() {
    let rule = |required, approved| ApprovalRule {
        user_id: None,
        group_id: Some(9),
        group_inherited: false,
        access_level: None,
        description: "group".into(),
        required,
        approved,
    };
    assert_eq!(approval_tally(&[rule(1, 3), rule(1, 0)]), (1, 2));
    assert_eq!(approval_tally(&[rule(2, 2), rule(1, 1)]), (3, 3));
    assert_eq!(approval_tally(&[]), (0, 0));
}
