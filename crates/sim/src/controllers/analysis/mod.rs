//! Argo analysis: AnalysisRuns created from AnalysisTemplates for canary steps and for
//! background analysis, measured against the simulated Prometheus every `interval`, judged by
//! their conditions and limits; the Rollout aborts on a Failed or Error run and pauses on an
//! Inconclusive one (`InconclusiveAnalysisRun`) until a promote.

pub(crate) mod expr;
pub(crate) mod measure;
mod query;
pub(crate) mod template;

use serde_json::{Value, json};

use super::obj;
use super::rollout::Ctx;
use crate::resources::ids;
use crate::world::{World, fmt_time, parse_time};
use template::RunType;

/// The pause reason of a Rollout waiting on an inconclusive run.
const INCONCLUSIVE: &str = "InconclusiveAnalysisRun";

/// Takes the measurements that are due on every running AnalysisRun and settles its phase.
pub(crate) fn sync_all(world: &mut World) {
    for (ns, name) in world.store.names(ids::ANALYSISRUNS, None) {
        let Some(run) = world.store.get(ids::ANALYSISRUNS, &ns, &name) else {
            continue;
        };
        if !matches!(
            obj::str_at(run, "/status/phase"),
            "" | "Pending" | "Running"
        ) {
            continue;
        }
        let run = run.clone();
        sync_one(world, &run);
    }
}

