//! A request budget per API, like GitHub's hourly primary limit or GitLab's per-minute
//! throttle: a limit, what was used in the current window, and when the window resets.

/// One API's request budget, on the simulated clock.
#[derive(Debug, Clone, PartialEq)]
pub struct Budget {
    /// Requests allowed per window.
    pub(crate) limit: u32,
    /// Requests used in the current window.
    pub used: u32,
    /// Window length in ms.
    pub(crate) window_ms: i64,
    /// Start of the current window (Unix ms).
    pub(crate) window_start: i64,
}

impl Budget {
    /// A full budget of `limit` per `window_ms`, its window starting at `now`.
    pub(crate) fn new(limit: u32, window_ms: i64, now: i64) -> Self {
        Self {
            limit,
            used: 0,
            window_ms,
            window_start: now,
        }
    }

    /// Starts a new window when the current one has ended.
    pub(crate) fn roll(&mut self, now: i64) {
        if now >= self.window_start + self.window_ms {
            let windows = (now - self.window_start) / self.window_ms;
            self.window_start += windows * self.window_ms;
            self.used = 0;
        }
    }

    /// Requests left in this window.
    pub(crate) fn remaining(&self) -> u32 {
        self.limit.saturating_sub(self.used)
    }

    /// When the window resets, in Unix seconds.
    pub(crate) fn reset_s(&self) -> i64 {
        (self.window_start + self.window_ms).div_euclid(1000)
    }

    /// Seconds until the reset (at least 1).
    pub(crate) fn retry_after(&self, now: i64) -> i64 {
        ((self.window_start + self.window_ms - now + 999) / 1000).max(1)
    }

    /// Uses one request; false when none is left.
    pub(crate) fn take(&mut self, now: i64) -> bool {
        self.roll(now);
        if self.remaining() == 0 {
            return false;
        }
        self.used += 1;
        true
    }

    /// Sets the limit and/or what is left in the current window.
    pub(crate) fn set(&mut self, limit: Option<u32>, remaining: Option<u32>, now: i64) {
        self.roll(now);
        if let Some(l) = limit {
            self.limit = l;
        }
        self.used = match remaining {
            Some(r) => self.limit.saturating_sub(r),
            None => self.used.min(self.limit),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_out_and_resets_with_the_window() {
        let mut b = Budget::new(2, 60_000, 0);
        assert!(b.take(1));
        assert!(b.take(2));
        assert!(!b.take(3));
        assert_eq!(b.remaining(), 0);
        assert_eq!(b.retry_after(3), 60);
        assert!(b.take(60_000));
        assert_eq!(b.remaining(), 1);
        b.set(None, Some(0), 60_001);
        assert!(!b.take(60_002));
        b.set(Some(10), Some(7), 60_003);
        assert_eq!((b.limit, b.remaining()), (10, 7));
    }
}
