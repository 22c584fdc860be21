//! The journal view (`:journal`): every action taken from here — done, failed, refused,
//! cancelled — newest at the bottom, with who, where, and before → after or the error.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{BorderType, Paragraph};

use super::widgets::overlay::{Look, centred, hints, open, title, to_u16};
use super::widgets::text::{pad, wrap};
use crate::config::{Theme, Token};
use quarterdeck_core::control::{JournalEntry, JournalResult, JournalView};

const TIME_W: usize = 19;
const RESULT_W: usize = 9;

/// Draws the journal over most of `area`.
pub fn draw(theme: &Theme, frame: &mut Frame, area: Rect, view: &JournalView) {
    let width = area.width.saturating_sub(4).max(40).min(area.width);
    let rect = centred(area, width, area.height.saturating_sub(2).max(5));
    let count = view
        .entries
        .as_ref()
        .map_or_else(String::new, |e| format!(" ({})", e.len()));
    let inner = open(
        frame,
        rect,
        Look {
            title: title(theme, format!("Journal{count}")),
            footer: hints(
                theme,
                &[("↑↓", "scroll"), ("end", "newest"), ("esc", "close")],
            ),
            border: theme.style(Token::BorderFocused),
            border_type: BorderType::Thick,
        },
    );
    let lines = match &view.entries {
        None => vec![Line::styled(" loading…", theme.style(Token::Muted))],
        Some(entries) if entries.is_empty() => vec![Line::styled(
            " No action has been journaled yet.",
            theme.style(Token::Muted),
        )],
        Some(entries) => {
            let w = usize::from(inner.width);
            entries.iter().flat_map(|e| entry(theme, e, w)).collect()
        }
    };
    let rows = usize::from(inner.height);
    let max_scroll = lines.len().saturating_sub(rows);
    let first = max_scroll - view.scroll.min(max_scroll);
    frame.render_widget(Paragraph::new(lines).scroll((to_u16(first), 0)), inner);
}

/// The lines of one entry: when, how it ended, what on what; then where, who and the change.
fn entry<'a>(theme: &Theme, e: &JournalEntry, w: usize) -> Vec<Line<'a>> {
    let (word, token) = match e.result {
        JournalResult::Done => ("done", Token::Healthy),
        JournalResult::Failed => ("failed", Token::Error),
        JournalResult::Refused => ("refused", Token::Warning),
        JournalResult::Cancelled => ("cancelled", Token::Muted),
        JournalResult::DryRun => ("dry run", Token::Muted),
    };
    let indent = 1 + TIME_W + 1 + RESULT_W + 1;
    let what = wrap(
        &format!("{} {}", e.action, e.target),
        w.saturating_sub(indent).max(10),
    );
    let mut out = Vec::new();
    for (i, part) in what.into_iter().enumerate() {
        let lead = if i == 0 {
            vec![
                Span::styled(
                    format!(" {} ", pad(&shown_time(&e.time), TIME_W)),
                    theme.style(Token::LogTimestamp),
                ),
                Span::styled(format!("{} ", pad(word, RESULT_W)), theme.style(token)),
            ]
        } else {
            vec![Span::raw(" ".repeat(indent))]
        };
        let mut spans = lead;
        spans.push(Span::styled(part, theme.style(Token::Text)));
        out.push(Line::from(spans));
    }
    let user = match (e.by.as_str(), e.user.as_str()) {
        ("guard", _) => "the rollback guard".to_string(),
        (_, "") => "unknown user".to_string(),
        (_, u) => u.to_string(),
    };
    let (change, change_token) = match &e.error {
        Some(err) => (err.clone(), token),
        None if e.after.is_empty() => (e.before.clone(), Token::Muted),
        None => (format!("{} → {}", e.before, e.after), Token::Text),
    };
    let detail = format!("{} · {user} · {change}", e.context);
    // Under the action where there is room; on a narrow screen a small indent wraps less.
    let detail_indent = if w >= 120 { indent } else { 4 };
    for part in wrap(&detail, w.saturating_sub(detail_indent).max(10)) {
        out.push(Line::from(vec![
            Span::raw(" ".repeat(detail_indent)),
            Span::styled(part, theme.style(change_token)),
        ]));
    }
    out
}

/// `2026-05-14 10:03:12` (UTC, as journaled) from the entry's RFC 3339 time, or the text as written.
fn shown_time(time: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(time).map_or_else(
        |_| time.to_string(),
        |t| t.format("%Y-%m-%d %H:%M:%S").to_string(),
    )
}
