//! What each [`Action`] does: routed to navigation or to the concern of the focused pane,
//! with `flow` deciding what that means for the others.

use crate::action::Action;
use crate::command::{self, Command};
use crate::concerns::events::release_events;
use crate::context;
use crate::control::{self, Op, Subject};
use crate::effect::Effect;
use crate::flow::{self, focus};
use crate::keymap::Mode;
use crate::model::{Model, Notice};
use crate::nav::Pane;

/// Performs an action.
pub(crate) fn on_action(model: &mut Model, action: Action) -> Vec<Effect> {
    if model.nav.mode == Mode::Help {
        return on_help_action(model, action);
    }
    match action {
        Action::Quit => return vec![Effect::Quit],
        Action::Help => model.nav.open_help(),
        Action::CommandLine => model.nav.prompt(Mode::Command, String::new()),
        Action::Filter if !has_filter(model.nav.focus) => {
            model.notice = Some(Notice {
                text: format!(
                    "the {} pane has no filter: / filters Releases, Pods, Logs and Events",
                    model.nav.focus.title()
                ),
                error: false,
            });
        }
        Action::Filter => {
            model.logs.editing = crate::logs::LogPattern::Include;
            let text = current_filter(model);
            model.nav.prompt(Mode::Filter, text);
        }
        Action::ClearFilter => {
            model.nav.input.clear();
            apply_filter(model);
        }
        Action::Exclude
        | Action::Highlight
        | Action::ToggleRaw
        | Action::NextMatch
        | Action::PrevMatch => return crate::logs::keys::on_action(model, action),
        Action::Back => return back(model),
        Action::NextPane | Action::PrevPane => {
            let pane = model.nav.next_pane(action == Action::NextPane);
            return focus(model, pane);
        }
        Action::FocusReleases => return focus(model, Pane::Releases),
        Action::FocusPods => return focus(model, Pane::Pods),
        Action::FocusLogs => return focus(model, Pane::Logs),
        Action::FocusEvents => return focus(model, Pane::Events),
        Action::Up => return move_cursor(model, -1),
        Action::Down => return move_cursor(model, 1),
        Action::PageUp => return move_cursor(model, -(page(model) as isize)),
        Action::PageDown => return move_cursor(model, page(model) as isize),
        Action::Top => return move_cursor(model, isize::MIN),
        Action::Bottom => return move_cursor(model, isize::MAX),
        Action::Left | Action::Right if model.nav.focus == Pane::Pipeline => {
            if let Some(release) = model.releases.selected_row() {
                model.ci.next_stage(release, action == Action::Right);
            }
        }
        Action::Left | Action::Right => model.logs.scroll_sideways(action == Action::Right),
        Action::Select => return select(model),
        Action::Pipeline => return open_pipeline(model),
        Action::Gates => return focus(model, Pane::Gates),
        Action::Analysis => return focus(model, Pane::Analysis),
        Action::GuardRollback => return crate::analysis::guard::open_proposal(model),
        Action::ToggleFollow if model.nav.focus == Pane::JobLog => model.ci.follow_job_log(),
        Action::ToggleFollow => model.logs.toggle_follow(),
        Action::ToggleWrap => model.logs.toggle_wrap(),
        Action::ToggleTimestamps => model.logs.timestamps = !model.logs.timestamps,
        Action::SplitLogs => crate::concerns::logs_split::toggle(model),
        Action::PreviousLogs => {
            let previous = !model.logs.previous;
            return open_pod_logs(model, previous);
        }
        Action::PodLogs if model.logs.only_pod.is_some() => return all_pods_logs(model),
        Action::PodLogs => return open_pod_logs(model, false),
        Action::AppLog => model.nav.show_app_log = !model.nav.show_app_log,
        Action::ActionsMenu => return control::open_menu(model),
        // The event loop suspends before the key reaches the model.
        Action::Noop | Action::Suspend => {}
        _ => {
            if let Some(ops) = ops_of(model, action) {
                return control::on_ops(model, &ops, None);
            }
        }
    }
    Vec::new()
}

/// Keys while the help overlay is open: scroll it, close it, or quit.
fn on_help_action(model: &mut Model, action: Action) -> Vec<Effect> {
    let page = page(model) as isize;
    match action {
        Action::Quit => return vec![Effect::Quit],
        Action::Back if !model.nav.help_query.is_empty() => model.nav.help_query.clear(),
        Action::Back | Action::Help => model.nav.mode = Mode::Normal,
        Action::Filter => {
            model.nav.help_typing = true;
            model.nav.help_scroll = 0;
        }
        Action::Up => model.nav.scroll_help(-1),
        Action::Down => model.nav.scroll_help(1),
        Action::PageUp => model.nav.scroll_help(-page),
        Action::PageDown => model.nav.scroll_help(page),
        Action::Top => model.nav.scroll_help(isize::MIN),
        Action::Bottom => model.nav.scroll_help(isize::MAX),
        _ => {}
    }
    Vec::new()
}

