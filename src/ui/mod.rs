//! `view(&Model, &Theme, &mut Frame)`: one file per pane, widgets/ for shared pieces. The view
//! reads the model and never changes it; it builds only the rows that fit on screen.

mod actions_menu;
mod analysis;
mod analysis_runs;
mod app_log;
mod confirm;
mod drill_bar;
mod events;
mod gates;
mod help;
mod job_log;
mod journal;
mod labels;
mod layout;
mod logs;
mod logs_split;
mod pipeline;
mod pods;
mod prompt;
mod releases;
mod revision_picker;
mod rollout;
mod status_bar;
mod verdict;
mod widgets;

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::config::{Theme, Token};
use quarterdeck_core::action::Action;
use quarterdeck_core::control::Dialog;
use quarterdeck_core::keymap::Mode;
use quarterdeck_core::phase::Phase;
use quarterdeck_core::pipeline::CiStatus;
use quarterdeck_core::pod::{PodHealth, PodRole};
use quarterdeck_core::{Model, Pane};

/// Where a frame drawn whole put the Logs pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogsPane {
    /// Not on screen (another pane has its place, or the terminal is too small).
    #[default]
    Hidden,
    /// On screen, but something is drawn over part of it (a dialog, help).
    Covered,
    /// On screen, whole, in this area.
    At(Rect),
}

/// Draws the whole dashboard; says where the Logs pane went, so that a frame in which only
/// log lines changed can draw that pane alone ([`view_logs`]) or nothing.
pub fn view(model: &Model, theme: &Theme, frame: &mut Frame) -> LogsPane {
    // A context's own theme (`[contexts.NAME] theme`) follows `:ctx`.
    let theme = theme.for_context(&model.target.context);
    let areas = layout::split(model, drill_bar::draw(model, theme, frame));
    if let Some(area) = areas.banner {
        status_bar::banner(model, theme, frame, area);
    }
    releases::draw(model, theme, frame, areas.releases);
    if let Some(area) = areas.rollout {
        rollout::draw(model, theme, frame, area);
    }
    if let Some(area) = areas.pods {
        pods::draw(model, theme, frame, area);
    }
    if let Some(area) = areas.logs {
        logs::draw(model, theme, frame, area);
    }
    if let Some(area) = areas.events {
        events::draw(model, theme, frame, area);
    }
    if let Some(area) = areas.ci {
        match model.nav.focus {
            Pane::JobLog => job_log::draw(model, theme, frame, area),
            Pane::Gates => gates::draw(model, theme, frame, area),
            _ => pipeline::draw(model, theme, frame, area),
        }
    }
    if let Some(area) = areas.analysis {
        analysis::draw(model, theme, frame, area);
    }
    if let Some(area) = areas.prompt {
        prompt::draw(model, theme, frame, area);
    }
    if let Some(area) = areas.alert {
        status_bar::guard_banner(model, theme, frame, area);
    }
    status_bar::draw(model, theme, frame, areas.status);
    if model.nav.show_app_log {
        app_log::draw(theme, frame, areas.body);
    }
    if model.nav.mode == Mode::Help {
        help::draw(model, theme, frame, areas.body);
    }
    // A dialog has the keyboard, so it is drawn last, over everything but the status lines.
    match &model.control.dialog {
        Some(Dialog::Menu(menu)) => actions_menu::draw(model, theme, frame, areas.body, menu),
        Some(Dialog::Picker(picker)) => {
            revision_picker::draw(model, theme, frame, areas.body, picker);
        }
        Some(Dialog::Confirm(c)) => confirm::draw(theme, frame, areas.body, c),
        Some(Dialog::Journal(view)) => journal::draw(theme, frame, areas.body, view),
        None => {}
    }
    drill_bar::scorecard(model, theme, frame, areas.body);
    let overlaid = model.nav.show_app_log
        || model.nav.mode == Mode::Help
        || model.control.dialog.is_some()
        || model
            .drill
            .as_ref()
            .is_some_and(|d| d.bar.scorecard.is_some());
    match areas.logs {
        None => LogsPane::Hidden,
        Some(_) if overlaid => LogsPane::Covered,
        Some(area) => LogsPane::At(area),
    }
}

/// Draws the Logs pane alone into `area` (as [`view`] last returned it) of a blank frame.
pub fn view_logs(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let theme = theme.for_context(&model.target.context);
    logs::draw(model, theme, frame, area);
}

/// Whether nothing may be changed here: `--readonly` or a read-only context.
pub fn readonly(model: &Model) -> bool {
    model.target.readonly || model.control.policies.readonly(&model.target.context)
}

/// The first key bound to `action` on the dashboard in the active keymap (`"P"`).
pub fn key_of(model: &Model, action: Action) -> Option<String> {
    model
        .keymap
        .help(Mode::Normal)
        .into_iter()
        .find(|(_, a)| *a == action)
        .and_then(|(keys, _)| keys.split(", ").next().map(str::to_string))
}

/// The theme token of a phase.
pub fn phase_token(phase: Phase) -> Token {
    match phase {
        Phase::Healthy => Token::Healthy,
        Phase::Progressing => Token::Progressing,
        Phase::Paused => Token::Paused,
        Phase::Degraded => Token::Degraded,
        Phase::Unknown => Token::Unknown,
    }
}

/// The theme token of a pod role.
pub fn role_token(role: PodRole) -> Token {
    match role {
        PodRole::Stable => Token::Stable,
        PodRole::Canary => Token::Canary,
        PodRole::Preview => Token::Preview,
        PodRole::Active => Token::Active,
        PodRole::Old => Token::Old,
    }
}

/// The theme token of a pod's health.
pub fn health_token(health: PodHealth) -> Token {
    match health {
        PodHealth::Crash => Token::PodCrash,
        PodHealth::NotReady | PodHealth::Pending => Token::PodPending,
        PodHealth::Terminating => Token::PodTerminating,
        PodHealth::Running => Token::PodRunning,
    }
}

/// The theme token of a CI status.
pub fn ci_token(status: &CiStatus) -> Token {
    match status {
        CiStatus::Success => Token::Healthy,
        CiStatus::Running | CiStatus::Queued => Token::Progressing,
        CiStatus::Waiting | CiStatus::Manual => Token::GatePending,
        CiStatus::Failed => Token::Degraded,
        CiStatus::Cancelled | CiStatus::Skipped => Token::Muted,
        CiStatus::Unknown(_) => Token::Unknown,
    }
}

/// Whether `pane` has the keyboard.
pub fn focused(model: &Model, pane: Pane) -> bool {
    model.nav.focus == pane && model.nav.mode != Mode::Help
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod ci_tests;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod control_tests;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod analysis_tests;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod ux_tests;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod narrow_tests;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod logs_tests;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod logs_split_tests;
