//! Prometheus: the HTTP API client, its answers converted to plain types, and its failures in
//! words for the user.

mod answer;
mod client;
mod error;

pub use answer::{Answer, Data, ErrorEnvelope, Malformed, Series, parse};
pub use client::{Auth, PASSWORD_VAR, PromClient, Range, TOKEN_VAR, USERNAME_VAR};
pub use error::{PromError, redact_url};
