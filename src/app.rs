//! The event loop: owns the `Model`, drains `Msg`s in batches — keys and answers from one
//! channel, what the watches saw from their own at the world's frame pace, merged log lines
//! from a third — runs `update`, hands `Effect`s to the driver, and draws at most ~60 times a
//! second, and only when something changed.
//!
//! [`EventLoop`] knows no terminal: it draws on any ratatui `Backend` through a
//! [`Screen`](crate::terminal::Screen) and hands effects to any [`EffectSink`], so a test runs it
//! on a `TestBackend`, sends `Msg`s and reads the frames. [`run`] wires it to the real
//! terminal, the input and signal sources, and the [`Driver`].

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use color_eyre::eyre::{Result, WrapErr, eyre};
use crossterm::event::{Event, EventStream, KeyEvent, KeyEventKind, KeyModifiers};
use futures::StreamExt;
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};
use tokio::time::Instant;

use crate::config::releases::load_releases;
use crate::config::{
    AnalysisDefaults, Theme, config_dir, load_analysis, load_control, load_keymap, state_dir,
    theme_for_contexts,
};
use crate::control::journal::Journal;
use crate::control::webhook::Webhook;
use crate::effects::{AnalysisSetup, CiSetup, ControlSetup, Driver, EffectSink, host_name};
use crate::frame_pace::{Due, WorldReads};
use crate::frames::{Drawn, LastFrame};
use crate::integrations::kube::client;
use crate::integrations::prometheus::Auth;
use crate::integrations::rest::{Clock, Pacing, ServerClock, Token};
use crate::integrations::{github, gitlab};
use crate::terminal::{self, Screen, SignalEvent};
use quarterdeck_core::action::Action;
use quarterdeck_core::key::{KeyCode, KeyPress};
use quarterdeck_core::link::ReleasesConfig;
use quarterdeck_core::{Effect, Model, Msg, Redraw, Scope, Target, update, update_watched};

/// Messages handled before a frame is considered, so a flood cannot starve drawing.
const BATCH: usize = 4_096;

/// How the dashboard is started.
#[derive(Debug, Clone, Default)]
pub struct AppOptions {
    /// `--kubeconfig`.
    pub kubeconfig: Option<PathBuf>,
    /// `--context`.
    pub context: Option<String>,
    /// `--namespace`.
    pub namespace: Option<String>,
    /// `-A`.
    pub all_namespaces: bool,
    /// `--theme`.
    pub theme: String,
    /// `--keymap`.
    pub keymap: String,
    /// `--readonly`.
    pub readonly: bool,
    /// Where the CI APIs are; `None` reads `config.toml` and the token variables.
    pub ci: Option<CiSetup>,
    /// Analysis settings where `config.toml` says nothing (the demo's Prometheus and triggers).
    pub analysis_defaults: AnalysisDefaults,
    /// How Prometheus is reached; `None` reads the credential variables.
    pub analysis: Option<AnalysisSetup>,
    /// The rollback drill this dashboard plays (`quarterdeck drill NAME`).
    pub drill: Option<crate::drill::tui::Hook>,
    /// `--since` and `--tail`: where the Logs pane's streams start.
    pub log_start: crate::cli::LogStartArgs,
}

/// CI endpoints for a real cluster: base URLs from `config.toml` (`[github]`/`[gitlab]
/// base_url`), tokens from `GITHUB_TOKEN`/`GH_TOKEN` and `GITLAB_TOKEN`.
pub(crate) fn ci_from_env(releases: &ReleasesConfig) -> CiSetup {
    CiSetup {
        github_base: releases
            .github_base_url
            .clone()
            .unwrap_or_else(|| github::DEFAULT_BASE.to_string()),
        gitlab_base: releases
            .gitlab_base_url
            .clone()
            .unwrap_or_else(|| gitlab::DEFAULT_BASE.to_string()),
        github_token: Token::from_env(&github::TOKEN_VARS),
        gitlab_token: Token::from_env(&gitlab::TOKEN_VARS),
        clock: Arc::new(ServerClock::new()),
        pacing: Pacing::default(),
    }
}

