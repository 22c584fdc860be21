//! The real binary in a pseudo-terminal, read back through a vt100 parser: shared by the pty
//! tests. Every wait polls the parsed screen until a condition holds or a timeout passes.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

pub const ROWS: u16 = 50;
pub const COLS: u16 = 200;
/// Begin synchronized update: one per frame drawn.
pub const FRAME_START: &[u8] = b"\x1b[?2026h";
/// End synchronized update: the frame is whole.
const FRAME_END: &[u8] = b"\x1b[?2026l";

/// The terminal as the app drew it. A frame can arrive in several reads; in between, the
/// screen is half old, half new (a dialog's title over the pane it replaces), so a test sees
/// the screen as the last whole frame left it until the next frame ends.
struct Frames {
    parser: vt100::Parser,
    /// Inside a synchronized update: `whole` is what the screen shows.
    in_frame: bool,
    /// The screen when the last frame ended.
    whole: String,
    /// The last bytes read, where a marker split between two reads begins.
    tail: Vec<u8>,
}

impl Frames {
    fn feed(&mut self, bytes: &[u8]) {
        let mut joined = std::mem::take(&mut self.tail);
        let offset = joined.len();
        joined.extend_from_slice(bytes);
        let mut done = 0;
        let mut i = 0;
        while i + FRAME_END.len() <= joined.len() {
            let window = &joined[i..i + FRAME_END.len()];
            if window == FRAME_START {
                self.in_frame = true;
                i += FRAME_START.len();
            } else if window == FRAME_END {
                // The tail is shorter than a marker: every marker found ends in `bytes`.
                let end = i + FRAME_END.len() - offset;
                self.parser.process(&bytes[done..end]);
                done = end;
                self.in_frame = false;
                self.whole = self.parser.screen().contents();
                i += FRAME_END.len();
            } else {
                i += 1;
            }
        }
        self.parser.process(&bytes[done..]);
        let keep = joined.len().min(FRAME_END.len() - 1);
        self.tail = joined[joined.len() - keep..].to_vec();
    }

    fn screen(&self) -> String {
        if self.in_frame {
            self.whole.clone()
        } else {
            self.parser.screen().contents()
        }
    }
}

/// One app at a time: each demo builds a simulated world and renders live, and on a 2-core
/// machine two of them side by side would measure the machine, not the app.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

pub struct Tui {
    pub child: Box<dyn Child + Send + Sync>,
    _master: Box<dyn MasterPty + Send>,
    writer: Arc<Mutex<Box<dyn Write + Send>>>,
    frames: Arc<Mutex<Frames>>,
    pub raw: Arc<Mutex<Vec<u8>>>,
    _dirs: tempfile::TempDir,
    control: Option<(String, String)>,
    _turn: std::sync::MutexGuard<'static, ()>,
}

impl Tui {
    /// Starts `quarterdeck demo ARGS` in a 200×50 pty with private config and state dirs.
    pub fn demo(args: &[&str]) -> Tui {
        Tui::demo_with_config(args, None)
    }

    /// Like [`Tui::demo`], with `config` as the private `config.toml`.
    pub fn demo_with_config(args: &[&str], config: Option<&str>) -> Tui {
        let dirs = tempfile::tempdir().unwrap();
        if let Some(text) = config {
            std::fs::create_dir_all(dirs.path().join("config")).unwrap();
            std::fs::write(dirs.path().join("config/config.toml"), text).unwrap();
        }
        let control = dirs.path().join("control.json");
        let control_arg = control.display().to_string();
        let mut all = vec!["demo", "--control-file", control_arg.as_str()];
        all.extend_from_slice(args);
        let mut tui = Tui::spawn(&all, dirs);
        tui.control = Some(tui.read_control(&control));
        tui
    }

