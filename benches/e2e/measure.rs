//! One run: the simulator and the app started fresh, then the figures of the issue read from
//! the screen, /proc and the simulator's `/sim/stats`.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::procfs;
use super::pty::Tui;
use super::sim::Sim;

/// A world to measure on.
pub struct World {
    /// Its name in the table.
    pub name: &'static str,
    /// The scenario file; the default world when `None`.
    pub scenario: Option<&'static str>,
    /// Deployments the churn rolls (namespace, name), five at a time; none for no churn.
    pub churn: Vec<(String, String)>,
    /// Releases and pods per release on screen when the full state is there.
    pub full: Option<(usize, usize)>,
}

/// How long each phase lasts.
pub struct Phases {
    /// Watching before any rollout: the cost of following the selected release's logs.
    pub quiet: Duration,
    /// Watching while the world churns.
    pub churn: Duration,
    /// Watching with the clock frozen.
    pub idle: Duration,
    /// Between two batches of five rollouts.
    pub rollout_every: Duration,
}

/// The figures of one run (milliseconds, seconds, counts).
#[derive(Debug, Clone, Default)]
pub struct Figures {
    pub first_frame_ms: Option<f64>,
    pub full_ms: Option<f64>,
    pub quiet_cpu_per_min: f64,
    pub quiet_frames_per_min: f64,
    pub churn_cpu_s: f64,
    pub churn_frames: f64,
    pub peak_rss_mb: f64,
    pub kube_watches: f64,
    pub open_watches: f64,
    pub open_log_streams: f64,
    pub kube_log_follows: f64,
    pub kube_other: f64,
    pub github_per_min: f64,
    pub github_304: Option<f64>,
    pub gitlab_per_min: f64,
    pub gitlab_304: Option<f64>,
    pub idle_frames: f64,
    pub idle_cpu_pct: f64,
    pub idle_github_304: Option<f64>,
    pub idle_gitlab_per_min: f64,
}

