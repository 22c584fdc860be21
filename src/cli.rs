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
    /// Where the Logs pane's streams start.
    #[command(flatten)]
    pub log_start: LogStartArgs,
}

/// Where the Logs pane's streams start, as stern's `--since` and `--tail`.
#[derive(Debug, Args, Clone, Copy, Default, PartialEq, Eq)]
pub struct LogStartArgs {
    /// Logs pane: only lines newer than this (`10m`, `1h30m`).
    #[arg(long, value_parser = crate::headless::duration::parse)]
    pub since: Option<std::time::Duration>,
    /// Logs pane: lines of each container's past shown when its stream starts (default 100,
    /// 1,000 for one pod; with --since, all of them); -1: all.
    #[arg(long, allow_negative_numbers = true)]
    pub tail: Option<i64>,
}

impl LogStartArgs {
    /// These, where given, else `other`'s (`quarterdeck --tail 5 demo` and `demo --tail 5`).
    pub fn or(self, other: LogStartArgs) -> LogStartArgs {
        LogStartArgs {
            since: self.since.or(other.since),
            tail: self.tail.or(other.tail),
        }
    }
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
    /// Print releases, gates, a pipeline, a rollout, its history or its pods.
    Get(GetArgs),
    /// A release's rollout status; with --wait, follow it until it completes or fails.
    Status(StatusArgs),
    /// Approve a gate (GATE as `get gates` prints it).
    Approve(GateArgs),
    /// Reject a gate.
    Reject(GateArgs),
    /// Play a GitLab manual job (JOB as `get gates` prints it).
    Play(PlayArgs),
    /// Promote a rollout to its next step (blue-green: the preview becomes active).
    Promote(PromoteArgs),
    /// Abort a rollout: traffic back to stable.
    Abort(ReleaseAction),
    /// Retry an aborted rollout.
    Retry(ReleaseAction),
    /// Roll a release back to an earlier revision (default: the previous one).
    Undo(UndoArgs),
    /// Pause a rollout or Deployment.
    Pause(ReleaseAction),
    /// Resume a paused rollout or Deployment.
    Resume(ReleaseAction),
    /// Restart a release's pods.
    Restart(ReleaseAction),
    /// Print the journal of actions.
    Journal(JournalArgs),
    /// Print a release's logs.
    Logs(LogsArgs),
    /// Run a rollback drill on the simulated world (`--list` lists them).
    Drill(DrillArgs),
    /// Print shell completions.
    Completions(CompletionsArgs),
    /// Print the manual page (roff).
    Man,
}

/// How a command prints.
#[derive(Debug, Args, Clone)]
pub struct OutputArgs {
    /// Output format: table (default), json or yaml.
    #[arg(short = 'o', long, value_enum, default_value_t = OutputFormat::Table, global = true)]
    pub output: OutputFormat,
    /// Tables without their header line.
    #[arg(long, global = true)]
    pub no_headers: bool,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Columns that fit 80 characters.
    Table,
    /// Stable field names (the README lists them).
    Json,
    /// The JSON document as YAML.
    Yaml,
}

/// What `get` prints.
#[derive(Debug, Args)]
pub struct GetArgs {
    /// What to print.
    #[command(subcommand)]
    pub what: GetWhat,
    /// Output options.
    #[command(flatten)]
    pub out: OutputArgs,
}

/// The things `get` prints.
#[derive(Debug, Subcommand)]
pub enum GetWhat {
    /// Every release (Deployment and Rollout) in the scope.
    Releases,
    /// Every gate waiting on a human: CI approvals, manual jobs, rollout pauses.
    Gates,
    /// A release's CI pipeline.
    Pipeline(ReleaseArg),
    /// A release's rollout: strategy, step, weight, phase.
    Rollout(ReleaseArg),
    /// A release's revisions (the rollback targets).
    History(ReleaseArg),
    /// A release's pods.
    Pods(ReleaseArg),
}

/// A release: `namespace/name`, or `name` when unique.
#[derive(Debug, Args, Clone)]
pub struct ReleaseArg {
    /// `namespace/name`, or `name` when unique.
    pub release: String,
}

/// Options of `status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// `namespace/name`, or `name` when unique.
    pub release: String,
    /// Follow the rollout until it completes (0) or fails (5).
    #[arg(long)]
    pub wait: bool,
    /// Give up waiting after this long (`90s`, `5m`); exit 6.
    #[arg(long)]
    pub timeout: Option<String>,
    /// Output options.
    #[command(flatten)]
    pub out: OutputArgs,
}

/// How a changing command is confirmed.
#[derive(Debug, Args, Clone)]
pub struct ActArgs {
    /// Act without asking (required without a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// On a protected context, the target's name (required with --yes there).
    #[arg(long)]
    pub confirm_name: Option<String>,
    /// Print the plan and change nothing (the API's dryRun where it has one).
    #[arg(long)]
    pub dry_run: bool,
    /// Output options.
    #[command(flatten)]
    pub out: OutputArgs,
}

