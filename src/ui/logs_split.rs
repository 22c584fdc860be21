//! The Logs pane split canary | stable (`split_logs`): canary pods' lines on the left, stable
//! pods' on the right, each side titled with its live counters — lines, errors, and the error
//! ratio over the last minute of line timestamps — so a bad canary shows beside its baseline.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::logs::short_pod;
use super::widgets::pane::block;
use super::widgets::text::{cols, log_spans};
use super::{focused, role_token};
use crate::config::{Theme, Token};
use quarterdeck_core::logs::counters::SideCounters;
use quarterdeck_core::pod::PodRole;
use quarterdeck_core::{Model, Pane};

/// Draws the two sides in `area`.
pub fn draw(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let [left, right] = Layout::horizontal([Constraint::Ratio(1, 2); 2]).areas(area);
    let split = &model.logs.split;
    side(model, theme, frame, left, PodRole::Canary, &split.canary);
    side(model, theme, frame, right, PodRole::Stable, &split.stable);
}

/// The title's counters in `room` columns: `1,204 lines · 31 err · 2.6%/1m`, else without
/// the line count, else the error ratio alone (`2.6% err/1m`): the ratio is what compares a
/// canary with its baseline.
fn counters(c: &SideCounters, now_ms: i64, room: usize) -> String {
    let ratio = c
        .error_ratio(now_ms)
        .map_or_else(|| "–".to_string(), |r| format!("{:.1}%", r * 100.0));
    let lines = if c.lines == 1 { "line" } else { "lines" };
    let forms = [
        format!(
            "{} {lines} · {} err · {ratio}/1m ",
            thousands(c.lines),
            thousands(c.errors)
        ),
        format!("{} err · {ratio}/1m ", thousands(c.errors)),
        format!("{ratio} err/1m "),
    ];
    forms
        .iter()
        .find(|f| cols(f) <= room)
        .unwrap_or(&forms[2])
        .clone()
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn side(
    model: &Model,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
    role: PodRole,
    counts: &SideCounters,
) {
    let view = &model.logs;
    let error_token = if counts.errors > 0 {
        Token::Error
    } else {
        Token::Muted
    };
    let role_word = format!("{} ", role.word());
    let paused = if view.following() { "" } else { "‖ paused " };
    // Borders, " Logs ", the role and the pause mark come first; the counters take the rest.
    let room = usize::from(area.width)
        .saturating_sub(2 + cols(" Logs ") + cols(&role_word) + cols(paused));
    let mut extra = vec![
        Span::styled(role_word, theme.style(role_token(role))),
        Span::styled(
            counters(counts, model.now_ms, room),
            theme.style(error_token),
        ),
    ];
    if !paused.is_empty() {
        extra.push(Span::styled(paused, theme.style(Token::Paused)));
    }
    let b = block(theme, "Logs", extra, focused(model, Pane::Logs));
    let inner = b.inner(area);
    frame.render_widget(b, area);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let mut rows = rows_of(model, theme, role, usize::from(inner.height));
    if rows.is_empty() {
        rows.push(Line::styled(
            format!("No {} lines yet.", role.word()),
            theme.style(Token::Muted),
        ));
    }
    frame.render_widget(Paragraph::new(rows), inner);
}

/// The newest `height` shown lines of `role`'s pods up to the bottom of the view, oldest first.
fn rows_of<'a>(model: &'a Model, theme: &Theme, role: PodRole, height: usize) -> Vec<Line<'a>> {
    let view = &model.logs;
    let Some(bottom) = view.bottom_index() else {
        return Vec::new();
    };
    let highlight = view
        .filter
        .as_ref()
        .map(|f| (&f.regex, theme.style(Token::LogHighlight)));
    let base = theme.style(Token::Text);
    let mut out = Vec::new();
    for i in (0..=bottom).rev() {
        if out.len() >= height {
            break;
        }
        let Some(line) = view.buffer.get(i) else {
            continue;
        };
        let Some(src) = view.sources.get(line.source) else {
            continue;
        };
        if src.role != role || !view.shows(line) {
            continue;
        }
        let mut spans = vec![Span::styled(
            format!("{} ", short_pod(&src.label())),
            theme.source_style(line.source),
        )];
        spans.extend(log_spans(&line.text, base, highlight, view.hscroll));
        out.push(Line::from(spans));
    }
    out.reverse();
    out
}
