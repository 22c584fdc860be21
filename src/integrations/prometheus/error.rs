//! Every way a Prometheus query can fail, each in words that say what to do. The URL in a
//! message is always redacted (`user:pass@` never shows) and no credential is ever part of one.

/// Why a query failed; `Display` is the message for the user.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PromError {
    /// 400 `bad_data`.
    #[error("the query is not valid PromQL: {0}; fix it in config.toml")]
    BadQuery(String),
    /// 422 `execution`.
    #[error("Prometheus could not run the query: {0}; check the metrics and functions it uses")]
    Execution(String),
    /// 503 `timeout` or `canceled`.
    #[error("Prometheus gave up on the query: {0}; shorten its range or simplify it")]
    QueryTimeout(String),
    /// Another error envelope (`internal`, `unavailable`, …) or a 5xx without one.
    #[error("Prometheus at {url} failed ({status}): {message}; it is asked again shortly")]
    Server {
        /// The redacted base URL.
        url: String,
        /// The HTTP status.
        status: u16,
        /// What it said.
        message: String,
    },
    /// 401.
    #[error("Prometheus at {url} wants credentials (401): {hint}")]
    Unauthorized {
        /// The redacted base URL.
        url: String,
        /// Which variables to set or check.
        hint: String,
    },
    /// 403.
    #[error("Prometheus at {url} refuses these credentials (403): {hint}")]
    Forbidden {
        /// The redacted base URL.
        url: String,
        /// Which variables to check.
        hint: String,
    },
    /// 404: nothing answers the API there.
    #[error(
        "no Prometheus API at {url} (404): check the prometheus URL in config.toml and its path prefix (the API is under URL/api/v1)"
    )]
    NotFound {
        /// The redacted base URL.
        url: String,
    },
    /// 429.
    #[error("Prometheus at {url} asks to slow down (429); waiting {}s before asking again", retry_after_ms.div_ceil(1000))]
    RateLimited {
        /// The redacted base URL.
        url: String,
        /// How long to wait (`Retry-After`, or the slow interval).
        retry_after_ms: u64,
    },
    /// Connection refused, DNS, TLS.
    #[error("cannot reach Prometheus at {url}: {detail}")]
    Unreachable {
        /// The redacted base URL.
        url: String,
        /// What failed and what to check.
        detail: String,
    },
    /// No answer within the request timeout.
    #[error("Prometheus at {url} did not answer within {secs} s; it is asked again shortly")]
    TimedOut {
        /// The redacted base URL.
        url: String,
        /// The timeout.
        secs: u64,
    },
    /// An answer that is not Prometheus' JSON.
    #[error(
        "Prometheus at {url} answered {status} with something that is not its API ({detail}); check the prometheus URL"
    )]
    Malformed {
        /// The redacted base URL.
        url: String,
        /// The HTTP status.
        status: u16,
        /// What was wrong.
        detail: String,
    },
    /// An HTML page: a proxy, a login page or a web UI is in the way.
    #[error(
        "{url} answered an HTML page ({status}), not the Prometheus API: a proxy or login page is in the way, or the URL points at the web UI; check the prometheus URL and credentials"
    )]
    Html {
        /// The redacted base URL.
        url: String,
        /// The HTTP status.
        status: u16,
    },
}

/// `url` without credentials: `https://user:pass@host/x` becomes `https://***@host/x`.
pub fn redact_url(url: &str) -> String {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let authority_end = url[after_scheme..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| after_scheme + i);
    match url[after_scheme..authority_end].rfind('@') {
        Some(at) => format!("{}***{}", &url[..after_scheme], &url[after_scheme + at..]),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_in_a_url_never_show() {
        assert_eq!(
            redact_url("https://admin:s3cret@prom.example.com/prefix?x=a@b"),
            "https://***@prom.example.com/prefix?x=a@b"
        );
        assert_eq!(redact_url("http://prom:9090/api"), "http://prom:9090/api");
        let e = PromError::NotFound {
            url: redact_url("https://u:p4ss@prom.example.com"),
        };
        assert!(!e.to_string().contains("p4ss"), "{e}");
    }
}
