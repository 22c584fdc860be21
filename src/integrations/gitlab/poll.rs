//! The GitLab poller: one poll per project, shared by every release of it, each project on
//! its own pace — fast while a pipeline runs, slower while something waits on a human, slow
//! when idle; the project of the release on screen fast whatever it does, so a new pipeline
//! shows within seconds. A poll asks only for what changed since the last (see
//! [`ProjectView`]) and the poller reports only what changed, paced by the rate limit too.

use std::sync::Arc;

use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use super::client::GitLabClient;
use super::project::{ProjectView, Seen};
use crate::integrations::rest::{
    Pacing, Reporter, Snapshot, paused, send_all, wait_turn, within_budget_ms,
};
use quarterdeck_core::pipeline::{CiSource, CiUpdate, Provider};

/// One release's GitLab CI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitlabWatch {
    /// The release (config name).
    pub release: String,
    /// `group/project` (subgroups allowed).
    pub project: String,
}

/// How the poller behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollOptions {
    /// Polling speeds.
    pub pacing: Pacing,
    /// Pipelines read per project.
    pub pipelines: usize,
}

impl Default for PollOptions {
    fn default() -> Self {
        PollOptions {
            pacing: Pacing::default(),
            pipelines: 10,
        }
    }
}

/// One project and the releases that share its poll.
struct Polled {
    project: String,
    releases: Vec<String>,
    view: ProjectView,
    due: Instant,
    delay_ms: u64,
}

impl Polled {
    /// Whether the release on screen is one of this project's.
    fn on_screen(&self, focus: Option<&str>) -> bool {
        focus.is_some_and(|f| self.releases.iter().any(|r| r == f))
    }
}

/// One poll per project, in the order the releases name them.
fn by_project(watches: Vec<GitlabWatch>) -> Vec<Polled> {
    let mut out: Vec<Polled> = Vec::new();
    let now = Instant::now();
    for w in watches {
        match out.iter_mut().find(|p| p.project == w.project) {
            Some(p) if !p.releases.contains(&w.release) => p.releases.push(w.release),
            Some(_) => {}
            None => out.push(Polled {
                project: w.project,
                releases: vec![w.release],
                view: ProjectView::default(),
                due: now,
                delay_ms: 0,
            }),
        }
    }
    out
}

/// How long a project waits before its next poll, before the rate limit has its say. Every
/// GitLab list costs budget (no entity tags), so a running pipeline is polled at 5/3 of the
/// fast pace (5 s by default: a change is still on screen within 10 s), a project waiting on a
/// human (a gate changes only when someone acts) at 2/3 of the slow pace, an idle one slowly.
/// The project on screen is polled at the fast pace while something runs or waits (someone
/// else may approve), and at 8/3 of it when idle (8 s: a new pipeline within 10 s).
fn pace(pacing: Pacing, seen: &Seen, on_screen: bool) -> u64 {
    if on_screen {
        if seen.running() || seen.waiting() {
            pacing.fast_ms
        } else {
            pacing.fast_ms * 8 / 3
        }
    } else if seen.running() {
        pacing.fast_ms * 5 / 3
    } else if seen.waiting() {
        (pacing.slow_ms * 2 / 3).max(pacing.fast_ms)
    } else {
        pacing.slow_ms
    }
}

