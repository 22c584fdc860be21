//! Which actions are valid now, and the confirmation that says exactly what one will do:
//! context, namespace, target, from → to, and what follows.

use super::access::{self, Access};
use super::expect::WorkloadState;
use super::op::Op;
use super::request::{Expect, Params};
use super::subject::Subject;
use crate::deployment::Deployment;
use crate::gate::{Gate, GateKind};
use crate::model::Model;
use crate::pipeline::{CiStatus, Provider};
use crate::release::{self, ReleaseId, Revision, WorkloadKind};
use crate::rollout::{CanaryStep, Rollout};

/// What a confirmation shows, and the precondition it makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// `(label, value)` lines: context, namespace, target, action, from, to, then.
    pub lines: Vec<(String, String)>,
    /// The target before, for the journal.
    pub before: String,
    /// The precondition.
    pub expect: Expect,
}

impl Plan {
    /// The lines as text (`context: prod-eu`), for the journal and the webhook.
    pub fn text(&self) -> Vec<String> {
        self.lines
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect()
    }
}

/// The workload state of a release, when the cluster has it.
pub(crate) fn workload_state(model: &Model, id: &ReleaseId) -> Option<WorkloadState> {
    match id.kind {
        WorkloadKind::Rollout => model
            .cluster
            .rollouts
            .get(&id.key)
            .map(WorkloadState::of_rollout),
        WorkloadKind::Deployment => model
            .cluster
            .deployments
            .get(&id.key)
            .map(WorkloadState::of_deployment),
    }
}

/// Why `op` on `subject` cannot be done now; `Ok` when it can (permission aside).
pub fn valid(model: &Model, op: Op, subject: &Subject) -> Result<(), String> {
    match subject {
        Subject::Workload(id) => {
            match id.kind {
                WorkloadKind::Rollout => {
                    let r =
                        model.cluster.rollouts.get(&id.key).ok_or_else(|| {
                            format!("{} is not in the cluster any more", id.key.name)
                        })?;
                    valid_rollout(model, id, r, op)
                }
                WorkloadKind::Deployment => {
                    let d =
                        model.cluster.deployments.get(&id.key).ok_or_else(|| {
                            format!("{} is not in the cluster any more", id.key.name)
                        })?;
                    valid_deployment(model, id, d, op)
                }
            }
        }
        Subject::Gate(gid) => {
            let gate = find_gate(model, gid).ok_or("the gate is not waiting any more")?;
            match (op, &gate.id.kind) {
                (Op::Approve, _) => Ok(()),
                (Op::Reject, GateKind::GitlabManualJob { .. }) => {
                    Err("a manual job cannot be rejected; leave it unplayed".into())
                }
                (Op::Reject, _) => Ok(()),
                _ => Err(format!("{} does not apply to a gate", op.verb())),
            }
        }
        Subject::Run {
            provider,
            project,
            id,
        } => {
            let run = find_run(model, *provider, project, *id).ok_or("the run is not listed")?;
            match op {
                Op::Cancel if !run.status.is_finished() => Ok(()),
                Op::Cancel => Err(format!("run is {}", run.status.word())),
                Op::RerunFailed if *provider == Provider::GitHub => {
                    if run.status == CiStatus::Failed {
                        Ok(())
                    } else {
                        Err(format!("run is {}, not failed", run.status.word()))
                    }
                }
                _ => Err(format!("{} does not apply to a run", op.verb())),
            }
        }
        Subject::Job {
            provider,
            project,
            id,
            ..
        } => {
            let job = find_job(model, *provider, project, *id).ok_or("the job is not listed")?;
            match op {
                Op::RetryJob
                    if *provider == Provider::GitLab
                        && matches!(
                            job.status,
                            CiStatus::Failed | CiStatus::Cancelled | CiStatus::Success
                        ) =>
                {
                    Ok(())
                }
                Op::RetryJob => Err(format!("job is {}", job.status.word())),
                _ => Err(format!("{} does not apply to a job", op.verb())),
            }
        }
    }
}

