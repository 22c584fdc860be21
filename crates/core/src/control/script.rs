//! The same action layer for commands without a screen (`quarterdeck promote …`): what the
//! confirmation would show, the request it would send, and the journal line of its outcome.

use chrono::DateTime;

use super::flow::readonly_reason;
use super::op::Op;
use super::plan::{Plan, permitted, plan};
use super::request::{JournalEntry, JournalResult, Outcome, Params, Request};
use super::subject::Subject;
use crate::model::Model;

/// Why a command may not act, as the TUI would say it: read-only, not valid now, or not
/// permitted. `None` while permission answers are missing (ask the cluster, then call again).
pub fn refusal(model: &Model, op: Op, subject: &Subject) -> Option<Result<(), String>> {
    if let Some(why) = readonly_reason(model) {
        return Some(Err(why));
    }
    if let Err(why) = super::plan::valid(model, op, subject) {
        return Some(Err(format!("{}: {why}", op.verb())));
    }
    permitted(model, op, subject)
}

/// The plan and the request a confirmed `op` on `subject` sends, with the precondition read
/// from `model`.
pub fn prepare(
    model: &mut Model,
    op: Op,
    subject: Subject,
    params: Params,
) -> Result<(Request, Plan), String> {
    let plan = plan(model, op, &subject, &params)?;
    let id = model.control.next_id();
    let request = Request {
        id,
        context: model.target.context.clone(),
        op,
        subject,
        params,
        expect: plan.expect.clone(),
        shown: plan.text(),
    };
    Ok((request, plan))
}

/// The journal line of `request`'s outcome at `now_ms` (`None`: cancelled at the prompt).
pub fn journal_line(
    now_ms: i64,
    request: &Request,
    before: &str,
    outcome: Option<&Outcome>,
) -> JournalEntry {
    let (result, after, error) = match outcome {
        None => (JournalResult::Cancelled, String::new(), None),
        Some(Outcome::Done { after }) => (JournalResult::Done, after.clone(), None),
        Some(Outcome::Refused { why }) => {
            (JournalResult::Refused, String::new(), Some(why.clone()))
        }
        Some(Outcome::Failed { error }) => {
            (JournalResult::Failed, String::new(), Some(error.clone()))
        }
    };
    JournalEntry {
        time: DateTime::from_timestamp_millis(now_ms)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
            .unwrap_or_default(),
        user: String::new(),
        context: request.context.clone(),
        target: request.subject.to_string(),
        action: request.op.verb().to_string(),
        before: before.to_string(),
        after,
        confirmation: request.shown.clone(),
        result,
        error,
        by: "user".to_string(),
    }
}
