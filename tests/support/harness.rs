//! The event loop without a terminal, for tests: a `TestBackend` for the screen, `Msg`s sent
//! through the loop's channel, frames read back as text. Every wait is for a frame that
//! satisfies a condition, with a deadline; nothing sleeps.

use std::sync::Arc;
use std::time::Duration;

use quarterdeck::app::EventLoop;
use quarterdeck::config::{Theme, load_keymap};
use quarterdeck::effects::{AnalysisSetup, CiSetup, ControlSetup, Driver, EffectSink};
use quarterdeck::integrations::kube::client;
use quarterdeck::integrations::rest::{Pacing, SystemClock};
use quarterdeck::terminal::{Screen, SignalEvent};
use quarterdeck_core::key::KeyPress;
use quarterdeck_core::{Effect, Model, Msg, Scope, Target};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

/// Longest wait for a frame; generous, since a busy machine may be building at the same time.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// The screen of a test: publishes every frame's text (and keeps them all), and takes a new
/// size before a frame, as a real terminal that was resized would have it.
pub struct Recorder {
    pub latest: watch::Sender<String>,
    pub all: Arc<std::sync::Mutex<Vec<String>>>,
    pub size: watch::Receiver<(u16, u16)>,
}

impl Screen<TestBackend> for Recorder {
    fn begin_frame(
        &mut self,
        terminal: &mut Terminal<TestBackend>,
        _full: bool,
    ) -> std::io::Result<()> {
        let (w, h) = *self.size.borrow();
        let area = terminal.backend().buffer().area;
        if (area.width, area.height) != (w, h) {
            terminal.backend_mut().resize(w, h);
        }
        Ok(())
    }

    fn end_frame(&mut self, terminal: &mut Terminal<TestBackend>) -> std::io::Result<()> {
        let buffer = terminal.backend().buffer();
        let mut text = String::new();
        for y in 0..buffer.area.height {
            for x in 0..buffer.area.width {
                text.push_str(buffer[(x, y)].symbol());
            }
            text.push('\n');
        }
        self.all.lock().unwrap().push(text.clone());
        self.latest.send_replace(text);
        Ok(())
    }
}

/// An effect sink that only reports what it was asked to do.
pub struct Recorded(pub mpsc::UnboundedSender<Effect>);

impl EffectSink for Recorded {
    fn perform(&mut self, effect: Effect) {
        let _ = self.0.send(effect);
    }
}

/// A running loop and the handles a test drives it with.
pub struct Harness {
    pub messages: mpsc::UnboundedSender<Msg>,
    pub frames: watch::Receiver<String>,
    pub all: Arc<std::sync::Mutex<Vec<String>>>,
    pub size: watch::Sender<(u16, u16)>,
    pub _signals: mpsc::Sender<SignalEvent>,
    pub task: JoinHandle<color_eyre::Result<i32>>,
}

impl Harness {
    /// Spawns the loop on the current runtime, `width`×`height`, with `effects` as its sink.
    pub fn start<E: EffectSink + Send + 'static>(
        model: Model,
        effects: E,
        messages: (mpsc::UnboundedSender<Msg>, mpsc::UnboundedReceiver<Msg>),
        (width, height): (u16, u16),
    ) -> Harness {
        let (latest, frames) = watch::channel(String::new());
        let (size, size_rx) = watch::channel((width, height));
        let (signals_tx, signals) = mpsc::channel(1);
        let all = Arc::new(std::sync::Mutex::new(Vec::new()));
        let screen = Recorder {
            latest,
            all: all.clone(),
            size: size_rx,
        };
        let terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        let event_loop = EventLoop {
            model,
            theme: Theme::load("default", None).unwrap(),
            terminal,
            screen,
            effects,
            messages: messages.1,
            signals,
        };
        Harness {
            messages: messages.0,
            frames,
            all,
            size,
            _signals: signals_tx,
            task: tokio::spawn(event_loop.run()),
        }
    }

    pub fn send(&self, msg: Msg) {
        self.messages.send(msg).unwrap();
    }

    /// Sends one key per character (`\r` is enter).
    pub fn keys(&self, keys: &str) {
        for c in keys.chars() {
            let name = match c {
                '\r' => "enter".to_string(),
                ' ' => "space".to_string(),
                c => c.to_string(),
            };
            self.send(Msg::Key(KeyPress::parse(&name).unwrap()));
        }
    }

    /// Waits for a frame for which `cond` holds; panics with the last frame after the deadline.
    pub async fn frame(&mut self, what: &str, cond: impl Fn(&str) -> bool) -> String {
        let found = tokio::time::timeout(PATIENCE, self.frames.wait_for(|f| cond(f)))
            .await
            .ok()
            .and_then(Result::ok)
            .map(|frame| frame.clone());
        match found {
            Some(frame) => frame,
            None => panic!(
                "no frame with {what} within {PATIENCE:?}; the last one:\n{}",
                *self.frames.borrow()
            ),
        }
    }
}

/// The real dashboard (event loop and driver) on the simulator of `fx` through `kubeconfig`,
/// watching namespace `ns`, 200×50; `control` gets the kubeconfig user and says where control
/// journals and notifies.
pub fn dashboard(
    fx: &super::Fixture,
    kubeconfig: &std::path::Path,
    ns: &str,
    control: impl FnOnce(String) -> ControlSetup,
) -> Harness {
    dashboard_with(fx, kubeconfig, ns, control, |_| {}, None)
}

/// [`dashboard`], with the model adjusted by `model_with` before the loop starts (settings a
/// config file would give) and Prometheus reached as `analysis` says.
pub fn dashboard_with(
    fx: &super::Fixture,
    kubeconfig: &std::path::Path,
    ns: &str,
    control: impl FnOnce(String) -> ControlSetup,
    model_with: impl FnOnce(&mut Model),
    analysis: Option<AnalysisSetup>,
) -> Harness {
    // As main does: rustls is built with two crypto backends; pick one.
    let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
    let kubeconfig = client::read_kubeconfig(Some(kubeconfig)).unwrap();
    fx.rt.block_on(async {
        let connected = client::connect(&kubeconfig, None).await.unwrap();
        let scope = Scope::Namespace(ns.into());
        let target = Target {
            context: connected.context.clone(),
            contexts: connected.contexts.clone(),
            scope: scope.clone(),
            server: connected.server.clone(),
            readonly: false,
        };
        let mut model = Model::new(target, load_keymap("default", None).unwrap(), 0);
        model_with(&mut model);
        let ci = CiSetup {
            github_base: format!("{}/github", fx.handle.base_url()),
            gitlab_base: format!("{}/gitlab", fx.handle.base_url()),
            github_token: None,
            gitlab_token: None,
            clock: Arc::new(SystemClock),
            pacing: Pacing::default(),
        };
        let control = control(client::context_user(&kubeconfig, &connected.context));
        let (tx, rx) = mpsc::unbounded_channel();
        let mut driver = Driver::start(
            kubeconfig,
            connected.client,
            scope,
            (ci, control),
            tx.clone(),
        );
        if let Some(setup) = analysis {
            driver = driver.with_analysis(setup);
        }
        Harness::start(model, driver, (tx, rx), (200, 50))
    })
}