fn valid_rollout(model: &Model, id: &ReleaseId, r: &Rollout, op: Op) -> Result<(), String> {
    let promoted = r.current_pod_hash == r.stable_rs;
    let paused = r.spec_paused || !r.pause_conditions.is_empty();
    match op {
        Op::Promote | Op::Approve if r.abort => Err("aborted: retry or undo first".into()),
        Op::Promote | Op::Approve if promoted && !paused => Err("already fully promoted".into()),
        Op::Promote | Op::Approve => Ok(()),
        Op::PromoteFull | Op::Abort if r.abort => Err("already aborted".into()),
        Op::PromoteFull | Op::Abort if promoted => Err("already fully promoted".into()),
        Op::PromoteFull | Op::Abort => Ok(()),
        Op::Retry if r.abort => Ok(()),
        Op::Retry => Err("not aborted".into()),
        Op::Undo if previous_revision(model, id).is_some() => Ok(()),
        Op::Undo => Err("no earlier revision to go back to".into()),
        Op::SwitchBack if !r.is_blue_green() => Err("only for blue-green".into()),
        Op::SwitchBack if !promoted || r.abort => {
            Err("only right after a promotion (the preview is not active yet)".into())
        }
        Op::SwitchBack => match previous_revision(model, id) {
            Some(p) if p.replicas > 0 => Ok(()),
            Some(p) => Err(format!("revision {} has no pods left: use undo", p.number)),
            None => Err("no earlier revision".into()),
        },
        Op::Pause if r.spec_paused => Err("already paused".into()),
        Op::Pause => Ok(()),
        Op::Resume if r.spec_paused => Ok(()),
        Op::Resume => Err("not paused".into()),
        Op::Restart => Ok(()),
        Op::Redeploy => ci_redeployable(model, id),
        _ => Err(format!("{} does not apply to a rollout", op.verb())),
    }
}

fn valid_deployment(model: &Model, id: &ReleaseId, d: &Deployment, op: Op) -> Result<(), String> {
    match op {
        Op::Undo if d.paused => Err("paused: resume it first".into()),
        Op::Undo if previous_revision(model, id).is_some() => Ok(()),
        Op::Undo => Err("no earlier revision to go back to".into()),
        Op::Pause if d.paused => Err("already paused".into()),
        Op::Pause => Ok(()),
        Op::Resume if d.paused => Ok(()),
        Op::Resume => Err("not paused".into()),
        Op::Restart if d.paused => Err("paused: resume it first".into()),
        Op::Restart => Ok(()),
        Op::Redeploy => ci_redeployable(model, id),
        _ => Err(format!("{} does not apply to a Deployment", op.verb())),
    }
}

fn ci_redeployable(model: &Model, id: &ReleaseId) -> Result<(), String> {
    if model.ci.links.contains_key(id) {
        Ok(())
    } else {
        Err("not linked to a CI pipeline".into())
    }
}

/// Whether the user may do `op` on `subject`: `Ok`, the reason it is denied, or `None` while
/// the cluster has not answered yet.
pub fn permitted(model: &Model, op: Op, subject: &Subject) -> Option<Result<(), String>> {
    match subject {
        Subject::Workload(id) => {
            for key in access::needs(&model.target.context, id, op) {
                match model.control.access.get(&key) {
                    Some(Access::Allowed) => {}
                    Some(Access::Denied(reason)) => {
                        return Some(Err(format!("not permitted: {} ({reason})", key.describe())));
                    }
                    Some(Access::Checking) | None => return None,
                }
            }
            Some(Ok(()))
        }
        Subject::Gate(gid) => {
            let gate = find_gate(model, gid)?;
            Some(match (op, gate.you_may_approve) {
                (Op::Approve | Op::Reject, Some(false)) => Err(format!(
                    "you may not approve this gate{}",
                    if gate.who_may_approve.is_empty() {
                        String::new()
                    } else {
                        format!(" (reviewers: {})", gate.who_may_approve.join(", "))
                    }
                )),
                _ => Ok(()),
            })
        }
        Subject::Run { .. } | Subject::Job { .. } => Some(Ok(())),
    }
}

