//! The rollback guard: when a trigger fires on a release, one incident per (release, canary
//! hash). It proposes the rollback behind the usual confirmation, or — where the user asked
//! for it and the context allows — performs it itself, journaled as the guard. Never on
//! missing data (a fired trigger has data), never twice for one incident.

use super::config::GuardMode;
use super::queries;
use super::state::{Proposal, TriggerState};
use crate::action::Action;
use crate::control::{self, Op, Params, Request, Subject, plan, previous_revision};
use crate::effect::Effect;
use crate::keymap::Mode;
use crate::model::{Model, Notice};
use crate::release::{self, ReleaseId, WorkloadKind};

fn notice(model: &mut Model, text: String, error: bool) {
    model.notice = Some(Notice { text, error });
}

/// The key bound to the proposal, for the banner.
fn proposal_key(model: &Model) -> String {
    model
        .keymap
        .help(Mode::Normal)
        .into_iter()
        .find(|(_, a)| *a == Action::GuardRollback)
        .map_or_else(|| ":actions".to_string(), |(k, _)| k)
}

/// The rollback the guard proposes: a Rollout aborts, then undoes to its stable revision; a
/// Deployment undoes to the previous one.
fn rollback(model: &Model, id: &ReleaseId) -> Option<Params> {
    match id.kind {
        WorkloadKind::Rollout => {
            let stable = queries::sides(&model.cluster, id).stable?;
            let revision = release::history(&model.cluster, id)
                .into_iter()
                .find(|r| r.hash == stable)?;
            Some(Params {
                revision: Some(revision),
                abort_first: true,
                ..Params::default()
            })
        }
        WorkloadKind::Deployment => Some(Params {
            revision: Some(previous_revision(model, id)?),
            ..Params::default()
        }),
    }
}

/// Forgets incidents whose triggers all cleared or whose canary changed (the guard is armed
/// again for them), and withdraws their proposal.
pub(crate) fn rearm(model: &mut Model) {
    let releases = &model.analysis.releases;
    model.analysis.incidents.retain(|id, hash| {
        releases.get(id).is_some_and(|ra| {
            ra.canary_hash.as_ref() == Some(hash)
                && !ra.triggers.iter().all(|t| t.state == TriggerState::Clear)
        })
    });
    let incidents = &model.analysis.incidents;
    if model
        .analysis
        .proposal
        .as_ref()
        .is_some_and(|p| incidents.get(&p.release) != Some(&p.hash))
    {
        model.analysis.proposal = None;
        model.mark_dirty();
    }
}

/// After a release's triggers were evaluated: acts on a fired one, once per incident.
pub(crate) fn check(model: &mut Model, id: &ReleaseId) -> Vec<Effect> {
    rearm(model);
    let Some(ra) = model.analysis.releases.get(id) else {
        return Vec::new();
    };
    let Some(hash) = ra.canary_hash.clone() else {
        return Vec::new();
    };
    if model.analysis.incidents.get(id) == Some(&hash) {
        return Vec::new();
    }
    let Some(countdown) = ra.countdown().filter(|c| c.fired) else {
        return Vec::new();
    };
    let trigger = countdown.text();
    let context = model.target.context.clone();
    let (mode, auto_protected) = queries::guard(&model.analysis.config, id, &context);
    let subject = Subject::Workload(id.clone());
    // Someone is acting on it already: look again at the next reading.
    if model.control.in_flight.contains_key(&subject)
        || model
            .control
            .held_by_other(&subject, model.now_ms)
            .is_some()
    {
        return Vec::new();
    }
    model.mark_dirty();
    if mode == GuardMode::Off || control::readonly_reason(model).is_some() {
        model.analysis.incidents.insert(id.clone(), hash);
        return Vec::new();
    }
    let name = id.key.name.clone();
    let built = rollback(model, id)
        .ok_or_else(|| "no stable revision to roll back to".to_string())
        .and_then(|params| plan(model, Op::Undo, &subject, &params).map(|p| (params, p)));
    let (params, plan) = match built {
        Ok(b) => b,
        Err(why) => {
            model.analysis.incidents.insert(id.clone(), hash);
            notice(
                model,
                format!("{name} canary: {trigger}; cannot roll back: {why}"),
                true,
            );
            return Vec::new();
        }
    };
    let protected = model.control.policies.protected(&context);
    if mode == GuardMode::Auto && (!protected || auto_protected) {
        let ops = auto_ops(&params);
        match ops
            .iter()
            .map(|op| control::permitted(model, *op, &subject))
            .find(|p| p.as_ref().is_none_or(Result::is_err))
        {
            // Permission unknown: asked now; the next reading decides.
            Some(None) => {
                let subjects = [subject.clone(), subject.clone()];
                return control::ask_access(model, ops.into_iter().zip(subjects.iter()));
            }
            Some(Some(Err(why))) => {
                model.analysis.incidents.insert(id.clone(), hash);
                notice(model, format!("rollback guard on {name}: {why}"), true);
                return Vec::new();
            }
            _ => {}
        }
        model.analysis.incidents.insert(id.clone(), hash);
        let request = Request {
            id: model.control.next_id(),
            context,
            op: Op::Undo,
            subject,
            params,
            expect: plan.expect.clone(),
            shown: plan.text(),
        };
        notice(
            model,
            format!("rollback guard: {name} canary {trigger}; rolling back…"),
            false,
        );
        return control::send_as_guard(model, request, plan.before);
    }
    let banner = format!(
        "{name} canary: {trigger} — {} roll back",
        proposal_key(model)
    );
    model.analysis.incidents.insert(id.clone(), hash.clone());
    model.analysis.proposal = Some(Proposal {
        release: id.clone(),
        hash,
        trigger,
        banner,
        plan: plan.text(),
    });
    // Ask for the permission now, so the key opens the confirmation at once.
    let ops = auto_ops(&params);
    let subjects = [subject.clone(), subject];
    control::ask_access(model, ops.into_iter().zip(subjects.iter()))
}

