//! Terminal lifecycle: raw mode, alternate screen, hidden cursor — and always giving them back.
//!
//! The terminal is restored when the [`TerminalGuard`] drops, when the program panics (a panic
//! hook chained in front of the previous one, so color-eyre's report lands on a sane screen),
//! and on SIGTERM, SIGHUP and SIGINT via [`spawn_signal_listener`]. ctrl-z suspends through
//! the guard's [`Screen::suspend`]. Restoring is idempotent: whichever path runs first does it.
//!
//! [`Screen`] is all the event loop knows of this: a test draws on ratatui's `TestBackend`
//! with the trait's defaults instead.

use crossterm::cursor;
use crossterm::event::DisableMouseCapture;
use crossterm::execute;
use crossterm::queue;
use crossterm::terminal::{
    BeginSynchronizedUpdate, EndSynchronizedUpdate, EnterAlternateScreen, LeaveAlternateScreen,
    disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::{Backend, ClearType, CrosstermBackend};
use std::io::{self, Write, stdout};
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::mpsc;

/// Whether the terminal is currently in TUI mode (raw, alternate screen).
static ACTIVE: AtomicBool = AtomicBool::new(false);
static PANIC_HOOK: Once = Once::new();

/// The dashboard's terminal: ratatui on crossterm, writing through [`FrameOut`].
pub type Tty = Terminal<CrosstermBackend<FrameOut>>;

/// The terminal's output: a frame's bytes are gathered and written at once when the frame is
/// flushed (std's stdout writes every 1 KiB, so one frame took dozens of writes). Bytes not yet
/// flushed go with it: a frame cut short by a panic never reaches the restored screen.
#[derive(Debug, Default)]
pub struct FrameOut {
    buf: Vec<u8>,
}

impl Write for FrameOut {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        let mut out = stdout().lock();
        // Never written twice: after an error the screen is repainted whole anyway.
        let written = out.write_all(&self.buf);
        self.buf.clear();
        written?;
        out.flush()
    }
}

/// Owns the terminal's TUI mode; dropping it restores the terminal.
#[derive(Debug)]
pub struct TerminalGuard {
    _private: (),
}

/// Enters TUI mode and returns the guard with a ratatui terminal on stdout.
///
/// Call after installing color-eyre (or any other panic hook): ours is chained in front.
pub fn init() -> io::Result<(TerminalGuard, Tty)> {
    install_panic_hook();
    enter()?;
    let guard = TerminalGuard { _private: () };
    let terminal = Terminal::new(CrosstermBackend::new(FrameOut::default()))?;
    Ok((guard, terminal))
}

/// Whether TUI mode is on (nothing may be written to stderr while it is).
pub fn is_active() -> bool {
    ACTIVE.load(Ordering::SeqCst)
}

/// Leaves TUI mode if it is on; does nothing otherwise, so every exit path may call it.
pub fn restore() -> io::Result<()> {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return Ok(());
    }
    // Raw mode first: it has the larger side effects if the rest fails.
    let raw = disable_raw_mode();
    let screen = execute!(
        stdout(),
        // A panic in the middle of a frame must not leave the terminal holding output back.
        EndSynchronizedUpdate,
        DisableMouseCapture,
        LeaveAlternateScreen,
        cursor::Show
    );
    raw.and(screen)
}

fn enter() -> io::Result<()> {
    // Marked active before the first change so that a failure half-way is still undone.
    ACTIVE.store(true, Ordering::SeqCst);
    let entered = enable_raw_mode().and_then(|()| {
        execute!(
            stdout(),
            EnterAlternateScreen,
            DisableMouseCapture,
            cursor::Hide
        )
    });
    if entered.is_err() {
        let _ = restore();
    }
    entered
}

fn install_panic_hook() {
    PANIC_HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let _ = restore();
            previous(info);
        }));
    });
}

/// What the event loop needs from the screen beyond ratatui's `Terminal`: the hooks around
/// each frame and the ctrl-z / `fg` cycle. Every hook does nothing by default, which is all a
/// `TestBackend` needs.
pub trait Screen<B: Backend> {
    /// Runs before a frame is drawn; `full` means the screen's content is unknown and every
    /// cell must be painted.
    fn begin_frame(&mut self, _terminal: &mut Terminal<B>, _full: bool) -> io::Result<()> {
        Ok(())
    }