/// The gate with this id, if it still waits.
pub(crate) fn find_gate<'a>(model: &'a Model, id: &crate::gate::GateId) -> Option<&'a Gate> {
    model.ci.all_gates().into_iter().find(|g| &g.id == id)
}

fn find_run<'a>(
    model: &'a Model,
    provider: Provider,
    project: &str,
    id: u64,
) -> Option<&'a crate::pipeline::Pipeline> {
    model
        .ci
        .runs
        .values()
        .flatten()
        .find(|p| p.provider == provider && p.project == project && p.id == id)
}

fn find_job<'a>(
    model: &'a Model,
    provider: Provider,
    project: &str,
    id: u64,
) -> Option<&'a crate::pipeline::Job> {
    model
        .ci
        .runs
        .values()
        .flatten()
        .filter(|p| p.provider == provider && p.project == project)
        .find_map(|p| p.job(id))
}

/// The revision an undo goes to by default: the newest one that is not the current.
pub fn previous_revision(model: &Model, id: &ReleaseId) -> Option<Revision> {
    let current = current_hash(model, id);
    release::history(&model.cluster, id)
        .into_iter()
        .find(|r| Some(r.hash.as_str()) != current.as_deref())
}

/// The pod-template hash of the workload's current template.
fn current_hash(model: &Model, id: &ReleaseId) -> Option<String> {
    match id.kind {
        WorkloadKind::Rollout => model
            .cluster
            .rollouts
            .get(&id.key)
            .map(|r| r.current_pod_hash.clone()),
        WorkloadKind::Deployment => release::history(&model.cluster, id)
            .into_iter()
            .next()
            .map(|r| r.hash),
    }
}

/// "then the canary goes to setWeight 50%": what promoting a canary leads to.
pub(crate) fn next_weight_words(r: &Rollout) -> String {
    let i = r.current_step_index.unwrap_or(0) as usize;
    r.steps()
        .iter()
        .skip(i + 1)
        .find_map(|s| match s {
            CanaryStep::SetWeight(w) => Some(format!("then the canary goes to setWeight {w}%")),
            _ => None,
        })
        .unwrap_or_else(|| "then the new revision becomes stable at 100%".to_string())
}

fn step_words(r: &Rollout, i: usize) -> String {
    let n = r.steps().len();
    match r.steps().get(i) {
        Some(s) => format!("step {i}/{n} ({})", s.describe()),
        None => format!("step {n}/{n} (all steps done)"),
    }
}

fn rev_words(rev: Option<i64>, image: &str) -> String {
    match rev {
        Some(n) => format!("revision {n} ({image})"),
        None => image.to_string(),
    }
}

const TRADE_OFF: &str = "a cluster undo is immediate, but the next pipeline run brings the newer version back; a CI redeploy is slower and lasting";

