//! The drill bar (`quarterdeck drill NAME`): the drill's name, the elapsed simulated time
//! against its limit and, with `--hints`, a hint — on the top row; at the end, the scorecard
//! over the dashboard.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{BorderType, Paragraph};

use super::widgets::overlay::{Look, centred, hints, open, title, to_u16};
use crate::config::{Theme, Token};
use quarterdeck_core::Model;

/// Draws the bar on the top row while a drill runs; answers the area left for the dashboard.
pub fn draw(model: &Model, theme: &Theme, frame: &mut Frame) -> Rect {
    let area = frame.area();
    let Some(drill) = &model.drill else {
        return area;
    };
    let bar = &drill.bar;
    let row = Rect { height: 1, ..area };
    let clock = |s: u64| format!("{}:{:02}", s / 60, s % 60);
    let state = if bar.scorecard.is_some() {
        "over".to_string()
    } else {
        format!("{} / {}", clock(bar.elapsed_s), clock(bar.limit_s))
    };
    let mut spans = vec![
        Span::styled(
            " DRILL ",
            theme
                .style(Token::Warning)
                .add_modifier(ratatui::style::Modifier::REVERSED),
        ),
        Span::styled(format!(" {} ", bar.name), theme.style(Token::Title)),
        Span::styled(format!(" ⏱ {state} "), theme.style(Token::Text)),
    ];
    if let Some(hint) = &bar.hint {
        spans.push(Span::styled(
            format!(" hint: {hint}"),
            theme.style(Token::Muted),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), row);
    Rect {
        y: area.y.saturating_add(1),
        height: area.height.saturating_sub(1),
        ..area
    }
}

/// Draws the scorecard over `area` once the drill is over.
pub fn scorecard(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(lines) = model.drill.as_ref().and_then(|d| d.bar.scorecard.as_ref()) else {
        return;
    };
    let widest = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let width = to_u16(widest + 4).clamp(40, area.width);
    let height = to_u16(lines.len() + 2).min(area.height);
    let rect = centred(area, width, height);
    let inner = open(
        frame,
        rect,
        Look {
            title: title(theme, "Scorecard".to_string()),
            footer: hints(theme, &[("q", "quit")]),
            border: theme.style(Token::BorderFocused),
            border_type: BorderType::Thick,
        },
    );
    let text: Vec<Line> = lines
        .iter()
        .map(|l| {
            let token = if l.starts_with("verdict") && l.contains("PASS") {
                Token::Healthy
            } else if l.starts_with("verdict") {
                Token::Error
            } else {
                Token::Text
            };
            Line::styled(format!(" {l}"), theme.style(token))
        })
        .collect();
    frame.render_widget(Paragraph::new(text), inner);
}