/// Rows a page moves: about the height of a pane.
fn page(model: &Model) -> usize {
    usize::from(model.size.1 / 3).max(1)
}

/// `enter`: drill into the row under the cursor.
fn select(model: &mut Model) -> Vec<Effect> {
    match model.nav.focus {
        Pane::Releases => focus(model, Pane::Pods),
        Pane::Pods => {
            let mut effects = focus(model, Pane::Logs);
            effects.extend(open_pod_logs(model, false));
            effects
        }
        Pane::Logs | Pane::Events | Pane::Analysis => Vec::new(),
        Pane::Pipeline => open_job_log(model),
        Pane::JobLog => {
            model.ci.toggle_sections();
            Vec::new()
        }
        Pane::Gates => open_gate(model),
    }
}

/// Opens the selected release's pipeline.
fn open_pipeline(model: &mut Model) -> Vec<Effect> {
    if model.releases.selected.is_none() {
        model.notice = Some(Notice {
            text: "no release selected".into(),
            error: true,
        });
        return Vec::new();
    }
    focus(model, Pane::Pipeline)
}

/// Opens the log of the job under the Pipeline cursor, or the recent run under it.
fn open_job_log(model: &mut Model) -> Vec<Effect> {
    let Some(release) = model.releases.selected_row() else {
        return Vec::new();
    };
    let release = release.clone();
    if model.ci.open_run(&release) {
        return Vec::new();
    }
    match model.ci.open_job_log(&release) {
        Some(mut effects) => {
            effects.extend(focus(model, Pane::JobLog));
            effects
        }
        None => Vec::new(),
    }
}

/// Selects the release of the gate under the cursor and shows its pipeline.
fn open_gate(model: &mut Model) -> Vec<Effect> {
    let items = control::inbox(model);
    let id = match items.get(control::gate_cursor(model, &items)) {
        Some(control::InboxItem::Ci(gate)) => model.ci.gate_release(gate),
        Some(control::InboxItem::Pause(p)) => Some(p.release.clone()),
        None => None,
    };
    let Some(id) = id else {
        return Vec::new();
    };
    // The release list may be filtered; the gate's release must stay reachable.
    model.releases.filter.clear();
    model.releases.chosen = true;
    let mut effects = flow::select_release(model, Some(id));
    effects.extend(focus(model, Pane::Pipeline));
    effects
}

/// Moves the focused pane's cursor by `delta` rows (`isize::MIN`/`MAX` for the ends).
fn move_cursor(model: &mut Model, delta: isize) -> Vec<Effect> {
    match model.nav.focus {
        Pane::Releases => match model.releases.moved(delta) {
            Some(id) => {
                model.releases.chosen = true;
                flow::select_release(model, Some(id))
            }
            None => Vec::new(),
        },
        Pane::Pods => {
            model.pods.move_cursor(delta);
            Vec::new()
        }
        Pane::Logs => {
            let page = page(model);
            model.logs.move_cursor(delta, page);
            Vec::new()
        }
        Pane::Events => {
            let n = model.releases.selected.as_ref().map_or(0, |id| {
                model.events.shown(release_events(&model.cluster, id)).len()
            });
            model.events.move_cursor(delta, n);
            Vec::new()
        }
        Pane::Pipeline => {
            model
                .ci
                .move_job_cursor(delta, model.releases.selected_row());
            Vec::new()
        }
        Pane::Gates => {
            control::move_gate_cursor(model, delta);
            Vec::new()
        }
        Pane::JobLog => {
            model.ci.scroll_job_log(delta);
            Vec::new()
        }
        Pane::Analysis => Vec::new(),
    }
}

/// Shows one pod's own stream (the one under the Pods cursor, or the one already chosen).
fn open_pod_logs(model: &mut Model, previous: bool) -> Vec<Effect> {
    let pod = match (&model.logs.only_pod, model.nav.focus) {
        (Some(p), Pane::Logs) => Some(p.clone()),
        _ => model
            .pods
            .under_cursor(&model.cluster)
            .map(|p| p.key.clone()),
    };
    let Some(pod) = pod else {
        model.notice = Some(Notice {
            text: "no pod selected".into(),
            error: true,
        });
        return Vec::new();
    };
    let mut effects = model.logs.choose(Some(pod), previous);
    effects.extend(flow::sync_streams(model));
    effects
}

/// Back to every pod of the release.
fn all_pods_logs(model: &mut Model) -> Vec<Effect> {
    let mut effects = model.logs.choose(None, false);
    effects.extend(flow::sync_streams(model));
    effects
}

