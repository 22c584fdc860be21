//! The metric series of pods, as a relabelled `kubernetes-pods` scrape (and the kubelet's
//! prober metrics) would store them. Nothing is stored per scrape: each container keeps a short
//! history of segments (what it was doing, and the version's behaviour, from when), and a
//! counter's value at any time is the closed-form integral of a piecewise-constant rate times a
//! smooth seeded wobble over the segments of the instance alive then.

use std::collections::{BTreeMap, VecDeque};
use std::f64::consts::TAU;

use serde_json::Value as Json;

use super::latency;
use crate::controllers::pod::{CState, PodSim};
use crate::rng::mix;

/// Label names to values, `__name__` included.
pub(crate) type Labels = BTreeMap<String, String>;

/// How often the simulated Prometheus scrapes a target.
pub(crate) const SCRAPE_MS: i64 = 15_000;
/// How often the kubelet probes a running container.
const PROBE_MS: f64 = 10_000.0;
/// Segments kept per container; older ones fold into the probe totals.
const MAX_SEGMENTS: usize = 64;

/// The share of each method among requests (as `loggen` picks them).
const METHODS: [(&str, f64); 4] = [
    ("GET", 0.5),
    ("POST", 1.0 / 6.0),
    ("PUT", 1.0 / 6.0),
    ("DELETE", 1.0 / 6.0),
];
/// Status codes a request can get.
const CODES: [u16; 6] = [200, 404, 500, 502, 503, 504];

/// What a container was doing during a segment.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    /// Not running (pulling, pull back-off).
    Down,
    /// Running in a Ready pod: serving traffic, probes pass.
    Serving,
    /// Running but not serving: readiness probes fail.
    Unready,
    /// Crashed (or OOM-killed) and backing off: the failed liveness probe that killed it.
    Crashed,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Seg {
    from_ms: i64,
    instance: u32,
    phase: Phase,
    error_rate: f64,
    latency_ms: f64,
}

/// Probe totals of segments dropped from the history.
#[derive(Debug, Clone, Copy, Default)]
struct Folded {
    ready_ok_ms: f64,
    ready_failed_ms: f64,
    live_ok_ms: f64,
    crashes: f64,
}

/// One container's history.
#[derive(Debug, Clone, Default)]
pub(crate) struct Track {
    segs: VecDeque<Seg>,
    folded: Folded,
}

/// The metric state of one pod: its relabelled pod labels and one history per container.
#[derive(Debug, Clone, Default)]
pub(crate) struct PodMetrics {
    labels: Vec<(String, String)>,
    tracks: Vec<Track>,
}

impl PodMetrics {
    /// The metric state of a new pod object.
    pub(crate) fn new(pod: &Json) -> Self {
        let labels = pod["metadata"]["labels"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (sanitize(k), v.as_str().unwrap_or_default().to_string()))
                    .collect()
            })
            .unwrap_or_default();
        let n = pod["spec"]["containers"].as_array().map_or(0, Vec::len);
        Self {
            labels,
            tracks: vec![Track::default(); n],
        }
    }
}

/// What `labelmap` does to a Kubernetes label name.
fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Records what each container of `sim` does from `now` on; cheap when nothing changed.
pub(crate) fn observe(sim: &mut PodSim, now: i64) {
    let serving = sim.ready() && sim.active();
    for (c, track) in sim.containers.iter().zip(sim.metrics.tracks.iter_mut()) {
        let phase = match c.state {
            CState::Running { .. } if serving => Phase::Serving,
            CState::Running { .. } => Phase::Unready,
            CState::BackOff { .. } => Phase::Crashed,
            _ => Phase::Down,
        };
        let last = track.segs.back().copied();
        if last.is_none() && phase == Phase::Down {
            continue;
        }
        let seg = Seg {
            from_ms: now,
            instance: c.restarts,
            phase,
            error_rate: c.behaviour.error_rate.clamp(0.0, 1.0),
            latency_ms: c.behaviour.latency_ms.max(0.0),
        };
        let same = last.is_some_and(|l| Seg { from_ms: now, ..l } == seg);
        if same {
            continue;
        }
        track.segs.push_back(seg);
        if track.segs.len() > MAX_SEGMENTS {
            fold_oldest(track);
        }
    }
}

