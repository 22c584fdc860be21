//! The CustomResourceDefinitions of the Argo kinds the simulator serves, as a cluster with Argo
//! Rollouts installed has them: names, scope, subresources, printer columns and structural
//! schemas (without descriptions, like the upstream manifests, which are generated with
//! `maxDescLen=0`). The same schemas are published in OpenAPI v3.

use serde_json::{Map, Value, json};

use super::super::resources::{RESOURCES, Resource};

fn string() -> Value {
    json!({"type": "string"})
}

fn int32() -> Value {
    json!({"type": "integer", "format": "int32"})
}

fn boolean() -> Value {
    json!({"type": "boolean"})
}

fn time() -> Value {
    json!({"type": "string", "format": "date-time"})
}

fn int_or_string() -> Value {
    json!({"anyOf": [{"type": "integer"}, {"type": "string"}], "x-kubernetes-int-or-string": true})
}

fn string_map() -> Value {
    json!({"type": "object", "additionalProperties": {"type": "string"}})
}

fn free() -> Value {
    json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true})
}

fn array(items: Value) -> Value {
    json!({"type": "array", "items": items})
}

fn object(props: &[(&str, Value)]) -> Value {
    let m: Map<String, Value> = props
        .iter()
        .map(|(k, v)| ((*k).to_string(), v.clone()))
        .collect();
    json!({"type": "object", "properties": m})
}

fn with_required(mut schema: Value, required: &[&str]) -> Value {
    schema["required"] = json!(required);
    schema
}

fn selector() -> Value {
    object(&[
        (
            "matchExpressions",
            array(with_required(
                object(&[
                    ("key", string()),
                    ("operator", string()),
                    ("values", array(string())),
                ]),
                &["key", "operator"],
            )),
        ),
        ("matchLabels", string_map()),
    ])
}

fn analysis_ref() -> Value {
    object(&[
        (
            "templates",
            array(object(&[
                ("clusterScope", boolean()),
                ("templateName", string()),
            ])),
        ),
        (
            "args",
            array(with_required(
                object(&[
                    ("name", string()),
                    ("value", string()),
                    ("valueFrom", free()),
                ]),
                &["name"],
            )),
        ),
        ("analysisRunMetadata", free()),
    ])
}

fn conditions() -> Value {
    array(with_required(
        object(&[
            ("lastTransitionTime", time()),
            ("lastUpdateTime", time()),
            ("message", string()),
            ("reason", string()),
            ("status", string()),
            ("type", string()),
        ]),
        &[
            "lastTransitionTime",
            "lastUpdateTime",
            "message",
            "reason",
            "status",
            "type",
        ],
    ))
}

fn run_status() -> Value {
    object(&[
        ("message", string()),
        ("name", string()),
        ("status", string()),
    ])
}

