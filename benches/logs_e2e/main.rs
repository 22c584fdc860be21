//! The log benchmark of issue 12: the real path — the simulator's HTTP log stream, the
//! reader, the sanitiser, the Logs pane's buffer, the frame — at 50,000 lines/s. The binary
//! runs in a pseudo-terminal against `quarterdeck sim` (`assets/scenarios/logs-bench.toml`:
//! one pod), with `QUARTERDECK_FRAME_TRACE` set so every frame records when it was drawn, the
//! newest line timestamp it shows and how many lines the pane took. The clock is frozen (the
//! pod's own logging stops), then `/sim/logs/burst` writes lines stamped with the host's clock
//! at the rate for the window.
//!
//! Figures: lines lost (taken vs written), lines shown per second, lag from a line's timestamp
//! to the first frame showing it (p50, p99; the lines a frame shows first are spread evenly
//! between its newest timestamp and the previous frame's), CPU seconds per 100k lines, peak
//! RSS with 100k lines buffered (the pane's buffer raised to 100k lines for the run through
//! `QUARTERDECK_FRAME_TRACE_LINES`). Median of `--runs N` (3), each on a fresh simulator.
//! Where the lag goes: each line's age as each stage of the path passed it on (the trace's
//! stage records: `read` off the wire, `merged` and handed to the event loop, `drawn`), spread
//! over a record's lines as the lag is; and each line's time from read to shown.
//! `--stages` records them (a record per chunk read costs CPU and lag, so the headline figures
//! come from runs without). `--bin PATH` measures another build (main's, side by side).
//!
//! `nice cargo bench --bench logs_e2e` measures the release build; `--short` is the CI form
//! (one 2 s run): `cargo test --bench logs_e2e -- --short` on the debug build. Figures never
//! fail it; only a broken run does (no frame, no line shown, the simulator not answering).

#![allow(clippy::unwrap_used, clippy::expect_used)]

// Shared with the end-to-end benchmark of issue 13, which uses what this one leaves.
#[allow(dead_code)]
#[path = "../e2e/procfs.rs"]
mod procfs;
#[allow(dead_code)]
#[path = "../e2e/pty.rs"]
mod pty;
#[allow(dead_code)]
#[path = "../e2e/sim.rs"]
mod sim;

mod trace;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::json;

use sim::Sim;
use trace::{Frame, Trace};

/// Lines per second written into the pod.
const RATE: u64 = 50_000;
/// The Logs pane's buffer during the run, in lines.
const BUFFER_LINES: usize = 100_000;
const NAMESPACE: &str = "bench";

struct Options {
    runs: usize,
    stages: bool,
    seconds: u64,
    bin: PathBuf,
}

fn options() -> Options {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let num = |f: &str| {
        args.iter()
            .position(|a| a == f)
            .and_then(|i| args.get(i + 1))
            .map(|v| v.parse::<u64>().expect("a number"))
    };
    let short = args.iter().any(|a| a == "--short");
    Options {
        stages: args.iter().any(|a| a == "--stages"),
        runs: num("--runs").map_or(if short { 1 } else { 3 }, |n| n as usize),
        seconds: num("--seconds").unwrap_or(if short { 2 } else { 10 }),
        bin: args
            .iter()
            .position(|a| a == "--bin")
            .and_then(|i| args.get(i + 1))
            .map_or_else(
                || PathBuf::from(env!("CARGO_BIN_EXE_quarterdeck")),
                PathBuf::from,
            ),
    }
}

/// The figures of one run.
#[derive(Debug, Clone)]
struct Figures {
    written: u64,
    lost: i64,
    shown_per_s: f64,
    lag_p50_ms: f64,
    lag_p99_ms: f64,
    cpu_per_100k_s: f64,
    peak_rss_mb: f64,
    /// Time between two frames during the burst, p50 and p99 (ms).
    frame_gap_ms: (f64, f64),
    /// Read → first frame showing it, p50 and p99 (ms).
    read_to_shown: (f64, f64),
    /// Each stage's age of the newest line it passed on: name, p50, p99 (ms).
    stages: Vec<(String, f64, f64)>,
}

