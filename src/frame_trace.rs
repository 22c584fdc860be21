//! A bench-only record of what each frame shows of the logs, for the end-to-end log benchmark
//! (`benches/logs_e2e/`): with `QUARTERDECK_FRAME_TRACE=FILE` set, every frame drawn appends
//! `frame WALL_MS NEWEST_MS INGESTED` — when it was drawn (Unix ms), the timestamp of the
//! newest log line on screen (`-` when none) and how many lines the Logs pane has taken since
//! it was last reset. Unset, nothing is opened and a frame costs one `Option` check.
//! `QUARTERDECK_FRAME_TRACE_LINES=N` (with the trace only) sizes the pane's buffer to N lines,
//! so the benchmark can measure memory with 100k lines buffered.
//!
//! With `QUARTERDECK_FRAME_TRACE_STAGES=1` as well, the log path's stages record when they
//! pass lines on (a record per chunk read: it costs CPU, so the headline figures are taken
//! without), in
//! `FILE.stages`: `stage NAME WALL_US NEWEST_MS LINES` — the stage (`read`: the stream task
//! split them off the wire; `merged`: the merger handed them on to the event loop), when
//! (Unix µs),
//! the newest line timestamp among them and how many. The benchmark breaks the lag down by
//! stage from them. Unset, a stage costs one check of a static.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::sync::{Mutex, OnceLock};

use quarterdeck_core::Model;
use quarterdeck_core::concerns::logs::LogView;

/// The variable naming the trace file.
pub const FRAME_TRACE_ENV: &str = "QUARTERDECK_FRAME_TRACE";
/// The variable turning the stage records on (with the trace only).
pub const FRAME_TRACE_STAGES_ENV: &str = "QUARTERDECK_FRAME_TRACE_STAGES";
/// The variable sizing the Logs pane's buffer (lines) while tracing.
pub const FRAME_TRACE_LINES_ENV: &str = "QUARTERDECK_FRAME_TRACE_LINES";
/// Bytes allowed per buffered line when the buffer is resized (the product's own ratio).
const BYTES_PER_LINE: usize = 420;

/// The stage records' file, set once the frame trace starts. A static, because the stages run
/// on tasks that know nothing of the event loop; flushed with each frame.
static STAGES: OnceLock<Mutex<BufWriter<File>>> = OnceLock::new();

/// Records that the log path's stage `name` passed on `lines` lines, the newest stamped
/// `newest_ns` (nothing unless the frame trace is on).
pub fn stage(name: &str, newest_ns: Option<i64>, lines: usize) {
    let Some(stages) = STAGES.get() else { return };
    let wall = chrono::Utc::now().timestamp_micros();
    let newest = newest_ns.map_or_else(|| "-".to_string(), |t| (t / 1_000_000).to_string());
    if let Ok(mut out) = stages.lock() {
        let _ = writeln!(out, "stage {name} {wall} {newest} {lines}");
    }
}

/// Where frame records go, when asked for.
pub struct FrameTrace {
    out: BufWriter<File>,
}

impl FrameTrace {
    /// The trace `QUARTERDECK_FRAME_TRACE` asks for (`None` when unset or not writable), with
    /// `model`'s log buffer resized as `QUARTERDECK_FRAME_TRACE_LINES` says.
    pub fn start(model: &mut Model) -> Option<FrameTrace> {
        let path = std::env::var_os(FRAME_TRACE_ENV)?;
        let file = File::create(&path).ok()?;
        if std::env::var_os(FRAME_TRACE_STAGES_ENV).is_some_and(|v| !v.is_empty()) {
            let mut stages = path;
            stages.push(".stages");
            if let Ok(f) = File::create(stages) {
                let _ = STAGES.set(Mutex::new(BufWriter::new(f)));
            }
        }
        let lines = std::env::var(FRAME_TRACE_LINES_ENV).ok();
        if let Some(lines) = lines.and_then(|l| l.parse::<usize>().ok()) {
            model.logs = LogView::with_capacity(lines, lines.saturating_mul(BYTES_PER_LINE));
        }
        Some(FrameTrace {
            out: BufWriter::new(file),
        })
    }

    /// Records the frame just drawn of `model`. Flushed at once: the benchmark reads the file
    /// while the app runs.
    pub fn frame(&mut self, model: &Model) {
        let logs = &model.logs;
        let newest = logs
            .bottom_index()
            .and_then(|i| logs.buffer.get(i))
            .and_then(|l| l.time_ms)
            .map_or_else(|| "-".to_string(), |t| t.to_string());
        let ingested = logs.buffer.dropped() + logs.buffer.len() as u64;
        let wall = chrono::Utc::now().timestamp_millis();
        let _ = writeln!(self.out, "frame {wall} {newest} {ingested}");
        let _ = self.out.flush();
        if let Some(Ok(mut stages)) = STAGES.get().map(Mutex::lock) {
            let _ = stages.flush();
        }
    }
}
