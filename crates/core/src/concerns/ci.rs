//! CI in the model: which release is linked to which CI project, the runs and gates the
//! pollers reported, the job log being read, and each provider's rate budget.

mod joblog;
mod keys;

use std::collections::BTreeMap;

use crate::link::{CiLink, CiWatch, ReleasesConfig, ci_from_annotations};

use crate::cluster::Cluster;
use crate::gate::{Gate, GateId};
use crate::pipeline::{
    CiErrorKind, CiSource, CiUpdate, Job, Pipeline, Provider, RateLimitState, RunMatch, match_run,
};
use crate::release::{Release, ReleaseId, WorkloadKind};

pub use self::joblog::{JobLogView, LogRow};

/// A release's link and the name its CI is reported under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseCi {
    /// See [`CiWatch::release`].
    pub key: String,
    /// The CI project.
    pub link: CiLink,
    /// Where the link came from: `config.toml` or the workload's annotations.
    pub from_config: bool,
}

impl ReleaseCi {
    /// The project as a CI source.
    pub fn source(&self) -> CiSource {
        source_of(&self.link)
    }
}

/// The CI source a link points at.
pub(crate) fn source_of(link: &CiLink) -> CiSource {
    match link {
        CiLink::GitHub { repo, .. } => CiSource {
            provider: Provider::GitHub,
            project: repo.clone(),
        },
        CiLink::GitLab { project } => CiSource {
            provider: Provider::GitLab,
            project: project.clone(),
        },
    }
}

/// Everything the dashboard knows about CI.
#[derive(Debug, Default)]
pub struct CiState {
    /// `[[release]]` tables of `config.toml`.
    pub config: ReleasesConfig,
    /// Each linked release's CI.
    pub links: BTreeMap<ReleaseId, ReleaseCi>,
    /// Releases whose annotations could not be read, and why.
    pub link_errors: BTreeMap<ReleaseId, String>,
    /// What the pollers were last asked to watch.
    pub watching: Vec<CiWatch>,
    /// The release key the pollers were last told is on screen.
    pub focus: Option<String>,
    /// Newest runs per release key, newest first.
    pub runs: BTreeMap<String, Vec<Pipeline>>,
    /// Gates per release key and source.
    pub gates: BTreeMap<(String, CiSource), Vec<Gate>>,
    /// The last failure of each source (cleared by its next success).
    pub errors: BTreeMap<CiSource, (CiErrorKind, String)>,
    /// Rate budget per provider.
    pub limits: BTreeMap<Provider, RateLimitState>,
    /// Now on the CI servers' clock (the simulator's in the demo), Unix ms.
    pub now_ms: Option<i64>,
    /// Highlighted job in the Pipeline pane (index into the shown run's jobs).
    pub job_cursor: usize,
    /// The row of the Gates inbox the cursor was last on (where it stays when its gate goes).
    pub gate_cursor: usize,
    /// The gate the cursor is on: it follows that gate when others arrive above it.
    pub gate_on: Option<crate::control::InboxKey>,
    /// The job log being read.
    pub log: Option<JobLogView>,
    /// Providers started without a token (`GITHUB_TOKEN`, `GITLAB_TOKEN` unset).
    pub without_token: Vec<Provider>,
    /// The run opened from the recent runs, per release key (the newest is shown otherwise).
    pub opened_runs: BTreeMap<String, u64>,
}

/// How many recent runs the Pipeline pane lists (and the cursor can open).
pub const RECENT_RUNS: usize = 5;

