//! The effects driver: performs each `Effect` against the integration that owns it and lets
//! the results come back as `Msg`s on the same channel.

mod ci;

use std::collections::HashMap;

use kube::config::Kubeconfig;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

use crate::integrations::kube::{client, logs, watch};
use quarterdeck_core::cluster::Kind;
use quarterdeck_core::msg::StreamId;
use quarterdeck_core::{Connection, Effect, Msg, Scope};

pub use self::ci::{CiDriver, CiSetup};

/// Runs watches and log streams for the current context and scope.
pub struct Driver {
    kubeconfig: Kubeconfig,
    client: kube::Client,
    scope: Scope,
    tx: UnboundedSender<Msg>,
    watches: Vec<JoinHandle<()>>,
    streams: HashMap<StreamId, JoinHandle<()>>,
    ci: CiDriver,
}

impl Driver {
    /// A driver for `client`, watching `scope`; starts the watches at once. CI pollers start
    /// when the model asks for them (once it knows the releases' links).
    pub fn start(
        kubeconfig: Kubeconfig,
        client: kube::Client,
        scope: Scope,
        ci: CiSetup,
        tx: UnboundedSender<Msg>,
    ) -> Self {
        let watches = watch::spawn_all(&client, &scope, &tx);
        Self {
            kubeconfig,
            client,
            scope,
            ci: CiDriver::new(ci, tx.clone()),
            tx,
            watches,
            streams: HashMap::new(),
        }
    }

    /// Performs one effect. `Effect::Quit` is the event loop's business and ignored here.
    pub async fn run(&mut self, effect: Effect) {
        match effect {
            Effect::StartLogStream(spec) => {
                let id = spec.id;
                let task = logs::spawn(self.client.clone(), spec, self.tx.clone());
                if let Some(old) = self.streams.insert(id, task) {
                    old.abort();
                }
            }
            Effect::StopLogStream(id) => {
                if let Some(task) = self.streams.remove(&id) {
                    task.abort();
                }
            }
            Effect::SetScope(scope) => {
                self.scope = scope;
                self.restart_watches();
            }
            Effect::SwitchContext(name) => {
                match client::connect(&self.kubeconfig, Some(&name)).await {
                    Ok(connected) => {
                        self.client = connected.client;
                        self.stop_streams();
                        self.restart_watches();
                    }
                    Err(e) => {
                        let now = chrono::Utc::now().timestamp_millis();
                        for kind in Kind::ALL {
                            let _ = self.tx.send(Msg::Connection {
                                kind,
                                state: Connection::Lost(e.to_string()),
                                at_ms: now,
                            });
                        }
                    }
                }
            }
            Effect::WatchCi(watches) => self.ci.watch(watches),
            Effect::FollowJobLog(job) => self.ci.follow(job),
            Effect::StopJobLog(job) => self.ci.stop(&job),
            Effect::Quit => {}
        }
    }

    fn restart_watches(&mut self) {
        for task in self.watches.drain(..) {
            task.abort();
        }
        self.watches = watch::spawn_all(&self.client, &self.scope, &self.tx);
    }

    fn stop_streams(&mut self) {
        for (_, task) in self.streams.drain() {
            task.abort();
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.stop_streams();
        for task in self.watches.drain(..) {
            task.abort();
        }
    }
}
