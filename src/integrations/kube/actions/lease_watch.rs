//! Every Quarterdeck Lease in the scope, watched: the model gets a full snapshot on every
//! change, so it can say "alex@laptop is about to promote orders-api" on the row.

use std::collections::BTreeMap;

use futures::StreamExt;
use k8s_openapi::api::coordination::v1::Lease;
use kube::api::Api;
use kube::runtime::{WatchStreamExt, watcher};
use tokio::task::JoinHandle;

use super::super::sender::ContextSender;
use super::super::watch::classify;
use super::lease::{MANAGED_BY, info};
use quarterdeck_core::control::{ControlMsg, LeaseInfo};
use quarterdeck_core::{Connection, Msg, Scope};

/// Sends `Msg::Control(ControlMsg::Leases(…))` on every change of the Quarterdeck Leases in
/// `scope` until the receiver is gone. Where Leases may not be watched, sends one empty
/// snapshot and stops.
pub fn watch_leases(
    client: &kube::Client,
    scope: &Scope,
    sender: &ContextSender,
) -> JoinHandle<()> {
    let client = client.clone();
    let scope = scope.clone();
    let sender = sender.clone();
    tokio::spawn(async move {
        follow_leases(&client, &scope, |snapshot| {
            sender.send(Msg::Control(ControlMsg::Leases(snapshot)))
        })
        .await;
    })
}

/// Calls `on` with the full snapshot after the initial list and after every change; returns
/// when `on` answers false, or (after one empty snapshot) when Leases are forbidden.
pub async fn follow_leases(
    client: &kube::Client,
    scope: &Scope,
    mut on: impl FnMut(Vec<LeaseInfo>) -> bool,
) {
    let api: Api<Lease> = match scope {
        Scope::Namespace(ns) => Api::namespaced(client.clone(), ns),
        Scope::All => Api::all(client.clone()),
    };
    let config = watcher::Config::default().labels(MANAGED_BY);
    let stream = watcher(api, config).default_backoff();
    futures::pin_mut!(stream);
    let mut known: BTreeMap<(String, String), LeaseInfo> = BTreeMap::new();
    let mut initial: BTreeMap<(String, String), LeaseInfo> = BTreeMap::new();
    let key = |i: &LeaseInfo| (i.namespace.clone(), i.name.clone());
    while let Some(item) = stream.next().await {
        match item {
            Ok(watcher::Event::Init) => {
                initial.clear();
                continue;
            }
            Ok(watcher::Event::InitApply(l)) => {
                let i = info(&l);
                initial.insert(key(&i), i);
                continue;
            }
            Ok(watcher::Event::InitDone) => known = std::mem::take(&mut initial),
            Ok(watcher::Event::Apply(l)) => {
                let i = info(&l);
                known.insert(key(&i), i);
            }
            Ok(watcher::Event::Delete(l)) => {
                known.remove(&key(&info(&l)));
            }
            Err(e) => {
                if let Connection::Forbidden(why) = classify(&e) {
                    tracing::warn!(%why, "Leases cannot be watched; going on without them");
                    on(Vec::new());
                    return;
                }
                tracing::debug!(error = %e, "Lease watch failed; it starts over");
                continue;
            }
        }
        if !on(known.values().cloned().collect()) {
            return;
        }
    }
}
