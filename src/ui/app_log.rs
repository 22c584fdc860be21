//! Quarterdeck's own log (tracing output captured by tui-logger), as an overlay.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::Clear;
use tui_logger::TuiLoggerWidget;

use super::widgets::pane::block;
use crate::config::{Theme, Token};

/// Draws the overlay over the lower two thirds of `area`.
pub fn draw(theme: &Theme, frame: &mut Frame, area: Rect) {
    let h = area.height * 2 / 3;
    let rect = Rect {
        x: area.x,
        y: area.y + area.height - h,
        width: area.width,
        height: h,
    };
    frame.render_widget(Clear, rect);
    let widget = TuiLoggerWidget::default()
        .block(block(
            theme,
            "Quarterdeck log",
            vec![Span::styled("! or esc closes ", theme.style(Token::Muted))],
            true,
        ))
        .style(theme.style(Token::Text))
        .style_error(theme.style(Token::Error))
        .style_warn(theme.style(Token::Warning))
        .style_info(theme.style(Token::Info))
        .style_debug(theme.style(Token::Muted))
        .style_trace(theme.style(Token::Muted));
    frame.render_widget(widget, rect);
}
