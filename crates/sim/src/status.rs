//! Kubernetes `Status` errors: the body kubectl prints as `Error from server (<reason>): <message>`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// An API error answered as a `kind: Status` object.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// HTTP status code.
    pub(crate) code: u16,
    /// Machine-readable reason (`NotFound`, `Conflict`, …).
    pub(crate) reason: &'static str,
    /// Human-readable message.
    pub(crate) message: String,
    /// `details` (name, group, kind), when the error is about one object.
    pub(crate) details: Option<Value>,
    /// Seconds to send as `Retry-After` (429 and some 5xx).
    pub(crate) retry_after: Option<u64>,
}

impl ApiError {
    /// An error with this code, reason and message.
    pub(crate) fn new(code: u16, reason: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            reason,
            message: message.into(),
            details: None,
            retry_after: None,
        }
    }

    /// An error about one object: `details` names it, and the message is written around its
    /// qualified resource (`pods`, `rollouts.argoproj.io`) as the real server does.
    fn about_object(
        code: u16,
        reason: &'static str,
        (group, plural, name): (&str, &str, &str),
        message: impl FnOnce(&str) -> String,
    ) -> Self {
        let qualified = if group.is_empty() {
            plural.to_string()
        } else {
            format!("{plural}.{group}")
        };
        Self {
            details: Some(json!({"name": name, "group": group, "kind": plural})),
            ..Self::new(code, reason, message(&qualified))
        }
    }

    /// 404 for a named object, with the message format the real server uses.
    pub(crate) fn not_found(group: &str, plural: &str, name: &str) -> Self {
        Self::about_object(404, "NotFound", (group, plural, name), |q| {
            format!("{q} \"{name}\" not found")
        })
    }

    /// 404 for a path that names no resource.
    pub(crate) fn no_route() -> Self {
        Self::new(
            404,
            "NotFound",
            "the server could not find the requested resource",
        )
    }

    /// 400 Bad Request.
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", message)
    }

    /// 409 AlreadyExists for a create of an existing name.
    pub(crate) fn already_exists(group: &str, plural: &str, name: &str) -> Self {
        Self::about_object(409, "AlreadyExists", (group, plural, name), |q| {
            format!("{q} \"{name}\" already exists")
        })
    }

    /// 409 Conflict for a stale resourceVersion precondition.
    pub(crate) fn conflict(group: &str, plural: &str, name: &str) -> Self {
        Self::about_object(409, "Conflict", (group, plural, name), |q| {
            format!(
                "Operation cannot be fulfilled on {q} \"{name}\": the object has been modified; please apply your changes to the latest version and try again"
            )
        })
    }

    /// 410 Gone for an expired resourceVersion or continue token.
    pub(crate) fn expired(message: impl Into<String>) -> Self {
        Self::new(410, "Expired", message)
    }

    /// 422 Invalid.
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::new(422, "Invalid", message)
    }

    /// 405 MethodNotAllowed.
    pub(crate) fn method_not_allowed() -> Self {
        Self::new(
            405,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
        )
    }

    /// 401 Unauthorized.
    pub(crate) fn unauthorized() -> Self {
        Self::new(401, "Unauthorized", "Unauthorized")
    }

    /// The `Status` object for this error.
    pub(crate) fn to_status(&self) -> Value {
        let mut status = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        });
        if let Some(details) = &self.details {
            status["details"] = details.clone();
        }
        if let Some(secs) = self.retry_after {
            let details = status
                .as_object_mut()
                .map(|o| o.entry("details").or_insert_with(|| json!({})));
            if let Some(d) = details {
                d["retryAfterSeconds"] = json!(secs);
            }
        }
        status
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.code, self.reason, self.message)
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = StatusCode::from_u16(self.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut resp = (code, axum::Json(self.to_status())).into_response();
        if let Some(v) = self
            .retry_after
            .and_then(|secs| HeaderValue::from_str(&secs.to_string()).ok())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}
