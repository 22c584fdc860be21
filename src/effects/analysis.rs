//! The analysis side of the effects driver: one poller per watched release, running its
//! series as range queries ending at the Prometheus server's now and answering
//! `Msg::Analysis`. Fast while the release is on screen or under a trigger, slow otherwise,
//! slower after errors and as slow as asked after a 429. A poller is replaced only when its
//! watch changed; one client per Prometheus URL is shared by its pollers. The AnalysisTemplates
//! a watched Rollout names are read through the kube client (`templates`).

mod templates;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

use crate::integrations::prometheus::{Answer, Auth, Data, PromClient, PromError, Range};
use crate::integrations::rest::Pacing;
use quarterdeck_core::Msg;
use quarterdeck_core::analysis::{AnalysisMsg, AnalysisWatch, Point, SeriesQuery};

use self::templates::TemplateReaders;

/// Longest wait between polls after repeated errors, in multiples of the slow interval.
const MAX_BACKOFF_FACTOR: u64 = 4;

/// How Prometheus is reached.
#[derive(Debug, Clone, Default)]
pub struct AnalysisSetup {
    /// Credentials sent to every Prometheus (`PROMETHEUS_TOKEN`, or basic auth).
    pub auth: Option<Auth>,
    /// Polling speeds.
    pub pacing: Pacing,
}

/// Runs the analysis pollers.
pub struct AnalysisDriver {
    setup: AnalysisSetup,
    tx: UnboundedSender<Msg>,
    clients: HashMap<String, Arc<PromClient>>,
    /// Each watch with its poller (`None`: no client could be built; the failure was sent).
    pollers: Vec<(AnalysisWatch, Option<JoinHandle<()>>)>,
    templates: TemplateReaders,
}

impl AnalysisDriver {
    /// A driver that polls nothing until told what to watch, and reads no AnalysisTemplate
    /// until given a kube client.
    pub fn new(setup: AnalysisSetup, tx: UnboundedSender<Msg>) -> Self {
        let retry = Duration::from_millis(setup.pacing.slow_ms);
        Self {
            templates: TemplateReaders::new(None, retry, tx.clone()),
            setup,
            tx,
            clients: HashMap::new(),
            pollers: Vec::new(),
        }
    }

    /// Reads the AnalysisTemplates of watched Rollouts through `client`.
    pub fn with_kube(mut self, client: kube::Client) -> Self {
        self.templates.set_client(client);
        self
    }

    /// Reads templates through `client` from now on (the context changed).
    pub fn set_kube(&mut self, client: kube::Client) {
        self.templates.set_client(client);
    }

    /// Polls exactly `watches`: pollers of unchanged watches keep running, the others stop
    /// or start.
    pub fn watch(&mut self, watches: Vec<AnalysisWatch>) {
        self.templates.watch(&watches);
        let mut old = std::mem::take(&mut self.pollers);
        for w in watches {
            if let Some(i) = old.iter().position(|(o, _)| *o == w) {
                self.pollers.push(old.swap_remove(i));
                continue;
            }
            let task = match self.client(&w.url) {
                Ok(client) => Some(tokio::spawn(poll(
                    client,
                    w.clone(),
                    self.setup.pacing,
                    self.tx.clone(),
                ))),
                Err(e) => {
                    let _ = self.tx.send(Msg::Analysis(AnalysisMsg::Failed {
                        release: w.release.clone(),
                        key: None,
                        message: e.to_string(),
                    }));
                    None
                }
            };
            self.pollers.push((w, task));
        }
        for task in old.into_iter().filter_map(|(_, t)| t) {
            task.abort();
        }
        let used: Vec<&str> = self.pollers.iter().map(|(w, _)| w.url.as_str()).collect();
        self.clients.retain(|url, _| used.contains(&url.as_str()));
    }

    fn client(&mut self, url: &str) -> Result<Arc<PromClient>, PromError> {
        if let Some(c) = self.clients.get(url) {
            return Ok(c.clone());
        }
        let c = Arc::new(PromClient::new(url, self.setup.auth.clone())?);
        self.clients.insert(url.to_string(), c.clone());
        Ok(c)
    }
}

impl Drop for AnalysisDriver {
    fn drop(&mut self) {
        for task in self.pollers.drain(..).filter_map(|(_, t)| t) {
            task.abort();
        }
    }
}

/// Polls one release until aborted or the event loop is gone.
async fn poll(
    client: Arc<PromClient>,
    watch: AnalysisWatch,
    pacing: Pacing,
    tx: UnboundedSender<Msg>,
) {
    let mut failures: u32 = 0;
    loop {
        if !client.knows_time() {
            // The range ends at the server's now, which may be far from ours (a simulated
            // clock, skew): one cheap answer carries its `Date`. Its errors show below.
            let _ = client.query("1", None).await;
        }
        let now_ms = client.now_ms();
        let mut pause_ms = None;
        let mut failed = false;
        for q in &watch.queries {
            let range = range(q, now_ms);
            let msg = match client.query_range(&q.promql, range).await {
                Ok(answer) => {
                    let (points, warnings) = points(answer, range);
                    AnalysisMsg::Series {
                        release: watch.release.clone(),
                        key: q.key,
                        points,
                        // The window's end, not the moment asked: a server whose clock stands
                        // still gives the same answer, and the screen stays still.
                        at_ms: range.end_ms,
                        warnings,
                    }
                }
                Err(e) => {
                    failed = true;
                    if let PromError::RateLimited { retry_after_ms, .. } = &e {
                        pause_ms = Some(*retry_after_ms);
                    }
                    AnalysisMsg::Failed {
                        release: watch.release.clone(),
                        key: Some(q.key),
                        message: e.to_string(),
                    }
                }
            };
            if tx.send(Msg::Analysis(msg)).is_err() {
                return;
            }
            if pause_ms.is_some() {
                break;
            }
        }
        failures = if failed {
            failures.saturating_add(1)
        } else {
            0
        };
        tokio::time::sleep(Duration::from_millis(next_delay_ms(
            pacing,
            watch.urgent,
            failures,
            pause_ms,
        )))
        .await;
    }
}