/// Polls `watches` until `tx` is closed, sending [`CiUpdate`]s for what changed; `focus`
/// names the release on screen (its project is polled fast, and at once when it changes).
pub async fn poll(
    client: Arc<GitLabClient>,
    watches: Vec<GitlabWatch>,
    options: PollOptions,
    mut focus: watch::Receiver<Option<String>>,
    tx: mpsc::Sender<CiUpdate>,
) {
    let rest = client.rest();
    let mut projects = by_project(watches);
    let mut reporter = Reporter::default();
    // The token's user (approval rules may name it), looked up until known.
    let mut me = None;
    loop {
        if me.is_none() {
            me = client.current_user().await.ok().map(|(id, _)| id);
        }
        let on_screen = focus.borrow_and_update().clone();
        for p in projects.iter_mut().filter(|p| p.due <= Instant::now()) {
            let result = p
                .view
                .refresh(&client, &p.project, options.pipelines, me, rest.now_ms())
                .await;
            if let Ok(seen) = &result {
                p.delay_ms = pace(options.pacing, seen, p.on_screen(on_screen.as_deref()));
            }
            let spent = rest.take_spent();
            // During a rate-limit pause the next poll waits for its end, by the client's
            // clock (see `wait_turn`), not for a delay on top of it.
            let delay = if paused(rest) {
                0
            } else {
                within_budget_ms(
                    p.delay_ms.max(options.pacing.fast_ms),
                    spent,
                    &rest.limits(),
                    rest.now_ms(),
                )
            };
            p.due = Instant::now() + std::time::Duration::from_millis(delay);
            let source = CiSource {
                provider: Provider::GitLab,
                project: p.project.clone(),
            };
            for release in &p.releases {
                let snapshot = result.clone().map(|seen| Snapshot {
                    runs: seen.runs,
                    gates: seen
                        .gates
                        .into_iter()
                        .map(|mut g| {
                            g.release = Some(release.clone());
                            g
                        })
                        .collect(),
                });
                if !send_all(&tx, reporter.cycle(release, source.clone(), snapshot)).await {
                    return;
                }
            }
            if paused(rest) {
                break;
            }
        }
        if let Some(update) = reporter.limits(Provider::GitLab, &rest.limits())
            && tx.send(update).await.is_err()
        {
            return;
        }
        let next = projects.iter().map(|p| p.due).min();
        let wait_ms = next.map_or(options.pacing.slow_ms, |due| {
            u64::try_from(due.saturating_duration_since(Instant::now()).as_millis())
                .unwrap_or(u64::MAX)
        });
        let pause = paused(rest);
        tokio::select! {
            go_on = wait_turn(rest, wait_ms, &tx) => {
                if !go_on {
                    return;
                }
            }
            // A dropped sender disables this branch, never a busy loop.
            Ok(()) = focus.changed(), if !pause => {
                let shown = focus.borrow().clone();
                for p in projects.iter_mut().filter(|p| p.on_screen(shown.as_deref())) {
                    p.due = Instant::now();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quarterdeck_core::pipeline::CiStatus;
    use quarterdeck_core::sample_ci;

    #[test]
    fn running_projects_poll_fast_waiting_ones_slower_idle_ones_slowest_and_the_one_on_screen_fast()
    {
        let pacing = Pacing {
            fast_ms: 3_000,
            slow_ms: 45_000,
        };
        let running = sample_ci::gitlab_running_pipeline();
        assert_eq!(running.status, CiStatus::Running);
        let mut done = running.clone();
        done.status = CiStatus::Success;
        let seen = |runs: Vec<_>, gates| pace(pacing, &Seen { runs, gates }, false);
        assert_eq!(seen(vec![running.clone()], Vec::new()), 5_000);
        assert_eq!(
            seen(vec![done.clone()], sample_ci::gitlab_gate("store")),
            30_000
        );
        assert_eq!(seen(vec![done.clone()], Vec::new()), 45_000);
        let shown = |runs: Vec<_>, gates| pace(pacing, &Seen { runs, gates }, true);
        assert_eq!(shown(vec![running], Vec::new()), 3_000);
        assert_eq!(
            shown(vec![done.clone()], sample_ci::gitlab_gate("store")),
            3_000
        );
        assert_eq!(
            shown(vec![done], Vec::new()),
            8_000,
            "a new pipeline within 10 s"
        );
    }

    fn watch(release: &str, project: &str) -> GitlabWatch {
        GitlabWatch {
            release: release.into(),
            project: project.into(),
        }
    }

    #[test]
    fn releases_of_one_project_share_its_poll() {
        let polled = by_project(vec![
            watch("observability/producer", "acme/observability-stack"),
            watch("bnpl/feature-store", "bnpl/feature-store"),
            watch("observability/consumer", "acme/observability-stack"),
            watch("observability/consumer", "acme/observability-stack"),
        ]);
        let shape: Vec<(&str, Vec<&str>)> = polled
            .iter()
            .map(|p| {
                (
                    p.project.as_str(),
                    p.releases.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            shape,
            [
                (
                    "acme/observability-stack",
                    vec!["observability/producer", "observability/consumer"]
                ),
                ("bnpl/feature-store", vec!["bnpl/feature-store"]),
            ]
        );
    }
}
