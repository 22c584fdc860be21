//! The Prometheus HTTP API client: instant and range queries, `GET` for short ones and a form
//! `POST` for long ones, bearer or basic auth from the environment, connect and request
//! timeouts plus Prometheus' own `timeout`, and the server's clock learned from its answers.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, DATE, RETRY_AFTER, USER_AGENT};
use reqwest::{Method, StatusCode};

use super::answer::{self, Answer};
use super::error::{PromError, redact_url};
use crate::integrations::rest::{Clock, ServerClock, Token, encode_component};

/// Longest wait for a connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// Longest a request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Prometheus' own limit: a little under ours, so its clearer 503 arrives first.
const QUERY_TIMEOUT: &str = "9s";
/// Queries longer than this go in a form body (URLs have length limits on the way).
const POST_ABOVE: usize = 1024;
/// The wait after a 429 without `Retry-After`.
const DEFAULT_RETRY_MS: u64 = 30_000;

/// The bearer token variable.
pub const TOKEN_VAR: &str = "PROMETHEUS_TOKEN";
/// The basic-auth user variable.
pub const USERNAME_VAR: &str = "PROMETHEUS_USERNAME";
/// The basic-auth password variable.
pub const PASSWORD_VAR: &str = "PROMETHEUS_PASSWORD";

/// How requests authenticate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// `Authorization: Bearer`.
    Bearer(Token),
    /// `Authorization: Basic`.
    Basic {
        /// The user name.
        username: String,
        /// The password.
        password: Token,
    },
}

impl Auth {
    /// `PROMETHEUS_TOKEN`, else `PROMETHEUS_USERNAME` + `PROMETHEUS_PASSWORD`.
    pub fn from_env() -> Option<Auth> {
        Auth::from_lookup(|name| std::env::var(name).ok())
    }

    /// As [`Auth::from_env`], reading variables through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Option<Auth> {
        if let Some(token) = Token::from_lookup(&[TOKEN_VAR], &lookup) {
            return Some(Auth::Bearer(token));
        }
        let username = lookup(USERNAME_VAR).filter(|u| !u.trim().is_empty())?;
        let password = Token::from_lookup(&[PASSWORD_VAR], &lookup)?;
        Some(Auth::Basic {
            username: username.trim().to_string(),
            password,
        })
    }

    fn redact(&self, text: &str) -> String {
        match self {
            Auth::Bearer(t) => t.secret.redact(text),
            Auth::Basic { password, .. } => password.secret.redact(text),
        }
    }
}

/// A client for one Prometheus base URL (`http://host:9090`, or with a path prefix).
pub struct PromClient {
    http: reqwest::Client,
    base: String,
    /// The base as messages show it.
    shown: String,
    auth: Option<Auth>,
    clock: ServerClock,
    answered: AtomicBool,
}

impl std::fmt::Debug for PromClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PromClient")
            .field("base", &self.shown)
            .field("auth", &self.auth)
            .finish_non_exhaustive()
    }
}

/// A range query's window, Unix ms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    /// First sample time.
    pub start_ms: i64,
    /// Last sample time (inclusive).
    pub end_ms: i64,
    /// Between samples.
    pub step_ms: i64,
}

