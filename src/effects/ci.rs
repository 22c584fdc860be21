//! The CI side of the effects driver: one GitHub and one GitLab poller for the linked
//! releases (replaced when the links change) and a follower per open job log. Their reports
//! arrive on the event loop's channel as `Msg::Ci`. All of them share one client per
//! provider, so its entity-tag cache, rate-limit pause and budget are the token's, whoever asks.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::mpsc::{self, UnboundedSender};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::integrations::rest::{Clock, Pacing, Token};
use crate::integrations::{github, gitlab};
use quarterdeck_core::Msg;
use quarterdeck_core::link::CiLink;
use quarterdeck_core::link::CiWatch;
use quarterdeck_core::pipeline::{CiErrorKind, CiSource, CiUpdate, JobRef, Provider};

/// Reports a poller may queue before it waits for the event loop.
const QUEUE: usize = 256;

/// Where the CI APIs are and how to reach them.
#[derive(Clone)]
pub struct CiSetup {
    /// GitHub API base (`https://api.github.com`).
    pub github_base: String,
    /// GitLab instance (`https://gitlab.com`).
    pub gitlab_base: String,
    /// GitHub token, if any.
    pub github_token: Option<Token>,
    /// GitLab token, if any.
    pub gitlab_token: Option<Token>,
    /// The CI servers' clock: rate-limit resets are read on it, and gate ages. A
    /// [`ServerClock`](crate::integrations::rest::ServerClock) learns it from their answers.
    pub clock: Arc<dyn Clock>,
    /// Polling speeds.
    pub pacing: Pacing,
}

impl CiSetup {
    /// The providers this setup has no token for.
    pub fn providers_without_token(&self) -> Vec<Provider> {
        [
            (Provider::GitHub, &self.github_token),
            (Provider::GitLab, &self.gitlab_token),
        ]
        .into_iter()
        .filter(|(_, token)| token.is_none())
        .map(|(p, _)| p)
        .collect()
    }
}

impl std::fmt::Debug for CiSetup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Tokens stay out of every debug print.
        f.debug_struct("CiSetup")
            .field("github_base", &self.github_base)
            .field("gitlab_base", &self.gitlab_base)
            .field("pacing", &self.pacing)
            .finish_non_exhaustive()
    }
}

/// Runs the CI pollers and job-log followers.
pub struct CiDriver {
    pacing: Pacing,
    /// The one GitHub client, or why there is none.
    github: Result<Arc<github::GitHubClient>, String>,
    /// The one GitLab client, or why there is none.
    gitlab: Result<Arc<gitlab::GitLabClient>, String>,
    tx: UnboundedSender<Msg>,
    pollers: Vec<JoinHandle<()>>,
    logs: HashMap<JobRef, JoinHandle<()>>,
    /// The release key on screen, for the pollers' pacing.
    focus: watch::Sender<Option<String>>,
}

impl CiDriver {
    /// A driver that starts nothing until it is told what to watch.
    pub fn new(setup: CiSetup, tx: UnboundedSender<Msg>) -> Self {
        let github =
            github::GitHubClient::new(&setup.github_base, setup.github_token, setup.clock.clone());
        let gitlab = gitlab::GitLabClient::new(&setup.gitlab_base, setup.gitlab_token, setup.clock);
        Self {
            pacing: setup.pacing,
            github: github.map(Arc::new).map_err(|e| e.message),
            gitlab: gitlab.map(Arc::new).map_err(|e| e.message),
            tx,
            pollers: Vec::new(),
            logs: HashMap::new(),
            focus: watch::Sender::new(None),
        }
    }

    /// Tells the pollers which release's CI is on screen.
    pub fn focus(&mut self, release: Option<String>) {
        self.focus.send_replace(release);
    }

    /// The clients, for actions: they share the pollers' budgets and caches.
    pub fn clients(&self) -> super::CiClients {
        super::CiClients {
            github: self.github.clone(),
            gitlab: self.gitlab.clone(),
        }
    }

    /// A channel for one task's reports, forwarded to the event loop as `Msg::Ci`; the
    /// forwarder ends when the task (the sender) is gone.
    fn reports(&self) -> mpsc::Sender<CiUpdate> {
        let (tx, mut rx) = mpsc::channel(QUEUE);
        let out = self.tx.clone();
        tokio::spawn(async move {
            while let Some(u) = rx.recv().await {
                if out.send(Msg::Ci(u)).is_err() {
                    return;
                }
            }
        });
        tx
    }

    fn fail(&self, source: CiSource, message: String) {
        let _ = self.tx.send(Msg::Ci(CiUpdate::SourceError {
            source,
            kind: CiErrorKind::Other,
            message,
        }));
    }

    /// Replaces the pollers with ones for `watches`.
    pub fn watch(&mut self, watches: Vec<CiWatch>) {
        for task in self.pollers.drain(..) {
            task.abort();
        }
        let mut gh = Vec::new();
        let mut gl = Vec::new();
        for w in watches {
            match w.link {
                CiLink::GitHub { repo, workflows } => gh.push(github::GithubWatch {
                    release: w.release,
                    repo,
                    workflows,
                }),
                CiLink::GitLab { project } => gl.push(gitlab::GitlabWatch {
                    release: w.release,
                    project,
                }),
            }
        }
        if !gh.is_empty() {
            match &self.github {
                Ok(client) => {
                    let options = github::PollOptions {
                        pacing: self.pacing,
                        ..Default::default()
                    };
                    let tx = self.reports();
                    let focus = self.focus.subscribe();
                    self.pollers.push(tokio::spawn(github::poll(
                        client.clone(),
                        gh,
                        options,
                        focus,
                        tx,
                    )));
                }
                Err(message) => {
                    for w in gh {
                        self.fail(source(Provider::GitHub, w.repo), message.clone());
                    }
                }
            }
        }
        if !gl.is_empty() {
            match &self.gitlab {
                Ok(client) => {
                    let options = gitlab::PollOptions {
                        pacing: self.pacing,
                        ..Default::default()
                    };
                    let tx = self.reports();
                    self.pollers
                        .push(tokio::spawn(gitlab::poll(client.clone(), gl, options, tx)));
                }
                Err(message) => {
                    for w in gl {
                        self.fail(source(Provider::GitLab, w.project), message.clone());
                    }
                }
            }
        }
    }

    /// Starts following a job's log.
    pub fn follow(&mut self, job: JobRef) {
        let tx = self.reports();
        let pacing = self.pacing;
        let task = match job.source.provider {
            Provider::GitHub => match &self.github {
                Ok(c) => tokio::spawn(github::follow_job_log(c.clone(), job.clone(), pacing, tx)),
                Err(m) => return self.fail(job.source, m.clone()),
            },
            Provider::GitLab => match &self.gitlab {
                Ok(c) => tokio::spawn(gitlab::follow_job_log(c.clone(), job.clone(), pacing, tx)),
                Err(m) => return self.fail(job.source, m.clone()),
            },
        };
        if let Some(old) = self.logs.insert(job, task) {
            old.abort();
        }
    }

    /// Stops following a job's log.
    pub fn stop(&mut self, job: &JobRef) {
        if let Some(task) = self.logs.remove(job) {
            task.abort();
        }
    }
}

fn source(provider: Provider, project: String) -> CiSource {
    CiSource { provider, project }
}

impl Drop for CiDriver {
    fn drop(&mut self) {
        for task in self.pollers.drain(..) {
            task.abort();
        }
        for (_, task) in self.logs.drain() {
            task.abort();
        }
    }
}
