//! The simulated world served over HTTP on 127.0.0.1: Kubernetes (with Argo Rollouts), and a
//! control API for tests and drills. It never imports the app: clients reach it only through
//! the real wire protocols, so what works against it works against a real cluster.

mod api;
mod ci;
mod control;
mod controllers;
mod date;
mod github;
mod gitlab;
mod kubeconfig;
mod log_burst;
mod loggen;
pub mod logs;
mod outage;
mod permissions;
mod prometheus;
pub mod resources;
mod rng;
mod scenario;
mod serve;
mod stats;
mod status;
mod store;
mod tls;
mod webhook;
mod world;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

use self::status::ApiError;
use self::world::World;

/// How the simulator is started.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Seed for every random choice in the world.
    pub seed: u64,
    /// Simulated seconds per real second.
    pub speed: f64,
    /// A scenario file; `None` loads the default world.
    pub scenario: Option<PathBuf>,
    /// Start with the clock frozen (tests drive it through `/sim/clock`).
    pub frozen: bool,
    /// Where to write the kubeconfig; `None` writes into a fresh temporary directory.
    pub kubeconfig: Option<PathBuf>,
    /// Simulated start time in Unix milliseconds; `None` uses the wall clock at start.
    pub start_ms: Option<i64>,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            port: 0,
            seed: 1,
            speed: 1.0,
            scenario: None,
            frozen: false,
            kubeconfig: None,
            start_ms: None,
        }
    }
}

/// State shared by every handler of one simulator.
pub struct Sim {
    world: Mutex<World>,
    /// The bearer token every request must carry.
    pub(crate) token: String,
    /// Bumped to end every open watch (the "drop all watches" fault).
    pub drop_watches: watch::Sender<u64>,
    /// What was served (`/sim/stats`); a lock of its own, apart from the world's.
    stats: Mutex<stats::Stats>,
}

