//! The time pollers pace themselves by. Rate-limit resets are instants on the server's clock,
//! which may differ from this machine's (skew, or a simulator's frozen or fast clock), so the
//! clients follow the server's: every answer's `Date` header says what time it is there.

use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A source of "now".
pub trait Clock: Send + Sync {
    /// Now, Unix milliseconds.
    fn now_ms(&self) -> i64;

    /// An answer that took `round_trip` carried the server's `Date` (`date_ms`, whole
    /// seconds). A clock that follows the server learns from it; others ignore it.
    fn observe_date(&self, _date_ms: i64, _round_trip: Duration) {}
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    }
}

/// The server's clock as its answers tell it: the local clock plus the offset the `Date`
/// headers imply; before the first answer, the local clock.
#[derive(Debug, Default)]
pub struct ServerClock {
    offset_ms: Mutex<Option<i64>>,
}

impl ServerClock {
    /// A clock that has heard from no server yet.
    pub fn new() -> ServerClock {
        ServerClock::default()
    }

    fn offset(&self) -> std::sync::MutexGuard<'_, Option<i64>> {
        self.offset_ms.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Learns from a `Date` of `date_ms` read at local `now_ms` on an answer that took
    /// `round_trip_ms`. The server wrote it between sending and now, cut to the second, so its
    /// time now lies between `date_ms` and `date_ms` + 1 s + the round trip. The offset stays
    /// while it agrees with that (so the time shown does not jitter by the second), and moves
    /// to the earliest possible server time when it does not: never ahead of the server, so a
    /// rate-limit pause never ends early.
    fn learn(&self, date_ms: i64, now_ms: i64, round_trip_ms: i64) {
        let earliest = date_ms - now_ms;
        let latest = date_ms + 1_000 + round_trip_ms - now_ms;
        let mut offset = self.offset();
        if !offset.is_some_and(|o| (earliest..=latest).contains(&o)) {
            *offset = Some(earliest);
        }
    }
}

impl Clock for ServerClock {
    fn now_ms(&self) -> i64 {
        SystemClock.now_ms() + self.offset().unwrap_or(0)
    }

    fn observe_date(&self, date_ms: i64, round_trip: Duration) {
        let round_trip_ms = i64::try_from(round_trip.as_millis()).unwrap_or(i64::MAX / 2);
        self.learn(date_ms, SystemClock.now_ms(), round_trip_ms);
    }
}

/// An HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`, RFC 7231) in Unix ms.
pub fn http_date_ms(value: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc2822(value.trim())
        .ok()
        .map(|t| t.timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_read_as_unix_ms() {
        assert_eq!(
            http_date_ms("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777_000)
        );
        assert_eq!(http_date_ms("yesterday"), None);
    }

    #[test]
    fn the_offset_moves_only_when_an_answer_contradicts_it() {
        let c = ServerClock::new();
        assert_eq!(*c.offset(), None, "the local clock until a server answers");
        // The server said 10:00:00 when it was 09:00:00.400 here: it is at least an hour ahead.
        c.learn(36_000_000, 32_400_400, 100);
        assert_eq!(*c.offset(), Some(3_599_600));
        // Half a second later it still says 10:00:00: within what the offset allows.
        c.learn(36_000_000, 32_400_900, 100);
        assert_eq!(*c.offset(), Some(3_599_600));
        // A later answer shows the server is further ahead than thought: move forward.
        c.learn(36_002_000, 32_401_500, 100);
        assert_eq!(*c.offset(), Some(3_600_500));
        // The server's clock went back (a frozen or reset simulator): follow it.
        c.learn(36_000_000, 32_410_000, 100);
        assert_eq!(*c.offset(), Some(3_590_000));
    }
}