fn fold_oldest(track: &mut Track) {
    let Some(old) = track.segs.pop_front() else {
        return;
    };
    let end = track.segs.front().map_or(old.from_ms, |s| s.from_ms);
    let ms = (end - old.from_ms) as f64;
    let f = &mut track.folded;
    match old.phase {
        Phase::Serving => {
            f.ready_ok_ms += ms;
            f.live_ok_ms += ms;
        }
        Phase::Unready => {
            f.ready_failed_ms += ms;
            f.live_ok_ms += ms;
        }
        Phase::Crashed => f.crashes += 1.0,
        Phase::Down => {}
    }
}

/// One series a container exposes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Variant {
    /// `http_requests_total{method, code}`.
    Requests { method: usize, code: u16 },
    /// `http_request_duration_seconds_bucket{le}`; index into the buckets, `BUCKETS.len()` = +Inf.
    Bucket(usize),
    /// `http_request_duration_seconds_sum`.
    Sum,
    /// `http_request_duration_seconds_count`.
    Count,
    /// `prober_probe_total{probe_type, result}`.
    Probe { readiness: bool, ok: bool },
}

/// Every metric name, with its variants.
fn families() -> Vec<(&'static str, Vec<Variant>)> {
    let requests = (0..METHODS.len())
        .flat_map(|method| {
            CODES
                .iter()
                .map(move |&code| Variant::Requests { method, code })
        })
        .collect();
    let buckets = (0..=latency::BUCKETS.len()).map(Variant::Bucket).collect();
    let probes = [(true, true), (true, false), (false, true), (false, false)]
        .into_iter()
        .map(|(readiness, ok)| Variant::Probe { readiness, ok })
        .collect();
    vec![
        ("http_requests_total", requests),
        ("http_request_duration_seconds_bucket", buckets),
        ("http_request_duration_seconds_sum", vec![Variant::Sum]),
        ("http_request_duration_seconds_count", vec![Variant::Count]),
        ("prober_probe_total", probes),
    ]
}

/// A series found by a selector: which container, which variant, its labels.
pub(crate) struct SeriesRef<'w> {
    pod: &'w PodSim,
    ctr: usize,
    variant: Variant,
    /// Its labels.
    pub(crate) labels: Labels,
}

/// Every series whose labels pass `keep`, over the pods of the world.
pub(crate) fn find<'w>(
    pods: impl Iterator<Item = (&'w (String, String), &'w PodSim)>,
    name: Option<&str>,
    keep: &dyn Fn(&Labels) -> bool,
) -> Vec<SeriesRef<'w>> {
    let fams: Vec<_> = families()
        .into_iter()
        .filter(|(n, _)| name.is_none_or(|want| want == *n))
        .collect();
    let mut out = Vec::new();
    if fams.is_empty() {
        return out;
    }
    for ((ns, pod_name), pod) in pods {
        for (ctr, c) in pod.containers.iter().enumerate() {
            if pod
                .metrics
                .tracks
                .get(ctr)
                .is_none_or(|t| t.segs.is_empty())
            {
                continue;
            }
            let mut base = Labels::new();
            base.insert("namespace".into(), ns.clone());
            base.insert("pod".into(), pod_name.clone());
            base.insert("container".into(), c.name.clone());
            for (fam, variants) in &fams {
                let mut common = base.clone();
                if *fam == "prober_probe_total" {
                    common.insert("job".into(), "kubelet".into());
                } else {
                    for (k, v) in &pod.metrics.labels {
                        common.entry(k.clone()).or_insert_with(|| v.clone());
                    }
                    common.insert("job".into(), "kubernetes-pods".into());
                }
                common.insert("__name__".into(), (*fam).to_string());
                for &variant in variants {
                    let mut labels = common.clone();
                    add_variant_labels(&mut labels, variant);
                    if keep(&labels) {
                        out.push(SeriesRef {
                            pod,
                            ctr,
                            variant,
                            labels,
                        });
                    }
                }
            }
        }
    }
    out
}

fn add_variant_labels(labels: &mut Labels, variant: Variant) {
    match variant {
        Variant::Requests { method, code } => {
            let m = METHODS.get(method).map_or("GET", |m| m.0);
            let code = if code == 200 && m == "POST" {
                201
            } else {
                code
            };
            labels.insert("method".into(), m.into());
            labels.insert("code".into(), code.to_string());
        }
        Variant::Bucket(i) => {
            let le = latency::BUCKETS
                .get(i)
                .map_or_else(|| "+Inf".to_string(), |b| b.to_string());
            labels.insert("le".into(), le);
        }
        Variant::Sum | Variant::Count => {}
        Variant::Probe { readiness, ok } => {
            let kind = if readiness { "Readiness" } else { "Liveness" };
            labels.insert("probe_type".into(), kind.into());
            let result = if ok { "successful" } else { "failed" };
            labels.insert("result".into(), result.into());
        }
    }
}

