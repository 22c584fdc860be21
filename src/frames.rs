//! Frames, drawn whole or, when only log lines changed, the Logs pane alone. A whole frame
//! goes through ratatui, which compares every cell of the screen with the last frame; a frame
//! of the Logs pane alone renders that pane's cells, compares them with what the screen shows
//! there and writes the difference straight to the backend. Following a release's pods then
//! costs one pane per frame, not the whole dashboard.
//!
//! ratatui's own idea of the screen is left as its last whole frame drew it. So before the
//! next whole frame the Logs pane's cells are put back on screen as ratatui remembers them, and
//! its comparison is true again.

use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::Rect;

use crate::config::Theme;
use crate::ui::{self, LogsPane};
use quarterdeck_core::{Model, Redraw};

/// What the screen shows, as far as frames of the Logs pane alone need to know.
#[derive(Debug, Default)]
pub struct LastFrame {
    /// The size of the last whole frame.
    area: Rect,
    /// Where its Logs pane was.
    logs: LogsPane,
    /// The Logs pane's cells as the last whole frame drew them: ratatui's idea of them.
    drawn: Option<Buffer>,
    /// The Logs pane's cells on screen, when a frame drew the pane alone since.
    shown: Option<Buffer>,
    /// The screen's content is unknown: the next frame draws and paints every cell.
    repaint: bool,
}

/// What a frame drew.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drawn {
    /// Every pane.
    All,
    /// The Logs pane alone.
    LogsAlone,
    /// Nothing: only log lines changed, and the Logs pane is not on screen.
    Unchanged,
}

impl LastFrame {
    /// The terminal was given away (suspend, resume): the next frame repaints every cell.
    pub fn forget(&mut self) {
        *self = LastFrame {
            repaint: true,
            ..LastFrame::default()
        };
    }

    /// Whether this frame must paint every cell (after [`forget`](Self::forget)); clears it.
    pub fn take_repaint(&mut self) -> bool {
        std::mem::take(&mut self.repaint)
    }

    /// Whether `redraw` changes anything on screen: not when only log lines changed and the
    /// Logs pane is not on screen.
    pub fn shows(&self, redraw: Redraw) -> bool {
        !(redraw == Redraw::Logs && self.logs == LogsPane::Hidden && !self.repaint)
    }

    /// Draws a frame on `terminal`: the Logs pane alone when `redraw` says only log lines
    /// changed, the pane is on screen uncovered and the size is the same; nothing when the
    /// pane is not on screen; otherwise every pane.
    pub fn draw<B: Backend>(
        &mut self,
        terminal: &mut Terminal<B>,
        model: &Model,
        theme: &Theme,
        redraw: Redraw,
    ) -> Result<Drawn, B::Error> {
        // The size the model was last told of, not the backend's: asking the terminal costs
        // a system call per frame of the Logs pane alone, and a new size comes as a message
        // that draws every pane.
        if redraw == Redraw::Logs && model.size == (self.area.width, self.area.height) {
            match self.logs {
                LogsPane::At(area) => {
                    self.draw_logs(terminal, model, theme, area)?;
                    return Ok(Drawn::LogsAlone);
                }
                LogsPane::Hidden => return Ok(Drawn::Unchanged),
                LogsPane::Covered => {}
            }
        }
        self.restore(terminal)?;
        let mut logs = LogsPane::Hidden;
        let completed = terminal.draw(|f| logs = ui::view(model, theme, f))?;
        self.area = completed.area;
        self.logs = logs;
        self.drawn = match logs {
            LogsPane::At(area) => Some(cells(completed.buffer, area)),
            _ => None,
        };
        Ok(Drawn::All)
    }

    /// Renders the Logs pane into ratatui's blank next buffer, moves its cells out (leaving
    /// the buffer blank again) and writes what differs from the screen.
    fn draw_logs<B: Backend>(
        &mut self,
        terminal: &mut Terminal<B>,
        model: &Model,
        theme: &Theme,
        area: Rect,
    ) -> Result<(), B::Error> {
        let mut frame = terminal.get_frame();
        ui::view_logs(model, theme, &mut frame, area);
        let next = frame.buffer_mut();
        let mut pane = Buffer::empty(area);
        for y in area.top()..area.bottom() {
            for x in area.left()..area.right() {
                pane[(x, y)] = std::mem::replace(&mut next[(x, y)], Cell::EMPTY);
            }
        }
        if let Some(screen) = self.shown.as_ref().or(self.drawn.as_ref()) {
            let updates = screen.diff(&pane);
            terminal.backend_mut().draw(updates.into_iter())?;
            Backend::flush(terminal.backend_mut())?;
        }
        self.shown = Some(pane);
        Ok(())
    }

    /// Puts the Logs pane's cells back on screen as ratatui last drew them, if frames of the
    /// pane alone changed them since.
    fn restore<B: Backend>(&mut self, terminal: &mut Terminal<B>) -> Result<(), B::Error> {
        if let (Some(shown), Some(drawn)) = (self.shown.take(), self.drawn.as_ref()) {
            let updates = shown.diff(drawn);
            terminal.backend_mut().draw(updates.into_iter())?;
        }
        Ok(())
    }
}

