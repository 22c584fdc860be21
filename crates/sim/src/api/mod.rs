//! The Kubernetes API surface: routing, injected faults and content negotiation, with one file
//! per kind of request (reads, watches, writes, patches, scale, logs, discovery).

mod age;
mod crd;
mod discovery;
mod health;
mod jsonpatch;
mod list;
mod logs;
mod merge;
mod negotiate;
mod openapi;
mod patch;
mod path;
mod pod_row;
mod proto;
mod reviews;
mod scale;
pub(crate) mod seed;
pub(crate) mod selectors;
mod table;
mod table_kinds;
mod views;
mod watch;
mod write;

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use self::negotiate::Shape;
use self::path::{Query, Route, Target};
use super::Sim;
use super::permissions::{self, Attributes};
use super::resources::ids;
use super::status::ApiError;

/// Largest request body accepted.
const MAX_BODY: usize = 16 << 20;

/// Answers every Kubernetes request (the router's fallback).
pub(crate) async fn handle(State(sim): State<Arc<Sim>>, req: Request) -> Response {
    match serve(sim, req).await {
        Ok(resp) => resp,
        Err(e) => e.into_response(),
    }
}

/// What a resource handler needs from the request.
pub(crate) struct Call {
    /// The simulator.
    pub(crate) sim: Arc<Sim>,
    /// What the path names.
    pub(crate) target: Target,
    /// Query parameters.
    pub(crate) query: Query,
    /// The representation asked for.
    pub(crate) shape: Shape,
    /// Method, headers, URI.
    pub(crate) parts: Parts,
    /// The request body.
    pub(crate) body: Bytes,
}

impl Call {
    /// The request's Content-Type without parameters.
    pub(crate) fn content_type(&self) -> &str {
        self.parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(str::trim)
            .unwrap_or_default()
    }

    /// `dryRun=All`.
    pub(crate) fn dry_run(&self) -> bool {
        self.query.get("dryRun") == Some("All")
    }
}

async fn serve(sim: Arc<Sim>, req: Request) -> Result<Response, ApiError> {
    inject_faults(&sim).await?;
    let (parts, body) = req.into_parts();
    let route = path::parse(parts.uri.path())?;
    let query = Query::parse(parts.uri.query());
    let shape = negotiate::shape(&parts.headers);
    let read_only = parts.method == Method::GET;
    match route {
        Route::Resource(target) => {
            let body = axum::body::to_bytes(body, MAX_BODY)
                .await
                .map_err(|e| ApiError::bad_request(format!("cannot read the request body: {e}")))?;
            let call = Call {
                sim,
                target,
                query,
                shape,
                parts,
                body,
            };
            resource(call).await
        }
        _ if !read_only => Err(ApiError::method_not_allowed()),
        Route::Version => Ok(json(StatusCode::OK, &discovery::version())),
        Route::CoreRoot => {
            let host = parts
                .headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("127.0.0.1");
            Ok(discovery::core_root(shape, host))
        }
        Route::GroupsRoot => Ok(discovery::groups_root(shape)),
        Route::Group(g) => Ok(discovery::group(&g)),
        Route::GroupVersion(g, v) => Ok(discovery::resource_list(&g, &v)),
        Route::Health(endpoint, check) => Ok(health::serve(&endpoint, check.as_deref(), &query)),
        Route::OpenApiV3Index => Ok(openapi::index()),
        Route::OpenApiV3(gv) => openapi::document(&gv, &query),
    }
}

