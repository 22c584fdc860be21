//! Command-line definitions.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Release control in the terminal: CI pipelines, gates, rollouts, pods and logs on one screen.
#[derive(Debug, Parser)]
#[command(name = "quarterdeck", version, about)]
pub struct Cli {
    /// What to run; without one, the dashboard runs against the current kubeconfig context.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the simulated world (Kubernetes, Argo Rollouts, control API) on 127.0.0.1.
    Sim(SimArgs),
}

/// Options of `quarterdeck sim`.
#[derive(Debug, Args)]
pub struct SimArgs {
    /// Port to listen on (127.0.0.1 only); a free one when omitted.
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Seed for every random choice; the same seed and clock give the same states.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Simulated seconds per real second.
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// A scenario TOML file (see assets/scenarios/); the built-in default world otherwise.
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// Start with the clock frozen; drive it with POST /sim/clock.
    #[arg(long)]
    pub frozen: bool,
    /// Where to write the kubeconfig (default: a private temporary directory).
    #[arg(long)]
    pub kubeconfig_out: Option<PathBuf>,
}
