//! A bench-only record of what each frame shows of the logs, for the end-to-end log benchmark
//! (`benches/logs_e2e/`): with `QUARTERDECK_FRAME_TRACE=FILE` set, every frame drawn appends
//! `frame WALL_MS NEWEST_MS INGESTED` — when it was drawn (Unix ms), the timestamp of the
//! newest log line on screen (`-` when none) and how many lines the Logs pane has taken since
//! it was last reset. Unset, nothing is opened and a frame costs one `Option` check.
//! `QUARTERDECK_FRAME_TRACE_LINES=N` (with the trace only) sizes the pane's buffer to N lines,
//! so the benchmark can measure memory with 100k lines buffered.

use std::fs::File;
use std::io::{BufWriter, Write};

use quarterdeck_core::Model;
use quarterdeck_core::concerns::logs::LogView;

/// The variable naming the trace file.
pub const FRAME_TRACE_ENV: &str = "QUARTERDECK_FRAME_TRACE";
/// The variable sizing the Logs pane's buffer (lines) while tracing.
pub const FRAME_TRACE_LINES_ENV: &str = "QUARTERDECK_FRAME_TRACE_LINES";
/// Bytes allowed per buffered line when the buffer is resized (the product's own ratio).
const BYTES_PER_LINE: usize = 420;

/// Where frame records go, when asked for.
pub struct FrameTrace {
    out: BufWriter<File>,
}

impl FrameTrace {
    /// The trace `QUARTERDECK_FRAME_TRACE` asks for (`None` when unset or not writable), with
    /// `model`'s log buffer resized as `QUARTERDECK_FRAME_TRACE_LINES` says.
    pub fn start(model: &mut Model) -> Option<FrameTrace> {
        let path = std::env::var_os(FRAME_TRACE_ENV)?;
        let file = File::create(path).ok()?;
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
    }
}