/// Runs `bin` with `args` against a fresh simulator of `world`.
pub fn run(bin: &Path, args: &[&str], world: &World, phases: &Phases) -> Figures {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let scenario = world
        .scenario
        .map(|s| Path::new(env!("CARGO_MANIFEST_DIR")).join(s));
    let sim = Sim::start(bin, scenario.as_deref(), dir.path());
    sim.wait_ready(Duration::from_secs(120));
    sim.reset_stats();
    let tui = Tui::spawn(bin, args, &sim.env, dir.path());
    let mut f = Figures {
        first_frame_ms: tui
            .first_frame(Duration::from_secs(60))
            .map(|d| d.as_secs_f64() * 1000.0),
        ..Figures::default()
    };
    assert!(
        f.first_frame_ms.is_some(),
        "no frame within 60 s:\n{}",
        tui.screen()
    );
    if let Some((releases, pods)) = world.full {
        let releases = format!("Releases {releases} ");
        let pods = format!("Pods {pods} ");
        let full = tui.until(Duration::from_secs(120), |s| {
            s.contains(&releases) && s.contains(&pods)
        });
        assert!(
            full.is_some(),
            "the full state never showed:\n{}",
            tui.screen()
        );
        f.full_ms = full.map(|d| d.as_secs_f64() * 1000.0);
    } else {
        // Without a full state to wait for, give the initial lists the same chance to end.
        std::thread::sleep(Duration::from_secs(5));
    }

    let pid = tui.pid();
    // No rollout yet: the selected release's pods only log, so this is what following them
    // costs; the churn's own cost is the churn figure less this one.
    let (cpu_q, frames_q, t_q) = (procfs::cpu(pid), tui.frames(), Instant::now());
    std::thread::sleep(phases.quiet);
    let quiet_min = t_q.elapsed().as_secs_f64() / 60.0;
    f.quiet_cpu_per_min = (procfs::cpu(pid) - cpu_q).as_secs_f64() / quiet_min;
    f.quiet_frames_per_min = (tui.frames() - frames_q) as f64 / quiet_min;
    sim.reset_stats();
    let (cpu0, frames0, t0) = (procfs::cpu(pid), tui.frames(), Instant::now());
    let mut batch = 0;
    while t0.elapsed() < phases.churn {
        let due = phases.rollout_every * batch;
        if !world.churn.is_empty() && t0.elapsed() >= due {
            for i in 0..5 {
                let (ns, name) = &world.churn[(batch as usize * 5 + i) % world.churn.len()];
                let image = format!("registry.example.com/{ns}/{name}:bench-{batch}");
                sim.rollout(ns, name, &image);
            }
            batch += 1;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let minutes = t0.elapsed().as_secs_f64() / 60.0;
    let (cpu1, frames1) = (procfs::cpu(pid), tui.frames());
    let stats = sim.stats();
    f.churn_cpu_s = (cpu1 - cpu0).as_secs_f64();
    f.churn_frames = (frames1 - frames0) as f64;
    f.peak_rss_mb = procfs::peak_rss_mb(pid);
    let kube = |pred: &dyn Fn(&str, &str) -> bool| {
        requests(&stats)
            .filter(|r| r["api"] == "kubernetes")
            .filter(|r| pred(str_of(&r["verb"]), str_of(&r["resource"])))
            .map(|r| r["count"].as_f64().unwrap_or(0.0))
            .fold(0.0, |a, b| a + b)
    };
    f.kube_watches = kube(&|v, _| v == "watch");
    f.open_watches = stats["watches"]["open"].as_f64().unwrap_or(0.0);
    f.open_log_streams = stats["log_streams"]["open"].as_f64().unwrap_or(0.0);
    f.kube_log_follows = kube(&|v, r| v == "get" && r == "pods/log");
    f.kube_other = kube(&|v, r| v != "watch" && !(v == "get" && r == "pods/log"));
    (f.github_per_min, f.github_304) = ci(&stats, "github", minutes);
    (f.gitlab_per_min, f.gitlab_304) = ci(&stats, "gitlab", minutes);

    // Idle: nothing in the world moves once the clock is frozen; let the last events land.
    sim.freeze();
    std::thread::sleep(Duration::from_secs(2));
    sim.reset_stats();
    let (cpu2, frames2, t2) = (procfs::cpu(pid), tui.frames(), Instant::now());
    std::thread::sleep(phases.idle);
    let secs = t2.elapsed().as_secs_f64();
    let (cpu3, frames3) = (procfs::cpu(pid), tui.frames());
    let stats = sim.stats();
    f.idle_frames = (frames3 - frames2) as f64;
    f.idle_cpu_pct = (cpu3 - cpu2).as_secs_f64() / secs * 100.0;
    (_, f.idle_github_304) = ci(&stats, "github", secs / 60.0);
    (f.idle_gitlab_per_min, _) = ci(&stats, "gitlab", secs / 60.0);
    tui.quit();
    f
}

/// CPU seconds and peak RSS of another client (`kdash`) over the same churn, after `warmup`.
pub fn peer(bin: &Path, world: &World, phases: &Phases, warmup: Duration) -> (f64, f64) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let scenario = world
        .scenario
        .map(|s| Path::new(env!("CARGO_MANIFEST_DIR")).join(s));
    let sim = Sim::start(bin_of_sim(), scenario.as_deref(), dir.path());
    sim.wait_ready(Duration::from_secs(120));
    let tui = Tui::spawn(bin, &[], &sim.env, dir.path());
    std::thread::sleep(warmup);
    let pid = tui.pid();
    let (cpu0, t0) = (procfs::cpu(pid), Instant::now());
    let mut batch = 0;
    while t0.elapsed() < phases.churn {
        if !world.churn.is_empty() && t0.elapsed() >= phases.rollout_every * batch {
            for i in 0..5 {
                let (ns, name) = &world.churn[(batch as usize * 5 + i) % world.churn.len()];
                sim.rollout(
                    ns,
                    name,
                    &format!("registry.example.com/{ns}/{name}:peer-{batch}"),
                );
            }
            batch += 1;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let cpu = (procfs::cpu(pid) - cpu0).as_secs_f64();
    let rss = procfs::peak_rss_mb(pid);
    drop(tui);
    (cpu, rss)
}

/// The quarterdeck binary, which serves the simulator for any client.
fn bin_of_sim() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_quarterdeck"))
}

fn requests(stats: &Value) -> impl Iterator<Item = &Value> {
    stats["requests"].as_array().into_iter().flatten()
}

fn str_of(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

/// Requests per minute of a CI provider and the share of them answered 304.
fn ci(stats: &Value, api: &str, minutes: f64) -> (f64, Option<f64>) {
    let t = &stats["totals"][api];
    let n = t["requests"].as_f64().unwrap_or(0.0);
    let not_modified = t["not_modified"].as_f64().unwrap_or(0.0);
    let share = (n > 0.0).then(|| not_modified / n * 100.0);
    (n / minutes.max(1e-9), share)
}