    /// Runs after a frame was drawn, even if drawing failed.
    fn end_frame(&mut self, _terminal: &mut Terminal<B>) -> io::Result<()> {
        Ok(())
    }

    /// ctrl-z: gives the terminal back and stops until continued, then takes it back.
    fn suspend(&mut self, _terminal: &mut Terminal<B>) -> io::Result<()> {
        Ok(())
    }

    /// Takes the terminal back after the process was stopped and continued from outside.
    fn resume(&mut self, _terminal: &mut Terminal<B>) -> io::Result<()> {
        Ok(())
    }
}

impl Screen<CrosstermBackend<FrameOut>> for TerminalGuard {
    fn begin_frame(&mut self, terminal: &mut Tty, full: bool) -> io::Result<()> {
        begin_frame(terminal, full)
    }

    fn end_frame(&mut self, terminal: &mut Tty) -> io::Result<()> {
        end_sync(terminal.backend_mut())
    }

    fn suspend(&mut self, terminal: &mut Tty) -> io::Result<()> {
        restore()?;
        // Raw mode turned off the terminal's own ctrl-z, so stop ourselves; this returns once
        // the shell continues us. Without job control the signal is discarded and we go on.
        signal_hook::low_level::raise(signal_hook::consts::SIGTSTP)?;
        self.resume(terminal)
    }

    /// TUI mode again and a fresh ratatui terminal whose empty back buffer makes the next
    /// frame paint every cell. (ratatui's own clear asks the terminal for the cursor
    /// position; crossterm's input reader can hold that answer back indefinitely, freezing
    /// the loop.)
    fn resume(&mut self, terminal: &mut Tty) -> io::Result<()> {
        let (new_guard, new_terminal) = init()?;
        // The old guard's only duty is the restore already done; dropping it now would undo
        // the new one.
        std::mem::forget(std::mem::replace(self, new_guard));
        *terminal = new_terminal;
        Ok(())
    }
}

/// Starts a frame in a synchronized update (CSI ?2026h), so terminals that support it never
/// show a half-drawn frame; others ignore the sequences. A `full` frame first clears the
/// screen and draws a blank frame, which makes ratatui's idea of the screen true again
/// without asking the terminal anything.
fn begin_frame<W: Write>(
    terminal: &mut Terminal<CrosstermBackend<W>>,
    full: bool,
) -> io::Result<()> {
    begin_sync(terminal.backend_mut())?;
    if full {
        terminal.backend_mut().clear_region(ClearType::All)?;
        terminal.draw(|f| f.render_widget(ratatui::widgets::Clear, f.area()))?;
    }
    Ok(())
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        if let Err(err) = restore() {
            // TUI mode is off (or the terminal is gone), so stderr is safe to use now.
            eprintln!("quarterdeck: could not restore the terminal: {err}");
        }
    }
}

/// Starts a synchronized update (CSI ?2026h): the terminal shows nothing until [`end_sync`].
pub fn begin_sync(out: &mut impl Write) -> io::Result<()> {
    queue!(out, BeginSynchronizedUpdate)
}

/// Ends a synchronized update (CSI ?2026l) and flushes, so the frame appears at once.
pub fn end_sync(out: &mut impl Write) -> io::Result<()> {
    queue!(out, EndSynchronizedUpdate)?;
    out.flush()
}

/// A process signal the event loop must act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignalEvent {
    /// SIGTERM: restore the terminal and exit with 143.
    Terminate,
    /// SIGHUP (the terminal went away): restore and exit with 129.
    Hangup,
    /// SIGINT from outside (in raw mode ctrl-c is a key, not a signal): restore and exit 130.
    Interrupt,
    /// SIGCONT: we were stopped from outside and continued; call [`Screen::resume`].
    Continue,
}

impl SignalEvent {
    /// The exit status a shell expects after this signal (128 + number), if it ends us.
    pub fn exit_code(self) -> Option<i32> {
        match self {
            SignalEvent::Terminate => Some(128 + signal_hook::consts::SIGTERM),
            SignalEvent::Hangup => Some(128 + signal_hook::consts::SIGHUP),
            SignalEvent::Interrupt => Some(128 + signal_hook::consts::SIGINT),
            SignalEvent::Continue => None,
        }
    }
}