    /// Starts `quarterdeck ARGS` in a 200×50 pty; `dirs` becomes HOME, config and state.
    pub fn spawn(args: &[&str], dirs: tempfile::TempDir) -> Tui {
        let turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_quarterdeck"));
        for a in args {
            cmd.arg(a);
        }
        cmd.env("HOME", dirs.path());
        cmd.env("QUARTERDECK_CONFIG_DIR", dirs.path().join("config"));
        cmd.env("QUARTERDECK_STATE_DIR", dirs.path().join("state"));
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("KUBECONFIG");
        let child = pty.slave.spawn_command(cmd).unwrap();
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().unwrap();
        let writer = Arc::new(Mutex::new(pty.master.take_writer().unwrap()));
        let size = |n: u16| std::num::NonZeroU16::new(n).unwrap();
        let frames = Arc::new(Mutex::new(Frames {
            parser: vt100::Parser::new(size(ROWS), size(COLS), 0),
            in_frame: false,
            whole: String::new(),
            tail: Vec::new(),
        }));
        let raw = Arc::new(Mutex::new(Vec::new()));
        {
            let (frames, raw, writer) = (frames.clone(), raw.clone(), writer.clone());
            std::thread::spawn(move || {
                let mut buf = [0u8; 65536];
                loop {
                    match reader.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            // A test that panicked while holding a lock must not take
                            // this reader down with it.
                            let mut frames = frames.lock().unwrap_or_else(|e| e.into_inner());
                            frames.feed(&buf[..n]);
                            raw.lock()
                                .unwrap_or_else(|e| e.into_inner())
                                .extend_from_slice(&buf[..n]);
                            // Answer cursor-position queries as a real terminal does.
                            if count(&buf[..n], b"\x1b[6n") > 0 {
                                let (row, col) = frames.parser.screen().cursor_position();
                                let mut w = writer.lock().unwrap();
                                let _ = write!(w, "\x1b[{};{}R", row + 1, col + 1);
                                let _ = w.flush();
                            }
                        }
                    }
                }
            });
        }
        Tui {
            child,
            _master: pty.master,
            writer,
            frames,
            raw,
            _dirs: dirs,
            control: None,
            _turn: turn,
        }
    }

    /// Selects the release `name` through the Releases filter (which then shows only it),
    /// waiting for each key's effect on screen before the next: the row must exist before
    /// `j` can select it. Each wait is for a state only that key produces: the filter applies
    /// as it is typed, so "Releases 1 /NAME" is already on screen before `enter`; only the
    /// closed prompt shows that `enter` was taken.
    pub fn select(&mut self, name: &str) {
        let wait = Duration::from_secs(40);
        self.keys(&format!("/{name}"));
        self.wait_for("the typed filter", wait, |s| {
            s.contains(&format!("/{name}█"))
        });
        self.keys("\r");
        self.wait_for("the filter kept and the prompt closed", wait, |s| {
            s.contains(&format!("Releases 1 /{name}")) && !s.contains(&format!("/{name}█"))
        });
        self.keys("j");
        self.wait_for("the release selected", wait, |s| {
            s.contains(&format!("› {name}"))
        });
    }

    /// The simulator's token (from the control file).
    pub fn token(&self) -> String {
        self.control.clone().unwrap().1
    }

    /// The private state directory (`QUARTERDECK_STATE_DIR`).
    pub fn state_dir(&self) -> std::path::PathBuf {
        self._dirs.path().join("state")
    }

    pub fn pid(&self) -> String {
        self.child.process_id().unwrap().to_string()
    }

    /// Sends a signal with kill(1).
    pub fn signal(&self, name: &str) {
        let ok = std::process::Command::new("kill")
            .args([format!("-{name}"), self.pid()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{name} failed");
    }

    /// Waits until the raw output contains `needle` after byte `from`.
    pub fn wait_output(&self, what: &str, from: usize, needle: &[u8], timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            if count(&self.raw.lock().unwrap()[from..], needle) > 0 {
                return;
            }
            if Instant::now() >= deadline {
                let raw = self.raw.lock().unwrap();
                let tail = &raw[raw.len().saturating_sub(6000)..];
                panic!(
                    "timed out waiting for {what} ({} bytes since the mark); output ends with {:?}",
                    raw.len() - from,
                    String::from_utf8_lossy(tail)
                );
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    pub fn read_control(&self, path: &Path) -> (String, String) {
        let deadline = Instant::now() + Duration::from_secs(40);
        loop {
            if let Ok(text) = std::fs::read_to_string(path)
                && let Ok(v) = serde_json::from_str::<serde_json::Value>(&text)
            {
                return (
                    v["url"].as_str().unwrap().to_string(),
                    v["token"].as_str().unwrap().to_string(),
                );
            }
            assert!(
                Instant::now() < deadline,
                "no control file; screen:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn screen(&self) -> String {
        self.frames.lock().unwrap().screen()
    }

    /// Polls the screen until `cond` holds; panics with the screen after `timeout`.
    pub fn wait_for(&self, what: &str, timeout: Duration, cond: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let s = self.screen();
            if cond(&s) {
                return s;
            }
            if Instant::now() >= deadline {
                let raw = self.raw.lock().unwrap();
                let tail = String::from_utf8_lossy(&raw[raw.len().saturating_sub(3000)..]);
                panic!("timed out waiting for {what}; screen:\n{s}\noutput ends with {tail:?}");
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    pub fn keys(&mut self, keys: &str) {
        let mut w = self.writer.lock().unwrap();
        w.write_all(keys.as_bytes()).unwrap();
        w.flush().unwrap();
    }

    /// POSTs JSON to the simulator's control API; panics unless it answers 200.
    pub fn control(&self, path: &str, body: &str) -> String {
        let (url, token) = self.control.clone().unwrap();
        let addr = url.trim_start_matches("http://");
        let mut s = TcpStream::connect(addr).unwrap();
        write!(
            s,
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut answer = String::new();
        s.read_to_string(&mut answer).unwrap();
        assert!(
            answer.starts_with("HTTP/1.1 200"),
            "{path} {body}: {answer}"
        );
        answer
    }

    pub fn frames(&self) -> usize {
        count(&self.raw.lock().unwrap(), FRAME_START)
    }

    pub fn wait_exit(&mut self, timeout: Duration) -> portable_pty::ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "did not exit; screen:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
    }
}

pub fn count(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).filter(|w| *w == needle).count()
}
