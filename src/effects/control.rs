//! The control side of the effects driver: permissions, coordination Leases, the actions
//! themselves (cluster and CI), the journal and the webhook. Every answer comes back as
//! `Msg::Control`; no write is ever retried here.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::control::journal::Journal;
use crate::control::webhook::Webhook;
use crate::integrations::kube::actions as kube_actions;
use crate::integrations::kube::sender::ContextSender;
use crate::integrations::rest::{ActError, Candidate as CiCandidate, Redeploy};
use crate::integrations::{github, gitlab};
use quarterdeck_core::control::{
    Candidate, ControlEffect, ControlMsg, JournalEntry, LeaseAnswer, Op, Outcome, Request, Subject,
    stale_message,
};
use quarterdeck_core::gate::GateKind;
use quarterdeck_core::link::CiLink;
use quarterdeck_core::pipeline::Provider;
use quarterdeck_core::release::ReleaseId;
use quarterdeck_core::{Msg, Scope};

/// How often a held Lease is renewed (its duration is three times this).
const RENEW: Duration = Duration::from_secs(5);
/// How many earlier CI deploys the picker offers.
const CANDIDATES: usize = 10;

/// Where control writes and who it is.
#[derive(Debug, Clone)]
pub struct ControlSetup {
    /// The journal, when a state directory is known.
    pub journal: Option<Journal>,
    /// The webhook, when configured.
    pub webhook: Option<Webhook>,
    /// Who acts on the cluster: the kubeconfig user.
    pub user: String,
    /// This machine, for Lease holders (`user@host`).
    pub host: String,
}

impl ControlSetup {
    /// The journal in the state directory; no webhook; the user not known yet.
    pub fn from_env() -> Self {
        Self {
            journal: crate::config::state_dir().map(|d| Journal::in_dir(&d)),
            webhook: None,
            user: String::new(),
            host: host_name(),
        }
    }

    /// `user@host`, as Leases name their holder.
    pub fn holder(&self) -> String {
        let user = if self.user.is_empty() {
            "quarterdeck"
        } else {
            &self.user
        };
        format!("{user}@{}", self.host)
    }
}

/// This machine's name.
pub fn host_name() -> String {
    hostname::get()
        .ok()
        .and_then(|h| h.into_string().ok())
        .unwrap_or_else(|| "localhost".into())
}

/// The CI clients actions use: the same ones the pollers use, so budgets are shared.
#[derive(Clone)]
pub struct CiClients {
    /// GitHub, or why there is none.
    pub github: Result<Arc<github::GitHubClient>, String>,
    /// GitLab, or why there is none.
    pub gitlab: Result<Arc<gitlab::GitLabClient>, String>,
}

/// A Lease being held for an open confirmation or an action in flight.
struct HeldLease {
    stop: oneshot::Sender<()>,
}

/// Carries out control effects.
pub struct ControlDriver {
    setup: ControlSetup,
    tx: UnboundedSender<Msg>,
    client: kube::Client,
    ci: CiClients,
    /// CI logins learnt from the providers, for the journal.
    logins: Arc<Mutex<Vec<String>>>,
    leases: HashMap<u64, HeldLease>,
    lease_watch: Option<JoinHandle<()>>,
    /// The CI candidates offered, by handle, with their release's link.
    candidates: Arc<Mutex<HashMap<String, (CiLink, CiCandidate)>>>,
}

impl ControlDriver {
    /// A driver acting through `client` and the CI clients, answering on `tx`; watches the
    /// Leases of `scope`.
    pub fn new(
        setup: ControlSetup,
        client: kube::Client,
        ci: CiClients,
        scope: &Scope,
        sender: &ContextSender,
        tx: UnboundedSender<Msg>,
    ) -> Self {
        let mut driver = Self {
            setup,
            tx,
            client,
            ci,
            logins: Arc::new(Mutex::new(Vec::new())),
            leases: HashMap::new(),
            lease_watch: None,
            candidates: Arc::default(),
        };
        driver.answer(ControlMsg::Identity {
            holder: driver.setup.holder(),
        });
        driver.learn_logins();
        driver.retarget(driver.client.clone(), scope, sender);
        driver
    }

