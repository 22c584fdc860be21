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
    /// Options of the dashboard (also accepted after `demo`).
    #[command(flatten)]
    pub dashboard: DashboardArgs,
}

/// Options of the dashboard, with or without `demo`.
#[derive(Debug, Args, Clone)]
pub struct DashboardArgs {
    /// Kubeconfig context to use (default: the current context).
    #[arg(long, global = true)]
    pub context: Option<String>,
    /// Namespace to watch (default: the context's namespace).
    #[arg(short = 'n', long, global = true)]
    pub namespace: Option<String>,
    /// Watch every namespace.
    #[arg(short = 'A', long, global = true, conflicts_with = "namespace")]
    pub all_namespaces: bool,
    /// Kubeconfig file (default: $KUBECONFIG or ~/.kube/config).
    #[arg(long, global = true)]
    pub kubeconfig: Option<PathBuf>,
    /// Colour theme: default, light, high-contrast, or a file in the config directory.
    #[arg(long, global = true, default_value = "default")]
    pub theme: String,
    /// Key bindings: default, vim, or a file in the config directory.
    #[arg(long, global = true, default_value = "default")]
    pub keymap: String,
    /// Offer no action that changes anything.
    #[arg(long, global = true)]
    pub readonly: bool,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the simulated world (Kubernetes, Argo Rollouts, control API) on 127.0.0.1.
    Sim(SimArgs),
    /// Start the simulator in-process and run the dashboard against it over HTTP.
    Demo(DemoArgs),
}

/// Options of `quarterdeck demo`.
#[derive(Debug, Args, Clone)]
pub struct DemoArgs {
    /// Seed for every random choice of the simulated world.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Simulated seconds per real second.
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// A scenario TOML file (see assets/scenarios/); the built-in default world otherwise.
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// Start with the simulated clock frozen (drive it through the control API).
    #[arg(long)]
    pub frozen: bool,
    /// Write `{"url": ..., "token": ...}` of the simulator's control API to this file (mode
    /// 0600), so tests and scripts can drive the demo's world.
    #[arg(long)]
    pub control_file: Option<PathBuf>,
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