/// The confirmation for `op` on `subject`, or why it cannot be built.
pub fn plan(model: &Model, op: Op, subject: &Subject, params: &Params) -> Result<Plan, String> {
    valid(model, op, subject)?;
    let mut lines = vec![(
        "context".to_string(),
        if model.control.policies.protected(&model.target.context) {
            format!("{} (protected)", model.target.context)
        } else {
            model.target.context.clone()
        },
    )];
    let mut push = |k: &str, v: String| lines.push((k.to_string(), v));
    match subject {
        Subject::Workload(id) => {
            push("namespace", id.key.namespace.clone());
            push("target", subject.to_string());
            let abort_first = params.abort_first && id.kind == WorkloadKind::Rollout;
            push(
                "action",
                if abort_first {
                    format!("{}, then {}", Op::Abort.verb(), op.verb())
                } else {
                    op.verb().to_string()
                },
            );
            let state = workload_state(model, id).ok_or("not in the cluster any more")?;
            let (from, to, mut then) = workload_change(model, id, op, params)?;
            if abort_first {
                then = format!(
                    "traffic goes back to stable at once (abort); {}",
                    without_then(&then)
                );
            }
            push("from", from);
            push("to", to);
            push("then", without_then(&then));
            Ok(Plan {
                before: state.describe(),
                expect: Expect::Workload(state),
                lines,
            })
        }
        Subject::Gate(gid) => {
            let gate = find_gate(model, gid).ok_or("the gate is not waiting any more")?;
            push(
                "target",
                format!("{} {}", gate.id.provider.label(), subject),
            );
            push("action", gate_verb(gate, op).to_string());
            push("what", gate.what.clone());
            push(
                "from",
                format!("waiting on {} (commit {})", gate.where_, short(&gate.sha)),
            );
            push(
                "to",
                match op {
                    Op::Reject => "rejected".into(),
                    _ => "approved".into(),
                },
            );
            push(
                "then",
                match op {
                    Op::Reject => "the run stops here and fails".into(),
                    _ => gate.approving_will.clone(),
                },
            );
            if let Some(comment) = &params.comment {
                push(COMMENT, comment.clone());
            }
            Ok(Plan {
                before: format!("waiting on {}", gate.where_),
                expect: Expect::Ci,
                lines,
            })
        }
        Subject::Run {
            provider,
            project,
            id,
        } => {
            let run = find_run(model, *provider, project, *id).ok_or("the run is not listed")?;
            push("target", format!("{} {subject}", provider.label()));
            push("action", op.verb().to_string());
            push("what", run.headline());
            push("from", run.status.word().to_string());
            let (to, then) = match op {
                Op::Cancel => (
                    "cancelled".to_string(),
                    "then its running jobs stop; nothing further deploys".to_string(),
                ),
                _ => (
                    "failed jobs queued again".to_string(),
                    "then the failed jobs and their dependents run again".to_string(),
                ),
            };
            push("to", to);
            push("then", without_then(&then));
            Ok(Plan {
                before: run.status.word().to_string(),
                expect: Expect::Ci,
                lines,
            })
        }
        Subject::Job {
            provider,
            project,
            id,
            name,
        } => {
            let job = find_job(model, *provider, project, *id).ok_or("the job is not listed")?;
            push("target", format!("{} {subject}", provider.label()));
            push("action", op.verb().to_string());
            push("from", job.status.word().to_string());
            push("to", "a new job".to_string());
            push("then", format!("job {name} runs again as a new job"));
            Ok(Plan {
                before: job.status.word().to_string(),
                expect: Expect::Ci,
                lines,
            })
        }
    }
}

/// The label of a review's comment line.
pub(crate) const COMMENT: &str = "comment";

/// The "then" line's value: the label already says "then".
fn without_then(s: &str) -> String {
    s.strip_prefix("then ").unwrap_or(s).to_string()
}

fn short(sha: &str) -> &str {
    sha.get(..7).unwrap_or(sha)
}

/// The verb a gate's approval is ("play" for a manual job).
pub fn gate_verb(gate: &Gate, op: Op) -> &'static str {
    match (&gate.id.kind, op) {
        (GateKind::GitlabManualJob { .. }, Op::Approve) => "play",
        (_, op) => op.verb(),
    }
}

