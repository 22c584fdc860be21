//! Where each pane goes. Wide terminals show everything at once; narrow ones (80×24) keep the
//! releases and the rollout summary and give the rest to the focused lower pane.

use ratatui::layout::{Constraint, Direction, Layout, Rect};

use quarterdeck_core::keymap::Mode;
use quarterdeck_core::{Model, Pane};

/// The rectangles of one frame; a pane without a rectangle is not drawn.
#[derive(Debug, Clone, Copy)]
pub struct Areas {
    /// Expired-credentials banner.
    pub banner: Option<Rect>,
    /// Releases list.
    pub releases: Rect,
    /// Rollout details.
    pub rollout: Option<Rect>,
    /// Pods.
    pub pods: Option<Rect>,
    /// Logs.
    pub logs: Option<Rect>,
    /// Events.
    pub events: Option<Rect>,
    /// The CI pane in focus (pipeline, job log or gates): it takes the place of the lower panes.
    pub ci: Option<Rect>,
    /// The Analysis pane, when in focus: it takes the place of the lower panes too.
    pub analysis: Option<Rect>,
    /// `/` or `:` prompt, a notice, or the next keys of an unfinished chord.
    pub prompt: Option<Rect>,
    /// The rollback guard's line: a trigger holding or fired, and its proposal.
    pub alert: Option<Rect>,
    /// Status bar.
    pub status: Rect,
    /// Everything between banner and prompt (overlays cover it).
    pub body: Rect,
}

fn rows(area: Rect, c: &[Constraint]) -> Vec<Rect> {
    Layout::default()
        .direction(Direction::Vertical)
        .constraints(c.to_vec())
        .split(area)
        .to_vec()
}

fn cols(area: Rect, c: &[Constraint]) -> Vec<Rect> {
    Layout::default()
        .direction(Direction::Horizontal)
        .constraints(c.to_vec())
        .split(area)
        .to_vec()
}

/// Whether the rollback guard has something to say: a trigger holds or fired somewhere.
fn guard_alert(model: &Model) -> bool {
    model
        .analysis
        .releases
        .values()
        .any(|ra| ra.countdown().is_some())
        || model.analysis.proposal.is_some()
}

/// Splits the terminal for this model.
pub fn split(model: &Model, area: Rect) -> Areas {
    let banner_h = u16::from(model.unauthorized().is_some());
    let prompt_h = u16::from(
        matches!(model.nav.mode, Mode::Filter | Mode::Command)
            || model.notice.is_some()
            || !model.nav.pending_keys.is_empty(),
    );
    let alert_h = u16::from(guard_alert(model));
    let outer = rows(
        area,
        &[
            Constraint::Length(banner_h),
            Constraint::Min(0),
            Constraint::Length(prompt_h),
            Constraint::Length(alert_h),
            Constraint::Length(1),
        ],
    );
    let body = outer[1];
    let mut areas = Areas {
        banner: (banner_h > 0).then_some(outer[0]),
        releases: body,
        rollout: None,
        pods: None,
        logs: None,
        events: None,
        ci: None,
        analysis: None,
        prompt: (prompt_h > 0).then_some(outer[2]),
        alert: (alert_h > 0).then_some(outer[3]),
        status: outer[4],
        body,
    };
    let shown = model.releases.visible().len();
    // An empty list explains itself in a few lines (unreachable, forbidden, what to try).
    let releases_h = if shown == 0 {
        7
    } else {
        u16::try_from(shown).unwrap_or(u16::MAX).saturating_add(3)
    };
    if body.width >= 120 && body.height >= 30 {
        let events_h = if body.height >= 50 { 9 } else { 6 };
        // The rollout pane wants ~25 rows for steps and history; the releases list wants a
        // row per release; the pods and logs below keep the larger share.
        let top_h = (body.height * 2 / 5)
            .clamp(14, 30)
            .max(releases_h.min(body.height / 2));
        let v = rows(
            body,
            &[
                Constraint::Length(top_h),
                Constraint::Min(8),
                Constraint::Length(events_h),
            ],
        );
        let top = cols(
            v[0],
            &[Constraint::Percentage(55), Constraint::Percentage(45)],
        );
        let bottom = cols(
            v[1],
            &[Constraint::Percentage(45), Constraint::Percentage(55)],
        );
        areas.releases = top[0];
        areas.rollout = Some(top[1]);
        areas.pods = Some(bottom[0]);
        areas.logs = Some(bottom[1]);
        areas.events = Some(v[2]);
        if model.nav.focus.is_ci() {
            areas.pods = None;
            areas.logs = None;
            areas.events = None;
            areas.ci = Some(v[1].union(v[2]));
        }
        if model.nav.focus == Pane::Analysis {
            areas.pods = None;
            areas.logs = None;
            areas.events = None;
            areas.analysis = Some(v[1].union(v[2]));
        }
    } else {
        let rel_h = releases_h.clamp(4, (body.height / 2).max(4));
        // The Analysis pane needs the rows more than the rollout summary does: its runs say
        // what the steps are waiting on.
        let rollout_h = if body.height >= 20 && model.nav.focus != Pane::Analysis {
            6
        } else {
            0
        };
        let v = rows(
            body,
            &[
                Constraint::Length(rel_h),
                Constraint::Length(rollout_h),
                Constraint::Min(3),
            ],
        );
        areas.releases = v[0];
        areas.rollout = (rollout_h > 0).then_some(v[1]);
        match model.nav.focus {
            Pane::Releases | Pane::Pods => areas.pods = Some(v[2]),
            Pane::Analysis => areas.analysis = Some(v[2]),
            Pane::Logs => areas.logs = Some(v[2]),
            Pane::Events => areas.events = Some(v[2]),
            Pane::Pipeline | Pane::JobLog | Pane::Gates => areas.ci = Some(v[2]),
        }
    }
    areas
}
