//! The patches each workload action sends, exactly as the Argo Rollouts plugin and kubectl send
//! them (API.md §1.2, §2.1, §2.2), as pure functions of the object just read. Every patch then
//! carries that object's `resourceVersion`, so nothing can slip in between.

use serde_json::{Value, json};

/// Where a patch goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    /// The object itself.
    Main,
    /// Its `/status` subresource.
    Status,
}

/// A patch body and its type.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Body {
    /// `application/merge-patch+json`.
    Merge(Value),
    /// `application/strategic-merge-patch+json` (built-in kinds only).
    Strategic(Value),
    /// `application/json-patch+json`: the operations.
    Json(Vec<Value>),
}

/// One request of an action.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Step {
    /// Where.
    pub target: Target,
    /// What.
    pub body: Body,
}

impl Step {
    fn main(body: Body) -> Self {
        Self {
            target: Target::Main,
            body,
        }
    }

    fn status(patch: Value) -> Self {
        Self {
            target: Target::Status,
            body: Body::Merge(json!({ "status": patch })),
        }
    }

    /// The same patch, valid only while the object is at `rv`: in the body's metadata for a
    /// merge patch, as a first `test` operation for a JSON patch.
    pub fn at(&self, rv: &str) -> Body {
        match &self.body {
            Body::Merge(v) => Body::Merge(with_rv(v, rv)),
            Body::Strategic(v) => Body::Strategic(with_rv(v, rv)),
            Body::Json(ops) => {
                let mut out =
                    vec![json!({"op": "test", "path": "/metadata/resourceVersion", "value": rv})];
                out.extend(ops.iter().cloned());
                Body::Json(out)
            }
        }
    }
}

fn with_rv(v: &Value, rv: &str) -> Value {
    let mut v = v.clone();
    v["metadata"]["resourceVersion"] = json!(rv);
    v
}

fn steps_of(rollout: &Value) -> usize {
    rollout
        .pointer("/spec/strategy/canary/steps")
        .and_then(Value::as_array)
        .map_or(0, Vec::len)
}

fn spec_paused(obj: &Value) -> bool {
    obj.pointer("/spec/paused").and_then(Value::as_bool) == Some(true)
}

fn unpause(obj: &Value) -> Option<Step> {
    spec_paused(obj).then(|| Step::main(Body::Merge(json!({"spec": {"paused": false}}))))
}

/// `kubectl argo rollouts promote`: the plugin's status rules (first match wins), then the
/// spec patch; the status patch goes first.
pub(crate) fn promote(rollout: &Value) -> Vec<Step> {
    let status = &rollout["status"];
    let canary = rollout.pointer("/spec/strategy/canary").is_some();
    let n = steps_of(rollout);
    let i = status["currentStepIndex"]
        .as_u64()
        .map_or(0, |i| usize::try_from(i).unwrap_or(usize::MAX));
    let next = (i.saturating_add(1)).min(n);
    let paused_by_conditions = status["pauseConditions"]
        .as_array()
        .is_some_and(|a| !a.is_empty());
    let inconclusive = status
        .pointer("/canary/currentStepAnalysisRunStatus/status")
        .and_then(Value::as_str)
        == Some("Inconclusive");
    let controller_pause = status["controllerPause"].as_bool() == Some(true);
    let status_patch = if canary && inconclusive && paused_by_conditions && controller_pause {
        Some(json!({"pauseConditions": null, "controllerPause": false, "currentStepIndex": next}))
    } else if paused_by_conditions {
        Some(json!({"pauseConditions": null}))
    } else if canary && n > 0 {
        Some(json!({"pauseConditions": null, "currentStepIndex": next}))
    } else {
        None
    };
    status_patch
        .map(Step::status)
        .into_iter()
        .chain(unpause(rollout))
        .collect()
}

/// `kubectl argo rollouts promote --full`.
pub(crate) fn promote_full(rollout: &Value) -> Vec<Step> {
    let status = &rollout["status"];
    let full = (status["currentPodHash"] != status["stableRS"])
        .then(|| Step::status(json!({"promoteFull": true})));
    full.into_iter().chain(unpause(rollout)).collect()
}

/// `kubectl argo rollouts abort`.
pub(crate) fn abort() -> Vec<Step> {
    vec![Step::status(json!({"abort": true}))]
}

/// `kubectl argo rollouts retry rollout`.
pub(crate) fn retry() -> Vec<Step> {
    vec![Step::status(json!({"abort": false}))]
}

/// `kubectl argo rollouts pause`.
pub(crate) fn pause_rollout() -> Vec<Step> {
    vec![Step::main(Body::Merge(json!({"spec": {"paused": true}})))]
}

/// Resume a rollout paused with `pause`: clear `spec.paused`, as `promote` does for it.
pub(crate) fn resume_rollout() -> Vec<Step> {
    vec![Step::main(Body::Merge(json!({"spec": {"paused": false}})))]
}

/// `kubectl argo rollouts restart`: `now` as RFC 3339 UTC.
pub(crate) fn restart_rollout(now_utc: &str) -> Vec<Step> {
    vec![Step::main(Body::Merge(
        json!({"spec": {"restartAt": now_utc}}),
    ))]
}

/// `kubectl argo rollouts undo`: the chosen ReplicaSet's template, hash label removed.
pub(crate) fn undo_rollout(template: Value) -> Vec<Step> {
    vec![Step::main(Body::Json(vec![
        json!({"op": "replace", "path": "/spec/template", "value": template}),
    ]))]
}

/// The blue-green emergency path: undo to the previous template, then `promote --full`, so
/// the previous pods, still running, take the traffic again. The full promotion is sent
/// whatever the status says now: the controller has not seen the undo yet.
pub(crate) fn switch_back(rollout: &Value, template: Value) -> Vec<Step> {
    let mut out = undo_rollout(template);
    out.push(Step::status(json!({"promoteFull": true})));
    out.extend(unpause(rollout));
    out
}

/// `kubectl rollout pause deployment`.
pub(crate) fn pause_deployment() -> Vec<Step> {
    vec![Step::main(Body::Strategic(
        json!({"spec": {"paused": true}}),
    ))]
}

/// `kubectl rollout resume deployment` (the wire body of its two-way patch).
pub(crate) fn resume_deployment() -> Vec<Step> {
    vec![Step::main(Body::Strategic(
        json!({"spec": {"paused": null}}),
    ))]
}

/// `kubectl rollout restart deployment`: `now` as RFC 3339 local time.
pub(crate) fn restart_deployment(now_local: &str) -> Vec<Step> {
    vec![Step::main(Body::Strategic(
        json!({"spec": {"template": {"metadata": {
            "annotations": {"kubectl.kubernetes.io/restartedAt": now_local}
        }}}}),
    ))]
}

/// `kubectl rollout undo deployment`: the template and the annotations in one JSON patch.
pub(crate) fn undo_deployment(template: Value, annotations: Value) -> Vec<Step> {
    vec![Step::main(Body::Json(vec![
        json!({"op": "replace", "path": "/spec/template", "value": template}),
        json!({"op": "replace", "path": "/metadata/annotations", "value": annotations}),
    ]))]
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
