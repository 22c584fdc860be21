//! Entry point: parse the command line, install error hooks, run the chosen subcommand.

use clap::Parser;
use color_eyre::eyre::{Result, WrapErr};

use quarterdeck::app::{self, AppOptions};
use quarterdeck::cli::{Cli, Command, DashboardArgs, DemoArgs, DrillArgs, SimArgs};
use quarterdeck::config::{AnalysisDefaults, SEED_TRIGGERS};
use quarterdeck::drill;
use quarterdeck::effects::{AnalysisSetup, CiSetup};
use quarterdeck::headless;
use quarterdeck::integrations::prometheus::{Auth, TOKEN_VAR};
use quarterdeck::integrations::rest::{Pacing, ServerClock, Token};
use quarterdeck::logging;
use quarterdeck_sim as sim;

mod user_error;

fn main() -> Result<()> {
    user_error::install_hooks()?;
    // rustls is built with two crypto backends (through different dependencies); pick one for
    // the whole process before any client or server exists.
    let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
    let cli = Cli::parse();
    let runtime = runtime(matches!(cli.command, Some(Command::Sim(_))))?;
    let code = match cli.command {
        Some(Command::Sim(args)) => runtime.block_on(run_sim(args)).map(|()| 0),
        Some(Command::Demo(args)) => {
            start_logging()?;
            let mut args = args;
            args.log_start = args.log_start.or(cli.log_start);
            runtime.block_on(run_demo(args, cli.dashboard))
        }
        Some(Command::Drill(args)) => {
            start_logging()?;
            runtime.block_on(run_drill(args, cli.dashboard))
        }
        Some(command) => {
            start_logging()?;
            let code = runtime.block_on(headless::run(command, &cli.dashboard));
            Ok(code.unwrap_or(2))
        }
        None => {
            start_logging()?;
            let mut options = dashboard_options(cli.dashboard);
            options.log_start = cli.log_start;
            runtime.block_on(app::run(options))
        }
    };
    let code = match code {
        Ok(code) => code,
        Err(report) => match user_error::user_message(&report) {
            Some(message) => {
                eprintln!("{message}");
                1
            }
            None => return Err(report),
        },
    };
    // The terminal reader blocks a thread on stdin; do not wait for it.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    std::process::exit(code)
}

/// The async runtime. The simulator serves many clients at once on every core. The dashboard's
/// event loop runs on the main thread (`block_on`) and its sources on one worker: with a
/// worker per core, each log chunk or watch event woke a parked worker and tasks moved
/// between them (futex wake-ups), for nothing on two cores (measured at 5,000 pods: 27% less
/// CPU while following 100 pods' logs, 16% less in the workers under churn).
fn runtime(serves: bool) -> Result<tokio::runtime::Runtime> {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if !serves {
        builder.worker_threads(1);
    }
    builder
        .enable_all()
        .build()
        .wrap_err("cannot start the async runtime")
}

/// Tracing to the log file and the in-app log pane; never to stderr under the alternate screen.
fn start_logging() -> Result<()> {
    if let Some(path) = logging::default_log_file() {
        logging::init_tracing(&path)?;
    }
    Ok(())
}

fn dashboard_options(args: DashboardArgs) -> AppOptions {
    AppOptions {
        kubeconfig: args.kubeconfig,
        context: args.context,
        namespace: args.namespace,
        all_namespaces: args.all_namespaces,
        theme: args.theme,
        keymap: args.keymap,
        readonly: args.readonly,
        ci: None,
        analysis_defaults: AnalysisDefaults::default(),
        analysis: None,
        drill: None,
        log_start: Default::default(),
    }
}

/// A simulator that cannot start because of its scenario is the user's mistake; any other
/// failure to start is a bug, reported in full.
fn sim_error(e: sim::StartError) -> color_eyre::Report {
    match e {
        sim::StartError::Scenario(e) => user_error::UserMistake(e.to_string()).into(),
        other => other.into(),
    }
}