impl SeriesRef<'_> {
    /// The scraped samples in `(from_ms, to_ms]`, never past `now_ms`.
    pub(crate) fn samples(&self, from_ms: i64, to_ms: i64, now_ms: i64) -> Vec<(i64, f64)> {
        let Some(track) = self.pod.metrics.tracks.get(self.ctr) else {
            return Vec::new();
        };
        let Some(first) = track.segs.front() else {
            return Vec::new();
        };
        let seed = mix(self.pod.seed ^ self.ctr as u64);
        let offset = (seed % SCRAPE_MS as u64) as i64;
        let lo = from_ms.max(first.from_ms - 1);
        let hi = to_ms.min(now_ms);
        // The first scrape strictly after `lo`.
        let mut t = (lo - offset).div_euclid(SCRAPE_MS) * SCRAPE_MS + offset;
        if t <= lo {
            t += SCRAPE_MS;
        }
        let mut out = Vec::new();
        while t <= hi {
            if let Some(v) = value(track, seed, self.variant, t) {
                out.push((t, v));
            }
            t += SCRAPE_MS;
        }
        out
    }
}

/// Requests per second, before the wobble, for a container.
fn base_rate(seed: u64) -> f64 {
    10.0 + (seed % 1000) as f64 / 100.0
}

/// The integral of the wobbled rate (requests) over `[a_ms, b_ms]`.
fn requests_between(seed: u64, a_ms: i64, b_ms: i64) -> f64 {
    // Two slow sines with seeded phases: sparklines move, the same seed gives the same numbers.
    let (w1, w2) = (TAU / 300.0, TAU / 47.0);
    let p1 = (seed >> 16) as f64 % TAU;
    let p2 = (seed >> 32) as f64 % TAU;
    let f = |ms: i64| {
        let t = ms as f64 / 1000.0;
        t - 0.12 / w1 * (w1 * t + p1).cos() - 0.05 / w2 * (w2 * t + p2).cos()
    };
    base_rate(seed) * (f(b_ms) - f(a_ms)).max(0.0)
}

