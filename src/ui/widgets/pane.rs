//! The frame around every pane: a border that shows focus and a title.

use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders};

use crate::config::{Theme, Token};

/// A bordered block titled `title`, with `extra` spans after it (counts, modes).
pub fn block<'a>(theme: &Theme, title: &'a str, extra: Vec<Span<'a>>, focused: bool) -> Block<'a> {
    let border = if focused {
        theme.style(Token::BorderFocused)
    } else {
        theme.style(Token::Border)
    };
    let mut spans = vec![Span::styled(
        format!(" {title} "),
        theme.style(Token::Title),
    )];
    spans.extend(extra);
    Block::default()
        .borders(Borders::ALL)
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(border)
        .title(Line::from(spans))
}
