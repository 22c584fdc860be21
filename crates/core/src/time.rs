//! Turning timestamps into the short relative labels the panes show.

/// Age as kubectl-like text with at most minute resolution ("<1m", "7m", "3h12m", "4d").
///
/// Minute resolution is deliberate: a label that changes every second forces a redraw every
/// second, and an idle dashboard must not draw.
pub fn age(now_ms: i64, then_ms: i64) -> String {
    // Whole wall-clock minutes between the two instants, so every label changes exactly when
    // the minute does, which is when the event loop redraws for time alone.
    let mins = (minute_of(now_ms) - minute_of(then_ms)).max(0);
    let hours = mins / 60;
    let days = hours / 24;
    if mins < 1 {
        "<1m".to_string()
    } else if hours < 1 {
        format!("{mins}m")
    } else if days < 1 {
        let rest = mins % 60;
        if rest == 0 || hours >= 10 {
            format!("{hours}h")
        } else {
            format!("{hours}h{rest}m")
        }
    } else {
        format!("{days}d")
    }
}

/// Duration in seconds-resolution text for short spans that are meant to tick ("12s", "3m05s").
pub fn elapsed(now_ms: i64, then_ms: i64) -> String {
    let secs = (now_ms - then_ms).max(0) / 1000;
    if secs < 60 {
        format!("{secs}s")
    } else if secs < 3600 {
        format!("{}m{:02}s", secs / 60, secs % 60)
    } else {
        format!("{}h{:02}m", secs / 3600, (secs % 3600) / 60)
    }
}

/// The minute an instant falls in; relative labels only change when this does.
pub(crate) fn minute_of(ms: i64) -> i64 {
    ms.div_euclid(60_000)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn ages_are_coarse() {
        assert_eq!(age(59_999, 0), "<1m");
        assert_eq!(age(60_000, 0), "1m");
        assert_eq!(age(3_600_000 + 5 * 60_000, 0), "1h5m");
        assert_eq!(age(11 * 3_600_000 + 5 * 60_000, 0), "11h");
        assert_eq!(age(3 * 86_400_000, 0), "3d");
        assert_eq!(age(0, 10_000), "<1m");
    }

    #[test]
    fn elapsed_ticks_in_seconds() {
        assert_eq!(elapsed(12_400, 0), "12s");
        assert_eq!(elapsed(185_000, 0), "3m05s");
        assert_eq!(elapsed(3_720_000, 0), "1h02m");
    }
}