impl Sim {
    /// Locks the world. A panic in another handler must not take the simulator down with it,
    /// so a poisoned lock is taken over rather than propagated.
    pub fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Locks the request counts.
    pub(crate) fn stats(&self) -> MutexGuard<'_, stats::Stats> {
        self.stats.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A running simulator.
pub struct SimHandle {
    addr: SocketAddr,
    /// The bearer token clients must send.
    pub token: String,
    /// The kubeconfig written for it.
    pub kubeconfig: PathBuf,
    /// Shared state, for in-process callers (the demo, tests).
    pub sim: Arc<Sim>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    _tempdir: Option<tempfile::TempDir>,
}

impl SimHandle {
    /// `http://127.0.0.1:PORT`: the control API and CI APIs, and Kubernetes for clients that
    /// send the token over plain HTTP.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops serving and waits for the server to finish.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Errors starting the simulator.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The port could not be bound.
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Bind {
        /// The port asked for.
        port: u16,
        /// Why.
        source: std::io::Error,
    },
    /// The scenario could not be loaded.
    #[error(transparent)]
    Scenario(#[from] scenario::ScenarioError),
    /// The kubeconfig could not be written.
    #[error("cannot write the kubeconfig to {path}: {source}")]
    Kubeconfig {
        /// Where.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The TLS certificate could not be made.
    #[error("cannot create the TLS certificate: {0}")]
    Tls(String),
    /// No randomness for the token.
    #[error("cannot generate a token: {0}")]
    Random(String),
}

/// Starts the simulator on the current tokio runtime.
pub async fn start(cfg: SimConfig) -> Result<SimHandle, StartError> {
    let scenario = match &cfg.scenario {
        Some(path) => scenario::Scenario::load(path)?,
        None => scenario::Scenario::default_world()?,
    };
    let start_ms = cfg
        .start_ms
        .unwrap_or_else(|| chrono::Utc::now().timestamp_millis() / 1000 * 1000);
    let mut world = World::new(cfg.seed, start_ms, cfg.speed);
    populate(&mut world, &scenario);
    world.clock.frozen = cfg.frozen;

    let listener = TcpListener::bind(("127.0.0.1", cfg.port))
        .await
        .map_err(|source| StartError::Bind {
            port: cfg.port,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| StartError::Bind {
        port: cfg.port,
        source,
    })?;
    let token = new_token()?;
    let (kubeconfig, tempdir) = match &cfg.kubeconfig {
        Some(path) => (path.clone(), None),
        None => {
            let dir = tempfile::Builder::new()
                .prefix("quarterdeck-sim-")
                .tempdir()
                .map_err(|source| StartError::Kubeconfig {
                    path: std::env::temp_dir(),
                    source,
                })?;
            (dir.path().join("kubeconfig"), Some(dir))
        }
    };
    let tls = tls::generate().map_err(StartError::Tls)?;
    kubeconfig::write(&kubeconfig, &format!("https://{addr}"), &tls.ca_pem, &token).map_err(
        |source| StartError::Kubeconfig {
            path: kubeconfig.clone(),
            source,
        },
    )?;

    let (drop_watches, _) = watch::channel(0);
    let sim = Arc::new(Sim {
        world: Mutex::new(world),
        token: token.clone(),
        drop_watches,
        stats: Mutex::default(),
    });
    let app = router(sim.clone());
    let (shutdown_tx, shutdown_rx) = oneshot::channel::<()>();
    let driver_sim = sim.clone();
    let task = tokio::spawn(async move {
        let driver = tokio::spawn(drive_clock(driver_sim));
        serve::serve(listener, app, tls.acceptor, shutdown_rx).await;
        driver.abort();
    });
    Ok(SimHandle {
        addr,
        token,
        kubeconfig,
        sim,
        shutdown: Some(shutdown_tx),
        task: Some(task),
        _tempdir: tempdir,
    })
}

/// Fills an empty world: the scenario's cluster, then the CI projects that deploy to it.
pub(crate) fn populate(world: &mut World, scenario: &scenario::Scenario) {
    scenario.build(world);
    ci::install_default(world, scenario.ci_projects);
}

/// Moves simulated time with the wall clock (times the speed) while not frozen.
async fn drive_clock(sim: Arc<Sim>) {
    const TICK: Duration = Duration::from_millis(50);
    let mut interval = tokio::time::interval(TICK);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        let mut world = sim.world();
        if !world.clock.frozen {
            let ms = TICK.as_millis() as f64 * world.clock.speed;
            world.advance(ms);
        }
    }
}

fn router(sim: Arc<Sim>) -> Router {
    Router::new()
        .nest(
            "/sim",
            control::router()
                .merge(permissions::router())
                .merge(stats::router())
                .merge(webhook::router())
                .merge(prometheus::routes::control_router()),
        )
        .nest("/sim/ci", ci::control::router())
        .route("/github/{*rest}", axum::routing::any(github::handle))
        .route("/gitlab/api/v4/{*rest}", axum::routing::any(gitlab::handle))
        .route(
            "/prometheus/api/v1/{*rest}",
            axum::routing::any(prometheus::routes::handle),
        )
        .fallback(api::handle)
        .layer(middleware::from_fn_with_state(sim.clone(), authenticate))
        .layer(middleware::from_fn_with_state(sim.clone(), date::stamp))
        .layer(middleware::from_fn_with_state(sim.clone(), stats::count))
        .with_state(sim)
}

/// Rejects requests without the run's bearer token, in the error format of the API asked.
async fn authenticate(State(sim): State<Arc<Sim>>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    // Short-lived log URLs are signed instead: clients must not send the token there.
    if path.starts_with(github::LOGS_PREFIX) {
        return next.run(req).await;
    }
    // Incoming-webhook URLs carry no token either.
    if path == webhook::PATH && req.method() == axum::http::Method::POST {
        return next.run(req).await;
    }
    let (github, gitlab) = (path.starts_with("/github/"), path.starts_with("/gitlab/"));
    let headers = req.headers();
    // GitHub also takes the older `token` scheme, which PyGithub and Octokit's docs still send.
    let bearer = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("token ").filter(|_| github))
        });
    let private = headers.get("private-token").and_then(|v| v.to_str().ok());
    // Prometheus clients often carry basic auth instead; the token is the password.
    let basic = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::Engine::decode(&base64::engine::general_purpose::STANDARD, b).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .is_some_and(|up| up.split_once(':').is_some_and(|(_, p)| p == sim.token));
    let ok = basic || bearer.or(private).is_some_and(|t| t == sim.token);
    if ok {
        next.run(req).await
    } else if github {
        github::unauthorized()
    } else if gitlab {
        gitlab::unauthorized()
    } else {
        ApiError::unauthorized().into_response()
    }
}

fn new_token() -> Result<String, StartError> {
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).map_err(|e| StartError::Random(e.to_string()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}
