//! Argo AnalysisRuns (API.md §1.5) to the core's slim type: per metric its limits, conditions
//! and query with the run's `{{args.X}}` filled in, its counts and its last measurements.

use kube::api::DynamicObject;
use serde_json::Value;

use super::{REVISION, annotation_i64, key, str_at, time_at};
use quarterdeck_core::analysis::{AnalysisRun, Measurement, RunMetric};

/// Measurements kept per metric (the newest).
const KEEP_MEASUREMENTS: usize = 10;
/// Argo's default `consecutiveErrorLimit`.
const DEFAULT_CONSECUTIVE_ERROR_LIMIT: i32 = 4;

/// An AnalysisRun read through the dynamic API.
pub fn analysis_run(obj: &DynamicObject) -> AnalysisRun {
    let data = &obj.data;
    let spec = data.get("spec").cloned().unwrap_or(Value::Null);
    let status = data.get("status").cloned().unwrap_or(Value::Null);
    let args: Vec<(String, String)> = spec
        .get("args")
        .and_then(Value::as_array)
        .map(|args| {
            args.iter()
                .filter_map(|a| Some((str_at(a, &["name"])?, str_at(a, &["value"])?)))
                .collect()
        })
        .unwrap_or_default();
    let results: &[Value] = status
        .get("metricResults")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice);
    let metrics = spec
        .get("metrics")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice)
        .iter()
        .map(|m| {
            let name = str_at(m, &["name"]).unwrap_or_default();
            let result = results
                .iter()
                .find(|r| str_at(r, &["name"]).as_deref() == Some(name.as_str()))
                .unwrap_or(&Value::Null);
            metric(name, m, result, &args)
        })
        .collect();
    let labels = obj.metadata.labels.as_ref();
    let label = |name: &str| labels.and_then(|l| l.get(name)).cloned();
    AnalysisRun {
        key: key(&obj.metadata),
        rollout: obj
            .metadata
            .owner_references
            .iter()
            .flatten()
            .find(|r| r.controller == Some(true) && r.kind == "Rollout")
            .map(|r| r.name.clone()),
        hash: label("rollouts-pod-template-hash").unwrap_or_default(),
        run_type: label("rollout-type").unwrap_or_default(),
        step_index: label("step-index").and_then(|i| i.parse().ok()),
        revision: annotation_i64(&obj.metadata, REVISION[1]),
        phase: str_at(&status, &["phase"]).unwrap_or_default(),
        message: str_at(&status, &["message"]).unwrap_or_default(),
        started_ms: time_at(&status, &["startedAt"]),
        completed_ms: time_at(&status, &["completedAt"]),
        metrics,
    }
}

fn metric(name: String, spec: &Value, result: &Value, args: &[(String, String)]) -> RunMetric {
    let count = |field: &str| int(result.get(field)).unwrap_or(0);
    let mut measurements: Vec<Measurement> = result
        .get("measurements")
        .and_then(Value::as_array)
        .map(|ms| ms.iter().map(measurement).collect())
        .unwrap_or_default();
    let skip = measurements.len().saturating_sub(KEEP_MEASUREMENTS);
    measurements.drain(..skip);
    RunMetric {
        name,
        phase: str_at(result, &["phase"]).unwrap_or_default(),
        count: count("count"),
        successful: count("successful"),
        failed: count("failed"),
        inconclusive: count("inconclusive"),
        error: count("error"),
        consecutive_error: count("consecutiveError"),
        max_count: int(spec.get("count")),
        failure_limit: int(spec.get("failureLimit")).unwrap_or(0),
        inconclusive_limit: int(spec.get("inconclusiveLimit")).unwrap_or(0),
        consecutive_error_limit: int(spec.get("consecutiveErrorLimit"))
            .unwrap_or(DEFAULT_CONSECUTIVE_ERROR_LIMIT),
        interval: str_at(spec, &["interval"]).unwrap_or_default(),
        success_condition: str_at(spec, &["successCondition"]).unwrap_or_default(),
        failure_condition: str_at(spec, &["failureCondition"]).unwrap_or_default(),
        query: resolve(
            &str_at(spec, &["provider", "prometheus", "query"]).unwrap_or_default(),
            args,
        ),
        message: str_at(result, &["message"]).unwrap_or_default(),
        measurements,
    }
}

fn measurement(m: &Value) -> Measurement {
    Measurement {
        phase: str_at(m, &["phase"]).unwrap_or_default(),
        value: str_at(m, &["value"]).unwrap_or_default(),
        finished_ms: time_at(m, &["finishedAt"]),
        message: str_at(m, &["message"]).unwrap_or_default(),
    }
}

