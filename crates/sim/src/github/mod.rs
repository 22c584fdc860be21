//! GitHub REST as GitHub Enterprise Server serves it, under `/github`: Actions runs, jobs,
//! logs, environments, pending deployments and deployments. Every answer carries the
//! `x-ratelimit-*` headers; GETs carry an ETag and a matching `If-None-Match` gets a 304 that
//! costs nothing; when the budget runs out the answer is 403 with `retry-after`.

mod checks;
mod created;
mod json;
mod routes;

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use crate::Sim;
use crate::ci::http::{Req, etag, etag_matches, respond};
use crate::world::World;

/// Where GitHub's REST documentation lives (errors link to it).
pub(crate) const DOCS: &str = "https://docs.github.com/rest";

/// How long a job-log URL stays valid, in seconds.
pub(crate) const LOG_URL_TTL_S: i64 = 60;

/// The path prefix of the short-lived log URLs (served without the token).
pub(crate) const LOGS_PREFIX: &str = "/github/_logs/";

/// What a route answers before headers are added.
pub(crate) enum Out {
    /// A JSON body with a status and extra headers.
    Json(StatusCode, Value, Vec<(String, String)>),
    /// A redirect.
    Redirect(String),
    /// No body.
    Empty(StatusCode),
}

/// A GitHub error: `{message, documentation_url}`.
#[derive(Debug, Clone)]
pub(crate) struct GhError {
    /// HTTP status.
    pub(crate) status: StatusCode,
    /// The message.
    pub(crate) message: String,
    /// The documentation page.
    pub(crate) doc: String,
}

impl GhError {
    /// An error with this status and message, linking to the REST docs.
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            doc: DOCS.into(),
        }
    }

    /// 404 Not Found.
    pub(crate) fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "Not Found")
    }

    /// 422 for a field that was not supplied.
    pub(crate) fn missing(field: &str, doc: &str) -> Self {
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: format!("Invalid request.\n\n\"{field}\" wasn't supplied."),
            doc: doc.into(),
        }
    }

    fn body(&self) -> Value {
        let mut v = json!({"message": self.message, "documentation_url": self.doc});
        if self.status == StatusCode::UNPROCESSABLE_ENTITY {
            v["status"] = json!("422");
        }
        v
    }
}

/// The 401 every request without the right token gets.
pub(crate) fn unauthorized() -> Response {
    let body = json!({"message": "Bad credentials", "documentation_url": DOCS});
    respond(
        StatusCode::UNAUTHORIZED,
        body.to_string().into_bytes(),
        "application/json; charset=utf-8",
        &[],
    )
}

/// Serves everything under `/github`.
pub(crate) async fn handle(State(sim): State<Arc<Sim>>, req: Request) -> Response {
    let req = Req::read(req, "/github").await;
    let mut world = sim.world();
    if req.segments.first().map(String::as_str) == Some("_logs") {
        return routes::serve_log(&world, &req);
    }
    serve(&mut world, &req)
}

fn serve(world: &mut World, req: &Req) -> Response {
    let now = world.clock.now_ms;
    world.ci.github_budget.roll(now);
    let free = req.parts() == ["rate_limit"];
    let is_get = req.method == Method::GET || req.method == Method::HEAD;
    if !is_get && !world.ci.github_budget.take(now) {
        return exhausted(world);
    }
    let out = routes::route(world, req);
    match out {
        Err(e) => {
            if is_get && !free && !world.ci.github_budget.take(now) {
                return exhausted(world);
            }
            let body = e.body().to_string().into_bytes();
            respond(
                e.status,
                body,
                "application/json; charset=utf-8",
                &limit_headers(world),
            )
        }
        Ok(Out::Json(status, value, extra)) => {
            let body = value.to_string().into_bytes();
            if is_get {
                let tag = etag(&body);
                if etag_matches(req.header("if-none-match"), &tag) {
                    let mut h = limit_headers(world);
                    h.push(("etag".into(), tag));
                    return respond(
                        StatusCode::NOT_MODIFIED,
                        Vec::new(),
                        "application/json; charset=utf-8",
                        &h,
                    );
                }
                if !free && !world.ci.github_budget.take(now) {
                    return exhausted(world);
                }
                let mut h = limit_headers(world);
                h.push(("etag".into(), tag));
                h.push((
                    "cache-control".into(),
                    "private, max-age=60, s-maxage=60".into(),
                ));
                h.extend(extra);
                return respond(status, body, "application/json; charset=utf-8", &h);
            }
            let mut h = limit_headers(world);
            h.extend(extra);
            respond(status, body, "application/json; charset=utf-8", &h)
        }
        Ok(Out::Redirect(url)) => {
            if is_get && !world.ci.github_budget.take(now) {
                return exhausted(world);
            }
            let mut h = limit_headers(world);
            h.push(("location".into(), url));
            respond(StatusCode::FOUND, Vec::new(), "text/html;charset=utf-8", &h)
        }
        Ok(Out::Empty(status)) => respond(
            status,
            Vec::new(),
            "application/json; charset=utf-8",
            &limit_headers(world),
        ),
    }
}

fn limit_headers(world: &World) -> Vec<(String, String)> {
    let b = &world.ci.github_budget;
    vec![
        ("x-ratelimit-limit".into(), b.limit.to_string()),
        ("x-ratelimit-remaining".into(), b.remaining().to_string()),
        ("x-ratelimit-used".into(), b.used.to_string()),
        ("x-ratelimit-reset".into(), b.reset_s().to_string()),
        ("x-ratelimit-resource".into(), "core".into()),
        (
            "x-github-media-type".into(),
            "github.v3; format=json".into(),
        ),
        ("x-github-api-version-selected".into(), "2022-11-28".into()),
    ]
}

fn exhausted(world: &World) -> Response {
    let now = world.clock.now_ms;
    let b = &world.ci.github_budget;
    let body = json!({
        "message": format!(
            "API rate limit exceeded for user ID {}. If you reach out to GitHub Support for help, please include the request ID {:X} and timestamp {}.",
            world.ci.engine.current_user.id,
            crate::rng::mix(now as u64) & 0xffff_ffff,
            crate::world::fmt_time(now).replace('T', " ").replace('Z', " UTC"),
        ),
        "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
    });
    let mut h = limit_headers(world);
    h.push(("retry-after".into(), b.retry_after(now).to_string()));
    respond(
        StatusCode::FORBIDDEN,
        body.to_string().into_bytes(),
        "application/json; charset=utf-8",
        &h,
    )
}
