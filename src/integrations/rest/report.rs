//! The loop both CI pollers run: a round over the watched releases asks the provider's
//! [`Cycle`] what each looks like, sends only the updates that changed something, reports the
//! rate budget when it moves, and waits as pacing and the rate limit say.

use std::collections::HashMap;

use tokio::sync::{mpsc, watch};

use super::client::RestClient;
use super::error::CiError;
use super::pacing::{Pacing, next_delay_ms, wait};
use quarterdeck_core::gate::Gate;
use quarterdeck_core::pipeline::{CiSource, CiUpdate, Pipeline, Provider, RateLimitState};
use std::future::Future;

/// What one poll cycle found for one release.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// Recent runs, newest first.
    pub runs: Vec<Pipeline>,
    /// Gates waiting on a human.
    pub gates: Vec<Gate>,
}

impl Snapshot {
    /// Something runs or waits on a human: poll fast.
    fn active(&self) -> bool {
        self.runs.iter().any(|r| r.status.is_active()) || !self.gates.is_empty()
    }
}

/// A release a poller watches.
pub trait Watched: Sync {
    /// The release (config name).
    fn release(&self) -> &str;
    /// Its CI project.
    fn source(&self) -> CiSource;
}

/// One provider's part of a poll round.
pub trait Cycle: Send {
    /// What it watches per release.
    type Watch: Watched;

    /// Runs before each round over the releases.
    fn round(&mut self) -> impl Future<Output = ()> + Send {
        async {}
    }

    /// What one release's CI looks like now; `on_screen` when the user is looking at it.
    fn cycle(
        &mut self,
        watch: &Self::Watch,
        on_screen: bool,
    ) -> impl Future<Output = Result<Snapshot, CiError>> + Send;
}

/// Polls `watches` round after round until `tx` closes, sending [`CiUpdate`]s for what
/// changed. A rate-limit pause ends the round early. `focus` names the release on screen; when
/// it changes, the next round starts at once (outside a rate-limit pause).
pub async fn poll_rounds<C: Cycle>(
    rest: &RestClient,
    provider: Provider,
    pacing: Pacing,
    watches: &[C::Watch],
    mut cycle: C,
    mut focus: watch::Receiver<Option<String>>,
    tx: &mpsc::Sender<CiUpdate>,
) {
    let mut reporter = Reporter::default();
    loop {
        cycle.round().await;
        let mut active = false;
        let on_screen = focus.borrow_and_update().clone();
        for watch in watches {
            let looked_at = on_screen.as_deref() == Some(watch.release());
            let result = cycle.cycle(watch, looked_at).await;
            if let Ok(snap) = &result {
                active |= snap.active();
            }
            let updates = reporter.cycle(watch.release(), watch.source(), result);
            if !send_all(tx, updates).await {
                return;
            }
            if paused(rest) {
                break;
            }
        }
        let pause = paused(rest);
        tokio::select! {
            go_on = finish_round(rest, &mut reporter, provider, pacing, active, tx) => {
                if !go_on {
                    return;
                }
            }
            // A dropped sender disables this branch, never a busy loop.
            Ok(()) = focus.changed(), if !pause => {}
        }
    }
}

/// Remembers what was last sent, so an idle poller sends nothing.
#[derive(Debug, Default)]
pub(crate) struct Reporter {
    last: HashMap<String, Snapshot>,
    last_error: HashMap<String, String>,
    last_limits: RateLimitState,
}

impl Reporter {
    /// The updates one release's cycle result calls for: runs and gates when they changed, an
    /// error once until it changes. After an error the next success is sent whole, because
    /// the model clears a source's error only when fresh runs arrive.
    pub(crate) fn cycle(
        &mut self,
        release: &str,
        source: CiSource,
        result: Result<Snapshot, CiError>,
    ) -> Vec<CiUpdate> {
        let mut updates = Vec::new();
        match result {
            Ok(snap) => {
                self.last_error.remove(release);
                let before = self.last.get(release);
                if before.is_none_or(|b| b.runs != snap.runs) {
                    updates.push(CiUpdate::Pipelines {
                        release: release.to_string(),
                        source: source.clone(),
                        runs: snap.runs.clone(),
                    });
                }
                if before.is_none_or(|b| b.gates != snap.gates) {
                    updates.push(CiUpdate::Gates {
                        release: release.to_string(),
                        source,
                        gates: snap.gates.clone(),
                    });
                }
                self.last.insert(release.to_string(), snap);
            }
            Err(e) => {
                self.last.remove(release);
                if self.last_error.get(release) != Some(&e.message) {
                    self.last_error
                        .insert(release.to_string(), e.message.clone());
                    updates.push(CiUpdate::SourceError {
                        source,
                        kind: e.kind,
                        message: e.message,
                    });
                }
            }
        }
        updates
    }