async fn resource(call: Call) -> Result<Response, ApiError> {
    let method = call.parts.method.clone();
    let t = &call.target;
    // Every authenticated user may create the reviews (system:basic-user), so no denial
    // applies to them.
    if [ids::SSAR, ids::SSR, ids::SSRR].contains(&t.res) {
        return match (method, &t.name) {
            (Method::POST, None) => reviews::answer(&call),
            _ => Err(ApiError::method_not_allowed()),
        };
    }
    authorize(&call)?;
    if t.res == ids::EVENTS_V1 && method == Method::POST && t.name.is_none() {
        return write::create_event_v1(&call);
    }
    if views::is_view(t.res) && method != Method::GET {
        return Err(ApiError::method_not_allowed());
    }
    let named = t.name.is_some();
    match (method, named, t.sub.as_deref()) {
        (Method::GET, true, Some("log")) => logs::serve(&call),
        (_, true, Some("scale")) => scale::serve(&call),
        (Method::GET, false, None) if call.query.flag("watch") => watch::serve(&call),
        (Method::GET, false, None) => list::list(&call),
        (Method::GET, true, None | Some("status")) => list::get(&call),
        (Method::POST, false, None) => write::create(&call),
        (Method::PUT, true, None | Some("status")) => write::replace(&call),
        (Method::PATCH, true, None | Some("status")) => patch::serve(&call),
        (Method::DELETE, true, None) => write::delete(&call),
        (Method::DELETE, false, None) => write::delete_collection(&call),
        _ => Err(ApiError::method_not_allowed()),
    }
}

/// The request in the authorizer's terms.
fn attributes(call: &Call) -> Attributes {
    let t = &call.target;
    let named = t.name.is_some();
    let verb = match (&call.parts.method, named) {
        (&Method::GET, _) if call.query.flag("watch") => "watch",
        (&Method::GET, true) => "get",
        (&Method::GET, false) => "list",
        (&Method::POST, _) => "create",
        (&Method::PUT, _) => "update",
        (&Method::PATCH, _) => "patch",
        (&Method::DELETE, true) => "delete",
        (&Method::DELETE, false) => "deletecollection",
        (m, _) => m.as_str(),
    };
    let def = t.res.def();
    Attributes {
        verb: verb.to_string(),
        group: def.group.to_string(),
        resource: def.plural.to_string(),
        subresource: t.sub.clone().unwrap_or_default(),
        namespace: t.ns().to_string(),
        name: t.name.clone().unwrap_or_default(),
    }
}

/// Answers a denied request with the authorizer's 403, before anything else looks at it.
fn authorize(call: &Call) -> Result<(), ApiError> {
    let attrs = attributes(call);
    if call.sim.world().permissions.denied(&attrs) {
        return Err(permissions::forbidden(&reviews::user_name(), &attrs));
    }
    Ok(())
}

/// Applies `world.faults`: added latency, then an outage or the next-N-requests failure.
async fn inject_faults(sim: &Sim) -> Result<(), ApiError> {
    let (latency_ms, fail) = {
        let mut world = sim.world();
        let down = super::outage::status(&world);
        let faults = &mut world.faults;
        let fail = match faults.fail_next {
            // An outage answers first; the counted failures wait until it is over.
            _ if down.is_some() => down,
            Some((code, n)) if n > 0 => {
                faults.fail_next = (n > 1).then_some((code, n - 1));
                Some(code)
            }
            _ => None,
        };
        (faults.latency_ms, fail)
    };
    if latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(latency_ms)).await;
    }
    match fail {
        Some(code) => Err(injected(code)),
        None => Ok(()),
    }
}

/// The Status a real server (or the proxy in front of it) answers with for an injected code.
fn injected(code: u16) -> ApiError {
    match code {
        429 => ApiError {
            retry_after: Some(1),
            ..ApiError::new(
                429,
                "TooManyRequests",
                "Too many requests, please try again later.",
            )
        },
        503 => ApiError::new(
            503,
            "ServiceUnavailable",
            "the server is currently unable to handle the request",
        ),
        504 => ApiError::new(
            504,
            "Timeout",
            "the server was unable to return a response in the time allotted",
        ),
        _ => ApiError::new(
            code,
            "InternalError",
            "Internal error occurred: the simulator injected this failure",
        ),
    }
}

/// A JSON response with a status code.
pub(crate) fn json(code: StatusCode, body: &Value) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut resp = (code, Body::from(bytes)).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// Parses a JSON request body; a malformed one is a 400 like the real server's decode error.
pub(crate) fn parse_body(body: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(format!(
            "the object provided is unrecognized or malformed: invalid JSON: {e}"
        ))
    })
}