/// From, to and what follows, for an action on a workload.
fn workload_change(
    model: &Model,
    id: &ReleaseId,
    op: Op,
    params: &Params,
) -> Result<(String, String, String), String> {
    let history = release::history(&model.cluster, id);
    let image_of = |hash: &str| {
        history
            .iter()
            .find(|r| r.hash == hash)
            .map(|r| rev_words(Some(r.number), &r.image))
            .unwrap_or_else(|| hash.to_string())
    };
    let has_ci = model.ci.links.contains_key(id);
    if let Some(r) = model.cluster.rollouts.get(&id.key)
        && id.kind == WorkloadKind::Rollout
    {
        let i = r.current_step_index.unwrap_or(0) as usize;
        let current = rev_words(r.revision, &r.image);
        return Ok(match op {
            Op::Promote | Op::Approve if r.is_blue_green() => (
                format!("active {}", image_of(&r.stable_rs)),
                format!("active {current} (now the preview)"),
                "then the previous active ReplicaSet scales down after its delay".into(),
            ),
            Op::Promote | Op::Approve => (
                format!("{} at {}%, {current}", step_words(r, i), r.desired_weight()),
                step_words(r, (i + 1).min(r.steps().len())),
                next_weight_words(r),
            ),
            Op::PromoteFull => (
                format!("{} at {}%", step_words(r, i), r.desired_weight()),
                format!("100% on {current}, remaining steps and analysis skipped"),
                "then the new revision becomes stable and the old pods scale down".into(),
            ),
            Op::Abort => (
                format!("{} at {}%, {current}", step_words(r, i), r.desired_weight()),
                format!("0%: all traffic on stable {}", image_of(&r.stable_rs)),
                "then the canary scales down and the rollout shows Degraded until retried or undone".into(),
            ),
            Op::Retry => (
                format!("aborted, stable {}", image_of(&r.stable_rs)),
                format!("{} with {current}", step_words(r, 0)),
                "then the rollout runs its steps again from the first".into(),
            ),
            Op::Undo => {
                let then = if r.is_blue_green() {
                    "then the old template becomes the preview, waiting for promotion"
                } else {
                    "then the rollout runs its steps again with the old template"
                };
                undo_change(current, params, &history, then, has_ci)?
            }
            Op::SwitchBack => {
                let to = params.revision.as_ref().ok_or("no revision chosen")?;
                (
                    format!("active {current}"),
                    format!("active {}", rev_words(Some(to.number), &to.image)),
                    "undo, then promote --full: the previous pods, still running, take the traffic at once".into(),
                )
            }
            Op::Pause => (
                "running".into(),
                "paused (spec.paused)".into(),
                "then the rollout stays where it is until resumed".into(),
            ),
            Op::Resume => (
                "paused".into(),
                "running".into(),
                "then the rollout goes on from where it stopped".into(),
            ),
            Op::Restart => (
                current.clone(),
                format!("{current}, every pod replaced"),
                "then the controller restarts the pods a few at a time".into(),
            ),
            Op::Redeploy => redeploy_change(current, params)?,
            _ => return Err(format!("{} does not apply to a rollout", op.verb())),
        });
    }
    let d = model
        .cluster
        .deployments
        .get(&id.key)
        .ok_or("not in the cluster any more")?;
    let current = rev_words(d.revision, &d.image);
    Ok(match op {
        Op::Undo => undo_change(
            current,
            params,
            &history,
            "then a rolling update replaces the pods",
            has_ci,
        )?,
        Op::Pause => (
            "rolling".into(),
            "paused".into(),
            "then changes to the template wait until resumed".into(),
        ),
        Op::Resume => (
            "paused".into(),
            "rolling".into(),
            "then pending template changes roll out".into(),
        ),
        Op::Restart => (
            current.clone(),
            format!("{current}, every pod replaced"),
            "then a rolling update replaces the pods".into(),
        ),
        Op::Redeploy => redeploy_change(current, params)?,
        _ => return Err(format!("{} does not apply to a Deployment", op.verb())),
    })
}

/// From, to and what follows for an undo: the chosen revision comes back renumbered as the
/// newest, and a release deployed by CI hears the trade-off.
fn undo_change(
    current: String,
    params: &Params,
    history: &[Revision],
    then: &str,
    has_ci: bool,
) -> Result<(String, String, String), String> {
    let to = params.revision.as_ref().ok_or("no revision chosen")?;
    let max = history.iter().map(|h| h.number).max().unwrap_or(0);
    let then = if has_ci {
        format!("{then}; {TRADE_OFF}")
    } else {
        then.to_string()
    };
    Ok((
        current,
        format!(
            "{} — it becomes revision {}",
            rev_words(Some(to.number), &to.image),
            max + 1
        ),
        then,
    ))
}

fn redeploy_change(current: String, params: &Params) -> Result<(String, String, String), String> {
    let c = params.candidate.as_ref().ok_or("no version chosen")?;
    Ok((
        current,
        format!("{} (as deployed by run {})", c.version, c.pipeline_id),
        format!("{}; {TRADE_OFF}", c.how),
    ))
}
