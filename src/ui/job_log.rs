//! The Job log pane: one CI job's log, sanitised, its sections folded to one row each with
//! their durations (enter expands them all), following the end while the job runs.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::focused;
use super::labels::fit_words;
use super::widgets::pane::block;
use super::widgets::text::log_spans;
use crate::config::{Theme, Token};
use quarterdeck_core::concerns::ci::LogRow;
use quarterdeck_core::pipeline::{JobLogState, LogSection};
use quarterdeck_core::{Model, Pane};

fn section_text(s: &LogSection, folded: Option<usize>) -> String {
    let took = match s.duration_s {
        Some(d) if d >= 60 => format!("{}m{:02}s", d / 60, d % 60),
        Some(d) => format!("{d}s"),
        None => "running".to_string(),
    };
    match folded {
        Some(n) => format!(
            "▸ {}  {took}  ({n} line{})",
            s.name,
            if n == 1 { "" } else { "s" }
        ),
        None => format!("▾ {}  {took}", s.name),
    }
}

/// Draws the pane.
pub fn draw(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(log) = &model.ci.log else {
        let b = block(theme, "Job log", Vec::new(), focused(model, Pane::JobLog));
        let inner = b.inner(area);
        frame.render_widget(b, area);
        frame.render_widget(
            Paragraph::new(Line::styled("No job selected.", theme.style(Token::Muted))),
            inner,
        );
        return;
    };
    let (state, token) = match &log.state {
        None => ("loading…".to_string(), Token::Muted),
        Some(JobLogState::Partial) => ("live".to_string(), Token::Progressing),
        Some(JobLogState::Complete) => ("complete".to_string(), Token::Healthy),
        Some(JobLogState::Unavailable(_)) => ("not available".to_string(), Token::Muted),
    };
    let mut extra = vec![
        Span::styled(format!("{} ", log.job_name), theme.style(Token::Text)),
        Span::styled(format!("· {state} "), theme.style(token)),
    ];
    if log.scroll.is_some() {
        extra.push(Span::styled(
            "· paused (s: follow) ",
            theme.style(Token::Paused),
        ));
    }
    if !log.sections.is_empty() {
        extra.push(Span::styled(
            if log.expanded {
                "· enter: fold sections "
            } else {
                "· enter: expand sections "
            },
            theme.style(Token::Muted),
        ));
    }
    let b = block(theme, "Job log", extra, focused(model, Pane::JobLog));
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let w = usize::from(inner.width);
    if let Some(JobLogState::Unavailable(why)) = &log.state {
        frame.render_widget(
            Paragraph::new(Line::styled(fit_words(why, w), theme.style(Token::Muted))),
            inner,
        );
        return;
    }
    let partial = log.partial_line();
    let rows = log.rows();
    let total = rows.len() + usize::from(partial.is_some()) + usize::from(log.truncated);
    let h = usize::from(inner.height);
    let back = log.scroll.unwrap_or(0).min(total.saturating_sub(h));
    let first = total.saturating_sub(h + back);
    let text_style = theme.style(Token::Text);
    let header = theme.style(Token::Header);
    let mut lines: Vec<Line> = Vec::with_capacity(h);
    for row in rows.iter().skip(first).take(h) {
        lines.push(match row {
            LogRow::Folded(s, n) => Line::styled(fit_words(&section_text(s, Some(*n)), w), header),
            LogRow::Open(s) => Line::styled(fit_words(&section_text(s, None), w), header),
            LogRow::Line(t) => Line::from(log_spans(t, text_style, None, 0)),
        });
    }
    if lines.len() < h
        && let Some(p) = &partial
    {
        lines.push(Line::from(log_spans(p, text_style, None, 0)));
    }
    if lines.len() < h && log.truncated {
        lines.push(Line::styled(
            "… log cut here: too long to keep",
            theme.style(Token::Warning),
        ));
    }
    if lines.is_empty() && log.state.is_some() {
        lines.push(Line::styled("(empty so far)", theme.style(Token::Muted)));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
