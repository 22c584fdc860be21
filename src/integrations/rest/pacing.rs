//! How long a poller waits before its next cycle: fast while something runs or waits on a
//! human, slow when idle, and never so fast that the requests that cost budget would run the
//! budget out before it resets.

use std::time::Duration;

use super::clock::Clock;
use quarterdeck_core::pipeline::RateLimitState;

/// Longest real-time slice slept while a pause is in force: the pause ends by the client's
/// clock, which may not be the wall clock (the simulator's can be frozen or fast).
const PAUSE_SLICE_MS: u64 = 500;

/// The two polling speeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pacing {
    /// Interval while something is active, ms.
    pub fast_ms: u64,
    /// Interval when everything is finished, ms.
    pub slow_ms: u64,
}

impl Default for Pacing {
    fn default() -> Self {
        Pacing {
            fast_ms: 3_000,
            slow_ms: 45_000,
        }
    }
}

/// The delay before the next cycle. `spent` is how many requests of the last cycle cost budget
/// (304s are free); a pause in force wins over everything.
pub fn next_delay_ms(
    pacing: Pacing,
    active: bool,
    spent: u32,
    limits: &RateLimitState,
    now_ms: i64,
) -> u64 {
    if let Some(until) = limits.paused_until_ms.filter(|u| *u > now_ms) {
        return u64::try_from(until - now_ms).unwrap_or(0);
    }
    let base = if active {
        pacing.fast_ms
    } else {
        pacing.slow_ms
    };
    within_budget_ms(base, spent, limits, now_ms)
}

/// `base`, or longer when spending `spent` requests that often would run the budget out
/// before it resets (a pause in force is the caller's to honour).
pub fn within_budget_ms(base: u64, spent: u32, limits: &RateLimitState, now_ms: i64) -> u64 {
    let (Some(remaining), Some(reset_ms)) = (limits.remaining, limits.reset_ms) else {
        return base;
    };
    let left_ms = u64::try_from(reset_ms - now_ms).unwrap_or(0);
    if spent == 0 || left_ms == 0 {
        return base;
    }
    // Spending `spent` per cycle, the budget lasts remaining/spent cycles; spread them to the reset.
    let budget_ms = left_ms.saturating_mul(u64::from(spent)) / u64::from(remaining.max(1));
    base.max(budget_ms.min(left_ms))
}

/// Sleeps `delay_ms`; during a rate-limit pause (ending at `paused_until_ms` by `clock`)
/// wakes every half second to re-read the clock, so the pause ends when the clock says so.
pub async fn wait(clock: &dyn Clock, delay_ms: u64, paused_until_ms: Option<i64>) {
    let Some(until) = paused_until_ms else {
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        return;
    };
    loop {
        let left = until - clock.now_ms();
        if left <= 0 {
            return;
        }
        let slice = u64::try_from(left).unwrap_or(0).min(PAUSE_SLICE_MS);
        tokio::time::sleep(Duration::from_millis(slice)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_when_active_slow_when_idle_and_within_budget() {
        let p = Pacing {
            fast_ms: 2_000,
            slow_ms: 30_000,
        };
        let plenty = RateLimitState {
            remaining: Some(4_000),
            limit: Some(5_000),
            reset_ms: Some(3_600_000),
            paused_until_ms: None,
        };
        assert_eq!(next_delay_ms(p, true, 3, &plenty, 0), 2_700);
        assert_eq!(next_delay_ms(p, true, 0, &plenty, 0), 2_000);
        assert_eq!(next_delay_ms(p, false, 3, &plenty, 0), 30_000);
        let scarce = RateLimitState {
            remaining: Some(10),
            ..plenty.clone()
        };
        assert_eq!(next_delay_ms(p, true, 5, &scarce, 0), 1_800_000);
        let empty = RateLimitState {
            remaining: Some(0),
            ..plenty.clone()
        };
        assert_eq!(next_delay_ms(p, true, 1, &empty, 600_000), 3_000_000);
        let paused = RateLimitState {
            paused_until_ms: Some(90_000),
            ..plenty
        };
        assert_eq!(next_delay_ms(p, true, 0, &paused, 30_000), 60_000);
        assert_eq!(
            next_delay_ms(p, true, 0, &RateLimitState::default(), 0),
            2_000
        );
    }
}