/// Runs the dashboard until the user quits; returns the process exit code.
pub async fn run(options: AppOptions) -> Result<i32> {
    // Everything that can fail with a message for the user fails before the alternate screen.
    let user_dir = config_dir();
    let theme = Theme::load(&options.theme, user_dir.as_deref())?;
    let keymap = load_keymap(&options.keymap, user_dir.as_deref())?;
    let releases = load_releases(user_dir.as_deref())?;
    let control = load_control(user_dir.as_deref())?;
    let analysis = load_analysis(user_dir.as_deref(), &options.analysis_defaults)?;
    let webhook = control
        .webhook
        .as_deref()
        .map(Webhook::new)
        .transpose()
        .map_err(|e| eyre!(e))?;
    let ci = options.ci.clone().unwrap_or_else(|| ci_from_env(&releases));
    let kubeconfig = client::read_kubeconfig(options.kubeconfig.as_deref())?;
    let connected = client::connect(&kubeconfig, options.context.as_deref()).await?;
    let theme = theme_for_contexts(
        theme,
        &options.theme,
        user_dir.as_deref(),
        &connected.contexts,
    )?;
    let scope = if options.all_namespaces {
        Scope::All
    } else {
        Scope::Namespace(
            options
                .namespace
                .clone()
                .unwrap_or_else(|| connected.namespace.clone()),
        )
    };
    let target = Target {
        context: connected.context.clone(),
        contexts: connected.contexts.clone(),
        scope: scope.clone(),
        server: connected.server.clone(),
        readonly: options.readonly,
    };
    let mut model = Model::new(target, keymap, now_ms());
    model.logs.since_seconds = options
        .log_start
        .since
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    model.logs.tail = options.log_start.tail;
    model.ci.config = releases;
    model.ci.without_token = ci.providers_without_token();
    model.control.policies = control.policies;
    model.analysis.config = analysis;
    let control_setup = ControlSetup {
        journal: state_dir().map(|d| Journal::in_dir(&d)),
        webhook,
        user: client::context_user(&kubeconfig, &connected.context),
        host: host_name(),
    };
    let (tx, rx) = mpsc::unbounded_channel();

    let signals = terminal::spawn_signal_listener().wrap_err("cannot listen for signals")?;
    let (guard, term) = terminal::init().wrap_err("cannot set up the terminal")?;
    tracing::info!(context = %connected.context, scope = scope.label(), "dashboard started");

    spawn_input(tx.clone());
    spawn_ticks(tx.clone());
    spawn_ci_clock(tx.clone(), ci.clock.clone());
    let analysis_setup = options.analysis.clone().unwrap_or_else(|| AnalysisSetup {
        auth: Auth::from_env(),
        pacing: Pacing::default(),
    });
    let drill_looks = crate::drill::tui::attach(options.drill.as_ref(), tx.clone());
    let driver = Driver::start(kubeconfig, connected.client, scope, (ci, control_setup), tx)
        .with_analysis(analysis_setup)
        .with_drill_looks(drill_looks);
    // The first frame goes out before the API has answered anything.
    EventLoop {
        model,
        theme,
        terminal: term,
        screen: guard,
        effects: driver,
        messages: rx,
        signals,
    }
    .run()
    .await
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// The event loop and everything it owns; [`EventLoop::run`] drives it to the end.
pub struct EventLoop<B: Backend, S: Screen<B>, E: EffectSink> {
    /// The state, changed only by `update`.
    pub model: Model,
    /// How the model is drawn.
    pub theme: Theme,
    /// Where frames go.
    pub terminal: Terminal<B>,
    /// The terminal-only work around frames: synchronized output, suspend, resume.
    pub screen: S,
    /// Who performs the effects `update` returns.
    pub effects: E,
    /// Every source's messages: keys, watches, streams, pollers, effect results.
    pub messages: UnboundedReceiver<Msg>,
    /// Process signals (`SIGTERM` ends the loop with its exit code, `SIGCONT` repaints).
    pub signals: mpsc::Receiver<SignalEvent>,
}

impl<B, S, E> EventLoop<B, S, E>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
    S: Screen<B>,
    E: EffectSink,
{
    /// Draws the first frame at once, then handles messages until `Effect::Quit` (exit code
    /// 0) or a terminating signal (128 + its number). Drops the effect sink, then the screen,
    /// on the way out.
    pub async fn run(self) -> Result<i32> {
        let EventLoop {
            mut model,
            theme,
            mut terminal,
            mut screen,
            mut effects,
            mut messages,
            mut signals,
        } = self;
        if let Ok(size) = terminal.size() {
            update(
                &mut model,
                Msg::Resized {
                    width: size.width,
                    height: size.height,
                },
            );
        }
        let mut trace = crate::frame_trace::FrameTrace::start(&mut model);
        let mut last = LastFrame::default();
        model.take_redraw();
        draw(
            &mut terminal,
            &mut screen,
            &model,
            &theme,
            Redraw::All,
            &mut last,
        )?;
        let mut log_batches = effects.take_log_batches();
        let mut world = effects.take_world();
        let mut reads = WorldReads::default();
        let mut due = Due::new(Instant::now());
        loop {
            let deadline = earliest(due.next(), reads.next());
            // Biased: keys and every other message go before the watches' and log lines.
            let first = tokio::select! {
                biased;
                msg = messages.recv() => match msg {
                    Some(m) => Some(Incoming::Msg(m)),
                    None => return Err(eyre!("every event source stopped")),
                },
                Some(sig) = signals.recv() => {
                    if let Some(code) = sig.exit_code() {
                        drop(effects);
                        drop(screen);
                        return Ok(code);
                    }
                    screen.resume(&mut terminal).wrap_err("cannot take the terminal back")?;
                    last.forget();
                    Some(Incoming::Msg(Msg::Redraw))
                },
                Some(m) = next_world(&mut world), if reads.open() => Some(Incoming::World(m)),
                Some(lines) = next_log_batch(&mut log_batches) => Some(Incoming::Logs(lines)),
                () = sleep_until(deadline), if deadline.is_some() => None,
            };
            let mut batch: Vec<Msg> = Vec::new();
            let mut logs: Vec<Msg> = Vec::new();
            let mut watched: Vec<Msg> = Vec::new();
            match first {
                Some(Incoming::Msg(m)) => batch.push(m),
                Some(Incoming::World(m)) => watched.push(m),
                Some(Incoming::Logs(l)) => logs = l,
                None => {}
            }
            while batch.len() < BATCH {
                match messages.try_recv() {
                    Ok(m) => batch.push(m),
                    Err(_) => break,
                }
            }
            let reading = !watched.is_empty() || reads.due(Instant::now());
            if reading && let Some(queue) = world.as_mut() {
                while watched.len() < BATCH {
                    match queue.try_recv() {
                        Ok(m) => watched.push(m),
                        Err(_) => break,
                    }
                }
            }
            // The log lines waiting now, after the other messages taken in this round.
            if let Some(queue) = log_batches.as_mut() {
                while logs.len() < BATCH {
                    match queue.try_recv() {
                        Ok(more) => logs.extend(more),
                        Err(_) => break,
                    }
                }
            }
            let read = watched.len();
            batch.extend(logs);
            let tracing_frames = tracing::enabled!(tracing::Level::TRACE);
            if read > 0 {
                for effect in update_watched(&mut model, watched) {
                    effects.perform(effect);
                }
                let redraw = model.take_redraw();
                due.wants(redraw);
                reads.read(read, redraw, read >= BATCH, Instant::now());
                if tracing_frames && redraw != Redraw::Nothing {
                    tracing::trace!(cause = "watches", read, ?redraw, "the next frame is due");
                }
            } else if reading {
                reads.read(0, Redraw::Nothing, false, Instant::now());
            }
            for msg in batch {
                let name = tracing_frames.then(|| msg_name(&msg));
                if let Msg::Key(key) = &msg
                    && model.keymap.action(model.nav.mode, key) == Some(Action::Suspend)
                {
                    screen.suspend(&mut terminal).wrap_err("cannot suspend")?;
                    last.forget();
                    update(&mut model, Msg::Redraw);
                    continue;
                }
                for effect in update(&mut model, msg) {
                    if effect == Effect::Quit {
                        drop(effects);
                        drop(screen);
                        return Ok(0);
                    }
                    effects.perform(effect);
                }
                // Per message: log lines and a world change in one round are told apart.
                let redraw = model.take_redraw();
                due.wants(redraw);
                if let Some(name) = name
                    && redraw != Redraw::Nothing
                {
                    tracing::trace!(cause = name, ?redraw, "the next frame is due");
                }
            }
            if let Some(redraw) = due.now(Instant::now()) {
                let drew = draw(
                    &mut terminal,
                    &mut screen,
                    &model,
                    &theme,
                    redraw,
                    &mut last,
                )?;
                due.drawn(drew, Instant::now());
                if drew != Redraw::Nothing
                    && let Some(t) = trace.as_mut()
                {
                    t.frame(&model);
                }
            }
        }
    }
}

/// The earlier of two deadlines, either of which may be absent.
fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

async fn sleep_until(at: Option<Instant>) {
    if let Some(at) = at {
        tokio::time::sleep_until(at).await;
    }
}

/// A message's variant and the first of its contents, for tracing why a frame was drawn.
fn msg_name(msg: &Msg) -> String {
    let text = format!("{msg:?}");
    text.chars().take(60).collect()
}

/// What woke the loop up.
// It lives for one turn of the loop, on the stack: boxing the message would cost an
// allocation per message for nothing.
#[allow(clippy::large_enum_variant)]
enum Incoming {
    /// A message from a source or the driver.
    Msg(Msg),
    /// What a watch saw.
    World(Msg),
    /// Merged log lines.
    Logs(Vec<Msg>),
}

/// The watches' next message; never, without their queue or once it closed.
async fn next_world(queue: &mut Option<UnboundedReceiver<Msg>>) -> Option<Msg> {
    match queue {
        Some(q) => match q.recv().await {
            Some(msg) => Some(msg),
            None => std::future::pending().await,
        },
        None => std::future::pending().await,
    }
}

/// The next merged log batch; never, without a queue or once it closed.
async fn next_log_batch(queue: &mut Option<mpsc::Receiver<Vec<Msg>>>) -> Option<Vec<Msg>> {
    match queue {
        Some(q) => match q.recv().await {
            Some(batch) => Some(batch),
            None => std::future::pending().await,
        },
        None => std::future::pending().await,
    }
}

/// Draws one frame between the screen's hooks, as `last` decides from `redraw`: every pane,
/// the Logs pane alone, or nothing at all (only log lines changed, and the pane is not on
/// screen); what reached the screen (`Nothing`, `Logs` or `All`).
fn draw<B, S>(
    terminal: &mut Terminal<B>,
    screen: &mut S,
    model: &Model,
    theme: &Theme,
    redraw: Redraw,
    last: &mut LastFrame,
) -> Result<Redraw>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
    S: Screen<B>,
{
    crate::logging::collect();
    if !last.shows(redraw) {
        return Ok(Redraw::Nothing);
    }
    let full = last.take_repaint();
    screen.begin_frame(terminal, full).wrap_err("cannot draw")?;
    let drawn = last.draw(terminal, model, theme, redraw);
    // End the frame even if drawing failed, or the terminal would stay frozen.
    let ended = screen.end_frame(terminal);
    let drawn = drawn.wrap_err("cannot draw")?;
    ended.wrap_err("cannot draw")?;
    Ok(match drawn {
        Drawn::All => Redraw::All,
        Drawn::LogsAlone => Redraw::Logs,
        Drawn::Unchanged => Redraw::Nothing,
    })
}

/// Converts a crossterm key event; releases and repeats of modifier-only keys are dropped.
pub fn key_press(ev: KeyEvent) -> Option<KeyPress> {
    use crossterm::event::KeyCode as C;
    if ev.kind == KeyEventKind::Release {
        return None;
    }
    let code = match ev.code {
        C::Char(c) => KeyCode::Char(c),
        C::Enter => KeyCode::Enter,
        C::Esc => KeyCode::Esc,
        C::Tab => KeyCode::Tab,
        C::BackTab => KeyCode::BackTab,
        C::Backspace => KeyCode::Backspace,
        C::Up => KeyCode::Up,
        C::Down => KeyCode::Down,
        C::Left => KeyCode::Left,
        C::Right => KeyCode::Right,
        C::PageUp => KeyCode::PageUp,
        C::PageDown => KeyCode::PageDown,
        C::Home => KeyCode::Home,
        C::End => KeyCode::End,
        C::Delete => KeyCode::Delete,
        C::F(n) => KeyCode::F(n),
        _ => return None,
    };
    Some(KeyPress {
        code,
        ctrl: ev.modifiers.contains(KeyModifiers::CONTROL),
        alt: ev.modifiers.contains(KeyModifiers::ALT),
        shift: ev.modifiers.contains(KeyModifiers::SHIFT),
    })
}

fn spawn_input(tx: UnboundedSender<Msg>) {
    tokio::spawn(async move {
        let mut events = EventStream::new();
        while let Some(ev) = events.next().await {
            let msg = match ev {
                Ok(Event::Key(k)) => key_press(k).map(Msg::Key),
                Ok(Event::Resize(width, height)) => Some(Msg::Resized { width, height }),
                Ok(_) => None,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read the terminal");
                    None
                }
            };
            if let Some(m) = msg
                && tx.send(m).is_err()
            {
                return;
            }
        }
    });
}

/// Time on the CI servers' clock, once a second (gate ages, job timers).
fn spawn_ci_clock(tx: UnboundedSender<Msg>, clock: Arc<dyn Clock>) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(Duration::from_secs(1));
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            interval.tick().await;
            if tx
                .send(Msg::CiClock {
                    now_ms: clock.now_ms(),
                })
                .is_err()
            {
                return;
            }
        }
    });
}

fn spawn_ticks(tx: UnboundedSender<Msg>) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(Duration::from_secs(1));
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            interval.tick().await;
            if tx.send(Msg::Tick { now_ms: now_ms() }).is_err() {
                return;
            }
        }
    });
}