/// `esc`: close what is open, innermost first.
fn back(model: &mut Model) -> Vec<Effect> {
    model.notice = None;
    if model.nav.show_app_log {
        model.nav.show_app_log = false;
        return Vec::new();
    }
    if !current_filter(model).is_empty() {
        model.nav.input.clear();
        apply_filter(model);
        return Vec::new();
    }
    if model.nav.focus == Pane::Logs && model.logs.only_pod.is_some() {
        return all_pods_logs(model);
    }
    if model.nav.focus == Pane::JobLog {
        return focus(model, Pane::Pipeline);
    }
    focus(model, Pane::Releases)
}

/// The focused pane's filter as typed.
fn current_filter(model: &Model) -> String {
    match model.nav.focus {
        Pane::Releases => model.releases.filter.clone(),
        Pane::Pods => model.pods.filter.clone(),
        Pane::Logs => model.logs.filter_text(),
        Pane::Events => model.events.filter.clone(),
        Pane::Pipeline | Pane::JobLog | Pane::Gates | Pane::Analysis => String::new(),
    }
}

/// Whether `/` filters the pane (the CI and analysis panes are short, fixed lists).
fn has_filter(pane: Pane) -> bool {
    matches!(
        pane,
        Pane::Releases | Pane::Pods | Pane::Logs | Pane::Events
    )
}

/// Applies the prompt text as the focused pane's filter.
pub(crate) fn apply_filter(model: &mut Model) {
    let text = model.nav.input.clone();
    match model.nav.focus {
        Pane::Releases => model.releases.filter = text,
        Pane::Pods => model.pods.set_filter(text),
        Pane::Events => {
            model.events.filter = text;
            model.events.scroll = 0;
        }
        Pane::Logs => {
            model.notice = model
                .logs
                .set_filter(&text)
                .err()
                .map(|text| Notice { text, error: true });
        }
        Pane::Pipeline | Pane::JobLog | Pane::Gates | Pane::Analysis => {}
    }
}

/// Runs one `:` command line.
pub(crate) fn run_command(model: &mut Model, line: &str) -> Vec<Effect> {
    model.notice = None;
    let command = match command::parse(line) {
        Ok(Some(command)) => command,
        Ok(None) => return Vec::new(),
        Err(text) => {
            model.notice = Some(Notice { text, error: true });
            return Vec::new();
        }
    };
    match command {
        Command::Focus(pane) => focus(model, pane),
        Command::Pipeline => open_pipeline(model),
        Command::Quit => vec![Effect::Quit],
        Command::ListContexts => {
            model.notice = Some(Notice {
                text: contexts_text(model),
                error: false,
            });
            Vec::new()
        }
        Command::Context(name) => context::request(model, &name),
        Command::Control { ops, revision } => control::on_ops(model, &ops, revision),
        Command::Actions => control::open_menu(model),
        Command::Journal => control::open_journal(model),
        Command::Container(name) => crate::logs::keys::container(model, name),
        Command::SaveLogs { path, force } => crate::logs::keys::save(model, path, force),
        Command::Namespace(scope) => {
            if scope == model.target.scope {
                return Vec::new();
            }
            model.target.scope = scope.clone();
            flow::restart(model, Effect::SetScope(scope))
        }
    }
}

/// `:ctx` alone: the current context and the others.
fn contexts_text(model: &Model) -> String {
    let others: Vec<&str> = model
        .target
        .contexts
        .iter()
        .map(String::as_str)
        .filter(|c| *c != model.target.context)
        .collect();
    if others.is_empty() {
        format!(
            "context {} (the only one in the kubeconfig)",
            model.target.context
        )
    } else {
        format!(
            "context {}; others: {} (switch with :ctx NAME)",
            model.target.context,
            others.join(", ")
        )
    }
}

/// The operations a control key stands for, most specific first; `None` for other actions.
pub(crate) fn ops_of(model: &Model, action: Action) -> Option<Vec<Op>> {
    Some(match action {
        Action::Approve => vec![Op::Approve],
        Action::Reject => vec![Op::Reject],
        Action::Promote => vec![Op::Promote],
        Action::PromoteFull => vec![Op::PromoteFull],
        Action::Abort => vec![Op::Abort],
        Action::Retry => vec![Op::Retry, Op::RetryJob, Op::RerunFailed],
        Action::Undo => vec![Op::Undo, Op::SwitchBack],
        Action::PauseResume => {
            let resume = control::focused_subjects(model).iter().any(|s| {
                matches!(s, Subject::Workload(_)) && control::valid(model, Op::Resume, s).is_ok()
            });
            vec![if resume { Op::Resume } else { Op::Pause }]
        }
        Action::Restart => vec![Op::Restart],
        Action::CancelRun => vec![Op::Cancel],
        _ => return None,
    })
}
