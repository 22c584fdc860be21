//! PATCH: the four patch types kubectl and kube-rs send, chosen by Content-Type, applied to
//! the stored object and written through the same rules as a PUT.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::super::status::ApiError;
use super::write::commit;
use super::{Call, json as respond, jsonpatch, merge};

/// A patch format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PatchKind {
    /// `application/merge-patch+json`.
    Merge,
    /// `application/json-patch+json`.
    Json,
    /// `application/strategic-merge-patch+json`.
    Strategic,
    /// `application/apply-patch+yaml` (server-side apply).
    Apply,
}

/// The media types accepted for patches of custom resources, as the real server lists them.
const CRD_PATCH_TYPES: &str =
    "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml";

impl PatchKind {
    /// The patch kind for a Content-Type; `custom` kinds do not take strategic merge.
    pub(crate) fn from_content_type(ct: &str, custom: bool) -> Result<Self, ApiError> {
        let kind = match ct {
            "application/merge-patch+json" => PatchKind::Merge,
            "application/json-patch+json" => PatchKind::Json,
            "application/strategic-merge-patch+json" if !custom => PatchKind::Strategic,
            "application/apply-patch+yaml" => PatchKind::Apply,
            _ => {
                let accepted = if custom {
                    CRD_PATCH_TYPES.to_string()
                } else {
                    format!("{CRD_PATCH_TYPES}, application/strategic-merge-patch+json")
                };
                return Err(ApiError::new(
                    415,
                    "UnsupportedMediaType",
                    format!(
                        "the body of the request was in an unknown format - accepted media types include: {accepted}"
                    ),
                ));
            }
        };
        Ok(kind)
    }

    /// Parses a patch body: JSON, or for apply YAML too.
    pub(crate) fn parse(self, body: &[u8]) -> Result<Value, ApiError> {
        let json: Result<Value, _> = serde_json::from_slice(body);
        match (self, json) {
            (_, Ok(v)) => Ok(v),
            (PatchKind::Apply, Err(_)) => {
                let text = std::str::from_utf8(body).map_err(|_| {
                    ApiError::bad_request("error decoding YAML: the body is not UTF-8")
                })?;
                serde_saphyr::from_str::<Value>(text)
                    .map_err(|e| ApiError::bad_request(format!("error decoding YAML: {e}")))
            }
            (_, Err(e)) => Err(ApiError::bad_request(format!("error decoding patch: {e}"))),
        }
    }

    /// Applies a parsed patch to a document.
    pub(crate) fn apply(self, doc: &Value, patch: &Value) -> Result<Value, ApiError> {
        match self {
            PatchKind::Merge => Ok(merge::merge_patch(doc, patch)),
            PatchKind::Strategic => Ok(merge::strategic(doc, patch)),
            PatchKind::Apply => {
                if !patch.is_object() {
                    return Err(ApiError::bad_request("an apply patch must be an object"));
                }
                Ok(merge::strategic(doc, patch))
            }
            PatchKind::Json => jsonpatch::apply(doc, patch).map_err(|e| {
                ApiError::invalid(format!(
                    "the server rejected our request due to an error in our request: {}",
                    e.0
                ))
            }),
        }
    }
}

/// Checks the options every patch request shares and parses the body.
pub(crate) fn read_patch(call: &Call, custom: bool) -> Result<(PatchKind, Value), ApiError> {
    let kind = PatchKind::from_content_type(call.content_type(), custom)?;
    if kind == PatchKind::Apply && call.query.non_empty("fieldManager").is_none() {
        return Err(ApiError::invalid(
            "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch",
        ));
    }
    let patch = kind.parse(&call.body)?;
    Ok((kind, patch))
}

/// `PATCH …/{plural}/{name}[/status]`.
pub(crate) fn serve(call: &Call) -> Result<Response, ApiError> {
    let t = &call.target;
    let def = t.res.def();
    let name = t.name.as_deref().unwrap_or_default();
    let (kind, patch) = read_patch(call, def.custom)?;
    let mut world = call.sim.world();
    let Some(stored) = world.store.get(t.res, t.ns(), name).cloned() else {
        if kind != PatchKind::Apply || t.sub.is_some() {
            return Err(ApiError::not_found(def.group, def.plural, name));
        }
        // Server-side apply creates what is missing.
        let mut obj = patch;
        obj["metadata"]["name"] = json!(name);
        if def.namespaced {
            obj["metadata"]["namespace"] = json!(t.ns());
        }
        let now = world.clock.rfc3339();
        let created = if call.dry_run() {
            obj
        } else {
            world.store.create(t.res, obj, &now)?
        };
        return Ok(respond(StatusCode::CREATED, &created));
    };
    let patched = kind.apply(&stored, &patch)?;
    let saved = commit(&mut world, t, &stored, patched, call.dry_run())?;
    Ok(respond(StatusCode::OK, &saved))
}
