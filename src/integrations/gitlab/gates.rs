//! GitLab's gates: each manual job of a pipeline, and when its deployment waits for approvals,
//! that blocked deployment, in words that say what approving will do.

use std::collections::HashMap;

use quarterdeck_core::gate::{Gate, GateId, GateKind};
use quarterdeck_core::pipeline::{CiStatus, Job, Pipeline, Provider};

/// A GitLab deployment, reduced to what gates need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployment {
    /// Deployment id.
    pub id: u64,
    /// `created`, `blocked`, `running` …
    pub status: String,
    /// Environment name.
    pub environment: String,
    /// The job that deploys (`deployable.id`).
    pub job_id: Option<u64>,
    /// Approval rules as users read them (`Maintainers`, `@maria`, `group #12`).
    pub approvers: Vec<String>,
    /// Approvals given.
    pub approvals_given: u32,
    /// Approvals required.
    pub approvals_required: u32,
    /// Whether the token's user may approve; `None` when that cannot be told.
    pub current_user_can_approve: Option<bool>,
    /// Why not, when the user may not approve.
    pub you_may_not_because: Option<String>,
    /// The approval rules, each with the approvals it got.
    pub rules: Vec<ApprovalRule>,
    /// Who started the pipeline (the deployment's `user`).
    pub author: Option<u64>,
    /// Users who approved or rejected it already.
    pub reviewed_by: Vec<u64>,
}

/// One rule of a protected environment: who qualifies, how many approvals it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalRule {
    /// A user the rule names.
    pub user_id: Option<u64>,
    /// A group whose members qualify.
    pub group_id: Option<u64>,
    /// Whether members of the group's subgroups and ancestors' shares qualify too
    /// (`group_inheritance_type` 1), or only its direct members (0).
    pub group_inherited: bool,
    /// The least access level that qualifies (30 Developer, 40 Maintainer …).
    pub access_level: Option<u32>,
    /// How the rule reads (`Maintainers`, `maria.chen`).
    pub description: String,
    /// Approvals it needs.
    pub required: u32,
    /// Approvals it got.
    pub approved: u32,
}

/// A group an approval rule names, and whether inherited members count (the members API
/// asked: `members/:user_id` for direct members, `members/all/:user_id` for all).
pub type GroupQuery = (u64, bool);

/// What GitLab says about the token's user in one project, for approval rules.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Approver {
    /// The user's id.
    pub id: u64,
    /// Their access level in the project (`members/all/:id`); `None` when unknown.
    pub access_level: Option<u32>,
    /// Whether the protected environment lets a pipeline's author approve its deployment
    /// (`allow_pipeline_trigger_approve_deployment`).
    pub author_may_approve: bool,
    /// Whether they belong to the groups of the rules looked up; a group not in it is unknown.
    pub groups: HashMap<GroupQuery, bool>,
}

impl Approver {
    /// Whether the user belongs to the group `rule` names; `None` when not known.
    fn in_group(&self, rule: &ApprovalRule) -> Option<bool> {
        let group = rule.group_id?;
        self.groups.get(&(group, rule.group_inherited)).copied()
    }
}

impl ApprovalRule {
    /// The group membership this rule asks about, if it names a group.
    pub fn group_query(&self) -> Option<GroupQuery> {
        self.group_id.map(|g| (g, self.group_inherited))
    }
}

