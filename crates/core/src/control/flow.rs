//! Control's transitions: keys and commands start an action, dialogs take keys, the driver's
//! answers finish it.

use chrono::DateTime;

use super::InFlight;
use super::access::{Access, needs};
use super::dialog::{Choice, Confirm, Dialog, JournalView, LeaseState, Menu, Offer, Picker};
use super::inbox::{InboxItem, inbox};
use super::io::{ControlEffect, ControlMsg};
use super::op::Op;
use super::plan::{self, find_gate, gate_verb, permitted, previous_revision, valid};
use super::request::{
    Candidate, JournalEntry, JournalResult, LeaseAnswer, Outcome, Params, Request,
};
use super::subject::Subject;
use crate::concerns::ci::release_runs;
use crate::effect::Effect;
use crate::key::{KeyCode, KeyPress};
use crate::keymap::{KeyResult, Mode};
use crate::model::{Model, Notice};
use crate::nav::Pane;
use crate::release::{self, ReleaseId};

/// The order the menu lists operations in.
const MENU_ORDER: [Op; 15] = [
    Op::Approve,
    Op::Reject,
    Op::Promote,
    Op::PromoteFull,
    Op::Abort,
    Op::Retry,
    Op::Undo,
    Op::SwitchBack,
    Op::Redeploy,
    Op::Pause,
    Op::Resume,
    Op::Restart,
    Op::Cancel,
    Op::RerunFailed,
    Op::RetryJob,
];

/// The hint on a review's confirmation.
const COMMENT_HINT: &str = "c: write the review comment";

/// The notice while permission answers are awaited.
pub(crate) const CHECKING: &str = "checking permission…";

fn effect(e: ControlEffect) -> Effect {
    Effect::Control(Box::new(e))
}

fn notice(model: &mut Model, text: impl Into<String>, error: bool) {
    model.notice = Some(Notice {
        text: text.into(),
        error,
    });
}

/// Whether nothing may be changed in the current context, and why.
pub(crate) fn readonly_reason(model: &Model) -> Option<String> {
    if model.target.readonly {
        return Some("read-only (--readonly): nothing can be changed".into());
    }
    model
        .control
        .policies
        .readonly(&model.target.context)
        .then(|| {
            format!(
                "context {} is read-only (config.toml): nothing can be changed",
                model.target.context
            )
        })
}

/// What the focused row offers to act on, most specific first.
pub(crate) fn focused_subjects(model: &Model) -> Vec<Subject> {
    let workload = model.releases.selected.clone().map(Subject::Workload);
    match model.nav.focus {
        Pane::Gates => {
            let items = inbox(model);
            match items.get(super::gate_cursor(model, &items)) {
                Some(InboxItem::Ci(g)) => vec![Subject::Gate(g.id.clone())],
                Some(InboxItem::Pause(p)) => vec![Subject::Workload(p.release.clone())],
                None => Vec::new(),
            }
        }
        Pane::Pipeline | Pane::JobLog => {
            let mut out = Vec::new();
            if let Some(rr) = model
                .releases
                .selected_row()
                .and_then(|r| release_runs(&model.ci, r))
                && let Some(run) = rr.shown_run()
            {
                if let Some(job) = rr.jobs().get(model.ci.job_cursor) {
                    if let Some(g) = model.ci.all_gates().into_iter().find(|g| {
                        matches!(g.id.kind, crate::gate::GateKind::GitlabManualJob { job_id } if job_id == job.id)
                    }) {
                        out.push(Subject::Gate(g.id.clone()));
                    }
                    out.push(Subject::Job {
                        provider: run.provider,
                        project: run.project.clone(),
                        id: job.id,
                        name: job.name.clone(),
                    });
                }
                for g in model.ci.all_gates() {
                    if g.pipeline_id == run.id
                        && g.id.project == run.project
                        && !out.contains(&Subject::Gate(g.id.clone()))
                    {
                        out.push(Subject::Gate(g.id.clone()));
                    }
                }
                out.push(Subject::Run {
                    provider: run.provider,
                    project: run.project.clone(),
                    id: run.id,
                });
            }
            out.extend(workload);
            out
        }
        _ => workload.into_iter().collect(),
    }
}