    /// Acts on another cluster or namespaces from now on.
    pub fn retarget(&mut self, client: kube::Client, scope: &Scope, sender: &ContextSender) {
        self.client = client;
        if let Some(old) = self.lease_watch.take() {
            old.abort();
        }
        self.lease_watch = Some(kube_actions::watch_leases(&self.client, scope, sender));
    }

    /// Says who acts from now on (the kubeconfig user of a new context).
    pub fn set_user(&mut self, user: String) {
        self.setup.user = user;
        self.answer(ControlMsg::Identity {
            holder: self.setup.holder(),
        });
    }

    fn answer(&self, msg: ControlMsg) {
        let _ = self.tx.send(Msg::Control(msg));
    }

    /// Asks each CI provider who the token belongs to, for the journal.
    fn learn_logins(&self) {
        if let Ok(gh) = &self.ci.github
            && gh.rest().token().is_some()
        {
            let gh = gh.clone();
            let logins = self.logins.clone();
            tokio::spawn(async move {
                if let Ok(login) = gh.whoami().await
                    && let Ok(mut l) = logins.lock()
                {
                    l.push(format!("github:{login}"));
                }
            });
        }
        if let Ok(gl) = &self.ci.gitlab
            && gl.rest().token().is_some()
        {
            let gl = gl.clone();
            let logins = self.logins.clone();
            tokio::spawn(async move {
                if let Ok(login) = gl.whoami().await
                    && let Ok(mut l) = logins.lock()
                {
                    l.push(format!("gitlab:{login}"));
                }
            });
        }
    }

    /// Performs one control effect.
    pub fn perform(&mut self, effect: ControlEffect) {
        match effect {
            ControlEffect::CheckAccess(keys) => {
                let client = self.client.clone();
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    for (key, access) in kube_actions::check_access(&client, &keys).await {
                        let _ = tx.send(Msg::Control(ControlMsg::Access { key, access }));
                    }
                });
            }
            ControlEffect::TakeLease {
                id,
                namespace,
                name,
                action,
                target,
            } => self.take_lease(id, namespace, name, action, target),
            ControlEffect::ReleaseLease { id } => {
                if let Some(held) = self.leases.remove(&id) {
                    let _ = held.stop.send(());
                }
            }
            ControlEffect::Act(request) => self.act(*request),
            ControlEffect::Journal(entry) => self.journal(*entry),
            ControlEffect::LoadJournal => {
                let entries = match &self.setup.journal {
                    Some(j) => j.read(),
                    None => Err("no state directory: set QUARTERDECK_STATE_DIR".into()),
                };
                self.answer(ControlMsg::Journal(entries));
            }
            ControlEffect::FindCandidates { release, link } => self.find_candidates(release, link),
        }
    }

    /// Takes the Lease in the background, answers, then renews it until told to stop, and
    /// gives it back (also when the stop came before the Lease was taken).
    fn take_lease(&mut self, id: u64, ns: String, name: String, action: String, target: String) {
        let (stop, mut stopped) = oneshot::channel();
        self.leases.insert(id, HeldLease { stop });
        let client = self.client.clone();
        let holder = self.setup.holder();
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let answer = kube_actions::take(&client, &ns, &name, &holder, &action, &target).await;
            let held = answer == LeaseAnswer::Held;
            let _ = tx.send(Msg::Control(ControlMsg::LeaseTaken { id, answer }));
            if !held {
                return;
            }
            loop {
                tokio::select! {
                    _ = &mut stopped => break,
                    () = tokio::time::sleep(RENEW) => {
                        let renewed = kube_actions::renew(&client, &ns, &name, &holder).await;
                        if renewed != LeaseAnswer::Held {
                            tracing::warn!(lease = %name, ?renewed, "cannot renew the Lease");
                        }
                    }
                }
            }
            if let Err(e) = kube_actions::release(&client, &ns, &name, &holder).await {
                tracing::warn!(lease = %name, error = %e, "cannot give the Lease back");
            }
        });
    }

    /// Carries out a confirmed action in the background and answers how it ended.
    fn act(&mut self, request: Request) {
        let tx = self.tx.clone();
        let client = self.client.clone();
        let ci = self.ci.clone();
        // The Event on the object names who acted on the cluster: the kubeconfig user.
        let user = self.setup.user.clone();
        let candidate = request.params.candidate.as_ref().and_then(|c| {
            self.candidates
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .get(&c.handle)
                .cloned()
        });
        tokio::spawn(async move {
            let outcome = match (&request.subject, request.op) {
                (Subject::Workload(_), Op::Redeploy) => match candidate {
                    Some((link, c)) => ci_outcome(&request, redeploy(&ci, &link, &c).await),
                    None => Outcome::Refused {
                        why: "that CI version is not known any more: open the picker again".into(),
                    },
                },
                (Subject::Workload(_), _) => kube_actions::act(&client, &request, &user).await,
                _ => ci_outcome(&request, ci_act(&ci, &request).await),
            };
            let _ = tx.send(Msg::Control(ControlMsg::Done {
                id: request.id,
                outcome,
            }));
        });
    }

    /// Lists earlier CI deploys of a release for the picker; remembers each by its handle.
    fn find_candidates(&mut self, release: ReleaseId, link: CiLink) {
        let ci = self.ci.clone();
        let tx = self.tx.clone();
        let known = self.candidates.clone();
        tokio::spawn(async move {
            let found = candidates(&ci, &link).await.map(|list| {
                let mut known = known
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                list.into_iter()
                    .enumerate()
                    .map(|(i, c)| {
                        let handle = format!("{}/{}#{i}", release.key.namespace, release.key.name);
                        let core = to_core(&c, handle.clone());
                        known.insert(handle, (link.clone(), c));
                        core
                    })
                    .collect()
            });
            let _ = tx.send(Msg::Control(ControlMsg::Candidates {
                release,
                candidates: found,
            }));
        });
    }

    /// The journal's user: the kubeconfig user and the CI logins.
    fn journal_user(&self) -> String {
        let mut parts = vec![self.setup.user.clone()];
        if let Ok(l) = self.logins.lock() {
            parts.extend(l.iter().cloned());
        }
        parts.retain(|p| !p.is_empty());
        parts.join(", ")
    }

    /// Appends to the journal (filling in who acted) and posts to the webhook.
    fn journal(&self, mut entry: JournalEntry) {
        entry.user = self.journal_user();
        if let Some(j) = &self.setup.journal
            && let Err(e) = j.append(&entry)
        {
            tracing::error!(path = %j.path().display(), error = %e, "cannot write the journal");
        }
        if let Some(w) = &self.setup.webhook {
            w.post(&entry);
        }
    }
}

