//! The release binary in a pseudo-terminal, read back through a vt100 parser. Frames are
//! counted by their synchronized-output start, which the app writes once per frame drawn.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

/// A big window: every release of the scale world fits the screen's tables better.
pub const ROWS: u16 = 80;
/// Columns of the window.
pub const COLS: u16 = 250;
/// Begin synchronized update: one per frame drawn.
const FRAME_START: &[u8] = b"\x1b[?2026h";

/// What the reader thread saw.
#[derive(Default)]
struct Seen {
    frames: u64,
    first_frame: Option<Instant>,
    /// The tail of the last read, so a marker split across two reads is still counted.
    tail: Vec<u8>,
}

/// The app under measurement.
pub struct Tui {
    child: Box<dyn Child + Send + Sync>,
    _master: Box<dyn MasterPty + Send>,
    writer: Arc<Mutex<Box<dyn Write + Send>>>,
    parser: Arc<Mutex<vt100::Parser>>,
    seen: Arc<Mutex<Seen>>,
    /// When the process was spawned.
    pub started: Instant,
}

impl Tui {
    /// Starts `BIN ARGS` with `env` (the simulator's) and private HOME and state under `dir`.
    pub fn spawn(bin: &Path, args: &[&str], env: &[(String, String)], dir: &Path) -> Tui {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pty");
        let mut cmd = CommandBuilder::new(bin);
        cmd.args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.env("HOME", dir);
        cmd.env("QUARTERDECK_STATE_DIR", dir.join("state"));
        cmd.env("TERM", "xterm-256color");
        let mut reader = pty.master.try_clone_reader().expect("a pty reader");
        let writer = Arc::new(Mutex::new(pty.master.take_writer().expect("a pty writer")));
        let size = |n: u16| std::num::NonZeroU16::new(n).expect("a window size");
        let parser = Arc::new(Mutex::new(vt100::Parser::new(size(ROWS), size(COLS), 0)));
        let seen = Arc::new(Mutex::new(Seen::default()));
        let started = Instant::now();
        let child = pty.slave.spawn_command(cmd).expect("start quarterdeck");
        drop(pty.slave);
        {
            let (parser, seen, writer) = (parser.clone(), seen.clone(), writer.clone());
            std::thread::spawn(move || {
                let mut buf = vec![0u8; 1 << 16];
                loop {
                    let n = match reader.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    let now = Instant::now();
                    let chunk = &buf[..n];
                    {
                        let mut s = seen.lock().unwrap_or_else(|e| e.into_inner());
                        let mut joined = std::mem::take(&mut s.tail);
                        joined.extend_from_slice(chunk);
                        let frames = count(&joined, FRAME_START);
                        if frames > 0 && s.first_frame.is_none() {
                            s.first_frame = Some(now);
                        }
                        s.frames += frames;
                        let keep = FRAME_START.len() - 1;
                        // Keep a partial marker only: a whole one was counted already.
                        let start = joined.len().saturating_sub(keep);
                        s.tail = joined[start..].to_vec();
                    }
                    let mut parser = parser.lock().unwrap_or_else(|e| e.into_inner());
                    parser.process(chunk);
                    // Answer cursor-position queries as a real terminal does.
                    if count(chunk, b"\x1b[6n") > 0 {
                        let (row, col) = parser.screen().cursor_position();
                        let mut w = writer.lock().unwrap_or_else(|e| e.into_inner());
                        let _ = write!(w, "\x1b[{};{}R", row + 1, col + 1);
                        let _ = w.flush();
                    }
                }
            });
        }
        Tui {
            child,
            _master: pty.master,
            writer,
            parser,
            seen,
            started,
        }
    }

    /// The process id, to read its CPU time and memory from /proc.
    pub fn pid(&self) -> u32 {
        self.child.process_id().expect("quarterdeck's pid")
    }

    /// Frames drawn so far.
    pub fn frames(&self) -> u64 {
        self.seen.lock().unwrap_or_else(|e| e.into_inner()).frames
    }

    /// The screen's text now.
    pub fn screen(&self) -> String {
        let parser = self.parser.lock().unwrap_or_else(|e| e.into_inner());
        parser.screen().contents()
    }

    /// Time from spawn to the first frame's first byte; `None` if none came within `timeout`.
    pub fn first_frame(&self, timeout: Duration) -> Option<Duration> {
        let deadline = Instant::now() + timeout;
        loop {
            let first = self
                .seen
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .first_frame;
            if let Some(t) = first {
                return Some(t - self.started);
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Time from spawn until the screen satisfies `cond`, polled every 2 ms (the resolution
    /// of the figure); `None` if it never did within `timeout`.
    pub fn until(&self, timeout: Duration, cond: impl Fn(&str) -> bool) -> Option<Duration> {
        let deadline = Instant::now() + timeout;
        loop {
            if cond(&self.screen()) {
                return Some(self.started.elapsed());
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Asks the app to quit, then makes sure it is gone.
    pub fn quit(mut self) {
        if let Ok(mut w) = self.writer.lock() {
            let _ = w.write_all(b"q");
            let _ = w.flush();
        }
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
    }
}

fn count(hay: &[u8], needle: &[u8]) -> u64 {
    hay.windows(needle.len()).filter(|w| *w == needle).count() as u64
}