impl CiState {
    /// Why CI shows nothing or little, in a few words for the status bar: CI is off when no
    /// release is linked; a linked provider without a token sees public projects only.
    /// `None` when every linked provider has its token.
    pub fn off_reason(&self) -> Option<String> {
        let linked = |p: Provider| {
            self.links.values().any(|l| match l.link {
                CiLink::GitHub { .. } => p == Provider::GitHub,
                CiLink::GitLab { .. } => p == Provider::GitLab,
            })
        };
        if self.links.is_empty() {
            return Some(if self.without_token.is_empty() {
                "CI off: no release linked".to_string()
            } else {
                "CI off: no token, no release linked".to_string()
            });
        }
        let missing: Vec<&str> = self
            .without_token
            .iter()
            .filter(|p| linked(**p))
            .map(|p| p.label())
            .collect();
        (!missing.is_empty()).then(|| format!("{}: no token", missing.join(", ")))
    }
}

impl CiState {
    /// The links every release has now: a `[[release]]` entry first, then annotations.
    pub(crate) fn derive_links(&mut self, releases: &[Release], cluster: &Cluster, context: &str) {
        self.links.clear();
        self.link_errors.clear();
        for r in releases {
            let configured = self.config.releases.iter().find(|c| {
                c.kind == r.id.kind
                    && c.workload == r.id.key.name
                    && c.namespace == r.id.key.namespace
                    && c.context.as_deref().is_none_or(|ctx| ctx == context)
            });
            if let Some(c) = configured
                && let Some(link) = &c.ci
            {
                self.links.insert(
                    r.id.clone(),
                    ReleaseCi {
                        key: c.name.clone(),
                        link: link.clone(),
                        from_config: true,
                    },
                );
                continue;
            }
            let annotations = match r.id.kind {
                WorkloadKind::Deployment => {
                    cluster.deployments.get(&r.id.key).map(|d| &d.annotations)
                }
                WorkloadKind::Rollout => cluster.rollouts.get(&r.id.key).map(|d| &d.annotations),
            };
            match annotations.map(ci_from_annotations) {
                Some(Ok(Some(link))) => {
                    self.links.insert(
                        r.id.clone(),
                        ReleaseCi {
                            key: format!("{}/{}", r.id.key.namespace, r.id.key.name),
                            link,
                            from_config: false,
                        },
                    );
                }
                Some(Err(e)) => {
                    self.link_errors.insert(r.id.clone(), e);
                }
                Some(Ok(None)) | None => {}
            }
        }
    }

    /// The watches the links call for, in a stable order.
    pub(crate) fn wanted_watches(&self) -> Vec<CiWatch> {
        let mut out: Vec<CiWatch> = self
            .links
            .values()
            .map(|l| CiWatch {
                release: l.key.clone(),
                link: l.link.clone(),
            })
            .collect();
        out.sort_by(|a, b| a.release.cmp(&b.release));
        out.dedup_by(|a, b| a.release == b.release);
        out
    }

    /// Forgets runs and gates of release keys nobody watches any more.
    pub(crate) fn prune(&mut self) {
        let keys: Vec<&str> = self.watching.iter().map(|w| w.release.as_str()).collect();
        self.runs.retain(|k, _| keys.contains(&k.as_str()));
        self.gates.retain(|(k, _), _| keys.contains(&k.as_str()));
    }

    /// Applies one poller report; returns whether anything shown may have changed.
    pub fn apply(&mut self, update: CiUpdate) -> bool {
        match update {
            CiUpdate::Pipelines {
                release,
                source,
                runs,
            } => {
                self.errors.remove(&source);
                self.runs.insert(release, runs);
            }
            CiUpdate::Gates {
                release,
                source,
                gates,
            } => {
                if gates.is_empty() {
                    self.gates.remove(&(release, source));
                } else {
                    self.gates.insert((release, source), gates);
                }
            }
            CiUpdate::JobLog {
                job,
                text,
                reset,
                sections,
                state,
            } => {
                let Some(log) = self.log.as_mut().filter(|l| l.job == job) else {
                    return false;
                };
                log.apply(&text, reset, sections, state);
            }
            CiUpdate::RateLimit { provider, state } => {
                let shown = |s: &RateLimitState| s.label(self.now_or(0));
                let same = self.limits.get(&provider).map(shown) == Some(shown(&state));
                self.limits.insert(provider, state);
                // Nothing on screen changes: keep the new numbers, skip the frame.
                if same {
                    return false;
                }
            }
            CiUpdate::SourceError {
                source,
                kind,
                message,
            } => {
                self.errors.insert(source, (kind, message));
            }
        }
        true
    }

