//! The confirmation: exactly what will happen — context, namespace, target, action, from → to
//! and what follows — before anything is sent. Cancel is preselected; a protected context
//! (strong red border) asks for the release name instead of a `y`.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{BorderType, Paragraph, Wrap};

use super::labels;
use super::widgets::overlay::{Look, centred, hints, open, title, to_u16};
use super::widgets::text::{cols, pad, wrap};
use crate::config::{Theme, Token};
use quarterdeck_core::control::{Confirm, LeaseState};

/// Widest the box grows: the lines read best at a moderate measure.
const MAX_W: u16 = 100;

/// The lines that must show whole however small the terminal is.
const ESSENTIAL: [&str; 3] = ["from", "to", "then"];

/// Draws the confirmation centred in `area`.
pub fn draw(theme: &Theme, frame: &mut Frame, area: Rect, c: &Confirm) {
    let width = area
        .width
        .saturating_sub(4)
        .clamp(40, MAX_W)
        .min(area.width);
    let w = usize::from(width.saturating_sub(2));
    let room = usize::from(area.height.saturating_sub(2));
    let notes = notes(theme, c, w);
    let answer = answer(theme, c, w);
    // Roomy first; then without blank lines; then the other lines on one line each.
    let mut lines = Vec::new();
    for (blanks, compact) in [(true, false), (false, false), (false, true)] {
        lines = plan_lines(theme, c, w, compact);
        for part in [&notes, &answer] {
            if blanks && !part.is_empty() {
                lines.push(Line::raw(""));
            }
            lines.extend(part.iter().cloned());
        }
        if lines.len() <= room {
            break;
        }
    }
    let height = to_u16(lines.len() + 2).min(area.height);
    let rect = centred(area, width, height);
    let protected = c.typed.is_some();
    let border = if protected {
        theme.style(Token::Error)
    } else {
        theme.style(Token::BorderFocused)
    };
    let footer = if protected {
        hints(theme, &[("enter", "confirm"), ("esc", "cancel")])
    } else {
        hints(
            theme,
            &[("y", "confirm"), ("n/esc", "cancel"), ("tab", "switch")],
        )
    };
    let inner = open(
        frame,
        rect,
        Look {
            title: title(
                theme,
                format!("Confirm: {} {}", action(c), c.request.subject.short_name()),
            )
            .patch_style(if protected {
                border
            } else {
                theme.style(Token::Title)
            }),
            footer,
            border,
            border_type: if protected {
                BorderType::Double
            } else {
                BorderType::Thick
            },
        },
    );
    // Wrapping only matters for a typed name longer than the box.
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

/// The verb as the plan says it ("play" for a manual job), else the operation's.
fn action(c: &Confirm) -> String {
    c.plan
        .lines
        .iter()
        .find(|(k, _)| k == "action")
        .map_or_else(|| c.request.op.verb().to_string(), |(_, v)| v.clone())
}

/// Every `(label, value)` line, values wrapped under themselves; `compact` puts the lines
/// other than from/to/then on one line each, cut with an ellipsis.
fn plan_lines<'a>(theme: &Theme, c: &Confirm, w: usize, compact: bool) -> Vec<Line<'a>> {
    let label_w = c.plan.lines.iter().map(|(k, _)| cols(k)).max().unwrap_or(0);
    let value_w = w.saturating_sub(label_w + 3).max(10);
    let mut out = Vec::new();
    for (k, v) in &c.plan.lines {
        let essential = ESSENTIAL.contains(&k.as_str());
        let value_style = if essential {
            theme.style(Token::Text).patch(theme.style(Token::Header))
        } else {
            theme.style(Token::Text)
        };
        let parts = if compact && !essential {
            vec![labels::fit_words(v, value_w)]
        } else {
            wrap(v, value_w)
        };
        for (i, part) in parts.into_iter().enumerate() {
            let label = if i == 0 { k.as_str() } else { "" };
            out.push(Line::from(vec![
                Span::styled(
                    format!(" {}  ", pad(label, label_w)),
                    theme.style(Token::Muted),
                ),
                Span::styled(part, value_style),
            ]));
        }
    }
    out
}

/// The Lease's state and the hint after a wrong key.
fn notes<'a>(theme: &Theme, c: &Confirm, w: usize) -> Vec<Line<'a>> {
    let mut out = Vec::new();
    let lease = match &c.lease {
        LeaseState::Taking => Some((
            "checking whether someone else is acting…".to_string(),
            Token::Info,
        )),
        LeaseState::Held => None,
        LeaseState::Unavailable(why) => Some((
            format!("no Lease ({why}): other Quarterdeck users will not see this action"),
            Token::Muted,
        )),
    };
    if let Some((text, token)) = lease {
        out.extend(indented(theme, &text, w, token));
    }
    if let Some(hint) = &c.hint {
        out.extend(indented(theme, hint, w, Token::Warning));
    }
    out
}

/// The buttons, or in a protected context the field the name is typed in.
fn answer<'a>(theme: &Theme, c: &Confirm, w: usize) -> Vec<Line<'a>> {
    match &c.typed {
        Some((name, typed)) => {
            let mut field = vec![
                Span::styled(
                    format!(" type {name} to confirm: "),
                    theme.style(Token::Text),
                ),
                Span::styled(typed.clone(), theme.style(Token::KeyHint)),
                Span::styled("█", theme.style(Token::Muted)),
            ];
            if cols(name) + cols(typed) + 20 > w {
                // Too narrow for the prompt and the text on one line: the text goes below.
                let text = field.split_off(1);
                vec![Line::from(field), Line::from(text)]
            } else {
                vec![Line::from(field)]
            }
        }
        None => vec![buttons(theme, c.confirm_focused, w)],
    }
}

fn indented<'a>(theme: &Theme, text: &str, w: usize, token: Token) -> Vec<Line<'a>> {
    wrap(text, w.saturating_sub(2))
        .into_iter()
        .map(|l| Line::styled(format!(" {l}"), theme.style(token)))
        .collect()
}

/// `[ Cancel ]   [ Confirm ]`, centred, the focused one highlighted.
fn buttons<'a>(theme: &Theme, confirm_focused: bool, w: usize) -> Line<'a> {
    let cancel = "[ Cancel ]";
    let confirm = "[ Confirm ]";
    let gap = "   ";
    let left = w.saturating_sub(cols(cancel) + gap.len() + cols(confirm)) / 2;
    let style = |focused: bool| {
        if focused {
            theme.style(Token::Selection)
        } else {
            theme.style(Token::Muted)
        }
    };
    Line::from(vec![
        Span::raw(" ".repeat(left)),
        Span::styled(cancel, style(!confirm_focused)),
        Span::raw(gap),
        Span::styled(confirm, style(confirm_focused)),
    ])
}
