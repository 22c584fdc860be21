//! The changing commands: `approve`, `reject`, `play`, `promote`, `abort`, `retry`, `undo`,
//! `pause`, `resume`, `restart`. Each finds its subject in a snapshot of the cluster (and one
//! CI round for gates) and goes through the dashboard's action layer (`flow`).

mod confirm;
mod flow;
mod report;

use super::exit::{Exit, Failure};
use super::session::{Session, resolve};
use super::{Outcome, Verb, ci, gate_id};
use crate::cli::{DashboardArgs, GateArgs, PlayArgs, PromoteArgs, ReleaseAction, UndoArgs};
use quarterdeck_core::control::{InboxItem, Op, Params, Subject, inbox, previous_revision};
use quarterdeck_core::gate::GateKind;
use quarterdeck_core::release::{self, Revision};
use quarterdeck_core::{Model, Scope};

/// `approve GATE` / `reject GATE`.
pub async fn gate(args: GateArgs, approve: bool, global: &DashboardArgs) -> Outcome {
    let session = Session::open(global).await?;
    let (model, subject) = find_gate(&session, &args.gate).await?;
    let op = match (&subject, approve) {
        // As in the dashboard: approving a rollout's pause is a promote.
        (Subject::Workload(_), true) => Op::Promote,
        (_, true) => Op::Approve,
        (_, false) => Op::Reject,
    };
    // A review carries a comment (GitHub requires one); playing a manual job does not.
    let reviewed = matches!(&subject, Subject::Gate(g)
        if !matches!(g.kind, GateKind::GitlabManualJob { .. }));
    let comment = reviewed.then(|| {
        args.comment.clone().unwrap_or_else(|| {
            let done = if approve { "approved" } else { "rejected" };
            format!("{done} from Quarterdeck")
        })
    });
    let params = Params {
        comment,
        ..Params::default()
    };
    flow::run(&session, model, op, subject, params, &args.act).await
}

/// `play JOB`.
pub async fn play(args: PlayArgs, global: &DashboardArgs) -> Outcome {
    if !args.job.starts_with("gitlab:") || !args.job.contains(":job:") {
        return Err(Failure::new(
            Exit::Usage,
            format!(
                "{} is not a manual job: play takes gitlab:GROUP/PROJECT:job:ID as `get gates` prints it",
                args.job
            ),
        ));
    }
    let session = Session::open(global).await?;
    let (model, subject) = find_gate(&session, &args.job).await?;
    flow::run(
        &session,
        model,
        Op::Approve,
        subject,
        Params::default(),
        &args.act,
    )
    .await
}

/// `promote RELEASE [--full]`.
pub async fn promote(args: PromoteArgs, global: &DashboardArgs) -> Outcome {
    let op = if args.full {
        Op::PromoteFull
    } else {
        Op::Promote
    };
    let session = Session::open(global).await?;
    let (model, subject) = find_release(&session, &args.release).await?;
    flow::run(&session, model, op, subject, Params::default(), &args.act).await
}

/// `abort`, `retry`, `pause`, `resume`, `restart` RELEASE.
pub async fn release(args: ReleaseAction, verb: Verb, global: &DashboardArgs) -> Outcome {
    let op = match verb {
        Verb::Abort => Op::Abort,
        Verb::Retry => Op::Retry,
        Verb::Pause => Op::Pause,
        Verb::Resume => Op::Resume,
        Verb::Restart => Op::Restart,
    };
    let session = Session::open(global).await?;
    let (model, subject) = find_release(&session, &args.release).await?;
    flow::run(&session, model, op, subject, Params::default(), &args.act).await
}

/// `undo RELEASE [--to-revision N]`: without a revision, the previous one (the one the
/// dashboard's picker preselects).
pub async fn undo(args: UndoArgs, global: &DashboardArgs) -> Outcome {
    let session = Session::open(global).await?;
    let (model, subject) = find_release(&session, &args.release).await?;
    let revision = match &subject {
        Subject::Workload(id) => match args.to_revision {
            Some(n) => Some(revision(&model, id, n)?),
            None => previous_revision(&model, id),
        },
        _ => None,
    };
    let params = Params {
        revision,
        ..Params::default()
    };
    flow::run(&session, model, Op::Undo, subject, params, &args.act).await
}

/// Revision `n` of the release, from its history.
fn revision(model: &Model, id: &release::ReleaseId, n: i64) -> Result<Revision, Failure> {
    release::history(&model.cluster, id)
        .into_iter()
        .find(|r| r.number == n)
        .ok_or_else(|| {
            Failure::new(
                Exit::Usage,
                format!(
                    "{} has no revision {n}; `quarterdeck get history {}/{}` lists them",
                    id.key.name, id.key.namespace, id.key.name
                ),
            )
        })
}

/// The snapshot of the release's namespace and the release as a subject.
async fn find_release(session: &Session, text: &str) -> Result<(Model, Subject), Failure> {
    let model = session.snapshot(&session.scope_for(text), now_ms()).await?;
    let id = resolve(&model, text)?;
    Ok((model, Subject::Workload(id)))
}

/// The snapshot (with one CI round unless it is a rollout's pause) and the gate `text`
/// names, as the inbox has it.
async fn find_gate(session: &Session, text: &str) -> Result<(Model, Subject), Failure> {
    if !gate_id::well_formed(text) {
        return Err(Failure::new(
            Exit::Usage,
            format!("{text} is not a gate id; `quarterdeck get gates` lists them"),
        ));
    }
    let pause = text
        .strip_prefix("rollout:")
        .and_then(|r| r.split_once('/'))
        .map(|(ns, _)| Scope::Namespace(ns.to_string()));
    let scope = pause.clone().unwrap_or_else(|| session.scope.clone());
    let mut model = session.snapshot(&scope, now_ms()).await?;
    if pause.is_none() {
        ci::fetch(session, &mut model).await?;
    }
    let subject = match gate_id::find(&inbox(&model), text) {
        Some(InboxItem::Ci(g)) => Subject::Gate(g.id.clone()),
        Some(InboxItem::Pause(p)) => Subject::Workload(p.release.clone()),
        None => {
            return Err(Failure::new(
                Exit::Refused,
                format!(
                    "{text} is not waiting in {}; nothing was done (`quarterdeck get gates` lists the gates waiting)",
                    scope.label()
                ),
            ));
        }
    };
    Ok((model, subject))
}

/// Now, Unix ms.
fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