/// Starts the simulator in-process and runs the very same dashboard against it through the
/// kubeconfig it wrote: every byte goes over HTTP, as with a real cluster.
async fn run_demo(args: DemoArgs, dashboard: DashboardArgs) -> Result<i32> {
    let handle = sim::start(sim::SimConfig {
        seed: args.seed,
        speed: args.speed,
        scenario: args.scenario,
        frozen: args.frozen,
        ..sim::SimConfig::default()
    })
    .await
    .map_err(sim_error)?;
    if let Some(path) = &args.control_file {
        write_control_file(path, &handle.base_url(), &handle.token)?;
    }
    let mut options = demo_options(&handle, dashboard);
    options.log_start = args.log_start;
    let code = app::run(options).await;
    handle.stop().await;
    code
}

/// The dashboard's options against the embedded simulator.
fn demo_options(handle: &sim::SimHandle, dashboard: DashboardArgs) -> AppOptions {
    let mut options = dashboard_options(dashboard);
    options.kubeconfig = Some(handle.kubeconfig.clone());
    options.ci = Some(demo_ci(handle));
    // The simulator's Prometheus and the seed's triggers, unless config.toml says otherwise.
    options.analysis_defaults = AnalysisDefaults::seed(format!("{}/prometheus", handle.base_url()));
    options.analysis = Some(AnalysisSetup {
        auth: Some(Auth::Bearer(Token::new(
            handle.token.clone(),
            "the simulator",
        ))),
        pacing: Pacing {
            fast_ms: 1_000,
            slow_ms: 5_000,
        },
    });
    // The demo world spreads its releases over several namespaces.
    if options.namespace.is_none() {
        options.all_namespaces = true;
    }
    options
}

/// `quarterdeck drill`: lists the drills, or plays one on the embedded simulator — headless
/// with a built-in responder (frozen clock, driven by the drill), or on the demo's dashboard
/// with a drill bar.
async fn run_drill(args: DrillArgs, dashboard: DashboardArgs) -> Result<i32> {
    let Some(chosen) = drill::select(&args)? else {
        return Ok(0);
    };
    let handle = sim::start(sim::SimConfig {
        seed: args.seed,
        speed: args.speed,
        frozen: args.responder.is_some(),
        // Headless, the world starts at a fixed moment too, so the same seed replays exactly.
        start_ms: args.responder.is_some().then_some(drill::HEADLESS_START_MS),
        ..sim::SimConfig::default()
    })
    .await?;
    let world = drill::world::World::new(handle.base_url(), handle.token.clone());
    let code = async {
        drill::prepare_world(&world, &chosen).await?;
        match args.responder {
            Some(kind) => drill::headless(chosen, &args, kind, world, &handle.kubeconfig).await,
            None => {
                let mut options = demo_options(&handle, dashboard);
                options.analysis_defaults.guard = chosen.guard;
                let (hook, session) = drill::tui::Session::new(
                    chosen,
                    args.seed,
                    args.hints,
                    args.report.clone(),
                    world,
                );
                options.drill = Some(hook);
                session.spawn();
                app::run(options).await
            }
        }
    }
    .await;
    handle.stop().await;
    code
}

/// The demo's CI: the simulator's GitHub and GitLab, with its token passed in-process. Their
/// clock is learned from the `Date` of their answers, as with a real provider: the simulated
/// time may be frozen, fast or far from the wall clock.
fn demo_ci(handle: &sim::SimHandle) -> CiSetup {
    let base = handle.base_url();
    let token = |origin: &str| Some(Token::new(handle.token.clone(), origin));
    CiSetup {
        github_base: format!("{base}/github"),
        gitlab_base: format!("{base}/gitlab"),
        github_token: token("the simulator"),
        gitlab_token: token("the simulator"),
        clock: std::sync::Arc::new(ServerClock::new()),
        // The simulated world moves fast; poll it briskly.
        pacing: Pacing {
            fast_ms: 1_000,
            slow_ms: 5_000,
        },
    }
}