/// The menu's label for an operation on a subject.
fn label(model: &Model, op: Op, subject: &Subject) -> String {
    match subject {
        Subject::Gate(gid) => find_gate(model, gid)
            .map(|g| format!("{} {}", gate_verb(g, op), subject.short_name()))
            .unwrap_or_else(|| op.verb().to_string()),
        Subject::Workload(_) if op == Op::Approve => "approve (promote)".into(),
        _ => format!("{} {}", op.verb(), subject.short_name()),
    }
}

/// Opens the actions menu for the focused row.
pub(crate) fn open_menu(model: &mut Model) -> Vec<Effect> {
    if let Some(why) = readonly_reason(model) {
        notice(model, why, true);
        return Vec::new();
    }
    let mut offers = Vec::new();
    for subject in focused_subjects(model) {
        for op in MENU_ORDER {
            // On a workload, approving is promoting: list it once.
            if matches!(subject, Subject::Workload(_)) && op == Op::Approve {
                continue;
            }
            if valid(model, op, &subject).is_ok() {
                offers.push(Offer {
                    op,
                    label: label(model, op, &subject),
                    allowed: permitted(model, op, &subject),
                    subject: subject.clone(),
                });
            }
        }
    }
    if offers.is_empty() {
        notice(model, "nothing can be done on this row now", false);
        return Vec::new();
    }
    let effects = ask_access(model, offers.iter().map(|o| (o.op, &o.subject)));
    model.control.dialog = Some(Dialog::Menu(Menu { offers, cursor: 0 }));
    effects
}

