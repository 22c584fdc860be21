//! Durations as commands take them: `90s`, `5m`, `2h`, `1d`, or a sum such as `1h30m`.

use std::time::Duration;

/// Parses `text`; the error says what was wrong and what is accepted.
pub fn parse(text: &str) -> Result<Duration, String> {
    let bad = || format!("bad duration {text:?}: use a number and a unit, like 90s, 5m, 2h or 1d");
    let mut total: u64 = 0;
    let mut digits = String::new();
    for c in text.trim().chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3_600,
            'd' => 86_400,
            _ => return Err(bad()),
        };
        let n: u64 = digits.parse().map_err(|_| bad())?;
        total = n
            .checked_mul(unit)
            .and_then(|s| total.checked_add(s))
            .ok_or_else(bad)?;
        digits.clear();
    }
    if !digits.is_empty() || text.trim().is_empty() {
        return Err(bad());
    }
    Ok(Duration::from_secs(total))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn units_and_sums_parse() {
        assert_eq!(parse("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse("5m").unwrap(), Duration::from_secs(300));
        assert_eq!(parse("2h").unwrap(), Duration::from_secs(7_200));
        assert_eq!(parse("1d").unwrap(), Duration::from_secs(86_400));
        assert_eq!(parse("1h30m").unwrap(), Duration::from_secs(5_400));
    }

    #[test]
    fn anything_else_is_refused_with_the_accepted_forms() {
        for text in ["", "5", "m", "5x", "-5m", "1.5h", "99999999999999999999d"] {
            let e = parse(text).unwrap_err();
            assert!(e.contains("90s, 5m, 2h or 1d"), "{text}: {e}");
        }
    }
}
