//! Watch sources: one `kube::runtime::watcher` per kind, turned into `Msg`s. The initial list
//! arrives as one `Replace`; later changes one by one. After an error the source reports
//! itself lost and starts over with a fresh list once its backoff has passed, so "live"
//! always means "a list just succeeded or an event just arrived", never a guess.

use std::fmt::Debug;
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{Event, Pod};
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Client, Resource};
use serde::de::DeserializeOwned;
use tokio::task::JoinHandle;

use super::client::innermost;
use super::convert::{self, ToModel};
use super::sender::ContextSender;
use quarterdeck_core::cluster::{Kind, Object};
use quarterdeck_core::{Connection, Msg, Scope, WatchEvent};

/// The Argo Rollouts resource, read through the dynamic API.
pub fn rollout_resource() -> ApiResource {
    ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("argoproj.io", "v1alpha1", "Rollout"),
        "rollouts",
    )
}

/// The Argo AnalysisRun resource, read through the dynamic API.
pub fn analysis_run_resource() -> ApiResource {
    ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("argoproj.io", "v1alpha1", "AnalysisRun"),
        "analysisruns",
    )
}

/// Longest pause between attempts after repeated failures.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Starts a watch for every kind in `scope`; each task ends when the receiver is gone. Across
/// all namespaces, Kubernetes Events are left to [`spawn_events`], for the namespace the
/// model asks for.
pub fn spawn_all(client: &Client, scope: &Scope, tx: &ContextSender) -> Vec<JoinHandle<()>> {
    let ns = match scope {
        Scope::Namespace(ns) => Some(ns.clone()),
        Scope::All => None,
    };
    let ns = ns.as_deref();
    let mut tasks = vec![
        spawn(typed::<Deployment>(client, ns), Kind::Deployments, tx),
        spawn(typed::<ReplicaSet>(client, ns), Kind::ReplicaSets, tx),
        spawn(typed::<Pod>(client, ns), Kind::Pods, tx),
    ];
    if let Some(ns) = ns {
        tasks.push(spawn_events(client, ns, tx));
    }
    let dynamic = |ar: &ApiResource| -> Api<DynamicObject> {
        match ns {
            Some(ns) => Api::namespaced_with(client.clone(), ns, ar),
            None => Api::all_with(client.clone(), ar),
        }
    };
    tasks.push(spawn(dynamic(&rollout_resource()), Kind::Rollouts, tx));
    // Without the Argo CRDs or the RBAC to read them, this source shows lost or forbidden,
    // as the Rollouts one does; nothing else waits for it.
    tasks.push(spawn_with(
        dynamic(&analysis_run_resource()),
        Kind::AnalysisRuns,
        tx,
        |o| Object::AnalysisRun(convert::analysis_run(o)),
    ));
    tasks
}

/// Starts a watch of the Kubernetes Events in namespace `ns`.
pub fn spawn_events(client: &Client, ns: &str, tx: &ContextSender) -> JoinHandle<()> {
    spawn(typed::<Event>(client, Some(ns)), Kind::Events, tx)
}

fn typed<K>(client: &Client, ns: Option<&str>) -> Api<K>
where
    K: Resource<Scope = k8s_openapi::NamespaceResourceScope>,
    K::DynamicType: Default,
{
    match ns {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    }
}

fn spawn<K>(api: Api<K>, kind: Kind, tx: &ContextSender) -> JoinHandle<()>
where
    K: Resource + Clone + DeserializeOwned + Debug + Send + Sync + ToModel + 'static,
{
    spawn_with(api, kind, tx, K::to_model)
}

/// A watch whose objects `convert` turns into the model's (one Rust type may serve two kinds).
fn spawn_with<K>(
    api: Api<K>,
    kind: Kind,
    tx: &ContextSender,
    convert: fn(&K) -> Object,
) -> JoinHandle<()>
where
    K: Resource + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
{
    let tx = tx.clone();
    tokio::spawn(run(api, kind, tx, convert))
}

/// How a watch error reads to the operator, and which state it puts the source in.
pub fn classify(err: &watcher::Error) -> Connection {
    let client_err = match err {
        watcher::Error::InitialListFailed(e)
        | watcher::Error::WatchStartFailed(e)
        | watcher::Error::WatchFailed(e) => Some(e),
        watcher::Error::WatchError(status) => {
            return match status.code {
                401 => Connection::Unauthorized(status.message.clone()),
                403 => Connection::Forbidden(status.message.clone()),
                _ => Connection::Lost(format!("{} ({})", status.message, status.code)),
            };
        }
        watcher::Error::NoResourceVersion => None,
    };
    match client_err {
        Some(kube::Error::Api(status)) if status.code == 401 => {
            Connection::Unauthorized(non_empty(&status.message, "Unauthorized"))
        }
        Some(kube::Error::Api(status)) if status.code == 403 => {
            Connection::Forbidden(non_empty(&status.message, "Forbidden"))
        }
        Some(e) => Connection::Lost(innermost(e)),
        None => Connection::Lost(err.to_string()),
    }
}

fn non_empty(s: &str, fallback: &str) -> String {
    if s.is_empty() {
        fallback.to_string()
    } else {
        s.to_string()
    }
}

async fn run<K>(api: Api<K>, kind: Kind, tx: ContextSender, convert: fn(&K) -> Object)
where
    K: Resource + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
{
    let send_state = |state: Connection| {
        tx.send(Msg::Connection {
            kind,
            state,
            at_ms: now_ms(),
        })
    };
    let mut backoff = Duration::from_millis(500);
    loop {
        let stream = watcher(api.clone(), watcher::Config::default()).default_backoff();
        futures::pin_mut!(stream);
        let mut initial: Vec<Object> = Vec::new();
        let mut live = false;
        let failure = loop {
            let Some(item) = stream.next().await else {
                break Connection::Lost("watch ended".into());
            };
            let msg = match item {
                Ok(watcher::Event::Init) => {
                    initial.clear();
                    continue;
                }
                Ok(watcher::Event::InitApply(obj)) => {
                    initial.push(convert(&obj));
                    continue;
                }
                Ok(watcher::Event::InitDone) => Msg::Watch(WatchEvent::Replace {
                    kind,
                    objects: std::mem::take(&mut initial),
                }),
                Ok(watcher::Event::Apply(obj)) => Msg::Watch(WatchEvent::Apply(convert(&obj))),
                Ok(watcher::Event::Delete(obj)) => Msg::Watch(WatchEvent::Delete {
                    kind,
                    key: convert(&obj).key().clone(),
                }),
                Err(e) => {
                    tracing::warn!(kind = kind.plural(), error = %e, "watch failed");
                    break classify(&e);
                }
            };
            if !tx.send(msg) {
                return;
            }
            if !live {
                live = true;
                backoff = Duration::from_millis(500);
                if !send_state(Connection::Live) {
                    return;
                }
            }
        };
        let slow = matches!(
            failure,
            Connection::Forbidden(_) | Connection::Unauthorized(_)
        );
        if !send_state(failure) {
            return;
        }
        // Permission problems do not heal in half a second; ask again less often.
        let wait = if slow { MAX_BACKOFF } else { backoff };
        tokio::time::sleep(wait).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
        if tx.is_closed() {
            return;
        }
    }
}