/// A series' value at `t`, `None` before the container first ran.
fn value(track: &Track, seed: u64, variant: Variant, t: i64) -> Option<f64> {
    let idx = track.segs.iter().rposition(|s| s.from_ms <= t)?;
    let end_of = |i: usize| track.segs.get(i + 1).map_or(t, |n| n.from_ms.min(t));
    if let Variant::Probe { readiness, ok } = variant {
        let f = track.folded;
        let (mut r_ok, mut r_failed, mut l_ok, mut crashes) =
            (f.ready_ok_ms, f.ready_failed_ms, f.live_ok_ms, f.crashes);
        for (i, s) in track.segs.iter().enumerate().take(idx + 1) {
            let ms = (end_of(i) - s.from_ms) as f64;
            match s.phase {
                Phase::Serving => {
                    r_ok += ms;
                    l_ok += ms;
                }
                Phase::Unready => {
                    r_failed += ms;
                    l_ok += ms;
                }
                Phase::Crashed => crashes += 1.0,
                Phase::Down => {}
            }
        }
        let n = match (readiness, ok) {
            (true, true) => r_ok / PROBE_MS,
            (true, false) => r_failed / PROBE_MS,
            (false, true) => l_ok / PROBE_MS,
            (false, false) => crashes,
        };
        return Some(n.floor());
    }
    // HTTP counters restart with the container: only the instance alive at `t` counts.
    let instance = track.segs.get(idx)?.instance;
    let mut total = 0.0;
    for (i, s) in track.segs.iter().enumerate().take(idx + 1) {
        if s.instance != instance || s.phase != Phase::Serving {
            continue;
        }
        let n = requests_between(seed, s.from_ms, end_of(i));
        let e = s.error_rate;
        total += match variant {
            Variant::Requests { method, code } => {
                let m = METHODS.get(method).map_or(0.0, |m| m.1);
                let c = match code {
                    200 => (1.0 - e) * 0.97,
                    404 => (1.0 - e) * 0.03,
                    _ => e / 4.0,
                };
                n * m * c
            }
            Variant::Bucket(b) => {
                let le = latency::BUCKETS.get(b).copied().unwrap_or(f64::INFINITY);
                n * latency::share_below(le, e, s.latency_ms)
            }
            Variant::Sum => n * latency::mean_s(e, s.latency_ms),
            Variant::Count | Variant::Probe { .. } => n,
        };
    }
    Some(if variant == Variant::Sum {
        total
    } else {
        total.floor()
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::prometheus::functions::extrapolated_rate;

    fn seg(from_s: i64, instance: u32, phase: Phase) -> Seg {
        Seg {
            from_ms: from_s * 1000,
            instance,
            phase,
            error_rate: 0.1,
            latency_ms: 20.0,
        }
    }

    fn track(segs: &[Seg]) -> Track {
        Track {
            segs: segs.iter().copied().collect(),
            folded: Folded::default(),
        }
    }

    const COUNT: Variant = Variant::Count;

    #[test]
    fn counters_reset_when_the_container_restarts_and_rate_copes() {
        let t = track(&[
            seg(0, 0, Phase::Serving),
            seg(600, 0, Phase::Crashed),
            seg(610, 1, Phase::Serving),
        ]);
        let at = |s: i64| value(&t, 5, COUNT, s * 1000).unwrap();
        assert!(at(300) > 0.0 && at(599) > at(300));
        // Nothing served while crashed; the new instance starts from zero.
        assert_eq!(at(605), at(600));
        assert!(at(620) < at(599));
        assert!(value(&t, 5, COUNT, -1).is_none());
        let points: Vec<(i64, f64)> = (36..46).map(|k| (k * 15_000, at(k * 15))).collect();
        let rate = extrapolated_rate(&points, 540_000, 690_000, true).unwrap();
        let base = base_rate(5);
        // A dip for the ten seconds down, never the drop to zero read as negative.
        assert!(rate > 0.6 * base && rate < 1.3 * base, "{rate} vs {base}");
    }

    #[test]
    fn errors_follow_the_behaviour_of_each_segment() {
        let mut bad = seg(300, 0, Phase::Serving);
        bad.error_rate = 0.5;
        let t = track(&[seg(0, 0, Phase::Serving), bad]);
        let errors = |s: i64| {
            (0..METHODS.len())
                .map(|method| {
                    value(&t, 9, Variant::Requests { method, code: 500 }, s * 1000).unwrap()
                })
                .sum::<f64>()
        };
        let total = |s: i64| value(&t, 9, COUNT, s * 1000).unwrap();
        let before = (errors(300) - errors(0)) / (total(300) - total(0));
        let after = (errors(600) - errors(300)) / (total(600) - total(300));
        // One code of four: 2.5% before, 12.5% after.
        assert!((before - 0.025).abs() < 0.005, "{before}");
        assert!((after - 0.125).abs() < 0.005, "{after}");
    }

    #[test]
    fn crash_loops_and_failing_readiness_show_as_failed_probes() {
        let t = track(&[
            seg(0, 0, Phase::Unready),
            seg(5, 0, Phase::Crashed),
            seg(15, 1, Phase::Unready),
            seg(20, 1, Phase::Crashed),
            seg(40, 2, Phase::Unready),
        ]);
        let probe =
            |readiness, ok| value(&t, 1, Variant::Probe { readiness, ok }, 100_000).unwrap();
        assert_eq!(probe(false, false), 2.0);
        assert_eq!(probe(true, true), 0.0);
        // 5 + 5 + 60 seconds unready, probed every 10 s.
        assert_eq!(probe(true, false), 7.0);
        assert_eq!(value(&t, 1, COUNT, 100_000), Some(0.0));
    }

    #[test]
    fn folding_old_segments_keeps_the_probe_totals() {
        let segs: Vec<Seg> = (0..100)
            .map(|i| {
                seg(
                    i * 60,
                    i as u32,
                    if i % 2 == 0 {
                        Phase::Serving
                    } else {
                        Phase::Crashed
                    },
                )
            })
            .collect();
        let mut t = track(&segs);
        let at = |t: &Track| {
            value(
                t,
                1,
                Variant::Probe {
                    readiness: false,
                    ok: false,
                },
                10_000_000,
            )
            .unwrap()
        };
        let before = at(&t);
        while t.segs.len() > MAX_SEGMENTS {
            fold_oldest(&mut t);
        }
        assert_eq!(at(&t), before);
        assert_eq!(before, 50.0);
    }
}