/// Listens for SIGTERM, SIGHUP, SIGINT and SIGCONT on the tokio runtime and reports them.
///
/// The event loop should, on an event with an [`SignalEvent::exit_code`], drop its guard (or
/// call [`restore`]) and exit with that code. If it does not — the receiver is gone, or a
/// second terminating signal arrives — the listener restores the terminal and exits itself,
/// so a stuck loop can still be stopped.
pub fn spawn_signal_listener() -> io::Result<mpsc::Receiver<SignalEvent>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate())?;
    let mut hangup = signal(SignalKind::hangup())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut cont = signal(SignalKind::from_raw(signal_hook::consts::SIGCONT))?;
    let (tx, rx) = mpsc::channel(8);
    tokio::spawn(async move {
        let mut exit_requested = false;
        loop {
            let event = tokio::select! {
                Some(()) = terminate.recv() => SignalEvent::Terminate,
                Some(()) = hangup.recv() => SignalEvent::Hangup,
                Some(()) = interrupt.recv() => SignalEvent::Interrupt,
                Some(()) = cont.recv() => SignalEvent::Continue,
                else => break,
            };
            let delivered = tx.try_send(event).is_ok();
            if let Some(code) = event.exit_code() {
                if exit_requested || !delivered {
                    let _ = restore();
                    std::process::exit(code);
                }
                exit_requested = true;
            }
        }
    });
    Ok(rx)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;
    use ratatui::widgets::Paragraph;
    use ratatui::{TerminalOptions, Viewport};
    use std::time::Duration;

    #[test]
    fn restore_without_init_is_a_no_op() {
        assert!(!is_active());
        restore().unwrap();
        restore().unwrap();
        assert!(!is_active());
    }

    /// A writer the test can read back after the terminal has written to it.
    #[derive(Clone, Default)]
    struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn frames_are_wrapped_in_synchronized_output() {
        let written = Shared::default();
        let backend = CrosstermBackend::new(written.clone());
        let options = TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, 10, 1)),
        };
        let mut terminal = Terminal::with_options(backend, options).unwrap();
        let frame = |terminal: &mut Terminal<CrosstermBackend<Shared>>, full: bool| {
            written.0.lock().unwrap().clear();
            begin_frame(terminal, full).unwrap();
            terminal
                .draw(|frame| frame.render_widget(Paragraph::new("hello"), frame.area()))
                .unwrap();
            end_sync(terminal.backend_mut()).unwrap();
            String::from_utf8(written.0.lock().unwrap().clone()).unwrap()
        };
        let out = frame(&mut terminal, false);
        assert!(out.starts_with("\x1b[?2026h"), "{out:?}");
        assert!(out.ends_with("\x1b[?2026l"), "{out:?}");
        assert!(out.contains("hello"));
        assert!(!out.contains("\x1b[2J"), "{out:?}");
        // A full frame clears the screen and paints every cell again, inside the update.
        let out = frame(&mut terminal, true);
        assert!(out.starts_with("\x1b[?2026h\x1b[2J"), "{out:?}");
        assert!(out.contains("hello"), "{out:?}");
        assert!(out.ends_with("\x1b[?2026l"), "{out:?}");
    }

    #[test]
    fn exit_codes_follow_the_shell_convention() {
        assert_eq!(SignalEvent::Terminate.exit_code(), Some(143));
        assert_eq!(SignalEvent::Hangup.exit_code(), Some(129));
        assert_eq!(SignalEvent::Interrupt.exit_code(), Some(130));
        assert_eq!(SignalEvent::Continue.exit_code(), None);
    }

    /// One test raises both signals: a second terminating signal would end the test process.
    #[tokio::test]
    async fn raised_signals_reach_the_event_loop() {
        let mut events = spawn_signal_listener().unwrap();
        signal_hook::low_level::raise(signal_hook::consts::SIGCONT).unwrap();
        let got = tokio::time::timeout(Duration::from_secs(5), events.recv()).await;
        assert_eq!(got.unwrap(), Some(SignalEvent::Continue));
        signal_hook::low_level::raise(signal_hook::consts::SIGHUP).unwrap();
        let got = tokio::time::timeout(Duration::from_secs(5), events.recv()).await;
        assert_eq!(got.unwrap(), Some(SignalEvent::Hangup));
    }
}