    /// Every gate of every release, the longest-waiting first; a gate of a project several
    /// releases share is listed once.
    pub fn all_gates(&self) -> Vec<&Gate> {
        let mut out: Vec<&Gate> = Vec::new();
        for g in self.gates.values().flatten() {
            if !out.iter().any(|o| o.id == g.id) {
                out.push(g);
            }
        }
        out.sort_by(|a, b| {
            a.waiting_since_ms
                .unwrap_or(i64::MAX)
                .cmp(&b.waiting_since_ms.unwrap_or(i64::MAX))
                .then(a.id.cmp(&b.id))
        });
        out
    }

    /// The releases whose CI has the gate `id`.
    pub fn gate_releases(&self, id: &GateId) -> Vec<&str> {
        self.gates
            .iter()
            .filter(|(_, gates)| gates.iter().any(|g| &g.id == id))
            .map(|((release, _), _)| release.as_str())
            .collect()
    }

    /// Now on the CI clock, falling back to the dashboard's.
    pub fn now_or(&self, wall_ms: i64) -> i64 {
        self.now_ms.unwrap_or(wall_ms)
    }
}

/// What the Pipeline pane shows for one release.
#[derive(Debug)]
pub struct ReleaseRuns<'a> {
    /// The release's link.
    pub link: &'a ReleaseCi,
    /// Its runs, newest first (empty until the first poll answered).
    pub runs: &'a [Pipeline],
    /// Whether the poller reported at all.
    pub polled: bool,
    /// The run that produced the rolling image, or why none did.
    pub matched: RunMatch,
    /// The run shown in detail: the one opened from the recent runs, else the newest (what
    /// is happening now; the match line and the recent runs name the one that built the
    /// image).
    pub shown: Option<usize>,
}

impl<'a> ReleaseRuns<'a> {
    /// The run shown in detail.
    pub fn shown_run(&self) -> Option<&'a Pipeline> {
        self.runs.get(self.shown?)
    }

    /// The shown run's jobs, stage by stage.
    pub fn jobs(&self) -> Vec<&'a Job> {
        self.shown_run()
            .map(|r| r.jobs().collect())
            .unwrap_or_default()
    }

    /// The recent runs listed under the jobs; the cursor moves on past the jobs onto them.
    pub fn recent(&self) -> &'a [Pipeline] {
        &self.runs[..self.runs.len().min(RECENT_RUNS)]
    }

    /// The recent run under the Pipeline cursor `cursor`, if it is past the jobs.
    pub fn run_at(&self, cursor: usize) -> Option<usize> {
        let i = cursor.checked_sub(self.jobs().len())?;
        (i < self.recent().len()).then_some(i)
    }
}

/// The CI of `release`, when it is linked.
pub fn release_runs<'a>(ci: &'a CiState, release: &Release) -> Option<ReleaseRuns<'a>> {
    let link = ci.links.get(&release.id)?;
    let runs = ci.runs.get(&link.key);
    let slice = runs.map(Vec::as_slice).unwrap_or(&[]);
    let matched = if runs.is_none() {
        RunMatch::NoMatch {
            reason: "no runs fetched yet".to_string(),
        }
    } else if slice.is_empty() {
        RunMatch::NoMatch {
            reason: format!("{} has no runs", link.source().label()),
        }
    } else {
        match_run(slice, &release.image)
    };
    let opened = ci
        .opened_runs
        .get(&link.key)
        .and_then(|id| slice.iter().position(|r| r.id == *id));
    let shown = (!slice.is_empty()).then_some(opened.unwrap_or(0));
    Some(ReleaseRuns {
        link,
        runs: slice,
        polled: runs.is_some(),
        matched,
        shown,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
