//! Carrying out a confirmed action on a workload: re-read it, refuse if what the confirmation
//! showed has moved, send the patches with the fresh resourceVersion (each answer's RV
//! chained into the next), and leave an Event on the object.

use chrono::{Local, SecondsFormat, Utc};
use serde_json::Value;

use super::event;
use super::patches::{self, Step};
use super::send::{self, SendError, rv_of, state_of};
use super::undo;
use quarterdeck_core::control::{
    Expect, Op, Outcome, Request, Subject, WorkloadState, stale_message,
};
use quarterdeck_core::release::{ReleaseId, WorkloadKind};

/// Carries out `request` on its workload (a Rollout or a Deployment) for `user`, who is
/// named in the Event. Never sends on stale state and never retries a write.
pub async fn act(client: &kube::Client, request: &Request, user: &str) -> Outcome {
    act_with(client, request, user, false).await
}

/// [`act`], or with `dry_run` the same requests sent with `dryRun=All`: the API server
/// validates them and changes nothing, and no Event is written. `Done` then says what the
/// workload would be after.
pub async fn act_with(
    client: &kube::Client,
    request: &Request,
    user: &str,
    dry_run: bool,
) -> Outcome {
    let Subject::Workload(id) = &request.subject else {
        return refused(format!(
            "{} is not a workload; nothing was done",
            request.subject
        ));
    };
    let name = id.key.name.as_str();
    let api = send::api(client, id);
    let fresh = match send::get(&api, name).await {
        Ok(v) => v,
        Err(SendError::NotFound(_)) => {
            return refused(format!(
                "{name} is not in the cluster any more; nothing was done"
            ));
        }
        Err(e) => {
            return refused(format!(
                "cannot re-read {name} before sending ({}); nothing was done",
                words(&e)
            ));
        }
    };
    let before = match state_of(id.kind, &fresh) {
        Ok(s) => s,
        Err(e) => return refused(format!("cannot read {name}: {e}; nothing was done")),
    };
    if let Expect::Workload(confirmed) = &request.expect
        && let Some(what) = confirmed.moved(&before)
    {
        return refused(stale_message(name, &what));
    }
    let steps = match steps(client, id, request, &fresh).await {
        Ok(s) if s.is_empty() => {
            return refused(format!(
                "{name}: {} has nothing to change now; nothing was done",
                request.op.verb()
            ));
        }
        Ok(s) => s,
        Err(why) => return refused(why),
    };
    let mut current = fresh;
    for (k, step) in steps.iter().enumerate() {
        match send::patch(&api, name, step, &rv_of(&current), dry_run).await {
            Ok(obj) => current = obj,
            Err(e) => return failed(name, request.op, k, steps.len(), e),
        }
    }
    let after = state_of(id.kind, &current).unwrap_or_default();
    if dry_run {
        return Outcome::Done {
            after: after.describe(),
        };
    }
    let message = event::message(user, request.op, name, &request.shown, &before, &after);
    event::write(
        client,
        event::event(&current, request.op, &message, Utc::now()),
    )
    .await;
    Outcome::Done {
        after: after.describe(),
    }
}

/// What the workload `id` is now, in the terms an action's precondition uses.
pub async fn read_state(client: &kube::Client, id: &ReleaseId) -> Result<WorkloadState, String> {
    let obj = send::get(&send::api(client, id), &id.key.name)
        .await
        .map_err(|e| words(&e))?;
    state_of(id.kind, &obj)
}

fn refused(why: String) -> Outcome {
    Outcome::Refused { why }
}

fn words(e: &SendError) -> String {
    match e {
        SendError::Stale => "changed by someone else".into(),
        SendError::Forbidden(m)
        | SendError::NotFound(m)
        | SendError::Rejected(m)
        | SendError::Unknown(m) => m.clone(),
    }
}

/// How a failed request ends the action: the first request failing cleanly means nothing
/// was done; anything else must be looked at again.
fn failed(name: &str, op: Op, k: usize, total: usize, e: SendError) -> Outcome {
    let error = match (k, e) {
        (_, SendError::Unknown(m)) => format!(
            "{name}: {m}; the {} may or may not have happened: look again before trying again",
            op.verb()
        ),
        (0, SendError::Stale) => {
            return refused(stale_message(name, "changed by someone else while sending"));
        }
        (0, SendError::Forbidden(m) | SendError::NotFound(m) | SendError::Rejected(m)) => m,
        (_, SendError::Forbidden(m)) => {
            format!("{m} (after {k} of {total} requests had gone through: look again)")
        }
        (_, e) => format!(
            "{name}: the {} went only part way: {k} of {total} requests went through, then {}; look again",
            op.verb(),
            words(&e)
        ),
    };
    Outcome::Failed { error }
}

