//! Verbs denied to the simulator's user, so clients can be tested against RBAC: a denied
//! request is answered with the 403 `Status` the API server's authorizer writes, and
//! SelfSubjectAccessReview answers `allowed: false` for it. Set through `POST /sim/permissions`;
//! part of the world, so loading a scenario clears them.

use std::sync::Arc;

use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::Sim;
use super::status::ApiError;

/// One denied (verb, group, resource[, subresource][, namespace]); `"*"` matches any verb or
/// resource, and a missing namespace any namespace.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Denial {
    verb: String,
    group: String,
    resource: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    subresource: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    namespace: Option<String>,
}

/// What a request asks to do, in the authorizer's terms.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Attributes {
    /// `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, `deletecollection`.
    pub(crate) verb: String,
    /// API group; empty for the core group.
    pub(crate) group: String,
    /// Plural resource name.
    pub(crate) resource: String,
    /// Subresource (`status`, `scale`, `log`); empty for the object itself.
    pub(crate) subresource: String,
    /// Namespace; empty for cluster-scoped requests.
    pub(crate) namespace: String,
    /// Object name; empty for collections and creates.
    pub(crate) name: String,
}

impl Denial {
    /// Whether this denial covers a request. As in RBAC, a rule for `rollouts` does not cover
    /// `rollouts/status`, but resource `"*"` covers every resource and subresource.
    fn covers(&self, a: &Attributes) -> bool {
        let any = |rule: &str, value: &str| rule == "*" || rule == value;
        let sub = match &self.subresource {
            Some(s) => any(s, &a.subresource),
            None => self.resource == "*" || a.subresource.is_empty(),
        };
        any(&self.verb, &a.verb)
            && any(&self.group, &a.group)
            && any(&self.resource, &a.resource)
            && sub
            && self.namespace.as_ref().is_none_or(|ns| *ns == a.namespace)
    }
}

/// The denials in force.
#[derive(Debug, Clone, Default)]
pub(crate) struct Permissions {
    deny: Vec<Denial>,
}

impl Permissions {
    /// Whether the request is denied.
    pub(crate) fn denied(&self, a: &Attributes) -> bool {
        self.deny.iter().any(|d| d.covers(a))
    }
}

/// The authorizer's sentence: `User "u" cannot patch resource "rollouts/status" in API group
/// "argoproj.io" in the namespace "bnpl"`.
pub(crate) fn cannot(user: &str, a: &Attributes) -> String {
    let resource = if a.subresource.is_empty() {
        a.resource.clone()
    } else {
        format!("{}/{}", a.resource, a.subresource)
    };
    let scope = if a.namespace.is_empty() {
        "at the cluster scope".to_string()
    } else {
        format!("in the namespace {:?}", a.namespace)
    };
    format!(
        "User {user:?} cannot {} resource {resource:?} in API group {:?} {scope}",
        a.verb, a.group
    )
}

/// The 403 the API server answers for a denied request (apimachinery's `NewForbidden`).
pub(crate) fn forbidden(user: &str, a: &Attributes) -> ApiError {
    let qualified = if a.group.is_empty() {
        a.resource.clone()
    } else {
        format!("{}.{}", a.resource, a.group)
    };
    let subject = if a.name.is_empty() {
        qualified
    } else {
        format!("{qualified} {:?}", a.name)
    };
    // StatusDetails omits empty fields.
    let mut details = json!({"kind": a.resource});
    if !a.name.is_empty() {
        details["name"] = json!(a.name);
    }
    if !a.group.is_empty() {
        details["group"] = json!(a.group);
    }
    ApiError {
        details: Some(details),
        ..ApiError::new(
            403,
            "Forbidden",
            format!("{subject} is forbidden: {}", cannot(user, a)),
        )
    }
}

