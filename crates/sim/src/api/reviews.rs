//! The review kinds that are only ever created and answered, never stored: who am I
//! (`SelfSubjectReview`), may I (`SelfSubjectAccessReview`) and what may I
//! (`SelfSubjectRulesReview`). The simulator has one user, a cluster admin, minus the verbs
//! denied through `/sim/permissions`.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::super::kubeconfig::CONTEXT;
use super::super::permissions;
use super::super::resources::ids;
use super::super::rng;
use super::super::status::ApiError;
use super::{Call, json as respond, parse_body};

/// The groups of the simulator's user: a cluster admin, as on a fresh cluster's admin
/// kubeconfig.
const GROUPS: [&str; 2] = ["system:masters", "system:authenticated"];

/// `POST` of one of the review kinds: answers it for the simulator's single user.
pub(crate) fn answer(call: &Call) -> Result<Response, ApiError> {
    let def = call.target.res.def();
    // kubectl's typed clients send these as protobuf, which the simulator does not decode;
    // no answer depends on more than the spec's namespace, which is echoed when readable.
    let review = if call.content_type().contains("protobuf") {
        Value::Null
    } else {
        parse_body(&call.body)?
    };
    let spec = if review["spec"].is_object() {
        review["spec"].clone()
    } else {
        json!({})
    };
    let mut body = json!({
        "kind": def.kind,
        "apiVersion": def.api_version(),
        "metadata": {"creationTimestamp": null},
    });
    match call.target.res {
        r if r == ids::SSR => body["status"] = json!({"userInfo": user_info()}),
        r if r == ids::SSRR => {
            body["spec"] = spec;
            body["status"] = rules();
        }
        _ => {
            let denied = permissions::review_attributes(&spec)
                .filter(|a| call.sim.world().permissions.denied(a));
            body["status"] = match denied {
                Some(a) => json!({"allowed": false, "reason": format!(
                    "denied by the simulator's permissions (POST /sim/permissions): {}",
                    permissions::cannot(&user_name(), &a)
                )}),
                None => {
                    json!({"allowed": true, "reason": "the simulator grants its single user every permission"})
                }
            };
            body["spec"] = spec;
        }
    }
    Ok(respond(StatusCode::CREATED, &body))
}

/// The simulator's user name, as SelfSubjectReview reports it and 403s name it.
pub(crate) fn user_name() -> String {
    format!("{CONTEXT}-admin")
}

/// The authenticated user as the API server sees it.
fn user_info() -> Value {
    let h = rng::hash_str(CONTEXT);
    let uid = format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        h >> 32,
        (h >> 16) & 0xffff,
        h & 0xfff,
        (h >> 20) & 0xfff,
        rng::mix(h) & 0xffff_ffff_ffff
    );
    json!({"username": user_name(), "uid": uid, "groups": GROUPS})
}

/// The rules of a cluster admin: everything, plus the rules every authenticated user has.
fn rules() -> Value {
    json!({
        "resourceRules": [
            {"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]},
            {"verbs": ["create"], "apiGroups": ["authorization.k8s.io"], "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]},
            {"verbs": ["create"], "apiGroups": ["authentication.k8s.io"], "resources": ["selfsubjectreviews"]},
        ],
        "nonResourceRules": [
            {"verbs": ["*"], "nonResourceURLs": ["*"]},
            {"verbs": ["get"], "nonResourceURLs": ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz", "/version", "/version/"]},
        ],
        "incomplete": false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_user_is_a_stable_cluster_admin() {
        let u = user_info();
        assert_eq!(u["groups"], json!(GROUPS));
        assert_eq!(u, user_info());
        assert_eq!(u["uid"].as_str().map(str::len), Some(36));
    }
}