/// The requests `request` needs, computed from the object just read.
async fn steps(
    client: &kube::Client,
    id: &ReleaseId,
    request: &Request,
    obj: &Value,
) -> Result<Vec<Step>, String> {
    let name = &id.key.name;
    let kind = id.kind;
    Ok(match (kind, request.op) {
        (WorkloadKind::Rollout, Op::Promote | Op::Approve) => patches::promote(obj),
        (WorkloadKind::Rollout, Op::PromoteFull) => patches::promote_full(obj),
        (WorkloadKind::Rollout, Op::Abort) => patches::abort(),
        (WorkloadKind::Rollout, Op::Retry) => patches::retry(),
        (WorkloadKind::Rollout, Op::Pause) => patches::pause_rollout(),
        (WorkloadKind::Rollout, Op::Resume) => patches::resume_rollout(),
        (WorkloadKind::Rollout, Op::Restart) => {
            patches::restart_rollout(&Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true))
        }
        (WorkloadKind::Rollout, Op::Undo) => {
            let undo = patches::undo_rollout(chosen(client, id, request, obj).await?.template);
            // The guard's rollback: traffic back on stable first, then the template.
            if request.params.abort_first {
                patches::abort().into_iter().chain(undo).collect()
            } else {
                undo
            }
        }
        (WorkloadKind::Rollout, Op::SwitchBack) => {
            patches::switch_back(obj, chosen(client, id, request, obj).await?.template)
        }
        (WorkloadKind::Deployment, Op::Pause) => patches::pause_deployment(),
        (WorkloadKind::Deployment, Op::Resume) => patches::resume_deployment(),
        (WorkloadKind::Deployment, Op::Restart) => {
            patches::restart_deployment(&Local::now().to_rfc3339_opts(SecondsFormat::Secs, true))
        }
        (WorkloadKind::Deployment, Op::Undo) => {
            if obj.pointer("/spec/paused").and_then(Value::as_bool) == Some(true) {
                return Err(format!(
                    "{name} is paused: resume it first, then undo; nothing was done"
                ));
            }
            let c = chosen(client, id, request, obj).await?;
            let annotations = undo::deployment_annotations(obj, &c.replicaset);
            patches::undo_deployment(c.template, annotations)
        }
        (_, op) => {
            return Err(format!(
                "{} does not apply to {}; nothing was done",
                op.verb(),
                request.subject
            ));
        }
    })
}

/// The revision an undo or a switch back goes to, checked against the one confirmed.
async fn chosen(
    client: &kube::Client,
    id: &ReleaseId,
    request: &Request,
    obj: &Value,
) -> Result<undo::Chosen, String> {
    let name = &id.key.name;
    let rss = send::replicasets(client, &id.key.namespace, obj)
        .await
        .map_err(|e| {
            format!(
                "cannot list the ReplicaSets of {name} ({}); nothing was done",
                words(&e)
            )
        })?;
    let wanted = request.params.revision.as_ref();
    let c = undo::choose(obj, &rss, id.kind, wanted.map(|r| r.number))
        .map_err(|e| format!("{name}: {e}; nothing was done"))?
        .ok_or_else(|| {
            format!(
                "{name} already runs that revision's template: skipped rollback; nothing was done"
            )
        })?;
    if let Some(r) = wanted.filter(|r| !r.hash.is_empty() && r.hash != c.hash) {
        return Err(stale_message(
            name,
            &format!(
                "revision {} is now pod hash {}, not {}",
                r.number, c.hash, r.hash
            ),
        ));
    }
    Ok(c)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn a_conflict_on_the_first_request_is_a_stale_refusal() {
        assert_eq!(
            failed("orders-api", Op::Promote, 0, 2, SendError::Stale),
            Outcome::Refused {
                why: "orders-api changed since you confirmed (changed by someone else while sending); nothing was done".into()
            }
        );
    }

    #[test]
    fn a_403_is_verbatim_and_an_unknown_outcome_says_to_look_again() {
        let m = "rollouts.argoproj.io \"x\" is forbidden: User \"u\" cannot patch";
        assert_eq!(
            failed("x", Op::Abort, 0, 1, SendError::Forbidden(m.into())),
            Outcome::Failed { error: m.into() }
        );
        let Outcome::Failed { error } = failed(
            "x",
            Op::Abort,
            0,
            1,
            SendError::Unknown("connection reset".into()),
        ) else {
            panic!("not failed");
        };
        assert_eq!(
            error,
            "x: connection reset; the abort may or may not have happened: look again before trying again"
        );
    }

    #[test]
    fn a_conflict_after_a_request_went_through_is_a_failure_not_a_refusal() {
        let Outcome::Failed { error } = failed("x", Op::Promote, 1, 2, SendError::Stale) else {
            panic!("refused although half of it was sent");
        };
        assert_eq!(
            error,
            "x: the promote went only part way: 1 of 2 requests went through, then changed by someone else; look again"
        );
    }
}
