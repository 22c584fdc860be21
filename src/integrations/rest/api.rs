//! One provider's API in words for the user: the REST client underneath, and every failure
//! turned into a [`CiError`] that names the provider, the thing asked about and what to do.
//! GitHub and GitLab differ only in their [`Dialect`] and in how they name their subjects.

use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::client::{Fetched, RestClient, RestError, Scheme};
use super::clock::Clock;
use super::error::{CiError, clock_time};
use super::secret::Token;
use quarterdeck_core::pipeline::CiErrorKind;

/// Safety stop for following `next` links.
const MAX_PAGES: usize = 50;

/// What sets one provider's messages apart.
#[derive(Debug)]
pub struct Dialect {
    /// The product name (`GitHub`).
    pub name: &'static str,
    /// Its headers, authentication and error bodies.
    pub scheme: Scheme,
    /// Where the token is looked for, in order.
    pub token_vars: &'static [&'static str],
    /// What a 403 adds about the token (`; the token needs …`), given what the endpoint said
    /// it wanted, if anything.
    pub forbidden_hint: fn(Option<&str>) -> String,
}

/// What a request was about, for its error message.
pub trait Subject: Copy + Send {
    /// How messages name it (`run 5 of acme/orders-api`).
    fn name(self) -> String;
    /// What a 404 means for it, and where to look.
    fn not_found(self) -> String;
}

/// A provider's REST API whose failures come back in words for the user.
#[derive(Debug)]
pub struct Api {
    rest: RestClient,
    dialect: &'static Dialect,
}

impl Api {
    /// An API at `base` (no trailing slash needed) with `token`.
    pub fn new(
        dialect: &'static Dialect,
        base: &str,
        token: Option<Token>,
        clock: Arc<dyn Clock>,
    ) -> Result<Api, CiError> {
        let rest = RestClient::new(dialect.scheme, base, token, clock).map_err(|e| {
            CiError::new(
                CiErrorKind::Other,
                format!("cannot set up a {} client: {e}", dialect.name),
            )
        })?;
        Ok(Api { rest, dialect })
    }

    /// The REST client underneath (rate-limit state, spent requests).
    pub fn rest(&self) -> &RestClient {
        &self.rest
    }

    /// A failed request about `subject`, in words for the user.
    pub fn describe(&self, err: RestError, subject: impl Subject) -> CiError {
        let name = self.dialect.name;
        let (kind, message) = match err {
            RestError::Unauthorized { message } => (
                CiErrorKind::Unauthorized,
                match self.rest.token() {
                    Some(t) => format!(
                        "{name} rejected the token from {} (401 {message})",
                        t.origin
                    ),
                    None => format!(
                        "{name} needs a token: set {} (401 {message})",
                        self.dialect.token_vars.join(" or ")
                    ),
                },
            ),
            RestError::Forbidden { message, wanted } => (
                CiErrorKind::Forbidden,
                format!(
                    "{name} refused access to {} (403 {message}){}",
                    subject.name(),
                    (self.dialect.forbidden_hint)(wanted.as_deref())
                ),
            ),
            RestError::NotFound { .. } => (CiErrorKind::NotFound, subject.not_found()),
            RestError::RateLimited { until_ms, message } => {
                let said = if message.is_empty() {
                    String::new()
                } else {
                    format!(" ({message})")
                };
                return CiError {
                    kind: CiErrorKind::RateLimited,
                    message: format!(
                        "{name} rate limit reached{said}; polling paused until {}",
                        clock_time(until_ms)
                    ),
                    paused_until_ms: Some(until_ms),
                };
            }
            RestError::Status { status, message } if status >= 500 => (
                CiErrorKind::Unavailable,
                format!("{name} is not answering properly ({status} {message}); retrying"),
            ),
            RestError::Status { status, message } => (
                CiErrorKind::Other,
                format!(
                    "{name} rejected the request for {} ({status} {message})",
                    subject.name()
                ),
            ),
            RestError::Network(m) => (
                CiErrorKind::Unavailable,
                format!("cannot reach {name} at {}: {m}", self.rest.base()),
            ),
            RestError::Decode(m) => (
                CiErrorKind::Other,
                format!("{name} sent a response Quarterdeck cannot read: {m}"),
            ),
        };
        CiError::new(kind, message)
    }

    /// A body read as `T`.
    pub fn decode<T: DeserializeOwned>(
        &self,
        body: &str,
        subject: impl Subject,
    ) -> Result<T, CiError> {
        serde_json::from_str(body)
            .map_err(|e| self.describe(RestError::Decode(e.to_string()), subject))
    }

    /// A conditional GET (see [`RestClient::get`]).
    async fn get(&self, path: &str, subject: impl Subject) -> Result<Fetched, CiError> {
        self.rest
            .get(path)
            .await
            .map_err(|e| self.describe(e, subject))
    }

    /// A GET read as `T`, with the next page's URL.
    pub async fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        subject: impl Subject,
    ) -> Result<(T, Option<String>), CiError> {
        let fetched = self.get(path, subject).await?;
        Ok((self.decode(&fetched.body, subject)?, fetched.next))
    }

    /// The items of `first` and the pages after it, until `max` were read; `items` takes
    /// them out of one page.
    pub async fn get_pages<P: DeserializeOwned, T>(
        &self,
        first: String,
        max: usize,
        subject: impl Subject,
        items: fn(P) -> Vec<T>,
    ) -> Result<Vec<T>, CiError> {
        let mut url = first;
        let mut out: Vec<T> = Vec::new();
        for _ in 0..MAX_PAGES {
            let (page, next): (P, _) = self.get_json(&url, subject).await?;
            out.extend(items(page));
            match next {
                Some(n) if out.len() < max => url = n,
                _ => break,
            }
        }
        out.truncate(max);
        Ok(out)
    }

    /// A POST of a JSON body; the response body.
    pub async fn post(
        &self,
        path: &str,
        body: &Value,
        subject: impl Subject,
    ) -> Result<String, CiError> {
        self.rest
            .post(path, body)
            .await
            .map_err(|e| self.describe(e, subject))
    }
}
