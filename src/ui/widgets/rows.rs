//! Rows of a table or list drawn straight into the frame's buffer.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;

/// Draws `lines` one per row from the top of `area`, each cut at its width: what
/// `Paragraph::new(lines)` draws without wrapping, without its line composer, which walked
/// every grapheme twice (a quarter of a whole frame of the 5,000-pod dashboard under churn).
pub fn draw(frame: &mut Frame, area: Rect, lines: &[Line]) {
    let buf = frame.buffer_mut();
    for (line, y) in lines.iter().zip(area.top()..area.bottom()) {
        buf.set_line(area.x, y, line, area.width);
    }
}
