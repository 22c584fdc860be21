//! Reading a workload and sending one patch to it, with each failure sorted by what it means
//! for the operator: stale (nothing applied), forbidden (shown verbatim), rejected, or unknown
//! (it may or may not have happened; never retried).

use k8s_openapi::api::apps::v1 as apps;
use kube::api::{Api, ApiResource, DynamicObject, ListParams, Patch, PatchParams};
use serde_json::Value;

use super::super::client::innermost;
use super::super::convert;
use super::super::watch::rollout_resource;
use super::patches::{Body, Step, Target};
use quarterdeck_core::control::WorkloadState;
use quarterdeck_core::release::{ReleaseId, WorkloadKind};

/// Why a request did not go through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SendError {
    /// 409, or the resourceVersion `test` failed: someone changed the object; nothing applied.
    Stale,
    /// 403: the API's message, verbatim.
    Forbidden(String),
    /// 404: gone.
    NotFound(String),
    /// Another 4xx: refused as asked; nothing applied.
    Rejected(String),
    /// A network error or a 5xx: the outcome is unknown.
    Unknown(String),
}

impl SendError {
    /// Sorts a client error. `tested` says the request was a JSON patch starting with the
    /// resourceVersion test, whose failure some API servers answer with 422.
    pub fn of(e: &kube::Error, tested: bool) -> Self {
        match e {
            kube::Error::Api(s) if s.code == 409 => Self::Stale,
            kube::Error::Api(s) if s.code == 422 && tested && s.message.contains("test") => {
                Self::Stale
            }
            kube::Error::Api(s) if s.code == 403 => Self::Forbidden(s.message.clone()),
            kube::Error::Api(s) if s.code == 404 => Self::NotFound(s.message.clone()),
            kube::Error::Api(s) if (400..500).contains(&s.code) => {
                Self::Rejected(s.message.clone())
            }
            kube::Error::Api(s) if s.code == 503 => {
                Self::Unknown(format!("Kubernetes API unavailable (503: {})", s.message))
            }
            kube::Error::Api(s) => Self::Unknown(format!("{} ({})", s.message, s.code)),
            other => Self::Unknown(innermost(other)),
        }
    }
}

/// The dynamic API of a workload's kind in its namespace.
pub(crate) fn api(client: &kube::Client, id: &ReleaseId) -> Api<DynamicObject> {
    let ar = match id.kind {
        WorkloadKind::Rollout => rollout_resource(),
        WorkloadKind::Deployment => ApiResource::erase::<apps::Deployment>(&()),
    };
    Api::namespaced_with(client.clone(), &id.key.namespace, &ar)
}

/// Reads the workload as JSON.
pub(crate) async fn get(api: &Api<DynamicObject>, name: &str) -> Result<Value, SendError> {
    let obj = api.get(name).await.map_err(|e| SendError::of(&e, false))?;
    serde_json::to_value(obj).map_err(|e| SendError::Rejected(e.to_string()))
}

/// The ReplicaSets in the workload's namespace that its selector's labels match.
pub(crate) async fn replicasets(
    client: &kube::Client,
    namespace: &str,
    workload: &Value,
) -> Result<Vec<Value>, SendError> {
    let selector = workload
        .pointer("/spec/selector/matchLabels")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default();
    let api: Api<apps::ReplicaSet> = Api::namespaced(client.clone(), namespace);
    let list = api
        .list(&ListParams::default().labels(&selector))
        .await
        .map_err(|e| SendError::of(&e, false))?;
    list.items
        .into_iter()
        .map(|rs| serde_json::to_value(rs).map_err(|e| SendError::Rejected(e.to_string())))
        .collect()
}

/// Sends `step` valid only at `rv`; answers the object after. With `dry_run` the API server
/// validates it (`dryRun=All`) and answers the object as it would be, changing nothing.
pub(crate) async fn patch(
    api: &Api<DynamicObject>,
    name: &str,
    step: &Step,
    rv: &str,
    dry_run: bool,
) -> Result<Value, SendError> {
    let pp = PatchParams {
        field_manager: Some("quarterdeck".into()),
        dry_run,
        ..PatchParams::default()
    };
    let body = step.at(rv);
    let tested = matches!(body, Body::Json(_));
    let result = match body {
        Body::Merge(v) => send(api, name, step.target, &pp, &Patch::Merge(v)).await,
        Body::Strategic(v) => send(api, name, step.target, &pp, &Patch::Strategic(v)).await,
        Body::Json(ops) => {
            let ops = serde_json::from_value(Value::Array(ops))
                .map_err(|e| SendError::Rejected(e.to_string()))?;
            send(api, name, step.target, &pp, &Patch::<Value>::Json(ops)).await
        }
    };
    let obj = result.map_err(|e| SendError::of(&e, tested))?;
    serde_json::to_value(obj).map_err(|e| SendError::Rejected(e.to_string()))
}

async fn send(
    api: &Api<DynamicObject>,
    name: &str,
    target: Target,
    pp: &PatchParams,
    patch: &Patch<Value>,
) -> kube::Result<DynamicObject> {
    match target {
        Target::Main => api.patch(name, pp, patch).await,
        Target::Status => api.patch_status(name, pp, patch).await,
    }
}

/// What an action depends on, from the object as read.
pub(crate) fn state_of(kind: WorkloadKind, obj: &Value) -> Result<WorkloadState, String> {
    match kind {
        WorkloadKind::Rollout => {
            let o: DynamicObject =
                serde_json::from_value(obj.clone()).map_err(|e| e.to_string())?;
            Ok(WorkloadState::of_rollout(&convert::rollout(&o)))
        }
        WorkloadKind::Deployment => {
            let d: apps::Deployment =
                serde_json::from_value(obj.clone()).map_err(|e| e.to_string())?;
            Ok(WorkloadState::of_deployment(&convert::deployment(&d)))
        }
    }
}

/// The object's `metadata.resourceVersion`.
pub(crate) fn rv_of(obj: &Value) -> String {
    obj.pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn sorting_client_errors() {
        let api = |code: u16, message: &str| {
            kube::Error::Api(Box::new(
                kube::core::Status::failure(message, "").with_code(code),
            ))
        };
        assert_eq!(
            SendError::of(&api(409, "conflict"), false),
            SendError::Stale
        );
        assert_eq!(
            SendError::of(
                &api(422, "testing value /metadata/resourceVersion failed"),
                true
            ),
            SendError::Stale
        );
        assert_eq!(
            SendError::of(&api(422, "invalid"), true),
            SendError::Rejected("invalid".into())
        );
        assert_eq!(
            SendError::of(&api(503, "unavailable"), false),
            SendError::Unknown("Kubernetes API unavailable (503: unavailable)".into())
        );
        assert_eq!(
            SendError::of(&api(504, "timed out"), false),
            SendError::Unknown("timed out (504)".into())
        );
    }
}