/// Writes the control API's address and token where only this user can read it.
fn write_control_file(path: &std::path::Path, url: &str, token: &str) -> Result<()> {
    let body = serde_json::json!({ "url": url, "token": token }).to_string();
    write_private(path, &body).wrap_err("cannot write the control file")
}

async fn run_sim(args: SimArgs) -> Result<()> {
    let handle = sim::start(sim::SimConfig {
        port: args.port,
        seed: args.seed,
        speed: args.speed,
        scenario: args.scenario,
        frozen: args.frozen,
        kubeconfig: args.kubeconfig_out,
        start_ms: None,
    })
    .await
    .map_err(sim_error)?;
    let base = handle.base_url();
    println!("Quarterdeck simulator listening on {base}");
    println!("export KUBECONFIG={}", handle.kubeconfig.display());
    println!("# GitHub API: {base}/github");
    println!("# GitLab API: {base}/gitlab");
    println!("# Prometheus: {base}/prometheus");
    println!("# control API: {base}/sim/  (send the kubeconfig's bearer token)");
    let env = write_sim_env(&handle)?;
    // The token stays in the file: stdout ends up in terminals' scrollback and CI logs.
    println!("# the CI tokens and config: source {}", env.display());
    wait_for_stop().await?;
    handle.stop().await;
    Ok(())
}

/// Writes, next to the simulator's kubeconfig, a `config.toml` pointing GitHub, GitLab and
/// Prometheus at it (with the seed's rollback triggers) and an `env` file (mode 0600, it holds the token) that points `quarterdeck` and its
/// commands at the simulator as at a real installation. Returns the env file's path.
fn write_sim_env(handle: &sim::SimHandle) -> Result<std::path::PathBuf> {
    let base = handle.base_url();
    let dir = handle.kubeconfig.parent().map_or_else(
        || std::path::PathBuf::from("."),
        std::path::Path::to_path_buf,
    );
    let config_dir = dir.join("quarterdeck");
    std::fs::create_dir_all(&config_dir)
        .wrap_err_with(|| format!("cannot create {}", config_dir.display()))?;
    let config = config_dir.join("config.toml");
    let triggers = SEED_TRIGGERS
        .iter()
        .map(|t| format!("\"{t}\""))
        .collect::<Vec<_>>()
        .join(", ");
    std::fs::write(
        &config,
        format!(
            "[github]\nbase_url = \"{base}/github\"\n\n[gitlab]\nbase_url = \"{base}/gitlab\"\n\n\
             [prometheus]\nurl = \"{base}/prometheus\"\n\n\
             [analysis]\ntriggers = [{triggers}]\nguard = \"propose\"\n"
        ),
    )
    .wrap_err_with(|| format!("cannot write {}", config.display()))?;
    let quote =
        |p: &std::path::Path| format!("'{}'", p.display().to_string().replace('\'', r"'\''"));
    let body = format!(
        "export KUBECONFIG={}\nexport QUARTERDECK_CONFIG_DIR={}\nexport GITHUB_TOKEN={token}\nexport GITLAB_TOKEN={token}\nexport {TOKEN_VAR}={token}\n",
        quote(&handle.kubeconfig),
        quote(&config_dir),
        token = handle.token,
    );
    let env = dir.join("env");
    write_private(&env, &body)?;
    Ok(env)
}

/// Writes `body` to `path` where only this user can read it.
fn write_private(path: &std::path::Path, body: &str) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .wrap_err_with(|| format!("cannot write {}", path.display()))?;
    file.write_all(body.as_bytes())
        .wrap_err_with(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Resolves on ctrl-c or SIGTERM.
async fn wait_for_stop() -> Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).wrap_err("cannot listen for SIGTERM")?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r.wrap_err("cannot listen for ctrl-c")?,
        _ = term.recv() => {}
    }
    Ok(())
}
