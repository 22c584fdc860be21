//! The drill on screen: the demo's dashboard with a drill bar. A task beside the event loop
//! follows the simulated clock, injects the incidents at their moments, judges the operator's
//! looks (reported by the core as `Effect::DrillLook`) and journaled actions, sends the bar
//! as `Msg::Drill` and, at the end, the scorecard.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use quarterdeck_core::Msg;
use quarterdeck_core::drill::{DrillBar, LookKind};
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};
use tokio::sync::oneshot;

use super::definition::{Drill, Look};
use super::judge::Observation;
use super::runner::Run;
use super::world::World;
use crate::config::state_dir;

/// How often the drill reads the world and redraws its bar (wall time).
const EVERY: Duration = Duration::from_millis(250);

/// What the dashboard hands the drill: its message sender, and the driver's looks.
#[derive(Clone)]
pub struct Hook {
    messages: Arc<Mutex<Option<oneshot::Sender<UnboundedSender<Msg>>>>>,
    looks: UnboundedSender<(String, LookKind)>,
}

impl std::fmt::Debug for Hook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("drill::Hook")
    }
}

/// Hands the drill (if any) the event loop's message sender; answers where the driver sends
/// the operator's looks.
pub fn attach(
    hook: Option<&Hook>,
    messages: UnboundedSender<Msg>,
) -> Option<UnboundedSender<(String, LookKind)>> {
    let hook = hook?;
    if let Some(give) = hook.messages.lock().ok().and_then(|mut m| m.take()) {
        let _ = give.send(messages);
    }
    Some(hook.looks.clone())
}

/// A drill waiting for its dashboard.
pub struct Session {
    drill: Drill,
    seed: u64,
    hints: bool,
    report: Option<PathBuf>,
    world: World,
    messages: oneshot::Receiver<UnboundedSender<Msg>>,
    looks: UnboundedReceiver<(String, LookKind)>,
}

impl Session {
    /// The drill and the hook to put into the dashboard's options.
    pub fn new(
        drill: Drill,
        seed: u64,
        hints: bool,
        report: Option<PathBuf>,
        world: World,
    ) -> (Hook, Self) {
        let (give, messages) = oneshot::channel();
        let (looks_tx, looks) = mpsc::unbounded_channel();
        let hook = Hook {
            messages: Arc::new(Mutex::new(Some(give))),
            looks: looks_tx,
        };
        (
            hook,
            Self {
                drill,
                seed,
                hints,
                report,
                world,
                messages,
                looks,
            },
        )
    }

    /// Runs the drill beside the dashboard until it is over.
    pub fn spawn(self) {
        tokio::spawn(async move {
            if let Err(e) = self.run().await {
                tracing::warn!(error = %e, "the drill stopped");
            }
        });
    }

    async fn run(mut self) -> Result<(), String> {
        let Ok(tx) = self.messages.await else {
            return Ok(());
        };
        let start = self.world.now_ms().await?;
        let journal = state_dir().map(|d| d.join(crate::control::journal::FILE));
        let mut run = Run::new(
            self.drill.clone(),
            self.seed,
            "user",
            self.world.clone(),
            journal,
        );
        let mut current: Option<Observation> = None;
        let mut ticks = tokio::time::interval(EVERY);
        loop {
            ticks.tick().await;
            let now = self.world.now_ms().await?;
            let t = u64::try_from(now - start).unwrap_or(0);
            run.inject(t).await?;
            while let Ok((release, how)) = self.looks.try_recv() {
                let how = match how {
                    LookKind::Selected => Look::Selected,
                    LookKind::Logs => Look::Logs,
                    LookKind::Analysis => Look::Analysis,
                };
                current = Some(Observation { release, how });
            }
            // What is on screen now counts, even if it was opened before the trouble began.
            run.observe(t, current.as_slice());
            run.read_journal(t);
            if let Err(e) = run.check(t).await {
                tracing::debug!(error = %e, "the drill could not read the world");
            }
            let mut bar = DrillBar {
                name: self.drill.name.clone(),
                elapsed_s: t / 1000,
                limit_s: self.drill.time_limit_ms / 1000,
                hint: self
                    .hints
                    .then(|| {
                        let i = usize::from(run.detected())
                            .min(self.drill.hints.len().saturating_sub(1));
                        self.drill.hints.get(i).cloned()
                    })
                    .flatten(),
                scorecard: None,
            };
            if run.finished(t) {
                let card = run.scorecard();
                bar.scorecard = Some(card.lines(&self.drill));
                let _ = tx.send(Msg::Drill(bar));
                super::finish(&self.drill, &card, self.report.as_deref())
                    .map_err(|e| e.to_string())?;
                return Ok(());
            }
            if tx.send(Msg::Drill(bar)).is_err() {
                return Ok(());
            }
        }
    }
}
