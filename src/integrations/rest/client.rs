//! One authenticated REST endpoint: every GET is conditional (the entity-tag cache answers a
//! 304), pagination links are kept with the body, rate-limit headers are tracked, and a
//! refusal pauses every request until the limit allows again. Redirects are followed by hand
//! so a token is only ever sent to the API's own origin.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, AUTHORIZATION, DATE, ETAG, IF_NONE_MATCH, LOCATION, USER_AGENT};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::Value;

use super::clock::{Clock, http_date_ms};
use super::etag::{Cached, EtagCache};
use super::limits::{LimitHeaders, RateLimiter};
use super::pages::next_page_url;
use super::secret::Token;
use quarterdeck_core::pipeline::RateLimitState;

/// How many redirects a request follows.
const MAX_REDIRECTS: usize = 5;
/// URLs whose responses are cached.
const CACHE_CAPACITY: usize = 512;
/// Longest a request may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Which API's conventions to speak: headers, auth and error bodies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// `Authorization: Bearer`, `Accept: application/vnd.github+json`, API version header.
    GitHub,
    /// `PRIVATE-TOKEN`.
    GitLab,
}

/// A response body, fresh or from the cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The body.
    pub body: String,
    /// The next page's URL.
    pub next: Option<String>,
    /// The server answered 304 and the body is the cached one.
    pub not_modified: bool,
}

/// Why a request failed, before the provider turns it into words for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RestError {
    /// 401.
    #[error("401 {message}")]
    Unauthorized {
        /// The error body's message.
        message: String,
    },
    /// 403 that is not about rate limits.
    #[error("403 {message}")]
    Forbidden {
        /// The error body's message.
        message: String,
        /// GitHub's `X-Accepted-GitHub-Permissions`: what the endpoint wanted.
        wanted: Option<String>,
    },
    /// 404.
    #[error("404 {message}")]
    NotFound {
        /// The error body's message.
        message: String,
    },
    /// 403/429 about rate limits, or a request not sent because a pause is in force.
    #[error("rate limited until {until_ms}")]
    RateLimited {
        /// When requests may resume, Unix ms.
        until_ms: i64,
        /// The error body's message (empty when the request was not sent).
        message: String,
    },
    /// Any other status.
    #[error("{status} {message}")]
    Status {
        /// The status code.
        status: u16,
        /// The error body's message.
        message: String,
    },
    /// No answer (connection refused, timeout, TLS).
    #[error("{0}")]
    Network(String),
    /// An answer we cannot read.
    #[error("unexpected response: {0}")]
    Decode(String),
}

/// A client for one API base URL and token. The cache, the rate-limit state and the
/// spent-request counter are per token, not per caller: share one client between callers.
pub struct RestClient {
    http: reqwest::Client,
    scheme: Scheme,
    base: String,
    token: Option<Token>,
    cache: Mutex<EtagCache>,
    limiter: Mutex<RateLimiter>,
    spent: AtomicU32,
    /// Of `spent`, first reads: answers with an entity tag to a request that had none.
    first_reads: AtomicU32,
    sent: AtomicU64,
    clock: Arc<dyn Clock>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The origin (`scheme://host:port`) of a URL.
fn origin(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let end = url[after_scheme..]
        .find('/')
        .map_or(url.len(), |i| after_scheme + i);
    &url[..end]
}

impl std::fmt::Debug for RestClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestClient")
            .field("scheme", &self.scheme)
            .field("base", &self.base)
            .field("token", &self.token)
            .finish_non_exhaustive()
    }
}