/// The operations the rollback consists of, for the permission check.
fn auto_ops(params: &Params) -> Vec<Op> {
    if params.abort_first {
        vec![Op::Undo, Op::Abort]
    } else {
        vec![Op::Undo]
    }
}

/// The proposal key: opens the usual confirmation with the proposed rollback.
pub(crate) fn open_proposal(model: &mut Model) -> Vec<Effect> {
    let Some(p) = model.analysis.proposal.clone() else {
        notice(
            model,
            "the rollback guard proposes nothing now".into(),
            false,
        );
        return Vec::new();
    };
    if let Some(why) = control::readonly_reason(model) {
        notice(model, why, true);
        return Vec::new();
    }
    let still = model
        .analysis
        .releases
        .get(&p.release)
        .is_some_and(|ra| ra.canary_hash.as_ref() == Some(&p.hash));
    let params = rollback(model, &p.release).filter(|_| still);
    let Some(params) = params else {
        model.analysis.proposal = None;
        notice(
            model,
            "the canary changed: the proposal is withdrawn".into(),
            true,
        );
        return Vec::new();
    };
    let subject = Subject::Workload(p.release.clone());
    if let Some(f) = model.control.in_flight.get(&subject) {
        let text = format!(
            "{} {}: already in flight",
            f.op.doing(),
            subject.short_name()
        );
        notice(model, text, true);
        return Vec::new();
    }
    let ops = auto_ops(&params);
    for op in &ops {
        match control::permitted(model, *op, &subject) {
            Some(Ok(())) => {}
            Some(Err(why)) => {
                notice(model, why, true);
                return Vec::new();
            }
            None => {
                notice(model, control::CHECKING.into(), false);
                model.analysis.open_when_permitted = true;
                let subjects = [subject.clone(), subject.clone()];
                return control::ask_access(model, ops.into_iter().zip(subjects.iter()));
            }
        }
    }
    model.analysis.proposal = None;
    control::confirm(model, Op::Undo, subject, params)
}

/// After a permission answer: opens the proposal's confirmation if the key was pressed while
/// the check was under way and every permission it needs is known now.
pub(crate) fn on_access(model: &mut Model) -> Vec<Effect> {
    if !model.analysis.open_when_permitted {
        return Vec::new();
    }
    let known = model.analysis.proposal.clone().is_some_and(|p| {
        let subject = Subject::Workload(p.release.clone());
        rollback(model, &p.release).is_some_and(|params| {
            auto_ops(&params)
                .iter()
                .all(|op| control::permitted(model, *op, &subject).is_some())
        })
    });
    if !known && model.analysis.proposal.is_some() {
        return Vec::new();
    }
    model.analysis.open_when_permitted = false;
    open_proposal(model)
}