fn rollout_schema() -> Value {
    let step = object(&[
        ("setWeight", int32()),
        ("pause", object(&[("duration", int_or_string())])),
        ("analysis", analysis_ref()),
        ("experiment", free()),
        ("setCanaryScale", free()),
        ("setHeaderRoute", free()),
        ("setMirrorRoute", free()),
        ("plugin", free()),
    ]);
    let canary = object(&[
        ("steps", array(step)),
        ("maxSurge", int_or_string()),
        ("maxUnavailable", int_or_string()),
        ("canaryService", string()),
        ("stableService", string()),
        ("trafficRouting", free()),
        ("analysis", analysis_ref()),
        ("dynamicStableScale", boolean()),
        ("abortScaleDownDelaySeconds", int32()),
        ("scaleDownDelaySeconds", int32()),
        ("canaryMetadata", free()),
        ("stableMetadata", free()),
    ]);
    let blue_green = with_required(
        object(&[
            ("activeService", string()),
            ("previewService", string()),
            ("autoPromotionEnabled", boolean()),
            ("autoPromotionSeconds", int32()),
            ("previewReplicaCount", int32()),
            ("scaleDownDelaySeconds", int32()),
            ("scaleDownDelayRevisionLimit", int32()),
            ("abortScaleDownDelaySeconds", int32()),
            ("prePromotionAnalysis", analysis_ref()),
            ("postPromotionAnalysis", analysis_ref()),
            ("activeMetadata", free()),
            ("previewMetadata", free()),
        ]),
        &["activeService"],
    );
    let template = object(&[
        (
            "metadata",
            object(&[("annotations", string_map()), ("labels", string_map())]),
        ),
        ("spec", free()),
    ]);
    let spec = object(&[
        ("replicas", int32()),
        ("selector", selector()),
        ("template", template),
        (
            "workloadRef",
            object(&[
                ("apiVersion", string()),
                ("kind", string()),
                ("name", string()),
                ("scaleDown", string()),
            ]),
        ),
        ("minReadySeconds", int32()),
        ("revisionHistoryLimit", int32()),
        ("paused", boolean()),
        ("progressDeadlineSeconds", int32()),
        ("progressDeadlineAbort", boolean()),
        ("restartAt", time()),
        ("rollbackWindow", object(&[("revisions", int32())])),
        (
            "analysis",
            object(&[
                ("successfulRunHistoryLimit", int32()),
                ("unsuccessfulRunHistoryLimit", int32()),
            ]),
        ),
        (
            "strategy",
            object(&[("blueGreen", blue_green), ("canary", canary)]),
        ),
    ]);
    let status = object(&[
        ("HPAReplicas", int32()),
        ("abort", boolean()),
        ("abortedAt", time()),
        ("availableReplicas", int32()),
        (
            "blueGreen",
            object(&[
                ("activeSelector", string()),
                ("previewSelector", string()),
                ("prePromotionAnalysisRunStatus", run_status()),
                ("postPromotionAnalysisRunStatus", run_status()),
                ("scaleUpPreviewCheckPoint", boolean()),
            ]),
        ),
        (
            "canary",
            object(&[
                ("currentStepAnalysisRunStatus", run_status()),
                ("currentBackgroundAnalysisRunStatus", run_status()),
                ("currentExperiment", string()),
                ("weights", free()),
                ("stablePingPong", string()),
            ]),
        ),
        ("collisionCount", int32()),
        ("conditions", conditions()),
        ("controllerPause", boolean()),
        ("currentPodHash", string()),
        ("currentStepHash", string()),
        ("currentStepIndex", int32()),
        ("message", string()),
        ("observedGeneration", string()),
        (
            "pauseConditions",
            array(with_required(
                object(&[("reason", string()), ("startTime", time())]),
                &["reason", "startTime"],
            )),
        ),
        ("phase", string()),
        ("promoteFull", boolean()),
        ("readyReplicas", int32()),
        ("replicas", int32()),
        ("restartedAt", time()),
        ("selector", string()),
        ("stableRS", string()),
        ("updatedReplicas", int32()),
        ("workloadObservedGeneration", string()),
    ]);
    with_required(
        object(&[
            ("apiVersion", string()),
            ("kind", string()),
            ("metadata", json!({"type": "object"})),
            ("spec", spec),
            ("status", status),
        ]),
        &["spec"],
    )
}

/// One metric of a template or run.
fn metric() -> Value {
    with_required(
        object(&[
            ("name", string()),
            ("provider", free()),
            ("successCondition", string()),
            ("failureCondition", string()),
            ("interval", string()),
            ("initialDelay", string()),
            ("count", int_or_string()),
            ("failureLimit", int_or_string()),
            ("inconclusiveLimit", int_or_string()),
            ("consecutiveErrorLimit", int_or_string()),
            ("consecutiveSuccessLimit", int_or_string()),
        ]),
        &["name", "provider"],
    )
}

/// Args of a template or run.
fn args() -> Value {
    array(with_required(
        object(&[
            ("name", string()),
            ("value", string()),
            ("valueFrom", free()),
        ]),
        &["name"],
    ))
}