/// Waits for `cond` on the trace, polling every 5 ms; panics with `what` past `timeout`.
fn wait_for(trace: &Trace, timeout: Duration, what: &str, cond: impl Fn(&[Frame]) -> bool) {
    let deadline = Instant::now() + timeout;
    loop {
        if cond(&trace.frames()) {
            return;
        }
        assert!(Instant::now() < deadline, "{what} within {timeout:?}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn run(bin: &Path, seconds: u64, stages: bool) -> Figures {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/scenarios/logs-bench.toml");
    let sim = Sim::start(bin, Some(&scenario), dir.path());
    sim.wait_ready(Duration::from_secs(120));
    let pods = sim.get(&format!("/api/v1/namespaces/{NAMESPACE}/pods"));
    let pod = pods["items"][0]["metadata"]["name"]
        .as_str()
        .expect("the bench pod")
        .to_string();
    let trace_path = dir.path().join("frames");
    let mut env = sim.env.clone();
    env.push((
        "QUARTERDECK_FRAME_TRACE".into(),
        trace_path.display().to_string(),
    ));
    env.push((
        "QUARTERDECK_FRAME_TRACE_LINES".into(),
        BUFFER_LINES.to_string(),
    ));
    if stages {
        env.push(("QUARTERDECK_FRAME_TRACE_STAGES".into(), "1".into()));
    }
    let tui = pty::Tui::spawn(bin, &["-A"], &env, dir.path());
    let trace = Trace::new(trace_path.clone());
    wait_for(&trace, Duration::from_secs(60), "the pod's lines", |f| {
        f.last().is_some_and(|f| f.ingested > 0)
    });
    sim.post("/sim/clock", json!({"frozen": true}));
    // Settled: no line taken for half a second.
    let mut before = trace.ingested();
    loop {
        std::thread::sleep(Duration::from_millis(500));
        let now = trace.ingested();
        if now == before {
            break;
        }
        before = now;
    }
    let written = RATE * seconds;
    let cpu_before = procfs::cpu(tui.pid());
    let start_ms = chrono::Utc::now().timestamp_millis();
    sim.post(
        "/sim/logs/burst",
        json!({"namespace": NAMESPACE, "pod": pod, "tag": "bench", "lines": written,
               "rate": RATE, "wall_clock": true}),
    );
    // Every line taken, or nothing more for two seconds after the burst's end.
    let end = Instant::now() + Duration::from_secs(seconds);
    let mut last = (trace.ingested(), Instant::now());
    loop {
        let now = trace.ingested();
        if now >= before + written {
            break;
        }
        if now != last.0 {
            last = (now, Instant::now());
        } else if Instant::now() > end && last.1.elapsed() > Duration::from_secs(2) {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let cpu = (procfs::cpu(tui.pid()) - cpu_before).as_secs_f64();
    let peak_rss_mb = procfs::peak_rss_mb(tui.pid());
    tui.quit();
    let frames: Vec<Frame> = trace
        .frames()
        .into_iter()
        .filter(|f| f.wall_ms >= start_ms)
        .collect();
    let taken = frames.last().map_or(before, |f| f.ingested) - before;
    assert!(taken > 0, "no burst line was shown");
    let lags = trace::lags(&frames, before, start_ms);
    let gaps: Vec<f64> = frames
        .windows(2)
        .map(|w| (w[1].wall_ms - w[0].wall_ms) as f64)
        .collect();
    let frame_gap_ms = (
        trace::percentile(&gaps, 0.5),
        trace::percentile(&gaps, 0.99),
    );
    let shown = trace::read_to_shown(&trace_path, &frames, before, start_ms);
    let read_to_shown = (
        trace::percentile(&shown, 0.5),
        trace::percentile(&shown, 0.99),
    );
    let stages = trace::stage_ages(&trace_path, &frames, before, start_ms)
        .into_iter()
        .map(|(name, ages)| {
            let (p50, p99) = (
                trace::percentile(&ages, 0.5),
                trace::percentile(&ages, 0.99),
            );
            (name, p50, p99)
        })
        .collect();
    let done_ms = frames
        .iter()
        .find(|f| f.ingested >= before + taken)
        .map_or(start_ms, |f| f.wall_ms);
    Figures {
        written,
        lost: written as i64 - taken as i64,
        shown_per_s: taken as f64 / ((done_ms - start_ms).max(1) as f64 / 1000.0),
        lag_p50_ms: trace::percentile(&lags, 0.50),
        lag_p99_ms: trace::percentile(&lags, 0.99),
        cpu_per_100k_s: cpu / (taken as f64 / 100_000.0),
        peak_rss_mb,
        frame_gap_ms,
        read_to_shown,
        stages,
    }
}

fn median(runs: &[Figures], f: impl Fn(&Figures) -> f64) -> f64 {
    let mut v: Vec<f64> = runs.iter().map(f).collect();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let opts = options();
    let mut runs = Vec::new();
    for i in 0..opts.runs {
        let f = run(&opts.bin, opts.seconds, opts.stages);
        eprintln!("run {}: {f:?}", i + 1);
        runs.push(f);
    }
    let n = runs.len();
    println!(
        "\n{RATE} lines/s for {} s into one pod, median of {n} run(s):\n",
        opts.seconds
    );
    println!("| figure | median | goal |");
    println!("|---|---|---|");
    let row = |name: &str, value: String, goal: &str| println!("| {name} | {value} | {goal} |");
    row(
        "lines lost (of written)",
        format!(
            "{:.0} (of {})",
            median(&runs, |f| f.lost as f64),
            runs[0].written
        ),
        "0",
    );
    row(
        "lines shown per second",
        format!("{:.0}", median(&runs, |f| f.shown_per_s)),
        &format!("{RATE}"),
    );
    row(
        "lag, line timestamp → frame: p50",
        format!("{:.1} ms", median(&runs, |f| f.lag_p50_ms)),
        "–",
    );
    row(
        "lag, line timestamp → frame: p99",
        format!("{:.1} ms", median(&runs, |f| f.lag_p99_ms)),
        "≤ 16 ms",
    );
    row(
        "CPU per 100k lines",
        format!("{:.3} s", median(&runs, |f| f.cpu_per_100k_s)),
        "–",
    );
    row(
        "peak RSS (VmHWM), 100k lines buffered",
        format!("{:.1} MB", median(&runs, |f| f.peak_rss_mb)),
        "≤ 64 MB",
    );
    row(
        "time between frames: p50 / p99",
        format!(
            "{:.1} ms / {:.1} ms",
            median(&runs, |f| f.frame_gap_ms.0),
            median(&runs, |f| f.frame_gap_ms.1)
        ),
        "16 ms",
    );
    if !opts.stages {
        return;
    }
    row(
        "a line read → the frame showing it: p50 / p99",
        format!(
            "{:.1} ms / {:.1} ms",
            median(&runs, |f| f.read_to_shown.0),
            median(&runs, |f| f.read_to_shown.1)
        ),
        "–",
    );
    for (i, (name, _, _)) in runs[0].stages.iter().enumerate() {
        let at = |f: &Figures, p99: bool| {
            f.stages
                .get(i)
                .map_or(f64::NAN, |s| if p99 { s.2 } else { s.1 })
        };
        row(
            &format!("a line's age when {name}: p50 / p99"),
            format!(
                "{:.1} ms / {:.1} ms",
                median(&runs, |f| at(f, false)),
                median(&runs, |f| at(f, true))
            ),
            "–",
        );
    }
}
