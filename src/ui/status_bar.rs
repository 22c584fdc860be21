//! The status bar (context, namespaces, connection state per source, staleness, read-only
//! and protected markers, key hints), the expired-credentials banner and the rollback guard's
//! line above the status bar.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::widgets::text::fit;
use super::{key_of, readonly};
use crate::config::{Theme, Token};
use quarterdeck_core::Connection;
use quarterdeck_core::Model;
use quarterdeck_core::action::Action;
use quarterdeck_core::cluster::Kind;
use quarterdeck_core::time::{age, elapsed};

/// Draws the status bar.
pub fn draw(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let bar = theme.style(Token::StatusBar);
    let mut spans = vec![
        Span::styled(" ⎈ ", bar),
        Span::styled(
            model.target.context.clone(),
            bar.patch(theme.style(Token::Title)),
        ),
    ];
    // Right after the context they qualify, so that even 80 columns show them.
    if readonly(model) {
        spans.push(Span::styled(" READ-ONLY ", theme.style(Token::ReadOnly)));
    }
    if model.control.policies.protected(&model.target.context) {
        // Confirmations here ask for the release name: say so before anyone presses a key.
        spans.push(Span::styled(" PROTECTED ", theme.style(Token::Banner)));
    }
    spans.push(Span::styled(
        format!(" │ {} │", model.target.scope.label()),
        bar,
    ));
    for kind in Kind::ALL {
        let (text, token) = match model.connection(kind) {
            Connection::Connecting => (format!(" {} …", kind.short()), Token::Muted),
            Connection::Live => (format!(" {} ●", kind.short()), Token::Healthy),
            Connection::Lost(_) => {
                let since = model.connections.get(&kind).map_or(0, |(_, t)| *t);
                (
                    format!(" {} ⚠ stale {}", kind.short(), elapsed(model.now_ms, since)),
                    Token::Stale,
                )
            }
            Connection::Forbidden(_) => (format!(" {} ✖ forbidden", kind.short()), Token::Error),
            Connection::Unauthorized(_) => (format!(" {} ✖ 401", kind.short()), Token::Error),
        };
        spans.push(Span::styled(text, bar.patch(theme.style(token))));
    }
    if let Some(t) = model.last_update_ms {
        spans.push(Span::styled(
            format!(" │ updated {} ago", age(model.now_ms, t)),
            bar.patch(theme.style(Token::Muted)),
        ));
    }
    for (provider, limits) in &model.ci.limits {
        let paused = limits
            .paused_until_ms
            .filter(|u| *u > model.ci.now_or(model.now_ms));
        let (text, token) = match paused {
            Some(until) => (
                format!(
                    " │ {} paused until {}: rate limit",
                    provider.label(),
                    clock_hhmm(until)
                ),
                Token::Warning,
            ),
            None => (
                format!(
                    " │ {} {}",
                    provider.label(),
                    limits.label(model.ci.now_or(model.now_ms))
                ),
                Token::Muted,
            ),
        };
        spans.push(Span::styled(text, bar.patch(theme.style(token))));
    }
    spans.push(Span::styled(" │", bar));
    let used: usize = spans.iter().map(|s| s.width()).sum();
    let hints = " ? help  : command  / filter  q quit ";
    let width = usize::from(area.width);
    if used + hints.len() <= width {
        spans.push(Span::styled(" ".repeat(width - used - hints.len()), bar));
        spans.push(Span::styled(hints, bar.patch(theme.style(Token::KeyHint))));
    } else if used < width {
        spans.push(Span::styled(" ".repeat(width - used), bar));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)).style(bar), area);
}

/// `HH:MM` (UTC) of an instant, for when a rate-limit pause ends.
fn clock_hhmm(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map_or_else(|| "?".to_string(), |t| t.format("%H:%M UTC").to_string())
}

/// Draws the banner shown while the API refuses our credentials.
pub fn banner(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(message) = model.unauthorized() else {
        return;
    };
    let text = format!(
        " ✖ Credentials for context {} were rejected (401: {message}). Log in again (e.g. refresh your cloud login) — Quarterdeck keeps retrying. ",
        model.target.context
    );
    frame.render_widget(
        Paragraph::new(Line::styled(text, theme.style(Token::Banner)))
            .style(theme.style(Token::Banner)),
        area,
    );
}

/// Draws the rollback guard's line: the most pressing trigger ("feature-store canary: error
/// ratio 3.2% > 1% for 1m10s of 2m"), and with a proposal the key that opens it.
pub fn guard_banner(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let mut alarms: Vec<_> = model
        .analysis
        .releases
        .iter()
        .filter_map(|(id, ra)| ra.countdown().map(|c| (id, ra, c)))
        .collect();
    alarms.sort_by_key(|(id, _, c)| (!c.fired, c.remaining_ms, (*id).clone()));
    let proposal = model.analysis.proposal.as_ref();
    let (mark, release, what, fired) = match (proposal, alarms.first()) {
        (Some(p), _) => ("✗", &p.release, p.trigger.clone(), true),
        (None, Some((id, _, c))) => (if c.fired { "✗" } else { "⚠" }, *id, c.text(), c.fired),
        (None, None) => return,
    };
    // The key and the count of other alarms are what the user acts on: they always show; the
    // description gives way first on a narrow terminal.
    let mut tail = String::new();
    if proposal.is_some()
        && !readonly(model)
        && let Some(key) = key_of(model, Action::GuardRollback)
    {
        tail.push_str(&format!(" — {key} roll back"));
    }
    let others = alarms.iter().filter(|a| a.0 != release).count();
    if others > 0 {
        tail.push_str(&format!(" (+{others} more)"));
    }
    let name = &release.key.name;
    let room = usize::from(area.width).saturating_sub(tail.chars().count() + 1);
    let full = format!(" {mark} {name} canary: {what}");
    let text = if full.chars().count() <= room {
        full
    } else {
        let short = what.split(" for ").next().unwrap_or(&what);
        fit(&format!(" {mark} {name}: {short}"), room)
    };
    let text = format!("{text}{tail}");
    let style = theme.style(if fired { Token::Banner } else { Token::Warning });
    frame.render_widget(
        Paragraph::new(Line::styled(format!("{text} "), style)).style(style),
        area,
    );
}
