//! Rate limits. GitHub reports `x-ratelimit-{limit,remaining,reset}` (reset in epoch seconds);
//! GitLab `RateLimit-{Limit,Remaining,Reset}` and sometimes only `Retry-After`. A refusal (403
//! or 429) pauses polling: until `retry-after` when given, else until the reset when nothing
//! is left, else for a minute doubling with each refusal in a row (API.md §3.5, §4.4).

use reqwest::header::HeaderMap;

use super::clock::http_date_ms;
use quarterdeck_core::pipeline::RateLimitState;

/// Longest pause after repeated refusals that carry no hint.
const MAX_BACKOFF_MS: i64 = 15 * 60_000;
/// First pause after a refusal that carries no hint.
const FIRST_BACKOFF_MS: i64 = 60_000;

/// The rate-limit headers of one response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LimitHeaders {
    /// Requests allowed per window.
    pub limit: Option<u32>,
    /// Requests left.
    pub remaining: Option<u32>,
    /// Window reset, Unix seconds.
    pub reset_s: Option<i64>,
    /// `Retry-After` in seconds.
    pub retry_after_s: Option<i64>,
}

impl LimitHeaders {
    /// Reads GitHub's `x-ratelimit-*` or GitLab's `RateLimit-*` headers (names are
    /// case-insensitive), and `Retry-After` (seconds; an HTTP date is taken relative to `now_ms`).
    pub fn parse(headers: &HeaderMap, now_ms: i64) -> LimitHeaders {
        let get = |names: &[&str]| {
            names
                .iter()
                .find_map(|n| headers.get(*n).and_then(|v| v.to_str().ok()))
                .map(str::trim)
        };
        let num = |names: &[&str]| get(names).and_then(|v| v.parse::<i64>().ok());
        let retry_after_s = get(&["retry-after"]).and_then(|v| {
            v.parse::<i64>()
                .ok()
                .or_else(|| http_date_ms(v).map(|t| ((t - now_ms) / 1000).max(0)))
        });
        LimitHeaders {
            limit: num(&["x-ratelimit-limit", "ratelimit-limit"])
                .and_then(|v| u32::try_from(v).ok()),
            remaining: num(&["x-ratelimit-remaining", "ratelimit-remaining"])
                .and_then(|v| u32::try_from(v).ok()),
            reset_s: num(&["x-ratelimit-reset", "ratelimit-reset"]),
            retry_after_s,
        }
    }
}

/// Until when (Unix ms) a refused request pauses polling; `None` when the refusal is not about
/// rate limits (a 403 for a missing permission). `strikes` counts refusals in a row before this
/// one, for the exponential fallback. `message` is the error body's message.
pub fn refusal_pause(
    status: u16,
    headers: &LimitHeaders,
    message: &str,
    now_ms: i64,
    strikes: u32,
) -> Option<i64> {
    if status != 403 && status != 429 {
        return None;
    }
    if let Some(secs) = headers.retry_after_s {
        return Some(now_ms + secs.max(1) * 1000);
    }
    if headers.remaining == Some(0)
        && let Some(reset) = headers.reset_s
    {
        // One second past the reset: the server's window must have rolled over.
        return Some((reset * 1000 + 1000).max(now_ms + 1000));
    }
    let about_limits = status == 429
        || headers.remaining == Some(0)
        || message.to_ascii_lowercase().contains("rate limit");
    if !about_limits {
        return None;
    }
    let backoff = FIRST_BACKOFF_MS
        .saturating_mul(1i64 << strikes.min(8))
        .min(MAX_BACKOFF_MS);
    Some(now_ms + backoff)
}

/// The budget as the responses report it, and the pause a refusal imposed.
#[derive(Debug, Clone, Default)]
pub struct RateLimiter {
    state: RateLimitState,
    strikes: u32,
}

impl RateLimiter {
    /// The current state, for the status bar.
    pub fn state(&self) -> &RateLimitState {
        &self.state
    }

    /// Until when requests must wait, if a pause is in force at `now_ms`.
    pub fn paused_until(&self, now_ms: i64) -> Option<i64> {
        self.state.paused_until_ms.filter(|u| *u > now_ms)
    }