/// Asks for the permission answers not known yet for these actions.
pub(crate) fn ask_access<'a>(
    model: &mut Model,
    actions: impl Iterator<Item = (Op, &'a Subject)>,
) -> Vec<Effect> {
    let mut keys = Vec::new();
    for (op, subject) in actions {
        let Subject::Workload(id) = subject else {
            continue;
        };
        for key in needs(&model.target.context, id, op) {
            if !model.control.access.contains_key(&key) && !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
    if keys.is_empty() {
        return Vec::new();
    }
    for k in &keys {
        model.control.access.insert(k.clone(), Access::Checking);
    }
    vec![effect(ControlEffect::CheckAccess(keys))]
}

/// A key or command naming operations (`P`, `:promote`): the first that is valid on the
/// focused row.
pub(crate) fn on_ops(model: &mut Model, ops: &[Op], revision: Option<i64>) -> Vec<Effect> {
    if let Some(why) = readonly_reason(model) {
        notice(model, why, true);
        return Vec::new();
    }
    let subjects = focused_subjects(model);
    let mut first_error = None;
    for subject in &subjects {
        for &op in ops {
            match valid(model, op, subject) {
                Ok(()) => return start(model, op, subject.clone(), revision),
                Err(e) => {
                    first_error.get_or_insert(format!("{}: {e}", op.verb()));
                }
            }
        }
    }
    let text = first_error.unwrap_or_else(|| "nothing selected to act on".to_string());
    notice(model, text, true);
    Vec::new()
}

/// Starts `op` on `subject`: checks in-flight, Leases and permission, then opens the picker
/// or the confirmation.
fn start(model: &mut Model, op: Op, subject: Subject, revision: Option<i64>) -> Vec<Effect> {
    let op = match (&subject, op) {
        (Subject::Workload(_), Op::Approve) => Op::Promote,
        (_, op) => op,
    };
    if let Some(f) = model.control.in_flight.get(&subject) {
        let text = format!(
            "{} {}: already in flight",
            f.op.doing(),
            subject.short_name()
        );
        notice(model, text, true);
        return Vec::new();
    }
    if let Some(l) = model.control.held_by_other(&subject, model.now_ms) {
        let text = format!("{} is about to {} {}", l.holder, l.action, l.target);
        notice(model, text, true);
        return Vec::new();
    }
    match permitted(model, op, &subject) {
        None => {
            let effects = ask_access(model, std::iter::once((op, &subject)));
            model.control.awaiting = Some((op, subject));
            notice(model, CHECKING, false);
            return effects;
        }
        Some(Err(why)) => {
            notice(model, why, true);
            return Vec::new();
        }
        Some(Ok(())) => {}
    }
    match (op, &subject) {
        (Op::Undo, Subject::Workload(id)) => match revision {
            Some(n) => match release::history(&model.cluster, id)
                .into_iter()
                .find(|r| r.number == n)
            {
                Some(rev) => confirm(
                    model,
                    op,
                    subject,
                    Params {
                        revision: Some(rev),
                        ..Params::default()
                    },
                ),
                None => {
                    notice(model, format!("unable to find revision {n}"), true);
                    Vec::new()
                }
            },
            None => open_picker(model, subject.clone(), id.clone(), true),
        },
        (Op::Redeploy, Subject::Workload(id)) => {
            open_picker(model, subject.clone(), id.clone(), false)
        }
        (Op::SwitchBack, Subject::Workload(id)) => {
            let params = Params {
                revision: previous_revision(model, id),
                ..Params::default()
            };
            confirm(model, op, subject, params)
        }
        (Op::Approve | Op::Reject, Subject::Gate(g)) => {
            // A review carries a comment (GitHub requires one); playing a manual job does not.
            let reviewed = !matches!(g.kind, crate::gate::GateKind::GitlabManualJob { .. });
            let params = Params {
                comment: reviewed.then(|| default_comment(op)),
                ..Params::default()
            };
            confirm(model, op, subject, params)
        }
        _ => confirm(model, op, subject, Params::default()),
    }
}

/// The revision picker: the cluster's revisions (previous preselected) and, when the release
/// is deployed by CI, the versions CI can deploy again.
fn open_picker(model: &mut Model, subject: Subject, id: ReleaseId, cluster: bool) -> Vec<Effect> {
    let mut choices = Vec::new();
    let mut cursor = 0;
    if cluster {
        let previous = previous_revision(model, &id).map(|r| r.number);
        let current = plan::workload_state(model, &id).and_then(|s| s.revision);
        for r in release::history(&model.cluster, &id) {
            if Some(r.number) == previous {
                cursor = choices.len();
            }
            choices.push(Choice::Revision {
                current: Some(r.number) == current,
                revision: r,
            });
        }
    }
    let link = model.ci.links.get(&id).map(|l| l.link.clone());
    let linked = link.is_some();
    let mut effects = Vec::new();
    if let Some(link) = link {
        effects.push(effect(ControlEffect::FindCandidates { release: id, link }));
    }
    model.control.dialog = Some(Dialog::Picker(Picker {
        subject,
        choices,
        cursor,
        ci: linked.then(|| Err("looking for earlier CI deploys…".to_string())),
    }));
    effects
}

/// Opens the confirmation and asks for the Lease.
pub(crate) fn confirm(model: &mut Model, op: Op, subject: Subject, params: Params) -> Vec<Effect> {
    let plan = match plan::plan(model, op, &subject, &params) {
        Ok(p) => p,
        Err(e) => {
            notice(model, format!("{}: {e}", op.verb()), true);
            return Vec::new();
        }
    };
    let id = model.control.next_id();
    let request = Request {
        id,
        context: model.target.context.clone(),
        op,
        subject: subject.clone(),
        params,
        expect: plan.expect.clone(),
        shown: plan.text(),
    };
    let typed = model
        .control
        .policies
        .protected(&model.target.context)
        .then(|| (subject.short_name(), String::new()));
    // In a protected context every letter goes to the typed name: the comment stays as shown.
    let hint =
        (request.params.comment.is_some() && typed.is_none()).then(|| COMMENT_HINT.to_string());
    let mut effects = Vec::new();
    let lease = match (
        lease_namespace(model, &subject),
        &model.control.leases_unavailable,
    ) {
        (_, Some(why)) => LeaseState::Unavailable(why.clone()),
        (None, None) => LeaseState::Unavailable("no namespace to hold a Lease in".into()),
        (Some(ns), None) => {
            effects.push(effect(ControlEffect::TakeLease {
                id,
                namespace: ns,
                name: subject.lease_name(),
                action: op.verb().to_string(),
                target: subject.short_name(),
            }));
            LeaseState::Taking
        }
    };
    model.control.dialog = Some(Dialog::Confirm(Box::new(Confirm {
        request,
        plan,
        confirm_focused: false,
        typed,
        hint,
        lease,
        editing_comment: false,
        confirmed: false,
    })));
    effects
}

/// The namespace whose Lease coordinates `subject`: a workload's own; a gate's release's; for
/// a run or job, the release whose pipeline pane shows it.
fn lease_namespace(model: &Model, subject: &Subject) -> Option<String> {
    match subject {
        Subject::Workload(id) => Some(id.key.namespace.clone()),
        Subject::Gate(gid) => find_gate(model, gid)
            .and_then(|g| model.ci.gate_release(g))
            .map(|id| id.key.namespace),
        Subject::Run { .. } | Subject::Job { .. } => model
            .releases
            .selected
            .as_ref()
            .map(|id| id.key.namespace.clone()),
    }
}

/// `:journal`.
pub(crate) fn open_journal(model: &mut Model) -> Vec<Effect> {
    model.control.dialog = Some(Dialog::Journal(JournalView {
        entries: None,
        scroll: 0,
    }));
    vec![effect(ControlEffect::LoadJournal)]
}

/// A key while a dialog is open.
pub(crate) fn on_dialog_key(model: &mut Model, key: KeyPress) -> Vec<Effect> {
    let Some(dialog) = model.control.dialog.take() else {
        return Vec::new();
    };
    match dialog {
        Dialog::Menu(menu) => menu_key(model, menu, key),
        Dialog::Picker(picker) => picker_key(model, picker, key),
        Dialog::Confirm(c) => confirm_key(model, *c, key),
        Dialog::Journal(mut view) => {
            match key.code {
                KeyCode::Esc | KeyCode::Char('q') | KeyCode::Enter => return Vec::new(),
                KeyCode::Up | KeyCode::Char('k') => view.scroll += 1,
                KeyCode::Down | KeyCode::Char('j') => view.scroll = view.scroll.saturating_sub(1),
                KeyCode::PageUp => view.scroll += 10,
                KeyCode::PageDown => view.scroll = view.scroll.saturating_sub(10),
                KeyCode::End => view.scroll = 0,
                _ => {}
            }
            model.control.dialog = Some(Dialog::Journal(view));
            Vec::new()
        }
    }
}

/// Moves a cursor over `n` lines.
fn moved(cursor: usize, key: &KeyPress, n: usize) -> usize {
    match key.code {
        KeyCode::Up | KeyCode::Char('k') => cursor.saturating_sub(1),
        KeyCode::Down | KeyCode::Char('j') => (cursor + 1).min(n.saturating_sub(1)),
        _ => cursor,
    }
}

/// The operation a key stands for in the normal keymap, if it is a control key.
fn op_key(model: &Model, key: KeyPress) -> Option<Vec<Op>> {
    match model.keymap.feed(Mode::Normal, &[], key) {
        KeyResult::Matched(action) => crate::actions::ops_of(model, action),
        _ => None,
    }
}

fn menu_key(model: &mut Model, mut menu: Menu, key: KeyPress) -> Vec<Effect> {
    let chosen = match key.code {
        KeyCode::Esc | KeyCode::Char('q') => return Vec::new(),
        KeyCode::Enter => menu.offers.get(menu.cursor).cloned(),
        KeyCode::Up | KeyCode::Down | KeyCode::Char('j' | 'k') => {
            menu.cursor = moved(menu.cursor, &key, menu.offers.len());
            None
        }
        _ => op_key(model, key)
            .and_then(|ops| menu.offers.iter().find(|o| ops.contains(&o.op)).cloned()),
    };
    let Some(offer) = chosen else {
        model.control.dialog = Some(Dialog::Menu(menu));
        return Vec::new();
    };
    match &offer.allowed {
        Some(Err(why)) => {
            notice(model, why.clone(), true);
            model.control.dialog = Some(Dialog::Menu(menu));
            Vec::new()
        }
        None => {
            notice(model, CHECKING, false);
            model.control.dialog = Some(Dialog::Menu(menu));
            Vec::new()
        }
        Some(Ok(())) => start(model, offer.op, offer.subject, None),
    }
}

fn picker_key(model: &mut Model, mut picker: Picker, key: KeyPress) -> Vec<Effect> {
    match key.code {
        KeyCode::Esc | KeyCode::Char('q') => return Vec::new(),
        KeyCode::Enter => {
            let Some(choice) = picker.choices.get(picker.cursor).cloned() else {
                model.control.dialog = Some(Dialog::Picker(picker));
                return Vec::new();
            };
            return match choice {
                Choice::Revision { current: true, .. } => {
                    notice(model, "that revision is what runs now", true);
                    model.control.dialog = Some(Dialog::Picker(picker));
                    Vec::new()
                }
                Choice::Revision { revision, .. } => confirm(
                    model,
                    Op::Undo,
                    picker.subject,
                    Params {
                        revision: Some(revision),
                        ..Params::default()
                    },
                ),
                Choice::Ci(candidate) => confirm(
                    model,
                    Op::Redeploy,
                    picker.subject,
                    Params {
                        candidate: Some(candidate),
                        ..Params::default()
                    },
                ),
            };
        }
        _ => picker.cursor = moved(picker.cursor, &key, picker.choices.len()),
    }
    model.control.dialog = Some(Dialog::Picker(picker));
    Vec::new()
}

fn confirm_key(model: &mut Model, mut c: Confirm, key: KeyPress) -> Vec<Effect> {
    if key.ctrl && key.code == KeyCode::Char('c') {
        return cancel(model, c);
    }
    if c.editing_comment {
        edit_comment(&mut c, key);
        model.control.dialog = Some(Dialog::Confirm(Box::new(c)));
        return Vec::new();
    }
    if c.typed.is_none()
        && c.request.params.comment.is_some()
        && key.code == KeyCode::Char('c')
        && !key.alt
    {
        // A fresh comment replaces the default one; left empty, the default comes back.
        c.editing_comment = true;
        c.request.params.comment = Some(String::new());
        c.hint = Some("typing the comment · enter done".into());
        model.control.dialog = Some(Dialog::Confirm(Box::new(c)));
        return Vec::new();
    }
    let wants_confirm = if let Some((name, typed)) = &mut c.typed {
        match key.code {
            KeyCode::Esc => return cancel(model, c),
            KeyCode::Backspace => {
                typed.pop();
                false
            }
            KeyCode::Char(ch) if !key.ctrl && !key.alt => {
                typed.push(ch);
                false
            }
            KeyCode::Enter if typed == name => true,
            KeyCode::Enter if typed.is_empty() => return cancel(model, c),
            KeyCode::Enter => {
                c.hint = Some(format!("type {name} exactly to confirm, esc to cancel"));
                false
            }
            _ => false,
        }
    } else {
        match key.code {
            KeyCode::Esc | KeyCode::Char('n' | 'N' | 'q') => return cancel(model, c),
            KeyCode::Char('y') => true,
            KeyCode::Tab
            | KeyCode::BackTab
            | KeyCode::Left
            | KeyCode::Right
            | KeyCode::Char('h' | 'l') => {
                c.confirm_focused = !c.confirm_focused;
                false
            }
            KeyCode::Enter if c.confirm_focused => true,
            KeyCode::Enter => return cancel(model, c),
            _ => false,
        }
    };
    if !wants_confirm {
        model.control.dialog = Some(Dialog::Confirm(Box::new(c)));
        return Vec::new();
    }
    if c.lease == LeaseState::Taking {
        c.confirmed = true;
        c.hint = Some("checking whether someone else is acting… sent once no one is".into());
        model.control.dialog = Some(Dialog::Confirm(Box::new(c)));
        return Vec::new();
    }
    send(model, c)
}

/// The comment a review carries unless the user writes one.
fn default_comment(op: Op) -> String {
    let done = match op {
        Op::Reject => "rejected",
        _ => "approved",
    };
    format!("{done} from Quarterdeck")
}

/// A key while the review comment is typed: text, backspace, and enter or esc to finish.
fn edit_comment(c: &mut Confirm, key: KeyPress) {
    let Some(comment) = c.request.params.comment.as_mut() else {
        c.editing_comment = false;
        return;
    };
    match key.code {
        KeyCode::Enter | KeyCode::Esc => {
            c.editing_comment = false;
            c.hint = Some(COMMENT_HINT.to_string());
            // GitHub refuses a review without a comment: never leave it empty.
            if comment.trim().is_empty() {
                *comment = default_comment(c.request.op);
            }
        }
        KeyCode::Backspace => {
            comment.pop();
        }
        KeyCode::Char(ch) if !key.ctrl && !key.alt => comment.push(ch),
        _ => {}
    }
    let text = comment.clone();
    if let Some(line) = c.plan.lines.iter_mut().find(|(k, _)| k == plan::COMMENT) {
        line.1 = text;
    }
    c.request.shown = c.plan.text();
}

/// Confirmed: one in flight per target, and the driver re-checks before sending.
fn send(model: &mut Model, c: Confirm) -> Vec<Effect> {
    let subject = c.request.subject.clone();
    let op = c.request.op;
    model.control.in_flight.insert(
        subject.clone(),
        InFlight {
            id: c.request.id,
            op,
            shown: c.request.shown.clone(),
            before: c.plan.before.clone(),
            context: c.request.context.clone(),
            leased: c.lease == LeaseState::Held,
            by: USER,
        },
    );
    notice(
        model,
        format!("{} {}…", op.doing(), subject.short_name()),
        false,
    );
    vec![effect(ControlEffect::Act(Box::new(c.request)))]
}

/// The rollback guard's own action, sent without a dialog: one in flight per target, the
/// driver re-checks the precondition before sending, and the journal names the guard.
pub(crate) fn send_as_guard(model: &mut Model, request: Request, before: String) -> Vec<Effect> {
    model.control.in_flight.insert(
        request.subject.clone(),
        InFlight {
            id: request.id,
            op: request.op,
            shown: request.shown.clone(),
            before,
            context: request.context.clone(),
            leased: false,
            by: GUARD,
        },
    );
    vec![effect(ControlEffect::Act(Box::new(request)))]
}

/// The journal's actor for what the user confirmed.
const USER: &str = "user";
/// The journal's actor for what the rollback guard did by itself.
const GUARD: &str = "guard";

/// Cancelled at the confirmation: journaled, the Lease given back.
fn cancel(model: &mut Model, c: Confirm) -> Vec<Effect> {
    let entry = journal_entry(
        model,
        &c.request.subject,
        c.request.op,
        &c.request.context,
        c.request.shown.clone(),
        c.plan.before.clone(),
        JournalResult::Cancelled,
        String::new(),
        None,
        USER,
    );
    notice(
        model,
        format!("{} cancelled; nothing was done", c.request.op.verb()),
        false,
    );
    let mut effects = release_lease(c.request.id, !matches!(c.lease, LeaseState::Unavailable(_)));
    effects.push(effect(ControlEffect::Journal(Box::new(entry))));
    effects
}

fn release_lease(id: u64, held: bool) -> Vec<Effect> {
    if held {
        vec![effect(ControlEffect::ReleaseLease { id })]
    } else {
        Vec::new()
    }
}

#[allow(clippy::too_many_arguments)]
fn journal_entry(
    model: &Model,
    subject: &Subject,
    op: Op,
    context: &str,
    confirmation: Vec<String>,
    before: String,
    result: JournalResult,
    after: String,
    error: Option<String>,
    by: &str,
) -> JournalEntry {
    JournalEntry {
        time: DateTime::from_timestamp_millis(model.now_ms)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
            .unwrap_or_default(),
        user: String::new(),
        context: context.to_string(),
        target: subject.to_string(),
        action: op.verb().to_string(),
        before,
        after,
        confirmation,
        result,
        error,
        by: by.to_string(),
    }
}

/// An answer from the driver.
pub(crate) fn on_msg(model: &mut Model, msg: ControlMsg) -> Vec<Effect> {
    model.mark_dirty();
    match msg {
        ControlMsg::Identity { holder } => model.control.holder = Some(holder),
        ControlMsg::Access { key, access } => {
            model.control.access.insert(key, access);
            refresh_menu(model);
            if model.notice.as_ref().is_some_and(|n| n.text == CHECKING) {
                model.notice = None;
            }
            if let Some((op, subject)) = model.control.awaiting.clone()
                && permitted(model, op, &subject).is_some()
            {
                model.control.awaiting = None;
                return start(model, op, subject, None);
            }
            return crate::analysis::guard::on_access(model);
        }
        ControlMsg::Leases(all) => {
            let ours = model.control.holder.clone();
            model.control.leases = all
                .into_iter()
                .filter(|l| Some(&l.holder) != ours.as_ref())
                .collect();
        }
        ControlMsg::LeaseTaken { id, answer } => return lease_taken(model, id, answer),
        ControlMsg::Done { id, outcome } => return done(model, id, outcome),
        ControlMsg::Journal(entries) => {
            if let Some(Dialog::Journal(view)) = &mut model.control.dialog {
                match entries {
                    Ok(e) => view.entries = Some(e),
                    Err(e) => {
                        model.control.dialog = None;
                        notice(model, format!("journal: {e}"), true);
                    }
                }
            }
        }
        ControlMsg::Candidates {
            release,
            candidates,
        } => on_candidates(model, &release, candidates),
    }
    Vec::new()
}

/// Permission answers arrived: the open menu greys or enables its lines.
fn refresh_menu(model: &mut Model) {
    // Only a menu is taken out (to read the model while changing it): any other dialog stays.
    let Some(Dialog::Menu(mut menu)) = model
        .control
        .dialog
        .take_if(|d| matches!(d, Dialog::Menu(_)))
    else {
        return;
    };
    for offer in &mut menu.offers {
        offer.allowed = permitted(model, offer.op, &offer.subject);
    }
    model.control.dialog = Some(Dialog::Menu(menu));
}

fn on_candidates(
    model: &mut Model,
    release: &ReleaseId,
    candidates: Result<Vec<Candidate>, String>,
) {
    let Some(Dialog::Picker(picker)) = &mut model.control.dialog else {
        return;
    };
    if picker.subject.workload() != Some(release) {
        return;
    }
    match candidates {
        Ok(list) => {
            let only_ci = picker.choices.is_empty();
            picker.choices.extend(list.into_iter().map(Choice::Ci));
            picker.ci = Some(Ok(()));
            if only_ci {
                picker.cursor = 0;
            }
        }
        Err(e) => picker.ci = Some(Err(e)),
    }
}

fn lease_taken(model: &mut Model, id: u64, answer: LeaseAnswer) -> Vec<Effect> {
    let Some(Dialog::Confirm(c)) = &mut model.control.dialog else {
        return stray_lease(model, id, &answer);
    };
    if c.request.id != id {
        return stray_lease(model, id, &answer);
    }
    match answer {
        LeaseAnswer::Held => c.lease = LeaseState::Held,
        LeaseAnswer::Unavailable(why) => {
            c.lease = LeaseState::Unavailable(why.clone());
            if model.control.leases_unavailable.is_none() {
                model.control.leases_unavailable = Some(why.clone());
                notice(
                    model,
                    format!("Leases unavailable ({why}); other operators will not see this action"),
                    false,
                );
            }
        }
        LeaseAnswer::HeldBy(info) => {
            let Some(Dialog::Confirm(c)) = model.control.dialog.take() else {
                return Vec::new();
            };
            let why = format!(
                "{} is about to {} {}",
                info.holder, info.action, info.target
            );
            let entry = journal_entry(
                model,
                &c.request.subject,
                c.request.op,
                &c.request.context,
                c.request.shown.clone(),
                c.plan.before.clone(),
                JournalResult::Refused,
                String::new(),
                Some(why.clone()),
                USER,
            );
            notice(model, format!("{why}; wait until they are done"), true);
            if !model.control.leases.contains(&info) {
                model.control.leases.push(info);
            }
            return vec![effect(ControlEffect::Journal(Box::new(entry)))];
        }
    }
    if let Some(Dialog::Confirm(c)) = &model.control.dialog
        && c.confirmed
        && let Some(Dialog::Confirm(c)) = model.control.dialog.take()
    {
        return send(model, *c);
    }
    Vec::new()
}

/// A Lease answer for a confirmation no longer open (cancelled meanwhile): give it back.
fn stray_lease(model: &Model, id: u64, answer: &LeaseAnswer) -> Vec<Effect> {
    if *answer != LeaseAnswer::Held || model.control.in_flight.values().any(|f| f.id == id) {
        return Vec::new();
    }
    vec![effect(ControlEffect::ReleaseLease { id })]
}

fn done(model: &mut Model, id: u64, outcome: Outcome) -> Vec<Effect> {
    let Some(subject) = model
        .control
        .in_flight
        .iter()
        .find(|(_, f)| f.id == id)
        .map(|(s, _)| s.clone())
    else {
        return Vec::new();
    };
    let Some(f) = model.control.in_flight.remove(&subject) else {
        return Vec::new();
    };
    let name = subject.short_name();
    let (result, after, error) = match outcome {
        Outcome::Done { after } => {
            notice(model, format!("{} {name}: {after}", f.op.verb()), false);
            (JournalResult::Done, after, None)
        }
        Outcome::Refused { why } => {
            notice(model, why.clone(), true);
            (JournalResult::Refused, String::new(), Some(why))
        }
        Outcome::Failed { error } => {
            notice(
                model,
                format!("{} {name} failed: {error}", f.op.verb()),
                true,
            );
            // Permissions may have changed (a 403): the next offer asks the cluster again.
            if let Subject::Workload(id) = &subject {
                for key in needs(&f.context, id, f.op) {
                    model.control.access.remove(&key);
                }
            }
            (JournalResult::Failed, String::new(), Some(error))
        }
    };
    let entry = journal_entry(
        model, &subject, f.op, &f.context, f.shown, f.before, result, after, error, f.by,
    );
    let mut effects = release_lease(f.id, f.leased);
    effects.push(effect(ControlEffect::Journal(Box::new(entry))));
    effects
}
