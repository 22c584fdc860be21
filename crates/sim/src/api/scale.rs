//! The `/scale` subresource of deployments, replicasets and rollouts, spoken as
//! `autoscaling/v1` `Scale` (kubectl scale refuses anything else).

use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use super::super::resources::{ResId, ids};
use super::super::status::ApiError;
use super::patch::read_patch;
use super::selectors::selector_string;
use super::write::{commit, stored};
use super::{Call, json as respond, parse_body};

/// The `Scale` view of an object.
pub(crate) fn to_scale(res: ResId, obj: &Value) -> Value {
    let meta = &obj["metadata"];
    let status = &obj["status"];
    // Rollouts declare `.status.HPAReplicas` and `.status.selector` as their scale paths.
    let (replicas, selector) = if res == ids::ROLLOUTS {
        (
            status["HPAReplicas"].as_i64().unwrap_or(0),
            status["selector"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| selector_string(&obj["spec"]["selector"])),
        )
    } else {
        (
            status["replicas"].as_i64().unwrap_or(0),
            selector_string(&obj["spec"]["selector"]),
        )
    };
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": meta["name"],
            "namespace": meta["namespace"],
            "uid": meta["uid"],
            "resourceVersion": meta["resourceVersion"],
            "creationTimestamp": meta["creationTimestamp"],
        },
        "spec": {"replicas": obj["spec"]["replicas"].as_i64().unwrap_or(1)},
        "status": {"replicas": replicas, "selector": selector},
    })
}

/// GET, PUT and PATCH of `…/{name}/scale`.
pub(crate) fn serve(call: &Call) -> Result<Response, ApiError> {
    let t = &call.target;
    let name = t.name.as_deref().unwrap_or_default();
    let method = call.parts.method.clone();
    let update = match method {
        Method::GET => None,
        // Scale is a built-in kind, so strategic merge is accepted even for custom resources.
        Method::PATCH => Some(read_patch(call, false)?),
        Method::PUT => Some((super::patch::PatchKind::Merge, parse_body(&call.body)?)),
        _ => return Err(ApiError::method_not_allowed()),
    };
    let mut world = call.sim.world();
    let stored = stored(&world, t)?;
    let current = to_scale(t.res, &stored);
    let Some((kind, patch)) = update else {
        return Ok(respond(StatusCode::OK, &current));
    };
    let wanted = kind.apply(&current, &patch)?;
    let replicas = wanted["spec"]["replicas"].as_i64().ok_or_else(|| {
        ApiError::invalid(format!(
            "Scale.autoscaling \"{name}\" is invalid: spec.replicas: Required value"
        ))
    })?;
    if replicas < 0 {
        return Err(ApiError::invalid(format!(
            "Scale.autoscaling \"{name}\" is invalid: spec.replicas: Invalid value: {replicas}: must be greater than or equal to 0"
        )));
    }
    let mut next = stored.clone();
    next["spec"]["replicas"] = json!(replicas);
    next["metadata"]["resourceVersion"] = wanted["metadata"]["resourceVersion"].clone();
    let main = super::path::Target {
        sub: None,
        ..t.clone()
    };
    let saved = commit(&mut world, &main, &stored, next, call.dry_run())?;
    Ok(respond(StatusCode::OK, &to_scale(t.res, &saved)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_of_deployment_and_rollout() {
        let d = json!({"metadata": {"name": "web", "namespace": "shop", "resourceVersion": "7"},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}}}, "status": {"replicas": 4}});
        let s = to_scale(ids::DEPLOYMENTS, &d);
        assert_eq!(s["spec"], json!({"replicas": 3}));
        assert_eq!(s["status"], json!({"replicas": 4, "selector": "app=web"}));
        assert_eq!(s["metadata"]["resourceVersion"], "7");
        let r = json!({"metadata": {"name": "ro"}, "spec": {"replicas": 5},
            "status": {"replicas": 6, "HPAReplicas": 5, "selector": "app=ro"}});
        assert_eq!(
            to_scale(ids::ROLLOUTS, &r)["status"],
            json!({"replicas": 5, "selector": "app=ro"})
        );
    }
}
