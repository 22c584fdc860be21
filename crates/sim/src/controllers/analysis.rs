//! Canary analysis steps: an AnalysisRun owned by the Rollout that measures the canary's error
//! rate every ten seconds and succeeds after three good measurements, or fails on the first
//! one above 1% — which aborts the Rollout like the real controller does.

use serde_json::{Value, json};

use super::obj;
use super::rollout::{Ctx, HASH_LABEL, REVISION};
use crate::resources::ids;
use crate::world::{World, fmt_time, parse_time};

const INTERVAL_MS: i64 = 10_000;
const COUNT: i64 = 3;
const THRESHOLD: f64 = 0.01;

/// Runs the analysis of step `idx`; true once it succeeded.
pub(crate) fn step(world: &mut World, ctx: &mut Ctx, idx: usize) -> bool {
    let ns = obj::namespace(&ctx.ro).to_string();
    let run_name = format!("{}-{}-{}-{idx}", obj::name(&ctx.ro), ctx.hash, ctx.revision);
    let run = match world.store.get(ids::ANALYSISRUNS, &ns, &run_name) {
        Some(r) => r.clone(),
        None => match create(world, ctx, &run_name, idx) {
            Some(r) => r,
            None => return false,
        },
    };
    let run = measure(world, &run);
    let phase = obj::str_at(&run, "/status/phase").to_string();
    let message = obj::str_at(&run, "/status/message").to_string();
    let mut st = json!({"name": run_name, "status": phase});
    if !message.is_empty() {
        st["message"] = json!(message);
    }
    ctx.status["canary"]["currentStepAnalysisRunStatus"] = st;
    match phase.as_str() {
        "Successful" => true,
        "Failed" | "Error" => {
            if !obj::bool_at(&ctx.status, "/abort") {
                ctx.status["abort"] = json!(true);
                ctx.status["abortedAt"] = json!(fmt_time(ctx.now));
                ctx.events.push((
                    true,
                    "AnalysisRunFailed",
                    format!(
                        "Step Analysis Run '{run_name}' Status New: 'Failed' Previous: 'Running'"
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
            false
        }
        _ => false,
    }
}

fn create(world: &mut World, ctx: &Ctx, run_name: &str, idx: usize) -> Option<Value> {
    let template = ctx.ro["spec"]["strategy"]["canary"]["steps"][idx]["analysis"]["templates"][0]["templateName"]
        .as_str()
        .unwrap_or("error-rate")
        .to_string();
    let ns = obj::namespace(&ctx.ro);
    let now = fmt_time(ctx.now);
    let run = json!({
        "metadata": {
            "name": run_name,
            "namespace": ns,
            "labels": {HASH_LABEL: ctx.hash, "rollout-type": "Step", "step-index": idx.to_string()},
            "annotations": {REVISION: ctx.revision.to_string()},
            "ownerReferences": [obj::owner_ref(&ctx.ro)],
        },
        "spec": {
            "metrics": [{
                "name": template,
                "interval": "10s",
                "count": COUNT,
                "failureLimit": 0,
                "successCondition": format!("result[0] < {THRESHOLD}"),
                "provider": {"prometheus": {
                    "address": "http://prometheus.monitoring:9090",
                    "query": format!("sum(rate(http_requests_total{{namespace=\"{ns}\",rollouts_pod_template_hash=\"{}\",code=~\"5..\"}}[2m])) / sum(rate(http_requests_total{{namespace=\"{ns}\",rollouts_pod_template_hash=\"{}\"}}[2m]))", ctx.hash, ctx.hash),
                }},
            }],
        },
        "status": {"phase": "Running", "startedAt": now, "metricResults": []},
    });
    world.store.create(ids::ANALYSISRUNS, run, &now).ok()
}

/// Takes the measurements that are due and settles the run's phase.
fn measure(world: &mut World, run: &Value) -> Value {
    let phase = obj::str_at(run, "/status/phase");
    if phase != "Running" {
        return run.clone();
    }
    if obj::bool_at(run, "/spec/terminate") {
        let now = fmt_time(world.clock.now_ms);
        return world
            .store
            .modify(
                ids::ANALYSISRUNS,
                obj::namespace(run),
                obj::name(run),
                |r| {
                    r["status"]["phase"] = json!("Successful");
                    r["status"]["message"] =
                        json!("Metric Assessment Result - Successful: Run Terminated");
                    r["status"]["completedAt"] = json!(now);
                },
            )
            .unwrap_or_else(|| run.clone());
    }
    let now = world.clock.now_ms;
    let started = run["status"]["startedAt"]
        .as_str()
        .and_then(parse_time)
        .unwrap_or(now);
    let taken = run["status"]["metricResults"][0]["count"]
        .as_i64()
        .unwrap_or(0);
    let due = ((now - started) / INTERVAL_MS + 1).min(COUNT);
    if due <= taken {
        return run.clone();
    }
    let hash = obj::label(run, HASH_LABEL).to_string();
    let image = world
        .store
        .list(ids::REPLICASETS, Some(obj::namespace(run)))
        .find(|r| obj::label(r, HASH_LABEL) == hash)
        .map(|r| obj::str_at(r, "/spec/template/spec/containers/0/image").to_string())
        .unwrap_or_default();
    let rate = world.behaviour(&image).error_rate;
    let mut results = run["status"]["metricResults"][0].clone();
    let metric = obj::str_at(run, "/spec/metrics/0/name").to_string();
    if !results.is_object() {
        results = json!({"name": metric, "phase": "Running", "count": 0, "successful": 0, "failed": 0, "inconclusive": 0, "error": 0, "consecutiveError": 0, "measurements": []});
    }
    let mut failed = false;
    for _ in taken..due {
        let noise = (world.rng.unit() - 0.5) * rate * 0.2;
        let value = (rate + noise).max(0.0);
        let ok = value < THRESHOLD;
        failed |= !ok;
        let at = fmt_time(now);
        let key = if ok { "successful" } else { "failed" };
        results["count"] = json!(results["count"].as_i64().unwrap_or(0) + 1);
        results[key] = json!(results[key].as_i64().unwrap_or(0) + 1);
        if let Some(m) = results["measurements"].as_array_mut() {
            m.push(json!({"phase": if ok { "Successful" } else { "Failed" }, "value": format!("[{value:.4}]"), "startedAt": at, "finishedAt": at}));
        }
        if failed {
            break;
        }
    }
    let count = results["count"].as_i64().unwrap_or(0);
    let (phase, message) = if failed {
        (
            "Failed",
            format!("Metric \"{metric}\" assessed Failed due to failed (1) > failureLimit (0)"),
        )
    } else if count >= COUNT {
        ("Successful", String::new())
    } else {
        ("Running", String::new())
    };
    results["phase"] = json!(phase);
    let done = phase != "Running";
    let at = fmt_time(now);
    world
        .store
        .modify(ids::ANALYSISRUNS, obj::namespace(run), obj::name(run), |r| {
            r["status"]["metricResults"] = json!([results]);
            r["status"]["phase"] = json!(phase);
            if !message.is_empty() {
                r["status"]["message"] = json!(message);
            }
            if done {
                r["status"]["completedAt"] = json!(at);
                r["status"]["runSummary"] = json!({"count": 1, "successful": i64::from(phase == "Successful"), "failed": i64::from(phase == "Failed"), "inconclusive": 0, "error": 0});
            }
        })
        .unwrap_or_else(|| run.clone())
}
