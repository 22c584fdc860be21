//! The built-in responders. `scripted` follows the drill's answer key: it looks at a release
//! as the Analysis pane does (its metrics, from Prometheus) and acts through the very commands
//! a user runs (`quarterdeck abort …`, `undo …`: the same plan, permission check, Lease, send
//! and journal as the dashboard's confirmation). `none` does nothing, to show what an absent
//! responder scores.

use std::path::PathBuf;

use super::definition::{Drill, Look, StepKind};
use super::judge::Observation;
use super::world::World;
use crate::cli::{
    ActArgs, Command, DashboardArgs, OutputArgs, OutputFormat, PromoteArgs, ReleaseAction, UndoArgs,
};

/// Which responder plays a headless drill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ResponderKind {
    /// Follows the drill's answer key.
    Scripted,
    /// Does nothing at all.
    None,
}

impl ResponderKind {
    /// Its name in the scorecard.
    pub fn name(self) -> &'static str {
        match self {
            Self::Scripted => "scripted",
            Self::None => "none",
        }
    }
}

/// How long the scripted responder waits before trying again an action that could not reach
/// the API, in simulated milliseconds.
const RETRY_MS: u64 = 5_000;

/// How long, in wall time, one command may wait for the API. kube's client retries a 503 on
/// its own (15 times, backing off up to minutes of wall time), and a headless drill's simulated
/// clock stands still while a command runs: during an outage the command would wait for an
/// API that cannot come back. The outage cannot start or end while a command runs, so one cut
/// short is still at its first request and changed nothing; a command that gets answers takes
/// milliseconds.
const COMMAND_DEADLINE: std::time::Duration = std::time::Duration::from_secs(3);

/// The exit code of a command that could not reach the API (or got an error from it).
const API_ERROR: i32 = crate::headless::exit::Exit::Error as i32;

/// The scripted responder's progress through the answer key.
pub struct Scripted {
    kubeconfig: PathBuf,
    next: usize,
    /// An action the API refused is tried again from then on (ms after the first incident);
    /// the steps after it wait, as a user would not undo before the abort went through.
    retry_at: Option<u64>,
}

impl Scripted {
    /// A responder acting against the cluster of `kubeconfig`.
    pub fn new(kubeconfig: PathBuf) -> Self {
        Self {
            kubeconfig,
            next: 0,
            retry_at: None,
        }
    }

    /// Plays every step due `since_ms` after the first real incident; answers what it looked at.
    pub async fn turn(&mut self, drill: &Drill, world: &World, since_ms: u64) -> Vec<Observation> {
        let mut seen = Vec::new();
        while let Some(step) = drill.answer.get(self.next) {
            if step.after_ms > since_ms || self.retry_at.is_some_and(|r| since_ms < r) {
                break;
            }
            self.next += 1;
            self.retry_at = None;
            match &step.what {
                StepKind::Look { release } => {
                    // What the Analysis pane reads: the release's metrics.
                    if let Err(e) = world.health(release).await {
                        eprintln!("drill: looking at {release}: {e}");
                    }
                    seen.push(Observation {
                        release: release.clone(),
                        how: Look::Analysis,
                    });
                }
                StepKind::Act {
                    action,
                    release,
                    to_image,
                } => {
                    let to_revision = match to_image {
                        Some(image) => match world.revision_of(release, image).await {
                            Ok(Some(n)) => Ok(Some(n)),
                            Ok(None) => {
                                eprintln!("drill: {release} has no revision running {image}");
                                Ok(None)
                            }
                            Err(e) => Err(e),
                        },
                        None => Ok(None),
                    };
                    let code = match to_revision {
                        Ok(to_revision) => {
                            let command = command(action, release, to_revision);
                            let global = self.global();
                            let run = crate::headless::run(command, &global);
                            match tokio::time::timeout(COMMAND_DEADLINE, run).await {
                                Ok(code) => code,
                                Err(_) => {
                                    eprintln!(
                                        "drill: {action} {release}: no answer from the API within {} s",
                                        COMMAND_DEADLINE.as_secs()
                                    );
                                    Some(API_ERROR)
                                }
                            }
                        }
                        // Not undone to the wrong revision for want of reading the right one.
                        Err(e) => {
                            eprintln!("drill: {e}");
                            Some(API_ERROR)
                        }
                    };
                    match code {
                        None => eprintln!("drill: {action} is not a command"),
                        Some(API_ERROR) => {
                            eprintln!("drill: {action} {release} failed; trying again shortly");
                            self.next -= 1;
                            self.retry_at = Some(since_ms + RETRY_MS);
                            break;
                        }
                        Some(_) => {}
                    }
                }
            }
        }
        seen
    }

    fn global(&self) -> DashboardArgs {
        DashboardArgs {
            context: None,
            namespace: None,
            all_namespaces: false,
            kubeconfig: Some(self.kubeconfig.clone()),
            theme: "default".into(),
            keymap: "default".into(),
            readonly: false,
        }
    }
}

/// The command a user would type for `action` on `release`, confirmed (`--yes`).
fn command(action: &str, release: &str, to_revision: Option<i64>) -> Command {
    let act = ActArgs {
        yes: true,
        confirm_name: None,
        dry_run: false,
        out: OutputArgs {
            output: OutputFormat::Table,
            no_headers: false,
        },
    };
    let plain = || ReleaseAction {
        release: release.to_string(),
        act: act.clone(),
    };
    match action {
        "undo" => Command::Undo(UndoArgs {
            release: release.to_string(),
            to_revision,
            act,
        }),
        "promote" => Command::Promote(PromoteArgs {
            release: release.to_string(),
            full: false,
            act,
        }),
        "retry" => Command::Retry(plain()),
        "pause" => Command::Pause(plain()),
        "resume" => Command::Resume(plain()),
        "restart" => Command::Restart(plain()),
        _ => Command::Abort(plain()),
    }
}