/// A copy of `buffer`'s cells in `area`.
fn cells(buffer: &Buffer, area: Rect) -> Buffer {
    let mut out = Buffer::empty(area);
    for y in area.top()..area.bottom() {
        for x in area.left()..area.right() {
            out[(x, y)] = buffer[(x, y)].clone();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use ratatui::backend::TestBackend;

    use super::*;
    use quarterdeck_core::key::KeyPress;
    use quarterdeck_core::{Msg, sample, update};

    fn theme() -> Theme {
        Theme::load("default", None).unwrap()
    }

    /// The showcase at `w`×`h` with logs in its buffer after `keys`, a first frame drawn.
    fn drawn_after(w: u16, h: u16, keys: &[&str]) -> (Model, Terminal<TestBackend>, LastFrame) {
        let (mut model, _) = sample::model_with(sample::showcase_objects(), w, h);
        sample::feed_logs(&mut model, 5);
        for k in keys {
            key(&mut model, k);
        }
        model.take_redraw();
        let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
        let mut last = LastFrame::default();
        last.draw(&mut term, &model, &theme(), Redraw::All).unwrap();
        (model, term, last)
    }

    fn key(model: &mut Model, k: &str) {
        update(model, Msg::Key(KeyPress::parse(k).unwrap()));
    }

    /// Draws the frame `model` asks for; what was drawn.
    fn next(model: &mut Model, term: &mut Terminal<TestBackend>, last: &mut LastFrame) -> Drawn {
        let redraw = model.take_redraw();
        last.draw(term, model, &theme(), redraw).unwrap()
    }

    /// The same model drawn whole on a fresh terminal.
    fn whole(model: &Model) -> Buffer {
        let (w, h) = model.size;
        let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
        term.draw(|f| {
            ui::view(model, &theme(), f);
        })
        .unwrap();
        term.backend().buffer().clone()
    }

    #[test]
    fn new_log_lines_draw_the_logs_pane_alone_and_the_screen_is_the_whole_frame() {
        // At 80×24 the Logs pane is on screen when focused (`3`).
        for (w, h) in [(200, 60), (80, 24)] {
            let (mut model, mut term, mut last) = drawn_after(w, h, &["3"]);
            // Lines of other lengths than those shown, twice: a stale cell would show.
            for n in [40, 7] {
                sample::feed_logs(&mut model, n);
                assert_eq!(next(&mut model, &mut term, &mut last), Drawn::LogsAlone);
                assert_eq!(*term.backend().buffer(), whole(&model), "{w}×{h}");
            }
        }
    }

    #[test]
    fn a_whole_frame_after_frames_of_the_logs_pane_alone_is_the_whole_frame() {
        let (mut model, mut term, mut last) = drawn_after(200, 60, &[]);
        sample::feed_logs(&mut model, 40);
        assert_eq!(next(&mut model, &mut term, &mut last), Drawn::LogsAlone);
        // The selection moves: every pane, the Logs pane included, is drawn whole again.
        key(&mut model, "j");
        assert_eq!(next(&mut model, &mut term, &mut last), Drawn::All);
        assert_eq!(*term.backend().buffer(), whole(&model));
        // And back, where the Logs pane's cells may be the same as the first frame's.
        key(&mut model, "k");
        assert_eq!(next(&mut model, &mut term, &mut last), Drawn::All);
        assert_eq!(*term.backend().buffer(), whole(&model));
    }

    #[test]
    fn new_log_lines_draw_nothing_while_the_logs_pane_is_not_on_screen() {
        // At 80×24 the lower panes take turns: the Pods pane has the place.
        let (mut model, mut term, mut last) = drawn_after(80, 24, &[]);
        sample::feed_logs(&mut model, 40);
        let redraw = model.take_redraw();
        assert!(!last.shows(redraw));
        assert_eq!(
            last.draw(&mut term, &model, &theme(), redraw).unwrap(),
            Drawn::Unchanged
        );
        assert_eq!(*term.backend().buffer(), whole(&model));
    }

    #[test]
    fn anything_else_that_changed_draws_every_pane() {
        let (mut model, mut term, mut last) = drawn_after(200, 60, &[]);
        sample::feed_logs(&mut model, 3);
        key(&mut model, "j");
        assert_eq!(next(&mut model, &mut term, &mut last), Drawn::All);
        assert_eq!(*term.backend().buffer(), whole(&model));
    }

    #[test]
    fn an_overlay_over_the_logs_pane_draws_every_pane_until_it_closes() {
        let (mut model, mut term, mut last) = drawn_after(200, 60, &[]);
        key(&mut model, "?");
        assert_eq!(next(&mut model, &mut term, &mut last), Drawn::All);
        sample::feed_logs(&mut model, 3);
        assert_eq!(next(&mut model, &mut term, &mut last), Drawn::All);
        assert_eq!(*term.backend().buffer(), whole(&model));
    }

    #[test]
    fn a_new_size_draws_every_pane() {
        let (mut model, mut term, mut last) = drawn_after(200, 60, &[]);
        term.backend_mut().resize(120, 40);
        let resized = Msg::Resized {
            width: 120,
            height: 40,
        };
        update(&mut model, resized);
        model.take_redraw();
        sample::feed_logs(&mut model, 3);
        assert_eq!(next(&mut model, &mut term, &mut last), Drawn::All);
        assert_eq!(*term.backend().buffer(), whole(&model));
    }
}