/// The core's view of a CI candidate.
fn to_core(c: &CiCandidate, handle: String) -> Candidate {
    let how = match &c.how {
        Redeploy::Dispatch {
            workflow,
            git_ref,
            inputs,
        } => {
            let inputs: Vec<String> = inputs.iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!(
                "dispatch {workflow} on {git_ref} with {}",
                inputs.join(", ")
            )
        }
        Redeploy::RetryJob { job_id } => match &c.image {
            Some(image) => format!(
                "retry deploy job {job_id} of pipeline {} ({image})",
                c.run_id
            ),
            None => format!("retry deploy job {job_id} of pipeline {}", c.run_id),
        },
    };
    Candidate {
        version: format!("{} → {}", c.version, c.environment),
        pipeline_id: c.run_id,
        at_ms: c.when_ms,
        how,
        handle,
    }
}

/// Earlier successful deploys of a release's CI: GitHub's deploy workflow runs, GitLab's
/// deploy jobs.
async fn candidates(ci: &CiClients, link: &CiLink) -> Result<Vec<CiCandidate>, String> {
    match link {
        CiLink::GitHub { repo, workflows } => {
            let gh = ci.github.as_ref().map_err(Clone::clone)?;
            let workflow = workflows
                .iter()
                .map(|w| w.rsplit('/').next().unwrap_or(w))
                .find(|w| w.contains("deploy"))
                .unwrap_or("deploy.yml");
            match gh
                .list_redeploy_candidates(repo, workflow, CANDIDATES)
                .await
            {
                Err(ActError::Http { status: 404, .. }) => Err(format!(
                    "{repo} has no {workflow} workflow to deploy an earlier version with"
                )),
                other => other.map_err(|e| e.to_string()),
            }
        }
        CiLink::GitLab { project } => {
            let gl = ci.gitlab.as_ref().map_err(Clone::clone)?;
            gl.list_redeploy_candidates(project, "", CANDIDATES)
                .await
                .map_err(|e| e.to_string())
        }
    }
}