/// The window of `q` ending at `now_ms`, aligned to its step so that consecutive polls ask
/// for the same sample times.
fn range(q: &SeriesQuery, now_ms: i64) -> Range {
    let step_ms = q.step_ms.max(1);
    let end_ms = now_ms - now_ms.rem_euclid(step_ms);
    Range {
        start_ms: end_ms - q.range_ms.max(0),
        end_ms,
        step_ms,
    }
}

/// The wait before the next poll: a 429's wait wins; errors back off from the fast interval,
/// doubling up to a few slow intervals.
fn next_delay_ms(pacing: Pacing, urgent: bool, failures: u32, pause_ms: Option<u64>) -> u64 {
    let base = if urgent {
        pacing.fast_ms
    } else {
        pacing.slow_ms
    };
    if let Some(pause) = pause_ms {
        return pause.max(base);
    }
    if failures == 0 {
        return base;
    }
    let backoff = pacing
        .fast_ms
        .saturating_mul(1u64 << failures.min(16))
        .min(pacing.slow_ms.saturating_mul(MAX_BACKOFF_FACTOR));
    backoff.max(base)
}

/// One sample per step of `range`, `None` where Prometheus had nothing (it leaves those out),
/// and the answer's warnings. A query meant for one series that returns several is read from
/// the first, with a warning saying so.
fn points(answer: Answer, range: Range) -> (Vec<Point>, Vec<String>) {
    let mut warnings = answer.warnings;
    let samples: Vec<Point> = match answer.data {
        Data::Matrix(series) | Data::Vector(series) => {
            if series.len() > 1 {
                warnings.push(format!(
                    "the query returned {} series; showing the first (aggregate it with sum)",
                    series.len()
                ));
            }
            series
                .into_iter()
                .next()
                .map(|s| s.points)
                .unwrap_or_default()
        }
        Data::Scalar(p) => vec![p],
        Data::String { at_ms, .. } => {
            warnings.push("the query returned a string, not a number".into());
            vec![Point { at_ms, value: None }]
        }
    };
    let mut out = Vec::new();
    let mut at = range.start_ms;
    let mut next = samples.iter().peekable();
    while at <= range.end_ms {
        while next.next_if(|p| p.at_ms < at).is_some() {}
        let value = next.next_if(|p| p.at_ms == at).and_then(|p| p.value);
        out.push(Point { at_ms: at, value });
        at += range.step_ms;
    }
    (out, warnings)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::integrations::prometheus::Series;

    fn p(at_ms: i64, value: Option<f64>) -> Point {
        Point { at_ms, value }
    }

    #[test]
    fn gaps_and_empty_answers_become_no_data_on_every_step() {
        let range = Range {
            start_ms: 0,
            end_ms: 30_000,
            step_ms: 10_000,
        };
        let answer = |data| Answer {
            data,
            warnings: Vec::new(),
            infos: Vec::new(),
        };
        let one = Series {
            metric: Default::default(),
            points: vec![p(0, Some(1.0)), p(20_000, Some(3.0)), p(30_000, None)],
        };
        let (grid, warnings) = points(answer(Data::Matrix(vec![one.clone(), one])), range);
        assert_eq!(
            grid,
            vec![
                p(0, Some(1.0)),
                p(10_000, None),
                p(20_000, Some(3.0)),
                p(30_000, None)
            ]
        );
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        let (grid, warnings) = points(answer(Data::Matrix(Vec::new())), range);
        assert!(grid.iter().all(|p| p.value.is_none()) && grid.len() == 4);
        assert!(warnings.is_empty());
    }

    #[test]
    fn windows_end_on_a_step_and_pacing_backs_off() {
        let q = SeriesQuery {
            key: quarterdeck_core::analysis::SeriesKey {
                side: quarterdeck_core::analysis::Side::Canary,
                signal: quarterdeck_core::analysis::Signal::P95,
            },
            promql: "x".into(),
            range_ms: 60_000,
            step_ms: 15_000,
        };
        assert_eq!(
            range(&q, 1_000_007_000),
            Range {
                start_ms: 999_945_000,
                end_ms: 1_000_005_000,
                step_ms: 15_000
            }
        );
        let pace = Pacing {
            fast_ms: 1_000,
            slow_ms: 10_000,
        };
        assert_eq!(next_delay_ms(pace, true, 0, None), 1_000);
        assert_eq!(next_delay_ms(pace, false, 0, None), 10_000);
        assert_eq!(next_delay_ms(pace, true, 2, None), 4_000);
        assert_eq!(next_delay_ms(pace, true, 30, None), 40_000);
        assert_eq!(next_delay_ms(pace, true, 1, Some(7_000)), 7_000);
    }
}