/// Whether `me` may approve `d`, and why not: every rule must be met, so the user may approve
/// when they qualify for a rule still open (by user, access level or group membership), have
/// not reviewed it already, and are not its author where the environment forbids that. A rule
/// whose level or group is not known for the user leaves it unknown (`None`).
pub fn may_approve(d: &Deployment, me: &Approver) -> (Option<bool>, Option<String>) {
    if d.reviewed_by.contains(&me.id) {
        return (Some(false), Some("you already reviewed it".into()));
    }
    if !me.author_may_approve && d.author == Some(me.id) {
        return (
            Some(false),
            Some(format!(
                "you started this pipeline and {} does not let its author approve",
                d.environment
            )),
        );
    }
    let open: Vec<&ApprovalRule> = d.rules.iter().filter(|r| r.approved < r.required).collect();
    let qualifies = |r: &&ApprovalRule| {
        r.user_id == Some(me.id)
            || r.access_level
                .zip(me.access_level)
                .is_some_and(|(need, have)| have >= need)
            || me.in_group(r) == Some(true)
    };
    if open.iter().any(qualifies) {
        return (Some(true), None);
    }
    let unknown = open.iter().any(|r| {
        (r.group_id.is_some() && me.in_group(r).is_none())
            || (r.access_level.is_some() && me.access_level.is_none())
    });
    if unknown || open.is_empty() {
        return (None, None);
    }
    let needs: Vec<&str> = open.iter().map(|r| r.description.as_str()).collect();
    (
        Some(false),
        Some(format!(
            "no open approval rule includes you (needs: {})",
            needs.join(", ")
        )),
    )
}

/// Who may approve a blocked deployment, and why not you when you may not (the inbox shows
/// this line next to "you may not approve").
fn who_with_reason(d: &Deployment) -> Vec<String> {
    let mut who = d.approvers.clone();
    if let Some(why) = d
        .you_may_not_because
        .as_ref()
        .filter(|_| d.current_user_can_approve == Some(false))
    {
        who.push(format!("not you: {why}"));
    }
    who
}

/// When a manual job became playable: when the last job of the stages before it finished
/// (its `created_at` is the pipeline's creation, long before).
fn ready_since(pipeline: &Pipeline, job: &Job) -> Option<i64> {
    pipeline
        .stages
        .iter()
        .take_while(|s| s.name != job.stage)
        .flat_map(|s| s.jobs.iter())
        .filter_map(|j| j.finished_ms)
        .max()
        .or(job.created_ms)
        .or(pipeline.created_ms)
}