/// Routes under `/sim`: `GET|POST /permissions`.
pub(crate) fn router() -> Router<Arc<Sim>> {
    Router::new().route("/permissions", post(set).get(show))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PermissionsBody {
    deny: Vec<Denial>,
}

fn answer(p: &Permissions) -> Response {
    Json(json!({"deny": p.deny})).into_response()
}

async fn show(State(sim): State<Arc<Sim>>) -> Response {
    answer(&sim.world().permissions)
}

/// Replaces the denials (an empty list clears them).
async fn set(
    State(sim): State<Arc<Sim>>,
    payload: Result<Json<PermissionsBody>, JsonRejection>,
) -> Response {
    let bad = |m: String| (StatusCode::BAD_REQUEST, Json(json!({"error": m}))).into_response();
    let b = match payload {
        Ok(Json(b)) => b,
        Err(e) => return bad(e.body_text()),
    };
    if let Some(d) = b.deny.iter().find(|d| d.verb.is_empty() || d.resource.is_empty()) {
        return bad(format!(
            "\"verb\" and \"resource\" must not be empty: {}",
            serde_json::to_string(d).unwrap_or_default()
        ));
    }
    let mut world = sim.world();
    world.permissions.deny = b.deny;
    answer(&world.permissions)
}

/// The attributes of a SelfSubjectAccessReview's `spec.resourceAttributes`; `None` for a
/// review of a non-resource URL (never denied).
pub(crate) fn review_attributes(spec: &Value) -> Option<Attributes> {
    let r = spec.get("resourceAttributes")?;
    let s = |k: &str| r[k].as_str().unwrap_or_default().to_string();
    Some(Attributes {
        verb: s("verb"),
        group: s("group"),
        resource: s("resource"),
        subresource: s("subresource"),
        namespace: s("namespace"),
        name: s("name"),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn deny(v: Value) -> Permissions {
        Permissions {
            deny: vec![serde_json::from_value(v).unwrap()],
        }
    }

    fn attrs(verb: &str, group: &str, resource: &str, sub: &str, ns: &str) -> Attributes {
        Attributes {
            verb: verb.into(),
            group: group.into(),
            resource: resource.into(),
            subresource: sub.into(),
            namespace: ns.into(),
            name: "feature-store".into(),
        }
    }

    #[test]
    fn a_denial_covers_its_verb_resource_subresource_and_namespace_only() {
        let p = deny(json!({"verb": "patch", "group": "argoproj.io", "resource": "rollouts",
            "subresource": "status", "namespace": "bnpl"}));
        assert!(p.denied(&attrs("patch", "argoproj.io", "rollouts", "status", "bnpl")));
        assert!(!p.denied(&attrs("patch", "argoproj.io", "rollouts", "", "bnpl")));
        assert!(!p.denied(&attrs("get", "argoproj.io", "rollouts", "status", "bnpl")));
        assert!(!p.denied(&attrs("patch", "argoproj.io", "rollouts", "status", "shop")));
        assert!(!p.denied(&attrs("patch", "", "rollouts", "status", "bnpl")));
    }

    #[test]
    fn stars_match_any_verb_and_any_resource_with_its_subresources() {
        let p = deny(json!({"verb": "*", "group": "coordination.k8s.io", "resource": "*"}));
        assert!(p.denied(&attrs("create", "coordination.k8s.io", "leases", "", "a")));
        assert!(p.denied(&attrs("watch", "coordination.k8s.io", "leases", "status", "")));
        assert!(!p.denied(&attrs("create", "", "events", "", "a")));
        assert!(!Permissions::default().denied(&attrs("get", "", "pods", "", "a")));
    }

    #[test]
    fn the_403_is_worded_as_the_api_server_words_it() {
        let e = forbidden(
            "sim-admin",
            &attrs("patch", "argoproj.io", "rollouts", "status", "bnpl"),
        );
        assert_eq!(
            e.message,
            "rollouts.argoproj.io \"feature-store\" is forbidden: User \"sim-admin\" cannot patch resource \"rollouts/status\" in API group \"argoproj.io\" in the namespace \"bnpl\""
        );
        assert_eq!((e.code, e.reason), (403, "Forbidden"));
        assert_eq!(
            e.details,
            Some(json!({"name": "feature-store", "group": "argoproj.io", "kind": "rollouts"}))
        );
        let mut list = attrs("list", "", "pods", "", "");
        list.name.clear();
        assert_eq!(
            forbidden("u", &list).message,
            "pods is forbidden: User \"u\" cannot list resource \"pods\" in API group \"\" at the cluster scope"
        );
    }
}
