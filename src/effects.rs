//! The effects driver: performs each `Effect` against the integration that owns it and lets
//! the results come back as `Msg`s on the same channel.

mod analysis;
mod ci;
mod control;
mod log_merge;
mod save_logs;

use std::collections::HashMap;

use kube::config::Kubeconfig;
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::integrations::kube::sender::ContextSender;
use crate::integrations::kube::{client, logs, watch};
use quarterdeck_core::msg::ContextMsg;
use quarterdeck_core::msg::StreamId;
use quarterdeck_core::{Effect, Msg, Scope};

pub use self::analysis::{AnalysisDriver, AnalysisSetup};
pub use self::ci::{CiDriver, CiSetup};
pub use self::control::{CiClients, ControlDriver, ControlSetup, host_name};
pub(crate) use self::control::{ci_act, ci_outcome};
pub use self::log_merge::LogMerge;

/// What the event loop hands its effects to: the real [`Driver`], or a test's fake.
pub trait EffectSink {
    /// Performs one effect without blocking; results come back as `Msg`s. `Effect::Quit` is
    /// the event loop's own business and never arrives here.
    fn perform(&mut self, effect: Effect);

    /// The merged log batches, taken once by the event loop, which reads them after its other
    /// messages; `None` when log lines come as ordinary messages.
    fn take_log_batches(&mut self) -> Option<mpsc::Receiver<Vec<Msg>>> {
        None
    }

    /// The watches' messages, taken once by the event loop, which reads them at the world's
    /// frame pace; `None` when they come as ordinary messages.
    fn take_world(&mut self) -> Option<UnboundedReceiver<Msg>> {
        None
    }
}

/// Runs watches and log streams for the current context and scope.
pub struct Driver {
    kubeconfig: Kubeconfig,
    client: kube::Client,
    scope: Scope,
    /// The context generation the streams and control send for.
    context: ContextSender,
    tx: UnboundedSender<Msg>,
    /// The context generation the watches send for, on their own queue.
    world: ContextSender,
    world_tx: UnboundedSender<Msg>,
    world_rx: Option<UnboundedReceiver<Msg>>,
    watches: Vec<JoinHandle<()>>,
    /// Across all namespaces: the watch of the selected release's namespace's events.
    events: Option<JoinHandle<()>>,
    streams: HashMap<StreamId, JoinHandle<()>>,
    /// Where the streams' lines are merged on their way to the event loop.
    merge: LogMerge,
    log_batches: Option<mpsc::Receiver<Vec<Msg>>>,
    connecting: Option<Connecting>,
    ci: CiDriver,
    analysis: AnalysisDriver,
    control: ControlDriver,
    /// During a drill: where the operator's looks go (the drill judges detection on them).
    drill_looks: Option<UnboundedSender<(String, quarterdeck_core::drill::LookKind)>>,
}

/// A context being connected to in the background.
struct Connecting {
    epoch: u64,
    /// The context's name.
    name: String,
    task: JoinHandle<()>,
    /// The client, handed over before `ContextMsg::Connected` is sent.
    client: oneshot::Receiver<kube::Client>,
}

impl Driver {
    /// A driver for `client`, watching `scope`; starts the watches at once. CI pollers start
    /// when the model asks for them (once it knows the releases' links); control journals,
    /// notifies and names its user as `control` says.
    pub fn start(
        kubeconfig: Kubeconfig,
        client: kube::Client,
        scope: Scope,
        (ci, control): (CiSetup, ControlSetup),
        tx: UnboundedSender<Msg>,
    ) -> Self {
        let context = ContextSender::new(0, tx.clone());
        let (world_tx, world_rx) = mpsc::unbounded_channel();
        let world = ContextSender::new(0, world_tx.clone());
        let watches = watch::spawn_all(&client, &scope, &world);
        let ci = CiDriver::new(ci, tx.clone());
        let analysis =
            AnalysisDriver::new(AnalysisSetup::default(), tx.clone()).with_kube(client.clone());
        let control = ControlDriver::new(
            control,
            client.clone(),
            ci.clients(),
            &scope,
            &context,
            tx.clone(),
        );
        let (merge, log_batches) = LogMerge::start();
        Self {
            kubeconfig,
            client,
            scope,
            context,
            world,
            world_tx,
            world_rx: Some(world_rx),
            merge,
            log_batches: Some(log_batches),
            ci,
            analysis,
            control,
            tx,
            watches,
            events: None,
            streams: HashMap::new(),
            connecting: None,
            drill_looks: None,
        }
    }

    /// During a drill, hands each of the operator's looks at a release to `looks`.
    pub fn with_drill_looks(
        mut self,
        looks: Option<UnboundedSender<(String, quarterdeck_core::drill::LookKind)>>,
    ) -> Self {
        self.drill_looks = looks;
        self
    }

    /// Reaches Prometheus as `setup` says (credentials, pacing) instead of without
    /// credentials at the default pacing.
    pub fn with_analysis(mut self, setup: AnalysisSetup) -> Self {
        self.analysis = AnalysisDriver::new(setup, self.tx.clone()).with_kube(self.client.clone());
        self
    }