    /// Records the headers of an answered request; a success ends any pause.
    pub fn observe(&mut self, headers: &LimitHeaders, success: bool) {
        if headers.limit.is_some() {
            self.state.limit = headers.limit;
        }
        if headers.remaining.is_some() {
            self.state.remaining = headers.remaining;
        }
        if let Some(reset) = headers.reset_s {
            self.state.reset_ms = Some(reset * 1000);
        }
        if success {
            self.strikes = 0;
            self.state.paused_until_ms = None;
        }
    }

    /// Records a refusal; returns the pause when it was about rate limits.
    pub fn refused(
        &mut self,
        status: u16,
        headers: &LimitHeaders,
        message: &str,
        now_ms: i64,
    ) -> Option<i64> {
        self.observe(headers, false);
        let until = refusal_pause(status, headers, message, now_ms, self.strikes)?;
        self.strikes = self.strikes.saturating_add(1);
        self.state.paused_until_ms = Some(until);
        Some(until)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn both_header_families_are_read() {
        let gh = LimitHeaders::parse(
            &headers(&[
                ("x-ratelimit-limit", "5000"),
                ("x-ratelimit-remaining", "4987"),
                ("x-ratelimit-reset", "1795321200"),
            ]),
            0,
        );
        assert_eq!(
            gh,
            LimitHeaders {
                limit: Some(5000),
                remaining: Some(4987),
                reset_s: Some(1_795_321_200),
                retry_after_s: None
            }
        );
        let gl = LimitHeaders::parse(
            &headers(&[
                ("RateLimit-Limit", "2000"),
                ("RateLimit-Remaining", "0"),
                ("RateLimit-Reset", "1795317660"),
                ("Retry-After", "42"),
            ]),
            0,
        );
        assert_eq!(
            (gl.limit, gl.remaining, gl.retry_after_s),
            (Some(2000), Some(0), Some(42))
        );
        let date = LimitHeaders::parse(
            &headers(&[("retry-after", "Wed, 21 Oct 2015 07:28:30 GMT")]),
            1_445_412_480_000,
        );
        assert_eq!(date.retry_after_s, Some(30));
    }

    #[test]
    fn a_refusal_pauses_by_the_rules() {
        let now = 1_000_000;
        let retry = LimitHeaders {
            retry_after_s: Some(30),
            remaining: Some(0),
            reset_s: Some(5000),
            ..Default::default()
        };
        assert_eq!(refusal_pause(429, &retry, "", now, 0), Some(now + 30_000));
        let exhausted = LimitHeaders {
            remaining: Some(0),
            reset_s: Some(2000),
            ..Default::default()
        };
        assert_eq!(
            refusal_pause(403, &exhausted, "API rate limit exceeded", now, 0),
            Some(2_001_000)
        );
        let bare = LimitHeaders::default();
        assert_eq!(
            refusal_pause(429, &bare, "Retry later", now, 0),
            Some(now + 60_000)
        );
        assert_eq!(
            refusal_pause(429, &bare, "Retry later", now, 2),
            Some(now + 240_000)
        );
        assert_eq!(refusal_pause(429, &bare, "", now, 30), Some(now + 900_000));
        assert_eq!(
            refusal_pause(
                403,
                &bare,
                "You have exceeded a secondary rate limit",
                now,
                0
            ),
            Some(now + 60_000)
        );
        let permission = LimitHeaders {
            remaining: Some(4000),
            ..Default::default()
        };
        assert_eq!(
            refusal_pause(
                403,
                &permission,
                "Resource not accessible by integration",
                now,
                0
            ),
            None
        );
        assert_eq!(refusal_pause(500, &exhausted, "", now, 0), None);
    }

    #[test]
    fn the_limiter_pauses_and_a_success_resumes() {
        let mut l = RateLimiter::default();
        let exhausted = LimitHeaders {
            limit: Some(5000),
            remaining: Some(0),
            reset_s: Some(2000),
            ..Default::default()
        };
        assert_eq!(
            l.refused(403, &exhausted, "API rate limit exceeded", 1_000_000),
            Some(2_001_000)
        );
        assert_eq!(l.paused_until(1_500_000), Some(2_001_000));
        assert_eq!(l.paused_until(2_001_000), None);
        assert_eq!(l.state().remaining, Some(0));
        l.observe(
            &LimitHeaders {
                limit: Some(5000),
                remaining: Some(4999),
                reset_s: Some(5600),
                ..Default::default()
            },
            true,
        );
        assert_eq!(l.state().paused_until_ms, None);
        assert_eq!(l.state().reset_ms, Some(5_600_000));
    }
}
