//! The error a CI client hands to the dashboard: what kind (so the model can branch) and a
//! message that says what to do. It never contains a token.

use quarterdeck_core::pipeline::CiErrorKind;

/// A failed CI request, in words for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct CiError {
    /// What kind of failure.
    pub kind: CiErrorKind,
    /// The user-facing message.
    pub message: String,
    /// When rate limited: until when polling is paused, Unix ms.
    pub paused_until_ms: Option<i64>,
}

impl CiError {
    /// An error of `kind` with `message`.
    pub fn new(kind: CiErrorKind, message: impl Into<String>) -> CiError {
        CiError {
            kind,
            message: message.into(),
            paused_until_ms: None,
        }
    }
}

/// `HH:MM:SS UTC` for a Unix ms instant, for "paused until" messages.
pub(crate) fn clock_time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map_or_else(|| ms.to_string(), |t| t.format("%H:%M:%S UTC").to_string())
}
