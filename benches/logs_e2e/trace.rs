//! The app's frame trace (`QUARTERDECK_FRAME_TRACE`): one `frame WALL_MS NEWEST_MS INGESTED`
//! line per frame drawn, read while the app runs; and the lag figures drawn from it.

use std::path::PathBuf;

/// One frame's record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    /// When it was drawn, Unix ms.
    pub wall_ms: i64,
    /// The newest line timestamp it shows, Unix ms.
    pub newest_ms: Option<i64>,
    /// Lines the Logs pane had taken by then.
    pub ingested: u64,
}

/// The trace file the app writes.
pub struct Trace {
    path: PathBuf,
}

impl Trace {
    /// The trace at `path` (it may not exist yet).
    pub fn new(path: PathBuf) -> Trace {
        Trace { path }
    }

    /// Every whole record so far.
    pub fn frames(&self) -> Vec<Frame> {
        let text = std::fs::read_to_string(&self.path).unwrap_or_default();
        text.lines().filter_map(parse).collect()
    }

    /// Lines taken as of the last frame.
    pub fn ingested(&self) -> u64 {
        self.frames().last().map_or(0, |f| f.ingested)
    }
}

fn parse(line: &str) -> Option<Frame> {
    let mut it = line.strip_prefix("frame ")?.split(' ');
    let wall_ms = it.next()?.parse().ok()?;
    let newest_ms = it.next()?.parse().ok();
    let ingested = it.next()?.parse().ok()?;
    Some(Frame {
        wall_ms,
        newest_ms,
        ingested,
    })
}

/// The lag of every line taken after `before`, in ms: the lines a frame shows first are spread
/// evenly between the newest timestamp of the frame before it (or `start_ms`) and its own.
pub fn lags(frames: &[Frame], before: u64, start_ms: i64) -> Vec<f64> {
    let mut lags = Vec::new();
    let mut prev = (before, start_ms);
    for f in frames {
        let Some(newest) = f.newest_ms else { continue };
        let n = f.ingested.saturating_sub(prev.0);
        if n == 0 {
            continue;
        }
        let (from, to) = (prev.1.min(newest) as f64, newest as f64);
        for i in 0..n {
            let ts = from + (to - from) * (i + 1) as f64 / n as f64;
            lags.push(f.wall_ms as f64 - ts);
        }
        prev = (f.ingested, newest);
    }
    lags
}

/// The `q` quantile of `values` (0 when empty).
pub fn percentile(values: &[f64], q: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    v[((v.len() - 1) as f64 * q).round() as usize]
}