/// An int-or-string field (`failureLimit: 3` or `"3"`).
fn int(v: Option<&Value>) -> Option<i32> {
    match v? {
        Value::Number(n) => n.as_i64().and_then(|n| i32::try_from(n).ok()),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// `query` with every `{{args.NAME}}` (spaces inside the braces allowed) replaced by its
/// value; an argument without a value stays as written.
fn resolve(query: &str, args: &[(String, String)]) -> String {
    let mut out = String::with_capacity(query.len());
    let mut rest = query;
    while let Some(open) = rest.find("{{") {
        let Some(close) = rest[open..].find("}}").map(|c| open + c) else {
            break;
        };
        let inner = rest[open + 2..close].trim();
        let value = inner
            .strip_prefix("args.")
            .and_then(|name| args.iter().find(|(n, _)| n == name))
            .map(|(_, v)| v.as_str());
        out.push_str(&rest[..open]);
        out.push_str(value.unwrap_or(&rest[open..close + 2]));
        rest = &rest[close + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn a_real_shaped_run_converts_with_its_query_resolved() {
        let obj: DynamicObject = serde_json::from_value(serde_json::json!({
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "AnalysisRun",
            "metadata": {
                "name": "feature-store-7d9f8c6b5-3-2",
                "namespace": "bnpl",
                "labels": {
                    "rollout-type": "Step",
                    "rollouts-pod-template-hash": "7d9f8c6b5",
                    "step-index": "2"
                },
                "annotations": {"rollout.argoproj.io/revision": "3"},
                "ownerReferences": [{
                    "apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
                    "name": "feature-store", "uid": "u-1", "controller": true,
                    "blockOwnerDeletion": true
                }]
            },
            "spec": {
                "args": [
                    {"name": "canary-hash", "value": "7d9f8c6b5"},
                    {"name": "namespace", "value": "bnpl"},
                    {"name": "service", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}
                ],
                "metrics": [{
                    "name": "error-ratio",
                    "interval": "30s",
                    "count": 5,
                    "failureLimit": "2",
                    "successCondition": "result[0] < 0.01",
                    "failureCondition": "result[0] >= 0.05",
                    "provider": {"prometheus": {
                        "address": "http://prometheus.monitoring:9090",
                        "query": "sum(rate(http_requests_total{namespace=\"{{args.namespace}}\",rollouts_pod_template_hash=\"{{ args.canary-hash }}\",code=~\"5..\"}[2m])) / sum(rate(http_requests_total{rollouts_pod_template_hash=\"{{args.canary-hash}}\",svc=\"{{args.service}}\"}[2m]))"
                    }}
                }, {
                    "name": "p95",
                    "provider": {"prometheus": {"query": "x"}}
                }]
            },
            "status": {
                "phase": "Failed",
                "message": "Metric \"error-ratio\" assessed Failed due to failed (3) > failureLimit (2)",
                "startedAt": "2026-01-01T10:00:00Z",
                "completedAt": "2026-01-01T10:01:30Z",
                "runSummary": {"count": 2, "successful": 0, "failed": 1, "inconclusive": 0, "error": 0},
                "metricResults": [{
                    "name": "error-ratio",
                    "phase": "Failed",
                    "count": 3, "successful": 0, "failed": 3, "inconclusive": 0, "error": 0,
                    "consecutiveError": 0,
                    "measurements": [
                        {"phase": "Failed", "value": "[0.062]", "startedAt": "2026-01-01T10:00:00Z", "finishedAt": "2026-01-01T10:00:01Z"},
                        {"phase": "Failed", "value": "[0.071]", "startedAt": "2026-01-01T10:00:30Z", "finishedAt": "2026-01-01T10:00:31Z"},
                        {"phase": "Failed", "value": "[0.08]", "startedAt": "2026-01-01T10:01:00Z", "finishedAt": "2026-01-01T10:01:01Z", "message": "over"}
                    ]
                }]
            }
        }))
        .unwrap();
        let run = analysis_run(&obj);
        assert_eq!(run.key.namespace, "bnpl");
        assert_eq!(run.rollout.as_deref(), Some("feature-store"));
        assert_eq!(
            (
                run.hash.as_str(),
                run.run_type.as_str(),
                run.step_index,
                run.revision
            ),
            ("7d9f8c6b5", "Step", Some(2), Some(3))
        );
        assert_eq!(run.phase, "Failed");
        assert!(run.message.contains("failureLimit (2)"));
        assert_eq!(run.started_ms, Some(1_767_261_600_000));
        assert_eq!(run.completed_ms, Some(1_767_261_690_000));
        let m = &run.metrics[0];
        assert_eq!(
            m.query,
            "sum(rate(http_requests_total{namespace=\"bnpl\",rollouts_pod_template_hash=\"7d9f8c6b5\",code=~\"5..\"}[2m])) / sum(rate(http_requests_total{rollouts_pod_template_hash=\"7d9f8c6b5\",svc=\"{{args.service}}\"}[2m]))"
        );
        assert_eq!((m.count, m.failed, m.failure_limit), (3, 3, 2));
        assert_eq!((m.max_count, m.consecutive_error_limit), (Some(5), 4));
        assert_eq!(m.interval, "30s");
        assert_eq!(m.success_condition, "result[0] < 0.01");
        assert_eq!(m.measurements.len(), 3);
        assert_eq!(m.measurements[2].value, "[0.08]");
        assert_eq!(m.measurements[2].message, "over");
        assert_eq!(m.measurements[2].finished_ms, Some(1_767_261_661_000));
        // A metric without results yet.
        let p95 = &run.metrics[1];
        assert_eq!(
            (p95.name.as_str(), p95.phase.as_str(), p95.count),
            ("p95", "", 0)
        );
        assert_eq!(p95.max_count, None);
    }

    #[test]
    fn an_empty_run_converts() {
        let obj: DynamicObject = serde_json::from_value(serde_json::json!({
            "apiVersion": "argoproj.io/v1alpha1", "kind": "AnalysisRun",
            "metadata": {"name": "r", "namespace": "n"}
        }))
        .unwrap();
        let run = analysis_run(&obj);
        assert_eq!(run.rollout, None);
        assert!(run.metrics.is_empty() && run.phase.is_empty());
    }
}
