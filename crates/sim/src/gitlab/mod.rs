//! GitLab REST v4 under `/gitlab/api/v4`: projects (by id or URL-encoded path), pipelines,
//! jobs with traces, play/retry/cancel, environments, deployments with approvals and protected
//! environments, and groups' members. Offset pagination with GitLab's `x-*` headers; `RateLimit-*` headers on every
//! answer and 429 with `Retry-After` when the budget runs out; a weak ETag on every 200 to a
//! GET, and 304 to a matching `If-None-Match`.

mod groups;
mod json;
mod routes;

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use crate::Sim;
use crate::ci::http::{Page, Req, etag, etag_matches, respond};
use crate::world::World;

/// What a route answers before headers are added.
pub(crate) enum Out {
    /// JSON with a status.
    Json(StatusCode, Value),
    /// A page of a list: the items of this page and the total.
    List(Vec<Value>, usize, Page),
    /// Plain text (job traces).
    Text(String),
}

/// A GitLab error: status and body (`{"message": …}` or `{"error": …}`).
pub(crate) struct GlError(pub StatusCode, pub Value);

impl GlError {
    /// `{"message": "404 <what> Not Found"}`, or `"404 Not Found"` when `what` is empty (as
    /// GitLab's `not_found!` reads with and without a resource).
    pub(crate) fn not_found(what: &str) -> Self {
        let message = if what.is_empty() {
            "404 Not Found".to_string()
        } else {
            format!("404 {what} Not Found")
        };
        GlError(StatusCode::NOT_FOUND, json!({"message": message}))
    }

    /// The answer for a path no route matches.
    pub(crate) fn no_route() -> Self {
        GlError(StatusCode::NOT_FOUND, json!({"error": "404 Not Found"}))
    }

    /// `{"message": msg}` with a status.
    pub(crate) fn message(status: StatusCode, msg: &str) -> Self {
        GlError(status, json!({"message": msg}))
    }
}

/// The 401 every request without the right token gets.
pub(crate) fn unauthorized() -> Response {
    respond(
        StatusCode::UNAUTHORIZED,
        json!({"message": "401 Unauthorized"})
            .to_string()
            .into_bytes(),
        "application/json",
        &[],
    )
}

/// Serves everything under `/gitlab/api/v4`.
pub(crate) async fn handle(State(sim): State<Arc<Sim>>, req: Request) -> Response {
    let req = Req::read(req, "/gitlab/api/v4").await;
    let mut world = sim.world();
    serve(&mut world, &req)
}

fn serve(world: &mut World, req: &Req) -> Response {
    let now = world.clock.now_ms;
    if !world.ci.gitlab_budget.take(now) {
        let b = &world.ci.gitlab_budget;
        let mut h = limit_headers(world);
        h.push(("retry-after".into(), b.retry_after(now).to_string()));
        return respond(
            StatusCode::TOO_MANY_REQUESTS,
            b"Retry later\n".to_vec(),
            "text/plain",
            &h,
        );
    }
    let mut h = limit_headers(world);
    let (status, body, content_type) = match routes::route(world, req) {
        Err(GlError(status, body)) => (status, body.to_string().into_bytes(), "application/json"),
        Ok(Out::Json(status, body)) => (status, body.to_string().into_bytes(), "application/json"),
        Ok(Out::Text(text)) => (
            StatusCode::OK,
            text.into_bytes(),
            "text/plain; charset=utf-8",
        ),
        Ok(Out::List(items, total, page)) => {
            let last = page.last(total);
            h.push(("x-page".into(), page.page.to_string()));
            h.push(("x-per-page".into(), page.per_page.to_string()));
            h.push((
                "x-next-page".into(),
                if page.page < last {
                    (page.page + 1).to_string()
                } else {
                    String::new()
                },
            ));
            h.push((
                "x-prev-page".into(),
                if page.page > 1 {
                    (page.page - 1).to_string()
                } else {
                    String::new()
                },
            ));
            h.push(("x-total".into(), total.to_string()));
            h.push(("x-total-pages".into(), last.to_string()));
            if let Some(link) = page.link(req, total) {
                h.push(("link".into(), link));
            }
            (
                StatusCode::OK,
                Value::Array(items).to_string().into_bytes(),
                "application/json",
            )
        }
    };
    // Rails' Rack::ETag and Rack::ConditionalGet sit in front of GitLab's API: every 200 to a
    // GET carries a weak ETag of its body, and a matching `If-None-Match` gets an empty 304.
    let is_get = req.method == Method::GET || req.method == Method::HEAD;
    if is_get && status == StatusCode::OK {
        let tag = etag(&body);
        let matched = etag_matches(req.header("if-none-match"), &tag);
        h.push(("etag".into(), tag));
        h.push((
            "cache-control".into(),
            "max-age=0, private, must-revalidate".into(),
        ));
        if matched {
            return respond(StatusCode::NOT_MODIFIED, Vec::new(), content_type, &h);
        }
    }
    respond(status, body, content_type, &h)
}

fn limit_headers(world: &World) -> Vec<(String, String)> {
    let b = &world.ci.gitlab_budget;
    let reset = b.reset_s();
    let reset_time = chrono::DateTime::from_timestamp(reset, 0)
        .map(|t| t.format("%a, %d %b %Y %H:%M:%S GMT").to_string())
        .unwrap_or_default();
    vec![
        ("ratelimit-name".into(), "throttle_authenticated_api".into()),
        ("ratelimit-limit".into(), b.limit.to_string()),
        ("ratelimit-observed".into(), b.used.to_string()),
        ("ratelimit-remaining".into(), b.remaining().to_string()),
        ("ratelimit-reset".into(), reset.to_string()),
        ("ratelimit-resettime".into(), reset_time),
    ]
}