/// The gates of a GitLab pipeline: each manual job, as a blocked deployment when its
/// deployment waits for approvals.
pub fn of_pipeline(
    pipeline: &Pipeline,
    deployments: &[Deployment],
    release: Option<&str>,
) -> Vec<Gate> {
    pipeline
        .jobs()
        .filter(|j| j.status == CiStatus::Manual)
        .map(|job| {
            let deployment = deployments.iter().find(|d| d.job_id == Some(job.id));
            let where_ = deployment.map_or_else(|| job.stage.clone(), |d| d.environment.clone());
            let starts = format!("starts job '{}'", job.name);
            let ship = deployment.map(|d| {
                format!(
                    "{}@{} to {}",
                    pipeline.project_name(),
                    pipeline.short_sha(),
                    d.environment
                )
            });
            let blocked = deployment.filter(|d| d.status == "blocked");
            let (kind, approving_will, who, you, approvals) = match blocked {
                Some(d) => {
                    // Your approval fills one open rule; the others still need theirs.
                    let after = (d.approvals_given + 1).min(d.approvals_required);
                    let then = if after >= d.approvals_required {
                        format!("then {starts}")
                    } else {
                        format!(
                            "{} more approval(s) needed before the job can start",
                            d.approvals_required - after
                        )
                    };
                    (
                        GateKind::GitlabBlockedDeployment {
                            deployment_id: d.id,
                            job_id: job.id,
                        },
                        format!(
                            "approve the deployment of {} ({after} of {} approvals); {then}",
                            ship.clone().unwrap_or_default(),
                            d.approvals_required
                        ),
                        who_with_reason(d),
                        d.current_user_can_approve,
                        Some((d.approvals_given, d.approvals_required)),
                    )
                }
                None => (
                    GateKind::GitlabManualJob { job_id: job.id },
                    match &ship {
                        Some(s) => format!("deploy {s}: {starts}"),
                        None => starts.clone(),
                    },
                    Vec::new(),
                    None,
                    None,
                ),
            };
            Gate {
                id: GateId {
                    provider: Provider::GitLab,
                    project: pipeline.project.clone(),
                    kind,
                },
                release: release.map(str::to_string),
                pipeline_id: pipeline.id,
                what: pipeline.headline(),
                where_,
                sha: pipeline.sha.clone(),
                waiting_since_ms: ready_since(pipeline, job),
                who_may_approve: who,
                you_may_approve: you,
                approvals,
                approving_will,
                web_url: job.web_url.clone(),
            }
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use quarterdeck_core::sample_ci;

    fn rule(user_id: Option<u64>, access_level: Option<u32>, approved: u32) -> ApprovalRule {
        ApprovalRule {
            user_id,
            group_id: None,
            group_inherited: false,
            access_level,
            description: user_id.map_or("Maintainers".into(), |u| format!("user #{u}")),
            required: 1,
            approved,
        }
    }

    #[test]
    fn you_may_approve_an_open_rule_you_qualify_for_unless_you_started_the_pipeline() {
        let d = Deployment {
            id: 1,
            status: "blocked".into(),
            environment: "production".into(),
            job_id: Some(2),
            approvers: Vec::new(),
            approvals_given: 1,
            approvals_required: 1,
            current_user_can_approve: None,
            you_may_not_because: None,
            rules: vec![rule(Some(7), None, 1), rule(None, Some(40), 0)],
            author: Some(5),
            reviewed_by: vec![7],
        };
        let me = |id, level| Approver {
            id,
            access_level: level,
            author_may_approve: false,
            groups: HashMap::new(),
        };
        assert_eq!(may_approve(&d, &me(5, Some(40))).0, Some(false));
        assert_eq!(
            may_approve(&d, &me(5, Some(40))).1.as_deref(),
            Some("you started this pipeline and production does not let its author approve")
        );
        assert_eq!(may_approve(&d, &me(6, Some(50))), (Some(true), None));
        assert_eq!(
            may_approve(&d, &me(6, Some(30))),
            (
                Some(false),
                Some("no open approval rule includes you (needs: Maintainers)".into())
            )
        );
        assert_eq!(may_approve(&d, &me(6, None)), (None, None));
        assert_eq!(
            may_approve(&d, &me(7, Some(40))).1.as_deref(),
            Some("you already reviewed it")
        );
    }

    #[test]
    fn a_group_rule_is_decided_by_the_membership_read_for_it() {
        let group = ApprovalRule {
            group_id: Some(9001),
            description: "release-managers".into(),
            ..rule(None, None, 0)
        };
        let d = Deployment {
            id: 1,
            status: "blocked".into(),
            environment: "production".into(),
            job_id: Some(2),
            approvers: Vec::new(),
            approvals_given: 0,
            approvals_required: 1,
            current_user_can_approve: None,
            you_may_not_because: None,
            rules: vec![group],
            author: None,
            reviewed_by: Vec::new(),
        };
        let me = |member: Option<bool>| Approver {
            id: 1,
            access_level: Some(30),
            author_may_approve: true,
            groups: member.map(|m| ((9001, false), m)).into_iter().collect(),
        };
        assert_eq!(may_approve(&d, &me(Some(true))), (Some(true), None));
        assert_eq!(
            may_approve(&d, &me(Some(false))).1.as_deref(),
            Some("no open approval rule includes you (needs: release-managers)")
        );
        assert_eq!(may_approve(&d, &me(None)), (None, None));
    }

    #[test]
    fn the_sample_gate_is_what_the_sample_pipeline_raises() {
        let blocked = Deployment {
            id: 88,
            status: "blocked".into(),
            environment: "production".into(),
            job_id: Some(307),
            approvers: vec!["alex.morgan".into(), "maria.chen".into()],
            approvals_given: 0,
            approvals_required: 1,
            current_user_can_approve: Some(true),
            you_may_not_because: None,
            rules: Vec::new(),
            author: None,
            reviewed_by: Vec::new(),
        };
        assert_eq!(
            of_pipeline(
                &sample_ci::gitlab_running_pipeline(),
                &[blocked],
                Some("store")
            ),
            sample_ci::gitlab_gate("store")
        );
    }
}