fn sync_one(world: &mut World, run: &Value) {
    let now = world.clock.now_ms;
    let at = fmt_time(now);
    let started = run["status"]["startedAt"]
        .as_str()
        .and_then(parse_time)
        .unwrap_or(now);
    let terminating_by_user = obj::bool_at(run, "/spec/terminate");
    let metrics = run["spec"]["metrics"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let old_results = run["status"]["metricResults"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut results = Vec::with_capacity(metrics.len());
    let mut changed = false;
    for metric in &metrics {
        let name = obj::str_at(metric, "/name");
        let mut result = old_results
            .iter()
            .find(|r| r["name"] == name)
            .cloned()
            .unwrap_or_else(|| {
                changed = true;
                measure::new_result(name)
            });
        let running = result["phase"] == "Running";
        if running
            && !terminating_by_user
            && measure::next_due(metric, &result, started).is_some_and(|t| t <= now)
        {
            let query = template::substitute(
                obj::str_at(metric, "/provider/prometheus/query"),
                &run["spec"]["args"],
            );
            let sample = query::instant(world, &query, now);
            measure::record(&mut result, measure::measurement(metric, sample, &at));
            let (phase, message) = measure::assess(metric, &result);
            result["phase"] = json!(phase);
            if !message.is_empty() {
                result["message"] = json!(message);
            }
            changed = true;
        }
        results.push(result);
    }
    // A metric that went wrong stops the others (Argo's `IsTerminating`).
    let terminating = terminating_by_user
        || results.iter().any(|r| {
            matches!(
                r["phase"].as_str(),
                Some("Failed" | "Error" | "Inconclusive")
            )
        });
    let done = |r: &Value| !matches!(r["phase"].as_str(), Some("Running" | "Pending") | None);
    let everything_done = results.iter().all(done);
    let mut phase = "Running";
    let mut message = String::new();
    if everything_done || terminating {
        phase = "Successful";
        for r in results.iter().filter(|r| done(r)) {
            let p = r["phase"].as_str().unwrap_or("Successful");
            if measure::severity(p) > measure::severity(phase) {
                phase = match p {
                    "Failed" => "Failed",
                    "Error" => "Error",
                    "Inconclusive" => "Inconclusive",
                    _ => "Successful",
                };
                message = obj::str_at(r, "/message").to_string();
            }
        }
        if terminating_by_user && phase == "Successful" {
            message = "Metric Assessment Result - Successful: Run Terminated".into();
        }
    }
    if !changed && phase == "Running" {
        return;
    }
    let finished = phase != "Running";
    let summary = |p: &str| results.iter().filter(|r| r["phase"] == p).count();
    let run_summary = json!({
        "count": results.len(),
        "successful": summary("Successful"),
        "failed": summary("Failed"),
        "inconclusive": summary("Inconclusive"),
        "error": summary("Error"),
    });
    let updated = world.store.modify(
        ids::ANALYSISRUNS,
        obj::namespace(run),
        obj::name(run),
        |r| {
            r["status"]["metricResults"] = json!(results);
            r["status"]["phase"] = json!(phase);
            r["status"]["runSummary"] = run_summary;
            if !message.is_empty() {
                r["status"]["message"] = json!(message);
            }
            if finished {
                r["status"]["completedAt"] = json!(at);
            }
        },
    );
    if finished && updated.is_some() {
        // The owning Rollout may be settled (paused, say): make it look at the outcome.
        if let Some(owner) = obj::controller_uid(run) {
            world.ctl.settled.remove(owner);
        }
    }
}

/// The run the Rollout follows for `field`, when it belongs to the family `base` (`base`,
/// `base.1` … as Argo's collision counter names re-created runs).
fn current(world: &World, ctx: &Ctx, field: &str, base: &str) -> Option<Value> {
    let name = obj::str_at(&ctx.status["canary"][field], "/name");
    let ours = name == base
        || name
            .strip_prefix(base)
            .and_then(|r| r.strip_prefix('.'))
            .is_some_and(|n| n.parse::<u32>().is_ok());
    if !ours {
        return None;
    }
    world
        .store
        .get(ids::ANALYSISRUNS, obj::namespace(&ctx.ro), name)
        .cloned()
}

/// The first unused name of the family `base`.
fn free_name(world: &World, ns: &str, base: &str) -> String {
    (0..)
        .map(|i: u32| {
            if i == 0 {
                base.to_string()
            } else {
                format!("{base}.{i}")
            }
        })
        .find(|n| world.store.get(ids::ANALYSISRUNS, ns, n).is_none())
        .unwrap_or_else(|| base.to_string())
}

/// What the Rollout does about a run this reconcile.
#[derive(Debug, PartialEq)]
enum Outcome {
    /// Still measuring, or waiting for a promote.
    Wait,
    /// Done, the Rollout may go on.
    Passed,
    /// Failed or Error: the Rollout was aborted.
    Aborted,
    /// An inconclusive run was promoted past: start a fresh run (background) or go on (step).
    Promoted,
}

/// Records the run in `status.canary.<field>` and reacts to its phase.
fn react(ctx: &mut Ctx, run: &Value, field: &str, what: &str) -> Outcome {
    let name = obj::name(run).to_string();
    let phase = obj::str_at(run, "/status/phase").to_string();
    let message = obj::str_at(run, "/status/message").to_string();
    let before = ctx.status["canary"][field].clone();
    let mut st = json!({"name": name, "status": phase});
    if !message.is_empty() {
        st["message"] = json!(message);
    }
    if !ctx.status["canary"].is_object() {
        ctx.status["canary"] = json!({});
    }
    ctx.status["canary"][field] = st;
    match phase.as_str() {
        "Successful" => Outcome::Passed,
        "Failed" | "Error" => {
            if !obj::bool_at(&ctx.status, "/abort") {
                ctx.status["abort"] = json!(true);
                ctx.status["abortedAt"] = json!(fmt_time(ctx.now));
                if let Some(s) = ctx.status.as_object_mut() {
                    s.remove("pauseConditions");
                }
                ctx.status["controllerPause"] = json!(false);
                ctx.events.push((
                    true,
                    "AnalysisRunFailed",
                    format!(
                        "{what} Analysis Run '{name}' Status New: '{phase}' Previous: 'Running'"
                    ),
                ));
                ctx.events.push((
                    true,
                    "RolloutAborted",
                    format!(
                        "Rollout aborted update to revision {}: {message}",
                        ctx.revision
                    ),
                ));
            }
            Outcome::Aborted
        }
        "Inconclusive" => {
            if ctx.pause_condition(INCONCLUSIVE).is_some() {
                return Outcome::Wait;
            }
            let seen = before["name"] == name.as_str() && before["status"] == "Inconclusive";
            if seen {
                // Paused for it before and the pause is gone: a promote let it go on.
                if obj::bool_at(&ctx.status, "/controllerPause") {
                    ctx.unpause();
                }
                return Outcome::Promoted;
            }
            ctx.events.push((
                true,
                "AnalysisRunInconclusive",
                format!(
                    "{what} Analysis Run '{name}' Status New: 'Inconclusive' Previous: 'Running'"
                ),
            ));
            ctx.pause(INCONCLUSIVE);
            Outcome::Wait
        }
        _ => Outcome::Wait,
    }
}

/// Runs the analysis of canary step `idx`; true once the Rollout may go past it.
pub(crate) fn step(world: &mut World, ctx: &mut Ctx, idx: usize) -> bool {
    let analysis = ctx.ro["spec"]["strategy"]["canary"]["steps"][idx]["analysis"].clone();
    let ns = obj::namespace(&ctx.ro).to_string();
    let base = format!("{}-{}-{}-{idx}", obj::name(&ctx.ro), ctx.hash, ctx.revision);
    let field = "currentStepAnalysisRunStatus";
    let run = match current(world, ctx, field, &base) {
        Some(r) => r,
        None => {
            let name = free_name(world, &ns, &base);
            match template::create(world, ctx, &analysis, RunType::Step(idx), &name) {
                Some(r) => r,
                None => return false,
            }
        }
    };
    matches!(
        react(ctx, &run, field, "Step"),
        Outcome::Passed | Outcome::Promoted
    )
}

/// Background analysis (`strategy.canary.analysis`): from `startingStep` until the update
/// completes or aborts, when the run is terminated.
pub(crate) fn background(world: &mut World, ctx: &mut Ctx) {
    let analysis = ctx.ro["spec"]["strategy"]["canary"]["analysis"].clone();
    if !analysis.is_object() {
        return;
    }
    let ns = obj::namespace(&ctx.ro).to_string();
    let base = format!("{}-{}-{}", obj::name(&ctx.ro), ctx.hash, ctx.revision);
    let field = "currentBackgroundAnalysisRunStatus";
    let run = current(world, ctx, field, &base);
    let over = ctx.stable() == ctx.hash
        || obj::bool_at(&ctx.status, "/abort")
        || obj::bool_at(&ctx.status, "/promoteFull");
    if over {
        if let Some(run) = run {
            terminate(world, &run);
        }
        return;
    }
    let starting = obj::int_at(&analysis, "/startingStep", 0);
    if obj::int_at(&ctx.status, "/currentStepIndex", 0) < starting {
        return;
    }
    if let Some(r) = run
        && react(ctx, &r, field, "Background") != Outcome::Promoted
    {
        return;
    }
    let name = free_name(world, &ns, &base);
    if let Some(r) = template::create(world, ctx, &analysis, RunType::Background, &name) {
        react(ctx, &r, field, "Background");
    }
}

/// Asks a run to stop (`spec.terminate`), as the controller does when it is no longer needed.
fn terminate(world: &mut World, run: &Value) {
    if !matches!(
        obj::str_at(run, "/status/phase"),
        "Running" | "Pending" | ""
    ) || obj::bool_at(run, "/spec/terminate")
    {
        return;
    }
    world.store.modify(
        ids::ANALYSISRUNS,
        obj::namespace(run),
        obj::name(run),
        |r| {
            r["spec"]["terminate"] = json!(true);
        },
    );
}

#[cfg(test)]
mod tests;
