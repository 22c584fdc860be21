//! Dialogs drawn over the dashboard: a centred box, cleared first, titled, with key hints on
//! its bottom border.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear};

use crate::config::{Theme, Token};

/// A `width`×`height` rectangle centred in `area`, no larger than it.
pub fn centred(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

/// `key action · key action` in the theme's key-hint and muted styles.
pub fn hints<'a>(theme: &Theme, pairs: &[(&str, &str)]) -> Line<'a> {
    let mut spans = vec![Span::raw(" ")];
    for (i, (key, what)) in pairs.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" · ", theme.style(Token::Muted)));
        }
        spans.push(Span::styled(key.to_string(), theme.style(Token::KeyHint)));
        spans.push(Span::styled(format!(" {what}"), theme.style(Token::Muted)));
    }
    spans.push(Span::raw(" "));
    Line::from(spans)
}

/// ` title ` in the theme's title style, for a dialog's top border.
pub fn title(theme: &Theme, text: String) -> Line<'static> {
    Line::styled(format!(" {text} "), theme.style(Token::Title))
}

/// How a dialog's frame looks.
pub struct Look {
    /// Title spans on the top border.
    pub title: Line<'static>,
    /// Key hints on the bottom border.
    pub footer: Line<'static>,
    /// The border's style.
    pub border: Style,
    /// Plain, thick or double.
    pub border_type: BorderType,
}

/// Clears `rect`, draws the dialog's frame and returns the area inside it.
pub fn open(frame: &mut Frame, rect: Rect, look: Look) -> Rect {
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(look.border_type)
        .border_style(look.border)
        .title(look.title)
        .title_bottom(look.footer);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    inner
}

/// `line` padded with spaces to `width` columns, so a highlight spans the dialog.
pub fn pad_line(mut line: Line<'_>, width: usize) -> Line<'_> {
    let used = line.width();
    if used < width {
        line.spans.push(Span::raw(" ".repeat(width - used)));
    }
    line
}

/// A count of rows or columns as a terminal coordinate.
pub fn to_u16(n: usize) -> u16 {
    u16::try_from(n).unwrap_or(u16::MAX)
}
