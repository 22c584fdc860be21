//! Argo AnalysisTemplates and ClusterAnalysisTemplates (API.md §1.5) to the core's slim type:
//! per metric its Prometheus query, conditions, interval and failure limit, as written.

use kube::api::DynamicObject;
use serde_json::Value;

use super::str_at;
use quarterdeck_core::analysis::{AnalysisTemplate, TemplateMetric};

/// An AnalysisTemplate or ClusterAnalysisTemplate read through the dynamic API.
pub fn analysis_template(obj: &DynamicObject) -> AnalysisTemplate {
    let metrics = obj
        .data
        .pointer("/spec/metrics")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice)
        .iter()
        .map(metric)
        .collect();
    AnalysisTemplate {
        name: obj.metadata.name.clone().unwrap_or_default(),
        cluster_scope: obj.metadata.namespace.is_none(),
        metrics,
    }
}

fn metric(m: &Value) -> TemplateMetric {
    // `failureLimit` is an int or a string (`"{{args.limit}}"`) in Argo's API.
    let failure_limit = m.get("failureLimit").and_then(|l| match l {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.clone()),
        _ => None,
    });
    TemplateMetric {
        name: str_at(m, &["name"]).unwrap_or_default(),
        query: str_at(m, &["provider", "prometheus", "query"]),
        success_condition: str_at(m, &["successCondition"]),
        failure_condition: str_at(m, &["failureCondition"]),
        interval: str_at(m, &["interval"]),
        failure_limit,
    }
}