/// AnalysisTemplate and ClusterAnalysisTemplate share one schema.
fn analysis_template_schema() -> Value {
    let spec = with_required(
        object(&[
            ("args", args()),
            ("dryRun", array(object(&[("metricName", string())]))),
            (
                "measurementRetention",
                array(object(&[("metricName", string()), ("limit", int32())])),
            ),
            ("metrics", array(metric())),
        ]),
        &["metrics"],
    );
    with_required(
        object(&[
            ("apiVersion", string()),
            ("kind", string()),
            ("metadata", json!({"type": "object"})),
            ("spec", spec),
        ]),
        &["spec"],
    )
}

fn analysis_run_schema() -> Value {
    let metric = metric();
    let measurement = with_required(
        object(&[
            ("phase", string()),
            ("value", string()),
            ("message", string()),
            ("startedAt", time()),
            ("finishedAt", time()),
            ("resumeAt", time()),
            ("metadata", string_map()),
        ]),
        &["phase"],
    );
    let result = with_required(
        object(&[
            ("name", string()),
            ("phase", string()),
            ("message", string()),
            ("count", int32()),
            ("successful", int32()),
            ("failed", int32()),
            ("inconclusive", int32()),
            ("error", int32()),
            ("consecutiveError", int32()),
            ("consecutiveSuccess", int32()),
            ("dryRun", boolean()),
            ("measurements", array(measurement)),
            ("metadata", string_map()),
        ]),
        &["name", "phase"],
    );
    let summary = object(&[
        ("count", int32()),
        ("successful", int32()),
        ("failed", int32()),
        ("inconclusive", int32()),
        ("error", int32()),
    ]);
    let spec = with_required(
        object(&[
            ("args", args()),
            ("dryRun", array(object(&[("metricName", string())]))),
            (
                "measurementRetention",
                array(object(&[("metricName", string()), ("limit", int32())])),
            ),
            ("metrics", array(metric)),
            ("terminate", boolean()),
            (
                "ttlStrategy",
                object(&[
                    ("secondsAfterCompletion", int32()),
                    ("secondsAfterFailure", int32()),
                    ("secondsAfterSuccess", int32()),
                ]),
            ),
        ]),
        &["metrics"],
    );
    let status = with_required(
        object(&[
            ("phase", string()),
            ("message", string()),
            ("startedAt", time()),
            ("completedAt", time()),
            ("metricResults", array(result)),
            ("runSummary", summary.clone()),
            ("dryRunSummary", summary),
        ]),
        &["phase"],
    );
    with_required(
        object(&[
            ("apiVersion", string()),
            ("kind", string()),
            ("metadata", json!({"type": "object"})),
            ("spec", spec),
            ("status", status),
        ]),
        &["spec"],
    )
}

/// The structural schema of a custom kind, if it is one the simulator serves.
pub(crate) fn schema(kind: &str) -> Option<Value> {
    match kind {
        "Rollout" => Some(rollout_schema()),
        "AnalysisRun" => Some(analysis_run_schema()),
        "AnalysisTemplate" | "ClusterAnalysisTemplate" => Some(analysis_template_schema()),
        _ => None,
    }
}

/// The `additionalPrinterColumns` of a custom kind.
pub(crate) fn printer_columns(kind: &str) -> Value {
    let age = json!({"description": "Time since resource was created", "jsonPath": ".metadata.creationTimestamp", "name": "Age", "type": "date"});
    match kind {
        "Rollout" => json!([
            {"description": "Number of desired pods", "jsonPath": ".spec.replicas", "name": "Desired", "type": "integer"},
            {"description": "Total number of non-terminated pods targeted by this rollout", "jsonPath": ".status.replicas", "name": "Current", "type": "integer"},
            {"description": "Total number of non-terminated pods targeted by this rollout that have the desired template spec", "jsonPath": ".status.updatedReplicas", "name": "Up-to-date", "type": "integer"},
            {"description": "Total number of available pods (ready for at least minReadySeconds) targeted by this rollout", "jsonPath": ".status.availableReplicas", "name": "Available", "type": "integer"},
            age,
        ]),
        "AnalysisRun" => json!([
            {"description": "AnalysisRun status", "jsonPath": ".status.phase", "name": "Status", "type": "string"},
            age,
        ]),
        _ => json!([age]),
    }
}

