//! Argo's basic canary (no traffic routing): the canary ReplicaSet gets the share of the
//! replicas closest to the current `setWeight` (`canary_replicas.rs`), pauses wait for a promote or their duration,
//! analysis steps run an AnalysisRun, and the end of the steps makes the canary stable.

use serde_json::{Value, json};

use super::analysis;
use super::canary_replicas::{self, Limits, Rs};
use super::obj;
use super::rollout::Ctx;
use crate::world::{World, parse_time};

/// Parses an Argo duration (`30s`, `5m`, `1h`, or plain seconds) to milliseconds.
pub(crate) fn duration_ms(v: &Value) -> Option<i64> {
    if let Some(n) = v.as_i64() {
        return Some(n * 1000);
    }
    let s = v.as_str()?.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: i64 = num.parse().ok()?;
    let mult = match unit {
        "" | "s" => 1000,
        "m" => 60_000,
        "h" => 3_600_000,
        _ => return None,
    };
    Some(n * mult)
}

/// The weight the steps ask for at index `idx` (walking back to the last `setWeight`).
pub(crate) fn desired_weight(steps: &[Value], idx: usize) -> i64 {
    if idx >= steps.len() {
        return 100;
    }
    steps[..=idx]
        .iter()
        .rev()
        .find_map(|s| s["setWeight"].as_i64())
        .unwrap_or(0)
}

/// Decides targets, step progress and background analysis for one canary Rollout.
pub(crate) fn reconcile(world: &mut World, ctx: &mut Ctx) {
    reconcile_steps(world, ctx);
    // After the steps, so a completion or abort this reconcile ends the background run.
    analysis::background(world, ctx);
}

fn reconcile_steps(world: &mut World, ctx: &mut Ctx) {
    let steps: Vec<Value> = ctx.ro["spec"]["strategy"]["canary"]["steps"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let n = steps.len();
    let stable = ctx.stable();
    let aborted = obj::bool_at(&ctx.status, "/abort");
    let manual = obj::bool_at(&ctx.ro, "/spec/paused");
    if obj::bool_at(&ctx.status, "/promoteFull") {
        ctx.status["currentStepIndex"] = json!(n);
        if let Some(s) = ctx.status.as_object_mut() {
            s.remove("pauseConditions");
        }
        ctx.status["controllerPause"] = json!(false);
    }
    let mut idx = obj::int_at(&ctx.status, "/currentStepIndex", 0).clamp(0, n as i64) as usize;
    let canary_name = ctx
        .rs(&ctx.hash)
        .map(|r| obj::name(r).to_string())
        .unwrap_or_default();
    let stable_name = ctx
        .rs(&stable)
        .map(|r| obj::name(r).to_string())
        .unwrap_or_default();
    if stable == ctx.hash {
        ctx.targets.push((canary_name, ctx.replicas));
        return;
    }
    let weight = if aborted {
        0
    } else {
        desired_weight(&steps, idx)
    };
    let ru = &ctx.ro["spec"]["strategy"]["canary"];
    let limits = Limits::new(
        ctx.replicas,
        obj::int_or_percent(ru.get("maxSurge"), ctx.replicas, true, 25),
        obj::int_or_percent(ru.get("maxUnavailable"), ctx.replicas, false, 25),
    );
    let side = |hash: &str| Rs {
        spec: ctx.spec_replicas(hash),
        available: ctx.available(hash),
    };
    let has_stable = !stable_name.is_empty();
    let (want_canary, want_stable) = if has_stable {
        canary_replicas::desired(ctx.replicas, weight, limits.surge)
    } else {
        (ctx.replicas, 0)
    };
    let (cur_canary, cur_stable) = (ctx.spec_replicas(&ctx.hash), ctx.spec_replicas(&stable));
    let (canary_target, stable_target) = canary_replicas::next(
        limits,
        weight,
        side(&ctx.hash),
        has_stable.then(|| side(&stable)),
    );
    ctx.targets.push((canary_name, canary_target));
    if has_stable {
        ctx.targets.push((stable_name, stable_target));
    }
    if aborted || manual {
        return;
    }
    let reconciled = ctx.available(&ctx.hash) >= want_canary
        && cur_canary == want_canary
        && cur_stable == want_stable;
    if !reconciled {
        return;
    }
    // Walk the steps as far as they go this step.
    while idx < n {
        let step = &steps[idx];
        let done = if let Some(w) = step["setWeight"].as_i64() {
            desired_weight(&steps, idx) == w
        } else if step.get("pause").is_some() {
            pause_step(ctx, &step["pause"])
        } else if step.get("analysis").is_some() {
            analysis::step(world, ctx, idx)
        } else {
            true
        };
        if !done {
            break;
        }
        let what = step_summary(step);
        idx += 1;
        ctx.status["currentStepIndex"] = json!(idx);
        ctx.events.push((
            false,
            "RolloutStepCompleted",
            format!("Rollout step {idx}/{n} completed ({what})"),
        ));
        if step["setWeight"].is_i64() || desired_weight(&steps, idx) != weight {
            // A new weight needs new replica counts before the next step can complete.
            break;
        }
    }
    if idx >= n && ctx.available(&ctx.hash) >= ctx.replicas && cur_canary == ctx.replicas {
        ctx.complete();
    }
}

fn step_summary(step: &Value) -> String {
    if let Some(w) = step["setWeight"].as_i64() {
        format!("setWeight: {w}")
    } else if let Some(p) = step.get("pause") {
        match p.get("duration") {
            Some(d) => format!(
                "pause: {}",
                d.as_str().map_or_else(|| d.to_string(), str::to_string)
            ),
            None => "pause".to_string(),
        }
    } else if step.get("analysis").is_some() {
        "analysis".to_string()
    } else {
        "step".to_string()
    }
}

/// A pause step: pause once; done when a promote cleared the condition or the duration passed.
fn pause_step(ctx: &mut Ctx, pause: &Value) -> bool {
    let duration = pause.get("duration").and_then(duration_ms);
    if let Some(c) = ctx.pause_condition("CanaryPauseStep") {
        let started = c["startTime"]
            .as_str()
            .and_then(parse_time)
            .unwrap_or(ctx.now);
        if duration.is_some_and(|d| ctx.now >= started + d) {
            ctx.unpause();
            return true;
        }
        return false;
    }
    if obj::bool_at(&ctx.status, "/controllerPause") {
        // The plugin cleared pauseConditions (promote): the pause is over.
        ctx.unpause();
        return true;
    }
    if duration == Some(0) {
        return true;
    }
    ctx.pause("CanaryPauseStep");
    false
}
