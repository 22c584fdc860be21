//! The end-to-end benchmark of issue 13: the real binary against `quarterdeck sim` worlds,
//! figures read from the screen (a pty), /proc and the simulator's `/sim/stats`, printed as a
//! markdown table beside the goals. Run it with `scripts/bench-e2e` (release build);
//! `--short` is the CI form: one 10 s run per world, no kdash. Figures never fail it: only a
//! broken run does (no frame, the full state never shown, the simulator not answering).
//!
//! Options: `--short`, `--runs N`, `--seconds N` (churn window), `--quiet N` (watching
//! before the churn; a third of the churn window by default), `--idle N`, `--20k` (also
//! the 20,000-pod world), `--no-default` (skip the CI world), `--bin PATH` (measure another
//! build of the binary, e.g. one kept aside from before a change, in the same session).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod measure;
mod procfs;
mod pty;
mod report;
mod sim;

use std::path::{Path, PathBuf};
use std::time::Duration;

use measure::{Phases, World};

/// Where an installed kdash is looked for (`cargo install --locked kdash --root DIR`).
const KDASH: &str = ".cache/quarterdeck-bench/bin/kdash";

struct Options {
    runs: usize,
    phases: Phases,
    stretch: bool,
    default_world: bool,
    kdash: bool,
    bin: Option<PathBuf>,
}

fn options() -> Options {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let has = |f: &str| args.iter().any(|a| a == f);
    let num = |f: &str| {
        args.iter()
            .position(|a| a == f)
            .and_then(|i| args.get(i + 1))
            .map(|v| {
                v.parse::<u64>()
                    .unwrap_or_else(|_| panic!("{f} wants a number"))
            })
    };
    let short = has("--short");
    let churn = num("--seconds").unwrap_or(if short { 10 } else { 60 });
    let idle = num("--idle").unwrap_or(if short { 5 } else { 30 });
    Options {
        runs: num("--runs").map_or(if short { 1 } else { 3 }, |n| n as usize),
        phases: Phases {
            quiet: Duration::from_secs(num("--quiet").unwrap_or(churn / 3)),
            churn: Duration::from_secs(churn),
            idle: Duration::from_secs(idle),
            rollout_every: Duration::from_secs((churn / 4).clamp(5, 15)),
        },
        stretch: has("--20k"),
        default_world: !has("--no-default"),
        kdash: !short,
        bin: args
            .iter()
            .position(|a| a == "--bin")
            .and_then(|i| args.get(i + 1))
            .map(PathBuf::from),
    }
}

/// A world of `deployments` of 100 pods over `namespaces` (as the scenario spells them).
fn scale_world(
    name: &'static str,
    scenario: &'static str,
    deployments: usize,
    namespaces: usize,
) -> World {
    World {
        name,
        scenario: Some(scenario),
        churn: (0..deployments)
            .map(|i| {
                let width = if deployments > 100 { 3 } else { 2 };
                (
                    format!("team-{}", i % namespaces),
                    format!("svc-{i:0width$}"),
                )
            })
            .collect(),
        full: Some((deployments, 100)),
    }
}

fn main() {
    let opts = options();
    let bin = opts
        .bin
        .clone()
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_quarterdeck")));
    let mut worlds = vec![scale_world(
        "scale (5,000 pods)",
        "assets/scenarios/scale.toml",
        50,
        10,
    )];
    if opts.stretch {
        worlds.push(scale_world(
            "scale-20k (20,000 pods)",
            "assets/scenarios/scale-20k.toml",
            200,
            20,
        ));
    }
    if opts.default_world {
        worlds.push(World {
            name: "default (CI linked)",
            scenario: None,
            churn: Vec::new(),
            full: None,
        });
    }
    let load_before = report::load_average();
    let mut columns = Vec::new();
    for world in &worlds {
        let runs: Vec<_> = (0..opts.runs)
            .map(|i| {
                eprintln!("e2e: {} run {}/{}", world.name, i + 1, opts.runs);
                measure::run(&bin, &["-A"], world, &opts.phases)
            })
            .collect();
        columns.push((world.name, runs));
    }
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let kdash = home.map(|h| h.join(KDASH)).filter(|p| p.exists());
    let peer = match (&kdash, opts.kdash) {
        (Some(k), true) => {
            eprintln!("e2e: kdash on {}", worlds[0].name);
            Some(measure::peer(
                k,
                &worlds[0],
                &opts.phases,
                Duration::from_secs(10),
            ))
        }
        _ => None,
    };
    let load_after = report::load_average();
    println!(
        "{}",
        report::table(
            &report::Context {
                profile: profile(&bin),
                runs: opts.runs,
                churn: opts.phases.churn,
                idle: opts.phases.idle,
                load: (load_before, load_after),
                peer,
            },
            &columns
        )
    );
}

/// Which build of the app was measured, as its path tells: a binary outside cargo's
/// `release` and `debug` directories (one saved to compare builds) is named, not guessed.
fn profile(bin: &Path) -> String {
    let within = |dir: &str| bin.components().any(|c| c.as_os_str() == dir);
    if within("release") {
        "release build".into()
    } else if within("debug") {
        "debug build: unoptimised, not comparable with the goals".into()
    } else {
        format!("the build at {}", bin.display())
    }
}
