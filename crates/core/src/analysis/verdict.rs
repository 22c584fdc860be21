//! Verdicts: each canary signal against its threshold, and the release's one glyph. No data
//! is never a pass; too little traffic to judge is inconclusive.

use super::series::{SeriesKey, Side, Signal};
use super::state::{ReleaseAnalysis, TriggerState, Verdict};

/// Below this canary request rate (req/s) nothing can be judged.
pub const MIN_RATE: f64 = 1.0;
/// Fewer canary points with data than this cannot be judged.
pub const MIN_POINTS: usize = 4;

impl ReleaseAnalysis {
    /// The newest value of a series (`None`: no data).
    pub fn latest(&self, side: Side, signal: Signal) -> Option<f64> {
        self.series
            .get(&SeriesKey { side, signal })
            .and_then(|s| s.points.last())
            .and_then(|p| p.value)
    }

    /// The threshold drawn for a signal: the lowest of the triggers watching it.
    pub fn threshold(&self, signal: Signal) -> Option<f64> {
        self.triggers
            .iter()
            .filter(|t| t.trigger.signal == signal)
            .map(|t| t.trigger.above)
            .reduce(f64::min)
    }

    /// Whether the canary has too little traffic to judge.
    fn too_little_traffic(&self, signal: Signal) -> bool {
        let with_data = self
            .series
            .get(&SeriesKey {
                side: Side::Canary,
                signal,
            })
            .map_or(0, |s| s.points.iter().filter(|p| p.value.is_some()).count());
        with_data < MIN_POINTS
            || self
                .latest(Side::Canary, Signal::RequestRate)
                .is_none_or(|r| r < MIN_RATE)
    }

    /// The canary's verdict on one signal, against its threshold.
    pub fn signal_verdict(&self, signal: Signal) -> Verdict {
        let Some(value) = self.latest(Side::Canary, signal) else {
            return Verdict::NoData;
        };
        if signal != Signal::RequestRate && self.too_little_traffic(signal) {
            return Verdict::Inconclusive;
        }
        match self.threshold(signal) {
            Some(t) if value > t => Verdict::Fail,
            _ => Verdict::Pass,
        }
    }

    /// The release's verdict: a fired trigger fails it; otherwise the worst of the watched
    /// signals (the error ratio when no trigger names any).
    pub fn verdict(&self) -> Verdict {
        if self.canary_hash.is_none() {
            return Verdict::NoData;
        }
        if self
            .triggers
            .iter()
            .any(|t| matches!(t.state, TriggerState::Fired { .. }))
        {
            return Verdict::Fail;
        }
        let mut signals: Vec<Signal> = self.triggers.iter().map(|t| t.trigger.signal).collect();
        if signals.is_empty() {
            signals.push(Signal::ErrorRatio);
        }
        let verdicts: Vec<Verdict> = signals
            .into_iter()
            .map(|s| self.signal_verdict(s))
            .collect();
        [Verdict::Fail, Verdict::NoData, Verdict::Inconclusive]
            .into_iter()
            .find(|v| verdicts.contains(v))
            .unwrap_or(Verdict::Pass)
    }
}
