//! Durations and ages formatted the way kubectl's printers do (`duration.HumanDuration`).

use serde_json::Value;

use super::super::world::parse_time;

/// A duration in kubectl's short form: `45s`, `3m20s`, `15m`, `5h10m`, `2d3h`, `400d`, `3y20d`.
pub(crate) fn human(ms: i64) -> String {
    let seconds = ms.div_euclid(1000);
    if seconds < -1 {
        return "<invalid>".into();
    }
    if seconds < 0 {
        return "0s".into();
    }
    if seconds < 120 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    }
    if minutes < 180 {
        return format!("{minutes}m");
    }
    let hours = minutes / 60;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        let d = (hours / 24) % 365;
        return if d == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{d}d", hours / 24 / 365)
        };
    }
    format!("{}y", hours / 24 / 365)
}

/// Time since an RFC 3339 timestamp (`<unknown>` when absent), like `translateTimestampSince`.
pub(crate) fn since(ts: &Value, now_ms: i64) -> String {
    match ts.as_str().and_then(parse_time) {
        Some(t) => human(now_ms - t),
        None => "<unknown>".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_kubectl_human_duration() {
        let s = 1000;
        let m = 60 * s;
        let h = 60 * m;
        let d = 24 * h;
        let cases = [
            (-5 * s, "<invalid>"),
            (-500, "0s"),
            (0, "0s"),
            (45 * s, "45s"),
            (119 * s, "119s"),
            (2 * m, "2m"),
            (3 * m + 20 * s, "3m20s"),
            (15 * m, "15m"),
            (179 * m, "179m"),
            (3 * h, "3h"),
            (5 * h + 10 * m, "5h10m"),
            (30 * h, "30h"),
            (2 * d + 3 * h, "2d3h"),
            (7 * d, "7d"),
            (400 * d, "400d"),
            (3 * 365 * d + 20 * d, "3y20d"),
            (9 * 365 * d, "9y"),
        ];
        for (ms, want) in cases {
            assert_eq!(human(ms), want, "{ms}");
        }
        assert_eq!(since(&Value::Null, 0), "<unknown>");
        assert_eq!(
            since(
                &Value::from("2026-01-01T00:00:00Z"),
                1_767_225_600_000 + 90_000
            ),
            "90s"
        );
    }
}