impl PromClient {
    /// A client for `base`; `auth` is sent with every request.
    pub fn new(base: &str, auth: Option<Auth>) -> Result<PromClient, PromError> {
        let base = base.trim_end_matches('/').to_string();
        let shown = redact_url(&base);
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|e| PromError::Unreachable {
                url: shown.clone(),
                detail: format!("cannot build an HTTP client: {}", chain(&e)),
            })?;
        Ok(PromClient {
            http,
            base,
            shown,
            auth,
            clock: ServerClock::new(),
            answered: AtomicBool::new(false),
        })
    }

    /// The base URL as messages show it (credentials redacted).
    pub fn shown_url(&self) -> &str {
        &self.shown
    }

    /// Now on the server's clock, as its answers' `Date` tell it.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Whether the server has answered at least once (so [`PromClient::now_ms`] is its time).
    pub fn knows_time(&self) -> bool {
        self.answered.load(Ordering::Relaxed)
    }

    /// An instant query at `at_ms` (the server's now when `None`).
    pub async fn query(&self, promql: &str, at_ms: Option<i64>) -> Result<Answer, PromError> {
        let mut params = vec![("query", promql.to_string())];
        if let Some(at) = at_ms {
            params.push(("time", secs(at)));
        }
        params.push(("timeout", QUERY_TIMEOUT.to_string()));
        self.call("query", &params).await
    }

    /// A range query over `range`.
    pub async fn query_range(&self, promql: &str, range: Range) -> Result<Answer, PromError> {
        let params = [
            ("query", promql.to_string()),
            ("start", secs(range.start_ms)),
            ("end", secs(range.end_ms)),
            ("step", secs(range.step_ms.max(1))),
            ("timeout", QUERY_TIMEOUT.to_string()),
        ];
        self.call("query_range", &params).await
    }

    async fn call(&self, endpoint: &str, params: &[(&str, String)]) -> Result<Answer, PromError> {
        let url = format!("{}/api/v1/{endpoint}", self.base);
        let form: String = params
            .iter()
            .map(|(k, v)| format!("{k}={}", encode_component(v)))
            .collect::<Vec<_>>()
            .join("&");
        let long = params.iter().any(|(_, v)| v.len() > POST_ABOVE);
        let mut req = if long {
            self.http
                .request(Method::POST, &url)
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(form)
        } else {
            self.http.request(Method::GET, format!("{url}?{form}"))
        };
        req = req.header(
            USER_AGENT,
            concat!("quarterdeck/", env!("CARGO_PKG_VERSION")),
        );
        req = match &self.auth {
            Some(Auth::Bearer(t)) => {
                req.header(AUTHORIZATION, format!("Bearer {}", t.secret.expose()))
            }
            Some(Auth::Basic { username, password }) => {
                req.basic_auth(username, Some(password.secret.expose()))
            }
            None => req,
        };
        let asked = Instant::now();
        let resp = req.send().await.map_err(|e| self.network(&e))?;
        let headers = resp.headers();
        if let Some(date) = headers
            .get(DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| chrono::DateTime::parse_from_rfc2822(v).ok())
        {
            self.clock
                .observe_date(date.timestamp_millis(), asked.elapsed());
            self.answered.store(true, Ordering::Relaxed);
        }
        let retry_after_ms = headers
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| retry_after(v, self.clock.now_ms()));
        let html = headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"));
        let status = resp.status();
        let body = resp.text().await.map_err(|e| self.network(&e))?;
        self.read(status, html, retry_after_ms, &body)
    }

    /// Turns an answer into data or the error it means.
    pub fn read(
        &self,
        status: StatusCode,
        html: bool,
        retry_after_ms: Option<u64>,
        body: &str,
    ) -> Result<Answer, PromError> {
        let url = self.shown.clone();
        let code = status.as_u16();
        if code == 429 {
            return Err(PromError::RateLimited {
                url,
                retry_after_ms: retry_after_ms.unwrap_or(DEFAULT_RETRY_MS),
            });
        }
        let said = |text: &str| self.said(text);
        match answer::parse(body) {
            Ok(Ok(answer)) if status.is_success() => Ok(answer),
            Ok(Ok(_)) => Err(self.by_status(code, "an error status with a success body")),
            Ok(Err(envelope)) => Err(match envelope.error_type.as_str() {
                "bad_data" => PromError::BadQuery(said(&envelope.error)),
                "execution" => PromError::Execution(said(&envelope.error)),
                "timeout" | "canceled" => PromError::QueryTimeout(said(&envelope.error)),
                _ if matches!(code, 401 | 403 | 404) => self.by_status(code, ""),
                _ => PromError::Server {
                    url,
                    status: code,
                    message: said(&format!("{}: {}", envelope.error_type, envelope.error)),
                },
            }),
            Err(_) if matches!(code, 401 | 403 | 404) => Err(self.by_status(code, "")),
            Err(_) if html || body.trim_start().starts_with('<') => {
                Err(PromError::Html { url, status: code })
            }
            Err(_) if status.is_server_error() => Err(self.by_status(code, body)),
            Err(answer::Malformed(detail)) => Err(PromError::Malformed {
                url,
                status: code,
                detail: said(&detail),
            }),
        }
    }

    /// What a status means when the body says nothing useful.
    fn by_status(&self, code: u16, body: &str) -> PromError {
        let url = self.shown.clone();
        let hint = match &self.auth {
            None if self.base != self.shown => {
                "check the user and password in the prometheus URL".to_string()
            }
            None => format!("set {TOKEN_VAR}, or {USERNAME_VAR} and {PASSWORD_VAR}"),
            Some(Auth::Bearer(t)) => format!("check {}", t.origin),
            Some(Auth::Basic { .. }) => format!("check {USERNAME_VAR} and {PASSWORD_VAR}"),
        };
        match code {
            401 => PromError::Unauthorized { url, hint },
            403 => PromError::Forbidden { url, hint },
            404 => PromError::NotFound { url },
            _ => PromError::Server {
                url,
                status: code,
                message: self.said(body.lines().next().unwrap_or_default()),
            },
        }
    }

    /// Server text made safe to show: no credential, one short line.
    fn said(&self, text: &str) -> String {
        let mut text = match &self.auth {
            Some(auth) => auth.redact(text),
            None => text.to_string(),
        };
        text = text.replace(&self.base, &self.shown);
        if text.chars().count() > 300 {
            text = text.chars().take(300).collect::<String>() + "…";
        }
        text
    }

    fn network(&self, e: &reqwest::Error) -> PromError {
        let url = self.shown.clone();
        if e.is_timeout() {
            return PromError::TimedOut {
                url,
                secs: REQUEST_TIMEOUT.as_secs(),
            };
        }
        let text = self.said(&chain(e));
        let lower = text.to_lowercase();
        let detail = if lower.contains("dns")
            || lower.contains("lookup")
            || lower.contains("name or service not known")
            || lower.contains("nodename nor servname")
        {
            format!("its host name does not resolve ({text}); check the prometheus URL")
        } else if lower.contains("certificate")
            || lower.contains("tls")
            || lower.contains("handshake")
        {
            format!(
                "the TLS handshake failed ({text}); check the URL's scheme and the server's certificate"
            )
        } else if lower.contains("refused") {
            "connection refused; check the prometheus URL and that Prometheus runs".to_string()
        } else {
            format!("{text}; check the prometheus URL and the network")
        };
        PromError::Unreachable { url, detail }
    }
}

/// A reqwest error's causes, without its own line (that one names the full URL).
fn chain(e: &reqwest::Error) -> String {
    let mut parts = Vec::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    if parts.is_empty() {
        "request failed".to_string()
    } else {
        parts.join(": ")
    }
}

/// Unix ms as Prometheus' float seconds.
fn secs(ms: i64) -> String {
    let (whole, frac) = (ms.div_euclid(1000), ms.rem_euclid(1000));
    if frac == 0 {
        whole.to_string()
    } else {
        format!("{whole}.{frac:03}")
    }
}

/// `Retry-After`: seconds, or an HTTP date on the server's clock (`now_ms`).
fn retry_after(value: &str, now_ms: i64) -> Option<u64> {
    if let Ok(s) = value.trim().parse::<u64>() {
        return Some(s.saturating_mul(1000));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value.trim()).ok()?;
    u64::try_from(at.timestamp_millis() - now_ms).ok()
}

#[cfg(test)]
#[path = "client_tests.rs"]
mod tests;