    fn restart_watches(&mut self) {
        // The model asks again for the events it needs once the new lists select a release.
        for task in self.watches.drain(..).chain(self.events.take()) {
            task.abort();
        }
        self.watches = watch::spawn_all(&self.client, &self.scope, &self.world);
        self.control
            .retarget(self.client.clone(), &self.scope, &self.context);
    }

    fn stop_streams(&mut self) {
        for (_, task) in self.streams.drain() {
            task.abort();
        }
    }

    /// Connects to `name` on a thread of its own and reports the outcome for `epoch`. kube-rs
    /// runs an exec credential plugin as a blocking child process while it builds the client;
    /// off the runtime's workers, it cannot hold up the event loop. A newer request supersedes
    /// one still under way: a blocking task cannot be stopped once it runs, but dropping its
    /// client channel keeps its client from being used, and the model ignores its answer.
    fn connect(&mut self, name: String, epoch: u64) {
        if let Some(old) = self.connecting.take() {
            old.task.abort();
        }
        let (client_tx, client_rx) = oneshot::channel();
        let kubeconfig = self.kubeconfig.clone();
        let context_name = name.clone();
        let tx = self.tx.clone();
        let runtime = tokio::runtime::Handle::current();
        let task = tokio::task::spawn_blocking(move || {
            let msg = match runtime.block_on(client::reach(&kubeconfig, &name)) {
                Ok(connected) => {
                    // The client first, so it is there when the switch is asked for.
                    if client_tx.send(connected.client).is_err() {
                        return;
                    }
                    ContextMsg::Connected {
                        name,
                        epoch,
                        server: connected.server,
                    }
                }
                Err(e) => ContextMsg::Failed {
                    name,
                    epoch,
                    error: e.to_string(),
                },
            };
            let _ = tx.send(Msg::Context(msg));
        });
        self.connecting = Some(Connecting {
            epoch,
            name: context_name,
            task,
            client: client_rx,
        });
    }

    /// Moves every watch and stream to the context connected for `epoch`.
    fn switch(&mut self, epoch: u64) {
        let Some(mut connecting) = self.connecting.take_if(|c| c.epoch == epoch) else {
            tracing::warn!(epoch, "switch to a context that is not being connected");
            return;
        };
        let Ok(client) = connecting.client.try_recv() else {
            tracing::warn!(epoch, "switch to a context whose client is gone");
            return;
        };
        self.client = client;
        self.analysis.set_kube(self.client.clone());
        self.control
            .set_user(client::context_user(&self.kubeconfig, &connecting.name));
        self.context = ContextSender::new(epoch, self.tx.clone());
        self.world = ContextSender::new(epoch, self.world_tx.clone());
        self.stop_streams();
        self.restart_watches();
    }
}

impl EffectSink for Driver {
    fn perform(&mut self, effect: Effect) {
        match effect {
            Effect::StartLogStream(spec) => {
                let id = spec.id;
                let queue = self.merge.queue(id, self.context.epoch());
                let task = logs::spawn_into(
                    self.client.clone(),
                    spec,
                    self.context.clone(),
                    logs::LineSink::Queue(queue),
                );
                if let Some(old) = self.streams.insert(id, task) {
                    old.abort();
                }
            }
            Effect::StopLogStream(id) => {
                if let Some(task) = self.streams.remove(&id) {
                    task.abort();
                }
            }
            Effect::SaveLogs { path, force, lines } => {
                save_logs::spawn(path, force, lines, self.tx.clone());
            }
            Effect::WatchEvents(namespace) => {
                if let Some(old) = self.events.take() {
                    old.abort();
                }
                self.events =
                    namespace.map(|ns| watch::spawn_events(&self.client, &ns, &self.world));
            }
            Effect::SetScope(scope) => {
                self.scope = scope;
                self.restart_watches();
            }
            Effect::ConnectContext { name, epoch } => self.connect(name, epoch),
            Effect::SwitchContext { epoch } => self.switch(epoch),
            Effect::WatchCi(watches) => self.ci.watch(watches),
            Effect::FocusCi(release) => self.ci.focus(release),
            Effect::FollowJobLog(job) => self.ci.follow(job),
            Effect::StopJobLog(job) => self.ci.stop(&job),
            Effect::WatchAnalysis(watches) => self.analysis.watch(watches),
            Effect::Control(effect) => self.control.perform(*effect),
            Effect::DrillLook { release, how } => {
                if let Some(looks) = &self.drill_looks {
                    let _ = looks.send((release, how));
                }
            }
            Effect::Quit => {}
        }
    }

    fn take_log_batches(&mut self) -> Option<mpsc::Receiver<Vec<Msg>>> {
        self.log_batches.take()
    }

    fn take_world(&mut self) -> Option<UnboundedReceiver<Msg>> {
        self.world_rx.take()
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if let Some(connecting) = self.connecting.take() {
            connecting.task.abort();
        }
        self.stop_streams();
        for task in self.watches.drain(..).chain(self.events.take()) {
            task.abort();
        }
    }
}