impl RestClient {
    /// A client for `base` (no trailing slash needed) speaking `scheme`.
    pub fn new(
        scheme: Scheme,
        base: &str,
        token: Option<Token>,
        clock: Arc<dyn Clock>,
    ) -> Result<RestClient, RestError> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(TIMEOUT)
            .build()
            .map_err(|e| RestError::Network(e.without_url_ref()))?;
        Ok(RestClient {
            http,
            scheme,
            base: base.trim_end_matches('/').to_string(),
            token,
            cache: Mutex::new(EtagCache::new(CACHE_CAPACITY)),
            limiter: Mutex::new(RateLimiter::default()),
            spent: AtomicU32::new(0),
            first_reads: AtomicU32::new(0),
            sent: AtomicU64::new(0),
            clock,
        })
    }

    /// The base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The token, if any (its origin names the variable in messages).
    pub fn token(&self) -> Option<&Token> {
        self.token.as_ref()
    }

    /// Now, by the client's clock.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// The clock requests and pauses are timed by.
    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    /// The rate-limit state, for the status bar.
    pub fn limits(&self) -> RateLimitState {
        lock(&self.limiter).state().clone()
    }

    /// How many requests cost budget since the last call (304s and unsent requests do not).
    pub fn take_spent(&self) -> u32 {
        self.first_reads.store(0, Ordering::Relaxed);
        self.spent.swap(0, Ordering::Relaxed)
    }

    /// Like [`take_spent`](Self::take_spent), less the first reads of URLs that answer with
    /// an entity tag: those are conditional from then on, so they cost once, not every round.
    /// What a round keeps spending is what changed.
    pub fn take_spent_again(&self) -> u32 {
        let first = self.first_reads.swap(0, Ordering::Relaxed);
        self.spent.swap(0, Ordering::Relaxed).saturating_sub(first)
    }

    /// How many requests were sent in total (redirect hops included): the API cost so far.
    pub fn requests_sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// An absolute URL for a path under the base (absolute URLs pass through).
    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            path.to_string()
        } else {
            format!("{}{path}", self.base)
        }
    }

    fn request(&self, method: Method, url: &str, with_token: bool) -> RequestBuilder {
        let mut req = self.http.request(method, url).header(
            USER_AGENT,
            concat!("quarterdeck/", env!("CARGO_PKG_VERSION")),
        );
        if self.scheme == Scheme::GitHub {
            req = req
                .header(ACCEPT, "application/vnd.github+json")
                .header("X-GitHub-Api-Version", "2022-11-28");
        }
        if let Some(token) = self.token.as_ref().filter(|_| with_token) {
            req = match self.scheme {
                Scheme::GitHub => {
                    req.header(AUTHORIZATION, format!("Bearer {}", token.secret.expose()))
                }
                Scheme::GitLab => req.header("PRIVATE-TOKEN", token.secret.expose()),
            };
        }
        req
    }

    fn network(&self, e: &reqwest::Error) -> RestError {
        let text = e.without_url_ref();
        RestError::Network(self.redact(&text))
    }

    fn redact(&self, text: &str) -> String {
        match &self.token {
            Some(t) => t.secret.redact(text),
            None => text.to_string(),
        }
    }

    fn check_pause(&self) -> Result<(), RestError> {
        let now = self.clock.now_ms();
        match lock(&self.limiter).paused_until(now) {
            Some(until_ms) => Err(RestError::RateLimited {
                until_ms,
                message: String::new(),
            }),
            None => Ok(()),
        }
    }

    /// Sends a request, following redirects: the token goes along only while the target stays
    /// on the API's origin, and never when `token_on_redirect` is false. Every answer's `Date`
    /// tells the clock the server's time.
    async fn send(
        &self,
        method: Method,
        url: &str,
        body: Option<&Value>,
        etag: Option<&str>,
        token_on_redirect: bool,
    ) -> Result<(Response, String), RestError> {
        let mut current = url.to_string();
        let mut with_token = true;
        for _ in 0..=MAX_REDIRECTS {
            let mut req = self.request(method.clone(), &current, with_token);
            if let Some(tag) = etag.filter(|_| with_token) {
                req = req.header(IF_NONE_MATCH, tag);
            }
            if let Some(b) = body {
                req = req.json(b);
            }
            self.sent.fetch_add(1, Ordering::Relaxed);
            let asked = Instant::now();
            let resp = req.send().await.map_err(|e| self.network(&e))?;
            if let Some(date_ms) = resp
                .headers()
                .get(DATE)
                .and_then(|v| v.to_str().ok())
                .and_then(http_date_ms)
            {
                self.clock.observe_date(date_ms, asked.elapsed());
            }
            let redirect = matches!(resp.status().as_u16(), 301 | 302 | 303 | 307 | 308);
            let location = resp.headers().get(LOCATION).and_then(|v| v.to_str().ok());
            match location.filter(|_| redirect) {
                Some(loc) => {
                    let next = resp
                        .url()
                        .join(loc)
                        .map_err(|e| RestError::Decode(format!("bad redirect: {e}")))?
                        .to_string();
                    with_token =
                        with_token && token_on_redirect && origin(&next) == origin(&self.base);
                    current = next;
                }
                None => return Ok((resp, current)),
            }
        }
        Err(RestError::Decode("too many redirects".into()))
    }

    /// GET with `If-None-Match`; a 304 answers from the cache.
    pub async fn get(&self, path: &str) -> Result<Fetched, RestError> {
        let url = self.url(path);
        self.check_pause()?;
        let etag = lock(&self.cache).etag(&url).map(str::to_string);
        let (resp, _) = self
            .send(Method::GET, &url, None, etag.as_deref(), true)
            .await?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let limits = LimitHeaders::parse(&headers, self.clock.now_ms());
        if status == StatusCode::NOT_MODIFIED {
            lock(&self.limiter).observe(&limits, true);
            let cached = lock(&self.cache).get(&url).cloned();
            return match cached {
                Some(c) => Ok(Fetched {
                    body: c.body,
                    next: c.next,
                    not_modified: true,
                }),
                None => Err(RestError::Decode(
                    "304 for a request we had no copy of".into(),
                )),
            };
        }
        self.spent.fetch_add(1, Ordering::Relaxed);
        let text = resp.text().await.map_err(|e| self.network(&e))?;
        if !status.is_success() {
            lock(&self.cache).forget(&url);
            return Err(self.refusal(status.as_u16(), &headers, &limits, &text));
        }
        lock(&self.limiter).observe(&limits, true);
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let next = next_page_url(&url, header("link"), header("x-next-page"));
        if etag.is_none() && headers.contains_key(ETAG) {
            self.first_reads.fetch_add(1, Ordering::Relaxed);
        }
        match header(ETAG.as_str()) {
            Some(tag) => lock(&self.cache).put(
                &url,
                Cached {
                    etag: tag.to_string(),
                    body: text.clone(),
                    next: next.clone(),
                },
            ),
            None => lock(&self.cache).forget(&url),
        }
        Ok(Fetched {
            body: text,
            next,
            not_modified: false,
        })
    }

    /// GET of a text resource that redirects to storage elsewhere (GitHub job logs): the
    /// token is sent to the API only, never to where it redirects. `None` on 404.
    pub async fn get_redirected_text(&self, path: &str) -> Result<Option<String>, RestError> {
        let url = self.url(path);
        self.check_pause()?;
        let (resp, _) = self.send(Method::GET, &url, None, None, false).await?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let limits = LimitHeaders::parse(&headers, self.clock.now_ms());
        self.spent.fetch_add(1, Ordering::Relaxed);
        let text = resp.text().await.map_err(|e| self.network(&e))?;
        if status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !status.is_success() {
            return Err(self.refusal(status.as_u16(), &headers, &limits, &text));
        }
        lock(&self.limiter).observe(&limits, true);
        Ok(Some(text))
    }

    /// POST a JSON body; returns the response body.
    pub async fn post(&self, path: &str, body: &Value) -> Result<String, RestError> {
        let url = self.url(path);
        self.check_pause()?;
        let (resp, _) = self
            .send(Method::POST, &url, Some(body), None, true)
            .await?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let limits = LimitHeaders::parse(&headers, self.clock.now_ms());
        self.spent.fetch_add(1, Ordering::Relaxed);
        let text = resp.text().await.map_err(|e| self.network(&e))?;
        if !status.is_success() {
            return Err(self.refusal(status.as_u16(), &headers, &limits, &text));
        }
        lock(&self.limiter).observe(&limits, true);
        Ok(text)
    }

    fn refusal(
        &self,
        status: u16,
        headers: &reqwest::header::HeaderMap,
        limits: &LimitHeaders,
        body: &str,
    ) -> RestError {
        let message = self.redact(&error_message(body));
        let now = self.clock.now_ms();
        if let Some(until_ms) = lock(&self.limiter).refused(status, limits, &message, now) {
            return RestError::RateLimited { until_ms, message };
        }
        match status {
            401 => RestError::Unauthorized { message },
            403 => RestError::Forbidden {
                message,
                wanted: headers
                    .get("x-accepted-github-permissions")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string),
            },
            404 => RestError::NotFound { message },
            _ => RestError::Status { status, message },
        }
    }
}

