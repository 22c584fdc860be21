//! Rollback drills: a game day on the simulated world. A drill (`assets/drills/*.toml`, or the
//! user's own in `drills/` under the config directory) starts the embedded simulator, injects
//! incidents at seeded moments, and scores the response — time to detect, time to mitigate,
//! collateral actions — against its targets.

pub mod definition;
pub mod judge;
pub mod report;
pub mod responder;
pub mod runner;
pub mod scorecard;
pub mod tui;
pub mod world;

use std::path::Path;

use color_eyre::eyre::{Result, WrapErr, eyre};

use crate::cli::DrillArgs;
use crate::config::{config_dir, state_dir};
use definition::Drill;
use responder::{ResponderKind, Scripted};
use runner::Run;
use world::World;

/// When a headless drill's world starts (2026-11-22T03:20:00Z): a fixed moment, so that the
/// same seed gives the same world, moments and times.
pub const HEADLESS_START_MS: i64 = 1_795_317_600_000;

/// How far the frozen clock moves per step of a headless drill, in simulated seconds.
const TICK_S: u64 = 1;

/// The drill `args` name; `None` after listing them (`--list`, or no name).
pub fn select(args: &DrillArgs) -> Result<Option<Drill>> {
    let drills = definition::all(config_dir().as_deref())?;
    let Some(name) = args.name.as_deref().filter(|_| !args.list) else {
        for d in &drills {
            println!("{:<34} {}", d.name, d.title);
        }
        return Ok(None);
    };
    drills
        .into_iter()
        .find(|d| d.name == name)
        .map(Some)
        .ok_or_else(|| eyre!("no drill named {name:?}; `quarterdeck drill --list` lists them"))
}

/// Loads the drill's starting world when it is not the default one.
pub async fn prepare_world(world: &World, drill: &Drill) -> Result<()> {
    if drill.world != "default" {
        world
            .control("/sim/scenario", serde_json::json!({"name": drill.world}))
            .await
            .map_err(|e| eyre!(e))?;
    }
    Ok(())
}

/// Appends the result to `drills.jsonl` and writes the report when asked.
pub(crate) fn finish(
    drill: &Drill,
    card: &scorecard::Scorecard,
    report: Option<&Path>,
) -> Result<()> {
    if let Some(dir) = state_dir() {
        card.append(&dir).wrap_err_with(|| {
            format!("cannot append to {}", dir.join(scorecard::FILE).display())
        })?;
    }
    if let Some(path) = report {
        std::fs::write(path, report::markdown(drill, card))
            .wrap_err_with(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// Plays `drill` without a screen on a frozen simulator, one simulated second at a time (the
/// same seed gives the same moments and the same times), prints the scorecard and records it.
/// Returns the exit code: 0 when the drill passed, 1 when it failed.
pub async fn headless(
    drill: Drill,
    args: &DrillArgs,
    kind: ResponderKind,
    world: World,
    kubeconfig: &Path,
) -> Result<i32> {
    let journal = state_dir().map(|d| d.join(crate::control::journal::FILE));
    let mut run = Run::new(
        drill.clone(),
        args.seed,
        kind.name(),
        world.clone(),
        journal,
    );
    let mut scripted = Scripted::new(kubeconfig.to_path_buf());
    let mut t = 0;
    loop {
        run.inject(t).await.map_err(|e| eyre!(e))?;
        if let (ResponderKind::Scripted, Some(since)) = (kind, run.since_trouble(t)) {
            let seen = scripted.turn(&drill, &world, since).await;
            run.observe(t, &seen);
        }
        run.read_journal(t);
        run.check(t).await.map_err(|e| eyre!(e))?;
        if run.finished(t) {
            break;
        }
        world.advance(TICK_S as f64).await.map_err(|e| eyre!(e))?;
        t += TICK_S * 1000;
    }
    let card = run.scorecard();
    for line in card.lines(&drill) {
        println!("{line}");
    }
    finish(&drill, &card, args.report.as_deref())?;
    Ok(if card.passed() { 0 } else { 1 })
}
