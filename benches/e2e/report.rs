//! The markdown table: each figure (median of the runs) beside its goal from issue 13.

use std::time::Duration;

use super::measure::Figures;

/// What the table's heading says about the measurement.
pub struct Context {
    pub profile: String,
    pub runs: usize,
    pub churn: Duration,
    pub idle: Duration,
    /// 1-minute load average before and after.
    pub load: (String, String),
    /// kdash's CPU seconds and peak RSS over the same churn, when it is installed.
    pub peer: Option<(f64, f64)>,
}

/// kdash 2.1.1's CPU over 60 s of the churning scale world, as measured in issue 13.
const ISSUE_KDASH_CPU_S: f64 = 3.62;

/// `/proc/loadavg`'s three averages.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    v.retain(|x| x.is_finite());
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(v[v.len() / 2])
}

/// The table, one column per world.
pub fn table(ctx: &Context, columns: &[(&str, Vec<Figures>)]) -> String {
    let churn = ctx.churn.as_secs();
    let idle = ctx.idle.as_secs();
    let med = |runs: &[Figures], get: &dyn Fn(&Figures) -> Option<f64>| {
        median(runs.iter().filter_map(get).collect())
    };
    let fmt = |v: Option<f64>, unit: &str, digits: usize| {
        v.map_or("–".to_string(), |v| format!("{v:.digits$}{unit}"))
    };
    let peer_goal = match ctx.peer {
        Some((cpu, _)) => format!("≤ 1/5 of kdash's {cpu:.2} s = {:.2} s", cpu / 5.0),
        None => format!(
            "≤ 1/5 of a polling peer's (kdash {ISSUE_KDASH_CPU_S} s per 60 s in the issue: ≤ {:.2} s per 60 s)",
            ISSUE_KDASH_CPU_S / 5.0
        ),
    };
    type Row<'a> = (String, Box<dyn Fn(&[Figures]) -> String + 'a>, String);
    let rows: Vec<Row> = vec![
        (
            "time to first frame".into(),
            Box::new(|r: &[Figures]| fmt(med(r, &|f| f.first_frame_ms), " ms", 0)),
            "≤ 50 ms".into(),
        ),
        (
            "full state on screen (every release, pods counted)".into(),
            Box::new(|r: &[Figures]| fmt(med(r, &|f| f.full_ms), " ms", 0)),
            "≤ 1 s at 5,000 pods".into(),
        ),
        (
            "CPU per 60 s before the churn: following the selected release's logs".into(),
            Box::new(|r: &[Figures]| fmt(med(r, &|f| Some(f.quiet_cpu_per_min)), " s", 2)),
            "–".into(),
        ),
        (
            "frames per 60 s before the churn".into(),
            Box::new(|r: &[Figures]| fmt(med(r, &|f| Some(f.quiet_frames_per_min)), "", 0)),
            "–".into(),
        ),
        (
            format!("CPU over {churn} s of churn (5 rollouts per batch)"),
            Box::new(|r: &[Figures]| fmt(med(r, &|f| Some(f.churn_cpu_s)), " s", 2)),
            peer_goal,
        ),
        (
            format!("frames over {churn} s of churn"),
            Box::new(|r: &[Figures]| fmt(med(r, &|f| Some(f.churn_frames)), "", 0)),
            "at most one per change, ≤ 60/s".into(),
        ),
        (
            "peak RSS (VmHWM)".into(),
            Box::new(|r: &[Figures]| fmt(med(r, &|f| Some(f.peak_rss_mb)), " MB", 0)),
            "≤ 100 MB at 5,000 pods".into(),
        ),
        (
            "open at the end: watches, log follows".into(),
            Box::new(|r: &[Figures]| {
                format!(
                    "{}, {}",
                    fmt(med(r, &|f| Some(f.open_watches)), "", 0),
                    fmt(med(r, &|f| Some(f.open_log_streams)), "", 0)
                )
            }),
            "–".into(),
        ),
        (
            "cluster requests after the initial lists: not watches (watches, log follows)".into(),
            Box::new(|r: &[Figures]| {
                format!(
                    "{} ({}, {})",
                    fmt(med(r, &|f| Some(f.kube_other)), "", 0),
                    fmt(med(r, &|f| Some(f.kube_watches)), "", 0),
                    fmt(med(r, &|f| Some(f.kube_log_follows)), "", 0)
                )
            }),
            "0: watches only".into(),
        ),
        (
            "GitHub requests per minute (304 share)".into(),
            Box::new(|r: &[Figures]| {
                format!(
                    "{} ({})",
                    fmt(med(r, &|f| Some(f.github_per_min)), "", 1),
                    fmt(med(r, &|f| f.github_304), "%", 0)
                )
            }),
            "≤ 500/h at 20 linked projects".into(),
        ),
        (
            "GitLab requests per minute (304 share)".into(),
            Box::new(|r: &[Figures]| {
                format!(
                    "{} ({})",
                    fmt(med(r, &|f| Some(f.gitlab_per_min)), "", 1),
                    fmt(med(r, &|f| f.gitlab_304), "%", 0)
                )
            }),
            "≤ 200/min at 20 linked projects".into(),
        ),
        (
            format!("idle {idle} s: frames"),
            Box::new(|r: &[Figures]| fmt(med(r, &|f| Some(f.idle_frames)), "", 0)),
            "0".into(),
        ),
        (
            format!("idle {idle} s: CPU"),
            Box::new(|r: &[Figures]| fmt(med(r, &|f| Some(f.idle_cpu_pct)), "%", 2)),
            "~0%".into(),
        ),
        (
            "idle: GitHub 304 share".into(),
            Box::new(|r: &[Figures]| fmt(med(r, &|f| f.idle_github_304), "%", 0)),
            "≥ 95%".into(),
        ),
        (
            "idle: GitLab requests per minute".into(),
            Box::new(|r: &[Figures]| fmt(med(r, &|f| Some(f.idle_gitlab_per_min)), "", 1)),
            "≤ 200/min at 20 linked projects".into(),
        ),
    ];
    let mut out = format!(
        "Quarterdeck end to end ({}, median of {} run{}, {churn} s churn, {idle} s idle; \
         load average before {}, after {})\n\n| figure |",
        ctx.profile,
        ctx.runs,
        if ctx.runs == 1 { "" } else { "s" },
        ctx.load.0,
        ctx.load.1,
    );
    for (name, _) in columns {
        out.push_str(&format!(" {name} |"));
    }
    out.push_str(" goal |\n|---|");
    for _ in columns {
        out.push_str("---|");
    }
    out.push_str("---|\n");
    for (name, value, goal) in &rows {
        out.push_str(&format!("| {name} |"));
        for (_, runs) in columns {
            out.push_str(&format!(" {} |", value(runs)));
        }
        out.push_str(&format!(" {goal} |\n"));
    }
    if let (Some((cpu, rss)), Some((_, runs))) = (ctx.peer, columns.first()) {
        let ours = med(runs, &|f| Some(f.churn_cpu_s)).unwrap_or(f64::NAN);
        out.push_str(&format!(
            "\nkdash on the same world and churn: {cpu:.2} CPU-s, peak RSS {rss:.0} MB; \
             Quarterdeck / kdash CPU = {:.2} (goal ≤ 0.20)\n",
            ours / cpu
        ));
    }
    out
}
