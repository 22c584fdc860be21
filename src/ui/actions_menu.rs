//! The actions menu (`a`): what can be done on the focused row now, each with its key; what
//! you may not do is greyed with the reason, and lines still being checked say so.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{BorderType, Paragraph};

use super::key_of;
use super::widgets::overlay::{Look, centred, hints, open, pad_line, title, to_u16};
use super::widgets::text::{cols, pad, wrap};
use crate::config::{Theme, Token};
use quarterdeck_core::Model;
use quarterdeck_core::action::Action;
use quarterdeck_core::control::{Menu, Offer, Op, Subject};

/// The keymap action that stands for an operation.
pub fn op_action(op: Op) -> Action {
    match op {
        Op::Approve => Action::Approve,
        Op::Reject => Action::Reject,
        Op::Promote => Action::Promote,
        Op::PromoteFull => Action::PromoteFull,
        Op::Abort => Action::Abort,
        Op::Retry | Op::RetryJob | Op::RerunFailed => Action::Retry,
        Op::Undo | Op::SwitchBack | Op::Redeploy => Action::Undo,
        Op::Pause | Op::Resume => Action::PauseResume,
        Op::Restart => Action::Restart,
        Op::Cancel => Action::CancelRun,
    }
}

/// What the menu acts on: the workload when one is offered, else the first subject.
fn target(menu: &Menu) -> Option<&Subject> {
    menu.offers
        .iter()
        .map(|o| &o.subject)
        .find(|s| s.workload().is_some())
        .or_else(|| menu.offers.first().map(|o| &o.subject))
}

/// Why the line cannot be chosen now, if it cannot.
fn note(offer: &Offer) -> Option<String> {
    match &offer.allowed {
        Some(Ok(())) => None,
        Some(Err(why)) => Some(why.clone()),
        None => Some("checking permission…".to_string()),
    }
}

/// Draws the menu centred in `area`.
pub fn draw(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect, menu: &Menu) {
    let keys: Vec<String> = menu
        .offers
        .iter()
        .map(|o| key_of(model, op_action(o.op)).unwrap_or_default())
        .collect();
    let key_w = keys.iter().map(|k| cols(k)).max().unwrap_or(0).max(1);
    let label_w = menu
        .offers
        .iter()
        .map(|o| cols(&o.label))
        .max()
        .unwrap_or(0);
    let note_w = menu
        .offers
        .iter()
        .filter_map(note)
        .map(|n| cols(&n) + 2)
        .max()
        .unwrap_or(0);
    let name = target(menu).map_or_else(String::new, ToString::to_string);
    let max_w = area.width.saturating_sub(4).max(20);
    // Border, the cursor mark, the key, two spaces, the label, the reason and a space; and
    // room for the whole title (`Actions: rollout/x in ns` and its frame).
    let want = to_u16((key_w + label_w + note_w + 6).max(cols(&name) + 14));
    let width = want.clamp(36, max_w.max(36)).min(area.width);
    let inner_w = usize::from(width.saturating_sub(2));
    let label_col = key_w + 3;
    let mut lines: Vec<Line> = Vec::new();
    let mut cursor_line = 0;
    for (i, (offer, key)) in menu.offers.iter().zip(&keys).enumerate() {
        let selected = i == menu.cursor;
        if selected {
            cursor_line = lines.len();
        }
        let enabled = matches!(offer.allowed, Some(Ok(())));
        let label_style = if enabled {
            theme.style(Token::Text)
        } else {
            theme.style(Token::Muted)
        };
        let mut spans = vec![
            Span::styled(
                format!("{}{} ", if selected { "›" } else { " " }, pad(key, key_w)),
                theme.style(Token::KeyHint),
            ),
            Span::raw(" "),
        ];
        let mut rest: Vec<String> = Vec::new();
        // Reasons line up in a column after the longest label.
        let room = inner_w.saturating_sub(label_col + label_w + 2);
        match note(offer) {
            Some(n) if cols(&n) <= room => {
                spans.push(Span::styled(pad(&offer.label, label_w), label_style));
                spans.push(Span::styled(format!("  {n}"), theme.style(Token::Muted)));
            }
            Some(n) => {
                // Too long for the line: below it, indented, whole.
                spans.push(Span::styled(offer.label.clone(), label_style));
                rest = wrap(&n, inner_w.saturating_sub(label_col + 2).max(10));
            }
            None => spans.push(Span::styled(offer.label.clone(), label_style)),
        }
        let mut line = Line::from(spans);
        if selected {
            line = pad_line(line, inner_w).patch_style(theme.style(Token::Selection));
        }
        lines.push(line);
        for r in rest {
            lines.push(Line::styled(
                format!("{}  {r}", " ".repeat(label_col)),
                theme.style(Token::Muted),
            ));
        }
    }
    let height = u16::try_from(lines.len() + 2)
        .unwrap_or(u16::MAX)
        .min(area.height);
    let rect = centred(area, width, height);
    let inner = open(
        frame,
        rect,
        Look {
            title: title(theme, format!("Actions: {name}")),
            footer: hints(theme, &[("enter", "do"), ("esc", "close")]),
            border: theme.style(Token::BorderFocused),
            border_type: BorderType::Thick,
        },
    );
    let rows = usize::from(inner.height);
    let first = (cursor_line + 1).saturating_sub(rows);
    frame.render_widget(Paragraph::new(lines).scroll((to_u16(first), 0)), inner);
}
