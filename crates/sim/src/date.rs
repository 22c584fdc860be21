//! Every answer of the simulator carries a `Date` header with the *simulated* time, as a real
//! server's carries its own: clients learn the server's clock from it (rate-limit resets and
//! gate ages are instants on that clock), and the simulated one may be frozen, fast or far
//! from the wall clock.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::http::header::DATE;
use axum::middleware::Next;
use axum::response::Response;
use chrono::{DateTime, Utc};

use crate::Sim;

/// Stamps the answer with the simulated time when it is sent.
pub(crate) async fn stamp(State(sim): State<Arc<Sim>>, req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let now_ms = sim.world().clock.now_ms;
    if let Ok(value) = HeaderValue::from_str(&http_date(now_ms)) {
        resp.headers_mut().insert(DATE, value);
    }
    resp
}

/// Unix ms as an RFC 7231 IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`.
fn http_date(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_imf_fixdates_cut_to_the_second() {
        assert_eq!(http_date(784_111_777_999), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(
            http_date(1_795_317_600_000),
            "Sun, 22 Nov 2026 03:20:00 GMT"
        );
    }
}
