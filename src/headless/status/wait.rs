//! `status --wait`: a kube-rs watcher on the one workload (a field selector on its name),
//! its events applied to the core's model so the phase is the dashboard's derivation, until
//! the release is done, fails, the timeout passes or the user presses ctrl-c.

use std::fmt::Debug;

use futures::{Stream, StreamExt};
use k8s_openapi::api::apps::v1::Deployment;
use kube::Resource;
use kube::api::{Api, DynamicObject};
use kube::runtime::{WatchStreamExt, watcher};
use serde::de::DeserializeOwned;
use tokio::time::Instant;

use super::super::exit::Exit;
use super::super::session::Session;
use super::report::{Status, Verdict, verdict};
use crate::integrations::kube::convert::ToModel;
use crate::integrations::kube::watch::{classify, rollout_resource};
use quarterdeck_core::cluster::{Kind, Object};
use quarterdeck_core::release::{ReleaseId, WorkloadKind};
use quarterdeck_core::{Connection, Model, Msg, WatchEvent, update};

/// How the wait ended, with the last status seen.
pub struct Waited {
    /// The exit code.
    pub exit: Exit,
    /// The last status (none when the release went away).
    pub status: Option<Status>,
    /// Why it ended, for stderr, when it did not end well.
    pub note: Option<String>,
}

/// Follows release `id` in `model` (already holding a snapshot) until it is done or fails,
/// printing a progress line on stderr at every change.
pub async fn follow(
    session: &Session,
    model: &mut Model,
    id: &ReleaseId,
    deadline: Option<Instant>,
) -> Waited {
    let ns = id.key.namespace.as_str();
    let config = watcher::Config::default().fields(&format!("metadata.name={}", id.key.name));
    match id.kind {
        WorkloadKind::Rollout => {
            let api: Api<DynamicObject> =
                Api::namespaced_with(session.client.clone(), ns, &rollout_resource());
            let stream = watcher(api, config).default_backoff();
            run(stream, Kind::Rollouts, model, id, deadline).await
        }
        WorkloadKind::Deployment => {
            let api: Api<Deployment> = Api::namespaced(session.client.clone(), ns);
            let stream = watcher(api, config).default_backoff();
            run(stream, Kind::Deployments, model, id, deadline).await
        }
    }
}

async fn run<K>(
    stream: impl Stream<Item = Result<watcher::Event<K>, watcher::Error>>,
    kind: Kind,
    model: &mut Model,
    id: &ReleaseId,
    deadline: Option<Instant>,
) -> Waited
where
    K: Resource + Clone + DeserializeOwned + Debug + Send + ToModel + 'static,
{
    futures::pin_mut!(stream);
    let mut last = current(model, id);
    if let Some(s) = &last {
        eprintln!("{}", s.progress());
    }
    let mut initial: Vec<Object> = Vec::new();
    // One note per streak of failures: the watcher retries with backoff on its own.
    let mut interrupted = false;
    let timeout = async {
        match deadline {
            Some(d) => tokio::time::sleep_until(d).await,
            None => std::future::pending().await,
        }
    };
    futures::pin_mut!(timeout);
    let interrupt = tokio::signal::ctrl_c();
    futures::pin_mut!(interrupt);
    loop {
        let item = tokio::select! {
            item = stream.next() => item,
            () = &mut timeout => return ended(Exit::Timeout, last, "timed out waiting"),
            _ = &mut interrupt => return ended(Exit::Interrupted, last, "interrupted"),
        };
        let event = match item {
            None => return ended(Exit::Error, last, "the watch ended"),
            Some(Ok(watcher::Event::Init)) => {
                initial.clear();
                continue;
            }
            Some(Ok(watcher::Event::InitApply(obj))) => {
                initial.push(obj.to_model());
                continue;
            }
            Some(Ok(watcher::Event::InitDone)) => WatchEvent::Replace {
                kind,
                objects: std::mem::take(&mut initial),
            },
            Some(Ok(watcher::Event::Apply(obj))) => WatchEvent::Apply(obj.to_model()),
            Some(Ok(watcher::Event::Delete(obj))) => WatchEvent::Delete {
                kind,
                key: obj.to_model().key().clone(),
            },
            Some(Err(e)) => match classify(&e) {
                Connection::Unauthorized(m) => {
                    return ended(Exit::Auth, last, &format!("unauthorized: {m}"));
                }
                Connection::Forbidden(m) => {
                    return ended(Exit::Refused, last, &format!("forbidden: {m}"));
                }
                other => {
                    if !interrupted {
                        let why = match other {
                            Connection::Lost(m) => m,
                            _ => e.to_string(),
                        };
                        eprintln!("quarterdeck: watch interrupted ({why}); watching again");
                        interrupted = true;
                    }
                    continue;
                }
            },
        };
        interrupted = false;
        update(model, Msg::Watch(event));
        let Some(status) = current(model, id) else {
            return ended(Exit::Failed, last, "the release was deleted while waiting");
        };
        if last.as_ref().map(Status::progress) != Some(status.progress()) {
            eprintln!("{}", status.progress());
        }
        let done = verdict_of(model, id);
        last = Some(status);
        match done {
            Some(Verdict::Done) => return ended(Exit::Ok, last, ""),
            Some(Verdict::Failed) => return ended(Exit::Failed, last, "the rollout failed"),
            Some(Verdict::Pending) | None => {}
        }
    }
}

fn current(model: &Model, id: &ReleaseId) -> Option<Status> {
    model
        .releases
        .rows
        .iter()
        .find(|r| &r.id == id)
        .map(Status::of)
}

fn verdict_of(model: &Model, id: &ReleaseId) -> Option<Verdict> {
    model
        .releases
        .rows
        .iter()
        .find(|r| &r.id == id)
        .map(verdict)
}

fn ended(exit: Exit, status: Option<Status>, note: &str) -> Waited {
    Waited {
        exit,
        status,
        note: (!note.is_empty()).then(|| note.to_string()),
    }
}
