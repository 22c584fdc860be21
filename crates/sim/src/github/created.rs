//! The `created` filter of GitHub's run lists, in the search syntax for dates: `>D`, `>=D`,
//! `<D`, `<=D`, `D..D`, `D..*`, `*..D` or `D` alone, where `D` is a day (`2026-11-22`, the
//! whole day) or a time to the second (`2026-11-22T03:20:00Z`, or with an offset). Runs are
//! compared at the second their `created_at` shows.

use chrono::{DateTime, NaiveDate};

/// An inclusive window of Unix seconds; `None` ends are open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Created {
    from_s: Option<i64>,
    to_s: Option<i64>,
}

/// One written date as the seconds it covers: a day is all of its seconds, a time one.
fn span(text: &str) -> Option<(i64, i64)> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        let s = t.timestamp();
        return Some((s, s));
    }
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    let start = day.and_hms_opt(0, 0, 0)?.and_utc().timestamp();
    Some((start, start + 86_399))
}

impl Created {
    /// Parses a `created` value; `None` when it is not one GitHub would read.
    pub(crate) fn parse(text: &str) -> Option<Created> {
        let open = |s: &str| -> Option<Option<(i64, i64)>> {
            if s == "*" {
                Some(None)
            } else {
                span(s).map(Some)
            }
        };
        let (from_s, to_s) = if let Some((a, b)) = text.split_once("..") {
            (open(a)?.map(|s| s.0), open(b)?.map(|s| s.1))
        } else if let Some(d) = text.strip_prefix(">=") {
            (Some(span(d)?.0), None)
        } else if let Some(d) = text.strip_prefix("<=") {
            (None, Some(span(d)?.1))
        } else if let Some(d) = text.strip_prefix('>') {
            (Some(span(d)?.1 + 1), None)
        } else if let Some(d) = text.strip_prefix('<') {
            (None, Some(span(d)?.0 - 1))
        } else {
            let (a, b) = span(text)?;
            (Some(a), Some(b))
        };
        Some(Created { from_s, to_s })
    }

    /// Whether a run created at `created_ms` is inside the window.
    pub(crate) fn contains(self, created_ms: i64) -> bool {
        let s = created_ms.div_euclid(1000);
        self.from_s.is_none_or(|f| s >= f) && self.to_s.is_none_or(|t| s <= t)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    /// 2026-11-22T03:20:00Z.
    const T: i64 = 1_795_317_600_000;

    fn c(text: &str) -> Created {
        Created::parse(text).unwrap()
    }

    #[test]
    fn times_compare_at_the_second_the_api_shows() {
        let after = c(">2026-11-22T03:20:00Z");
        assert!(!after.contains(T), "not after itself");
        assert!(
            !after.contains(T + 999),
            "the same second, as created_at shows it"
        );
        assert!(after.contains(T + 1_000));
        let from = c(">=2026-11-22T03:20:00Z");
        assert!(from.contains(T) && from.contains(T + 999) && !from.contains(T - 1));
        assert!(c("<2026-11-22T03:20:00Z").contains(T - 1));
        assert!(!c("<2026-11-22T03:20:00Z").contains(T));
        assert!(c("<=2026-11-22T03:20:00Z").contains(T + 999));
        assert!(
            c(">2026-11-22T04:20:00+01:00").contains(T + 1_000),
            "offsets"
        );
        assert!(c("2026-11-22T03:20:00Z").contains(T + 500));
    }

    #[test]
    fn days_cover_all_their_seconds_and_ranges_include_both_ends() {
        assert!(c("2026-11-22").contains(T));
        assert!(!c(">2026-11-22").contains(T), "after the whole day");
        assert!(c(">=2026-11-22").contains(T));
        assert!(c("<2026-11-23").contains(T));
        assert!(!c("<2026-11-22").contains(T));
        assert!(c("2026-11-21..2026-11-22").contains(T));
        assert!(!c("2026-11-20..2026-11-21").contains(T));
        assert!(c("2026-11-22T03:20:00Z..*").contains(T));
        assert!(c("*..2026-11-22T03:20:00Z").contains(T));
        assert!(!c("*..2026-11-22T03:19:59Z").contains(T));
        for bad in [
            "",
            "yesterday",
            ">",
            "2026-13-01",
            "..",
            "2026-11-22..later",
        ] {
            assert_eq!(Created::parse(bad), None, "{bad:?}");
        }
    }
}