fn subresources(r: &Resource) -> Value {
    let mut out = json!({});
    if r.subresource("status").is_some() {
        out["status"] = json!({});
    }
    if r.subresource("scale").is_some() {
        out["scale"] = json!({"labelSelectorPath": ".status.selector", "specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.HPAReplicas"});
    }
    out
}

/// The CRD objects of every custom kind in the registry, created at `created` (RFC 3339).
pub(crate) fn objects(created: &str) -> Vec<Value> {
    RESOURCES
        .iter()
        .filter(|r| r.custom)
        .map(|r| {
            let name = format!("{}.{}", r.plural, r.group);
            let names = json!({
                "kind": r.kind,
                "listKind": r.list_kind(),
                "plural": r.plural,
                "shortNames": r.short_names,
                "singular": r.singular,
            });
            json!({
                "apiVersion": "apiextensions.k8s.io/v1",
                "kind": "CustomResourceDefinition",
                "metadata": {
                    "name": name,
                    "creationTimestamp": created,
                    "annotations": {"controller-gen.kubebuilder.io/version": "v0.14.0"},
                    "labels": {
                        "app.kubernetes.io/component": "rollouts-controller",
                        "app.kubernetes.io/name": "argo-rollouts",
                        "app.kubernetes.io/part-of": "argo-rollouts",
                    },
                },
                "spec": {
                    "conversion": {"strategy": "None"},
                    "group": r.group,
                    "names": names,
                    "scope": if r.namespaced { "Namespaced" } else { "Cluster" },
                    "versions": [{
                        "name": r.version,
                        "served": true,
                        "storage": true,
                        "additionalPrinterColumns": printer_columns(r.kind),
                        "subresources": subresources(r),
                        "schema": {"openAPIV3Schema": schema(r.kind).unwrap_or_else(free)},
                    }],
                },
                "status": {
                    "acceptedNames": names,
                    "conditions": [
                        {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts", "message": "no conflicts found", "lastTransitionTime": created},
                        {"type": "Established", "status": "True", "reason": "InitialNamesAccepted", "message": "the initial names have been accepted", "lastTransitionTime": created},
                    ],
                    "storedVersions": [r.version],
                },
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rollout_crd_has_names_columns_and_scale() {
        let crds = objects("2026-01-01T00:00:00Z");
        let ro = crds
            .iter()
            .find(|c| c["metadata"]["name"] == "rollouts.argoproj.io")
            .cloned()
            .unwrap_or_default();
        assert_eq!(ro["spec"]["names"]["shortNames"], json!(["ro"]));
        assert_eq!(ro["spec"]["scope"], "Namespaced");
        let v = &ro["spec"]["versions"][0];
        assert_eq!(v["additionalPrinterColumns"][0]["name"], "Desired");
        assert_eq!(
            v["subresources"]["scale"]["statusReplicasPath"],
            ".status.HPAReplicas"
        );
        assert!(
            crds.iter()
                .any(|c| c["metadata"]["name"] == "analysisruns.argoproj.io")
        );
        let cat = crds
            .iter()
            .find(|c| c["metadata"]["name"] == "clusteranalysistemplates.argoproj.io")
            .cloned()
            .unwrap_or_default();
        assert_eq!(cat["spec"]["scope"], "Cluster");
        let props = &cat["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"];
        assert!(
            props["spec"]["properties"]["metrics"]["items"]["properties"]["successCondition"]
                .is_object()
        );
    }
}
