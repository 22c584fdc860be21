//! Entry point: parse the command line, install error hooks, run the chosen subcommand.

use clap::Parser;
use color_eyre::eyre::{Result, WrapErr};

use quarterdeck::cli::{Cli, Command, SimArgs};
use quarterdeck::sim;

fn main() -> Result<()> {
    color_eyre::install()?;
    let cli = Cli::parse();
    let runtime = tokio::runtime::Runtime::new().wrap_err("cannot start the async runtime")?;
    match cli.command {
        Some(Command::Sim(args)) => runtime.block_on(run_sim(args)),
        None => {
            eprintln!("the dashboard is not built yet; try `quarterdeck sim`");
            Ok(())
        }
    }
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
    .await?;
    println!("Quarterdeck simulator listening on {}", handle.base_url());
    println!("export KUBECONFIG={}", handle.kubeconfig.display());
    println!(
        "# control API: {}/sim/  (send the kubeconfig's bearer token)",
        handle.base_url()
    );
    wait_for_stop().await?;
    handle.stop().await;
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