/// A changing command on a release.
#[derive(Debug, Args)]
pub struct ReleaseAction {
    /// `namespace/name`, or `name` when unique.
    pub release: String,
    /// Confirmation options.
    #[command(flatten)]
    pub act: ActArgs,
}

/// Options of `promote`.
#[derive(Debug, Args)]
pub struct PromoteArgs {
    /// `namespace/name`, or `name` when unique.
    pub release: String,
    /// Skip the remaining steps and analysis.
    #[arg(long)]
    pub full: bool,
    /// Confirmation options.
    #[command(flatten)]
    pub act: ActArgs,
}

/// Options of `undo`.
#[derive(Debug, Args)]
pub struct UndoArgs {
    /// `namespace/name`, or `name` when unique.
    pub release: String,
    /// The revision to go back to (default: the previous one).
    #[arg(long)]
    pub to_revision: Option<i64>,
    /// Confirmation options.
    #[command(flatten)]
    pub act: ActArgs,
}

/// Options of `approve` and `reject`.
#[derive(Debug, Args)]
pub struct GateArgs {
    /// The gate's id as `get gates` prints it.
    pub gate: String,
    /// The review comment.
    #[arg(long)]
    pub comment: Option<String>,
    /// Confirmation options.
    #[command(flatten)]
    pub act: ActArgs,
}

/// Options of `play`.
#[derive(Debug, Args)]
pub struct PlayArgs {
    /// The manual job's gate id as `get gates` prints it.
    pub job: String,
    /// Confirmation options.
    #[command(flatten)]
    pub act: ActArgs,
}

/// Options of `journal`.
#[derive(Debug, Args)]
pub struct JournalArgs {
    /// Only entries newer than this (`1h`, `30m`, `2d`).
    #[arg(long)]
    pub since: Option<String>,
    /// Only entries about this release.
    #[arg(long)]
    pub release: Option<String>,
    /// Output options.
    #[command(flatten)]
    pub out: OutputArgs,
}

/// Options of `logs`.
#[derive(Debug, Args)]
pub struct LogsArgs {
    /// `namespace/name`, or `name` when unique.
    pub release: String,
    /// Keep following the logs.
    #[arg(short = 'f', long)]
    pub follow: bool,
    /// Only lines newer than this (`10m`, `1h`).
    #[arg(long)]
    pub since: Option<String>,
    /// Only the pods of this role.
    #[arg(long, value_enum)]
    pub role: Option<LogRole>,
}

/// Pod roles `logs --role` selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogRole {
    /// The new revision on trial.
    Canary,
    /// The revision serving.
    Stable,
}

/// Options of `completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// bash, zsh or fish.
    #[arg(value_enum)]
    pub shell: CompletionShell,
}

/// Shells `completions` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CompletionShell {
    /// GNU bash.
    Bash,
    /// Z shell.
    Zsh,
    /// fish.
    Fish,
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
    /// A scenario TOML file, or the name of a built-in one (`ci-20`; see assets/scenarios/);
    /// the built-in default world otherwise.
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// Start with the simulated clock frozen (drive it through the control API).
    #[arg(long)]
    pub frozen: bool,
    /// Write `{"url": ..., "token": ...}` of the simulator's control API to this file (mode
    /// 0600), so tests and scripts can drive the demo's world.
    #[arg(long)]
    pub control_file: Option<PathBuf>,
    /// Where the Logs pane's streams start.
    #[command(flatten)]
    pub log_start: LogStartArgs,
}

/// Options of `quarterdeck drill`.
#[derive(Debug, Args)]
pub struct DrillArgs {
    /// The drill to run (`--list` lists them).
    pub name: Option<String>,
    /// Seed for the incidents' moments and the simulated world.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// List the drills, one line each.
    #[arg(long)]
    pub list: bool,
    /// Show the drill's hints in the drill bar.
    #[arg(long)]
    pub hints: bool,
    /// Write a Markdown incident timeline here at the end.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Play the drill without a screen with a built-in responder.
    #[arg(long, value_enum)]
    pub responder: Option<crate::drill::responder::ResponderKind>,
    /// Simulated seconds per real second (on screen; a headless drill runs as fast as it can).
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
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
    /// A scenario TOML file, or the name of a built-in one (`ci-20`; see assets/scenarios/);
    /// the built-in default world otherwise.
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// Start with the clock frozen; drive it with POST /sim/clock.
    #[arg(long)]
    pub frozen: bool,
    /// Where to write the kubeconfig (default: a private temporary directory).
    #[arg(long)]
    pub kubeconfig_out: Option<PathBuf>,
}