    /// A rate-limit update when the budget moved since the last one sent.
    pub(crate) fn limits(
        &mut self,
        provider: Provider,
        limits: &RateLimitState,
    ) -> Option<CiUpdate> {
        if *limits == self.last_limits {
            return None;
        }
        self.last_limits = limits.clone();
        Some(CiUpdate::RateLimit {
            provider,
            state: limits.clone(),
        })
    }
}

/// Sends `updates` in order; false when the receiver is gone (the poller should stop).
pub(crate) async fn send_all(tx: &mpsc::Sender<CiUpdate>, updates: Vec<CiUpdate>) -> bool {
    for u in updates {
        if tx.send(u).await.is_err() {
            return false;
        }
    }
    true
}

/// Whether the client is inside a rate-limit pause (the rest of a round should wait).
pub(crate) fn paused(rest: &RestClient) -> bool {
    rest.limits()
        .paused_until_ms
        .is_some_and(|u| u > rest.now_ms())
}

/// Ends a round: reports the budget if it moved, then waits as long as pacing and the budget
/// say. False when the receiver is gone.
async fn finish_round(
    rest: &RestClient,
    reporter: &mut Reporter,
    provider: Provider,
    pacing: Pacing,
    active: bool,
    tx: &mpsc::Sender<CiUpdate>,
) -> bool {
    let limits = rest.limits();
    if let Some(update) = reporter.limits(provider, &limits)
        && tx.send(update).await.is_err()
    {
        return false;
    }
    let delay = next_delay_ms(pacing, active, rest.take_spent(), &limits, rest.now_ms());
    wait_turn(rest, delay, tx).await
}

/// Waits `delay_ms`, or while a rate-limit pause is in force, until the client's clock says
/// it ended. False when `tx` closed meanwhile (the caller should stop).
pub async fn wait_turn(rest: &RestClient, delay_ms: u64, tx: &mpsc::Sender<CiUpdate>) -> bool {
    let pause = rest.limits().paused_until_ms.filter(|u| *u > rest.now_ms());
    tokio::select! {
        () = wait(rest.clock(), delay_ms, pause) => true,
        () = tx.closed() => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quarterdeck_core::pipeline::CiErrorKind;

    fn source() -> CiSource {
        CiSource {
            provider: Provider::GitHub,
            project: "acme/orders-api".into(),
        }
    }

    #[test]
    fn only_changes_and_new_errors_are_reported() {
        let mut r = Reporter::default();
        let snap = Snapshot {
            runs: Vec::new(),
            gates: Vec::new(),
        };
        assert_eq!(r.cycle("orders", source(), Ok(snap.clone())).len(), 2);
        assert!(r.cycle("orders", source(), Ok(snap.clone())).is_empty());
        let err = || CiError {
            kind: CiErrorKind::Unavailable,
            message: "GitHub is unreachable".into(),
            paused_until_ms: None,
        };
        assert_eq!(r.cycle("orders", source(), Err(err())).len(), 1);
        assert!(r.cycle("orders", source(), Err(err())).is_empty());
        assert_eq!(
            r.cycle("orders", source(), Ok(snap)).len(),
            2,
            "recovery is reported even when the runs did not change, so the error clears"
        );
        let budget = RateLimitState {
            remaining: Some(10),
            ..RateLimitState::default()
        };
        assert!(r.limits(Provider::GitHub, &budget).is_some());
        assert!(r.limits(Provider::GitHub, &budget).is_none());
    }
}
