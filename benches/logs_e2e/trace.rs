//! The app's frame trace (`QUARTERDECK_FRAME_TRACE`): one `frame WALL_MS NEWEST_MS INGESTED`
//! line per frame drawn, read while the app runs; the log path's stage records beside it
//! (`FILE.stages`); and the lag figures drawn from them.

use std::path::{Path, PathBuf};

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
    let mut taken = before;
    let passed = frames.iter().filter_map(|f| {
        let newest = f.newest_ms?;
        let n = f.ingested.saturating_sub(taken);
        taken = taken.max(f.ingested);
        Some((f.wall_ms as f64, newest, n))
    });
    spread(passed, start_ms)
}

/// The age of each line as a stage passed it on, in ms, given for each time it did (when, in
/// ms; the newest line timestamp; how many lines): the lines are spread evenly between the
/// newest timestamp passed before (or `start_ms`) and this one.
fn spread(passed: impl Iterator<Item = (f64, i64, u64)>, start_ms: i64) -> Vec<f64> {
    let mut ages = Vec::new();
    let mut prev = start_ms;
    for (wall, newest, n) in passed {
        if n == 0 {
            continue;
        }
        let (from, to) = (prev.min(newest) as f64, newest as f64);
        for i in 0..n {
            let ts = from + (to - from) * (i + 1) as f64 / n as f64;
            ages.push(wall - ts);
        }
        prev = newest;
    }
    ages
}

/// Each line's age as each stage of the log path passed it on, in ms, for the lines passed on
/// from `start_ms` on, by stage in the order of the path, the frames last (stage `drawn`).
pub fn stage_ages(
    trace: &Path,
    frames: &[Frame],
    before: u64,
    start_ms: i64,
) -> Vec<(String, Vec<f64>)> {
    let mut path = trace.as_os_str().to_owned();
    path.push(".stages");
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut by_stage: Vec<(String, Vec<(f64, i64, u64)>)> = Vec::new();
    for line in text.lines() {
        let mut it = line.split(' ').skip(1);
        let (Some(name), Some(wall), Some(newest), Some(n)) =
            (it.next(), it.next(), it.next(), it.next())
        else {
            continue;
        };
        let (Ok(wall_us), Ok(newest_ms), Ok(n)) =
            (wall.parse::<i64>(), newest.parse::<i64>(), n.parse::<u64>())
        else {
            continue;
        };
        if wall_us / 1000 < start_ms {
            continue;
        }
        let record = (wall_us as f64 / 1000.0, newest_ms, n);
        match by_stage.iter_mut().find(|(s, _)| s == name) {
            Some((_, records)) => records.push(record),
            None => by_stage.push((name.to_string(), vec![record])),
        }
    }
    let mut ages: Vec<(String, Vec<f64>)> = by_stage
        .into_iter()
        .map(|(name, records)| (name, spread(records.into_iter(), start_ms)))
        .collect();
    ages.push(("drawn".to_string(), lags(frames, before, start_ms)));
    ages
}

/// For each line of the burst (one pod: its lines arrive in order), the time from the stage
/// `read` passing it on to the first frame showing it, in ms.
pub fn read_to_shown(trace: &Path, frames: &[Frame], before: u64, start_ms: i64) -> Vec<f64> {
    let mut path = trace.as_os_str().to_owned();
    path.push(".stages");
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let frames: Vec<&Frame> = frames.iter().filter(|f| f.ingested > before).collect();
    let mut out = Vec::new();
    let (mut line, mut frame) = (before, 0);
    for record in text.lines() {
        let Some(rest) = record.strip_prefix("stage read ") else {
            continue;
        };
        let mut it = rest.split(' ');
        let (Some(Ok(wall_us)), Some(Ok(n))) = (
            it.next().map(str::parse::<i64>),
            it.nth(1).map(str::parse::<u64>),
        ) else {
            continue;
        };
        if wall_us / 1000 < start_ms {
            continue;
        }
        for _ in 0..n {
            line += 1;
            while frames.get(frame).is_some_and(|f| f.ingested < line) {
                frame += 1;
            }
            let Some(shown) = frames.get(frame) else {
                return out;
            };
            out.push(shown.wall_ms as f64 - wall_us as f64 / 1000.0);
        }
    }
    out
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