/// The message of an error body in either API's format: GitHub `{message, errors[]}`, GitLab
/// `{message: "…" | {field: [problems]} | [..]}` or `{error, error_description}`, else the text.
pub fn error_message(body: &str) -> String {
    let Ok(v) = serde_json::from_str::<Value>(body) else {
        let text: String = body.trim().chars().take(200).collect();
        return text;
    };
    let mut parts: Vec<String> = Vec::new();
    match &v["message"] {
        Value::String(s) => parts.push(s.clone()),
        Value::Object(fields) => {
            for (field, problems) in fields {
                let list: Vec<String> = match problems {
                    Value::Array(a) => a.iter().map(plain).collect(),
                    other => vec![plain(other)],
                };
                parts.push(format!("{field} {}", list.join(", ")));
            }
        }
        Value::Array(items) => parts.extend(items.iter().map(plain)),
        _ => {}
    }
    if let Some(e) = v["error"].as_str() {
        parts.push(match v["error_description"].as_str() {
            Some(d) => format!("{e}: {d}"),
            None => e.to_string(),
        });
    }
    if let Some(errors) = v["errors"].as_array() {
        let details: Vec<String> = errors
            .iter()
            .map(|e| {
                match (
                    e["message"].as_str(),
                    e["field"].as_str(),
                    e["code"].as_str(),
                ) {
                    (Some(m), _, _) => m.to_string(),
                    (None, Some(f), Some(c)) => format!("{f} {c}"),
                    _ => plain(e),
                }
            })
            .collect();
        if !details.is_empty() {
            parts.push(format!("({})", details.join("; ")));
        }
    }
    if parts.is_empty() {
        body.trim().chars().take(200).collect()
    } else {
        parts.join(" ")
    }
}

fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

trait WithoutUrl {
    fn without_url_ref(&self) -> String;
}

impl WithoutUrl for reqwest::Error {
    /// The error's text without the URL (URLs are ours, but keep messages short and uniform).
    fn without_url_ref(&self) -> String {
        let mut text = if self.is_timeout() {
            "timed out".to_string()
        } else if self.is_connect() {
            "cannot connect".to_string()
        } else {
            "request failed".to_string()
        };
        let mut source = std::error::Error::source(self);
        while let Some(s) = source {
            text = format!("{text}: {s}");
            source = s.source();
        }
        text
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_of_both_apis_read_as_one_line() {
        assert_eq!(
            error_message(
                r#"{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest"}"#
            ),
            "Bad credentials"
        );
        assert_eq!(
            error_message(
                r#"{"message":"Validation Failed","errors":[{"resource":"Run","field":"environment_ids","code":"missing_field"}],"documentation_url":"x"}"#
            ),
            "Validation Failed (environment_ids missing_field)"
        );
        assert_eq!(
            error_message(r#"{"message":"404 Project Not Found"}"#),
            "404 Project Not Found"
        );
        assert_eq!(
            error_message(r#"{"message":{"status":["is not included in the list"]}}"#),
            "status is not included in the list"
        );
        assert_eq!(
            error_message(
                r#"{"error":"invalid_token","error_description":"Token was revoked. You have to re-authorize from the user."}"#
            ),
            "invalid_token: Token was revoked. You have to re-authorize from the user."
        );
        assert_eq!(error_message("Retry later\n"), "Retry later");
    }

    #[test]
    fn origins_compare_scheme_host_and_port() {
        assert_eq!(
            origin("http://127.0.0.1:8080/github/repos/a/b"),
            "http://127.0.0.1:8080"
        );
        assert_eq!(origin("https://h"), "https://h");
        assert_ne!(
            origin("https://objects.githubusercontent.com/x"),
            origin("https://api.github.com")
        );
    }
}
