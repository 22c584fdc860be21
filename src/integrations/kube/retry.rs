//! Retrying reads, never writes. kube-rs's default retry repeats every request the server
//! answers with 429, 503 or 504, writes included, for up to 15 attempts over many minutes:
//! an abort sent during an outage then sat "aborting…" with no word and could land minutes
//! later on a world that had moved. Here only a GET is asked again, a few times within
//! seconds; after that the caller sees the status and says so (a watch reconnects on its own
//! backoff, an action reports "Kubernetes API unavailable").

use std::time::Duration;

use http::{Method, Request, Response, StatusCode};
use kube::client::Body;
use tower::BoxError;
use tower::retry::Policy;

/// The waits before each retry of a read: about 3.5 s in all (at most 9 s when the server
/// asks for up to [`LONGEST_RETRY_AFTER`] each time), so a short blip is invisible and a real
/// outage shows within seconds.
const DELAYS: [Duration; 3] = [
    Duration::from_millis(250),
    Duration::from_millis(1000),
    Duration::from_millis(2250),
];

/// The longest `Retry-After` a read waits for before giving up and letting the caller show it.
const LONGEST_RETRY_AFTER: Duration = Duration::from_secs(3);

/// A tower retry policy: a GET answered 429, 503 or 504 is asked again, a few times within
/// seconds; anything else, and every write, is never repeated.
#[derive(Clone, Debug, Default)]
pub struct ReadRetry {
    attempt: usize,
}

impl ReadRetry {
    /// How long to wait before asking again, or `None` to give up.
    fn next_wait(
        &mut self,
        method: &Method,
        status: StatusCode,
        retry_after: Option<u64>,
    ) -> Option<Duration> {
        if method != Method::GET || !retryable(status) {
            return None;
        }
        let wait = *DELAYS.get(self.attempt)?;
        self.attempt += 1;
        match retry_after.map(Duration::from_secs) {
            Some(asked) if asked > LONGEST_RETRY_AFTER => None,
            Some(asked) => Some(asked.max(wait)),
            None => Some(wait),
        }
    }
}

/// Statuses that say "ask again later" without anything having happened.
fn retryable(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::TOO_MANY_REQUESTS
            | StatusCode::SERVICE_UNAVAILABLE
            | StatusCode::GATEWAY_TIMEOUT
    )
}

impl<Res> Policy<Request<Body>, Response<Res>, BoxError> for ReadRetry {
    type Future = tokio::time::Sleep;

    fn retry(
        &mut self,
        req: &mut Request<Body>,
        result: &mut Result<Response<Res>, BoxError>,
    ) -> Option<Self::Future> {
        // A network error is not retried here: the read's caller has its own backoff, and
        // whether a request reached the server is unknowable.
        let response = result.as_ref().ok()?;
        let retry_after = response
            .headers()
            .get(http::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let wait = self.next_wait(req.method(), response.status(), retry_after)?;
        tracing::debug!(
            uri = %req.uri(),
            status = response.status().as_u16(),
            wait_ms = wait.as_millis() as u64,
            "read refused for now; asking again"
        );
        Some(tokio::time::sleep(wait))
    }

    fn clone_request(&mut self, req: &Request<Body>) -> Option<Request<Body>> {
        // Only reads are ever repeated, and a read has no body worth keeping.
        if req.method() != Method::GET {
            return None;
        }
        let mut copy = Request::builder()
            .method(Method::GET)
            .uri(req.uri().clone())
            .version(req.version())
            .body(Body::empty())
            .ok()?;
        *copy.headers_mut() = req.headers().clone();
        *copy.extensions_mut() = req.extensions().clone();
        Some(copy)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn a_write_is_never_asked_again() {
        for method in [Method::POST, Method::PATCH, Method::PUT, Method::DELETE] {
            let mut policy = ReadRetry::default();
            assert_eq!(
                policy.next_wait(&method, StatusCode::SERVICE_UNAVAILABLE, None),
                None,
                "{method}"
            );
        }
    }

    #[test]
    fn a_read_is_asked_again_three_times_within_seconds() {
        let mut policy = ReadRetry::default();
        let waits: Vec<_> = std::iter::from_fn(|| {
            policy.next_wait(&Method::GET, StatusCode::SERVICE_UNAVAILABLE, None)
        })
        .collect();
        assert_eq!(waits.len(), 3);
        assert!(waits.iter().sum::<Duration>() < Duration::from_secs(5));
    }

    #[test]
    fn only_ask_again_statuses_are_retried() {
        for status in [
            StatusCode::INTERNAL_SERVER_ERROR,
            StatusCode::NOT_FOUND,
            StatusCode::CONFLICT,
        ] {
            assert_eq!(
                ReadRetry::default().next_wait(&Method::GET, status, None),
                None
            );
        }
        for status in [StatusCode::TOO_MANY_REQUESTS, StatusCode::GATEWAY_TIMEOUT] {
            assert!(
                ReadRetry::default()
                    .next_wait(&Method::GET, status, None)
                    .is_some()
            );
        }
    }

    #[test]
    fn a_long_retry_after_gives_up_and_a_short_one_is_honoured() {
        let too_long =
            ReadRetry::default().next_wait(&Method::GET, StatusCode::TOO_MANY_REQUESTS, Some(60));
        assert_eq!(too_long, None);
        let short =
            ReadRetry::default().next_wait(&Method::GET, StatusCode::TOO_MANY_REQUESTS, Some(2));
        assert_eq!(short, Some(Duration::from_secs(2)));
    }

    /// The policy as the client's stack uses it.
    fn copy(policy: &mut ReadRetry, req: &Request<Body>) -> Option<Request<Body>> {
        <ReadRetry as Policy<Request<Body>, Response<Body>, BoxError>>::clone_request(policy, req)
    }

    #[test]
    fn a_copy_of_a_write_is_refused() {
        let mut policy = ReadRetry::default();
        let post = Request::post("/api/v1/namespaces/a/events")
            .body(Body::from(b"{}".to_vec()))
            .unwrap();
        assert!(copy(&mut policy, &post).is_none());
        let get = Request::get("/api/v1/pods?watch=true")
            .header("accept", "application/json")
            .body(Body::empty())
            .unwrap();
        let again = copy(&mut policy, &get).unwrap();
        assert_eq!(again.uri(), get.uri());
        assert_eq!(again.headers()["accept"], "application/json");
    }
}