async fn redeploy(ci: &CiClients, link: &CiLink, c: &CiCandidate) -> Result<String, ActError> {
    match link {
        CiLink::GitHub { repo, .. } => {
            let gh = ci
                .github
                .as_ref()
                .map_err(|e| ActError::Invalid(e.clone()))?;
            gh.redeploy(repo, c).await
        }
        CiLink::GitLab { project } => {
            let gl = ci
                .gitlab
                .as_ref()
                .map_err(|e| ActError::Invalid(e.clone()))?;
            gl.redeploy(project, c).await
        }
    }
}

/// A CI action: gates, runs and jobs.
pub(crate) async fn ci_act(ci: &CiClients, request: &Request) -> Result<String, ActError> {
    let github = || ci.github.as_ref().map_err(|e| ActError::Invalid(e.clone()));
    let gitlab = || ci.gitlab.as_ref().map_err(|e| ActError::Invalid(e.clone()));
    let comment = request
        .params
        .comment
        .as_deref()
        .unwrap_or("via Quarterdeck");
    match (&request.subject, request.op) {
        (Subject::Gate(g), op @ (Op::Approve | Op::Reject)) => {
            let approve = op == Op::Approve;
            match &g.kind {
                GateKind::GithubPendingDeployment {
                    run_id,
                    environment_id,
                    environment,
                } => {
                    github()?
                        .review_pending(
                            &g.project,
                            *run_id,
                            *environment_id,
                            environment,
                            approve,
                            comment,
                        )
                        .await
                }
                GateKind::GitlabManualJob { job_id } if approve => {
                    gitlab()?.play_job(&g.project, *job_id).await
                }
                GateKind::GitlabManualJob { .. } => Err(ActError::Invalid(
                    "a manual job cannot be rejected; leave it unplayed".into(),
                )),
                GateKind::GitlabBlockedDeployment {
                    deployment_id,
                    job_id,
                } => {
                    gitlab()?
                        .review_blocked_deployment(
                            &g.project,
                            *deployment_id,
                            *job_id,
                            approve,
                            comment,
                        )
                        .await
                }
            }
        }
        (
            Subject::Run {
                provider: Provider::GitHub,
                project,
                id,
            },
            Op::Cancel,
        ) => github()?.cancel_run(project, *id).await,
        (
            Subject::Run {
                provider: Provider::GitHub,
                project,
                id,
            },
            Op::RerunFailed,
        ) => github()?.rerun_failed_jobs(project, *id).await,
        (
            Subject::Run {
                provider: Provider::GitLab,
                project,
                id,
            },
            Op::Cancel,
        ) => gitlab()?.cancel_pipeline(project, *id).await,
        (
            Subject::Job {
                provider: Provider::GitLab,
                project,
                id,
                ..
            },
            Op::RetryJob,
        ) => gitlab()?.retry_job(project, *id).await,
        (subject, op) => Err(ActError::Invalid(format!(
            "{} is not an action on {subject}",
            op.verb()
        ))),
    }
}

/// How a CI action ended, in the core's words.
pub(crate) fn ci_outcome(request: &Request, result: Result<String, ActError>) -> Outcome {
    match result {
        Ok(after) => Outcome::Done { after },
        Err(ActError::Moved(what)) => Outcome::Refused {
            why: stale_message(&request.subject.short_name(), &what),
        },
        Err(ActError::Conflict(message)) => Outcome::Refused {
            why: stale_message(&request.subject.short_name(), &message),
        },
        Err(e) => Outcome::Failed {
            error: e.to_string(),
        },
    }
}

impl Drop for ControlDriver {
    fn drop(&mut self) {
        if let Some(task) = self.lease_watch.take() {
            task.abort();
        }
        // Held Leases are given back by their tasks when the stop arrives (or the sender goes).
        for (_, held) in self.leases.drain() {
            let _ = held.stop.send(());
        }
    }
}
