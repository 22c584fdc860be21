//! The latency distribution `loggen::lines` draws from, in closed form, so the histogram's
//! buckets and the log lines describe the same requests: a spread of (U1+U2+U3)/1.5 (floored
//! at 0.05) around the typical latency, errors 3× slower, and 1% of requests 8× slower.

/// The bucket bounds, in seconds (`+Inf` is added by the exposition): the client libraries'
/// defaults with 10 ms steps up to 50 ms, as services with a latency SLO in that range define
/// them — with only 25 and 50 ms, `histogram_quantile` interpolates a p95 of ~49 ms for a
/// version whose true p95 is 35 ms, and a 50 ms trigger would sit on its edge.
pub(crate) const BUCKETS: [f64; 14] = [
    0.005, 0.01, 0.02, 0.03, 0.04, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The Irwin–Hall CDF for the sum of three uniforms on [0, 1).
fn irwin_hall3(x: f64) -> f64 {
    if x <= 0.0 {
        0.0
    } else if x < 1.0 {
        x.powi(3) / 6.0
    } else if x < 2.0 {
        (-2.0 * x.powi(3) + 9.0 * x.powi(2) - 9.0 * x + 3.0) / 6.0
    } else if x < 3.0 {
        1.0 - (3.0 - x).powi(3) / 6.0
    } else {
        1.0
    }
}

/// P(spread ≤ y), the spread being `max((U1+U2+U3)/1.5, 0.05)`.
fn spread_cdf(y: f64) -> f64 {
    if y < 0.05 { 0.0 } else { irwin_hall3(1.5 * y) }
}

/// P(latency ≤ `le_s` seconds) for a version with this error rate and typical latency.
pub(crate) fn share_below(le_s: f64, error_rate: f64, latency_ms: f64) -> f64 {
    if le_s.is_infinite() {
        return 1.0;
    }
    let l = latency_ms.max(1e-6) / 1000.0;
    let one = |scale: f64| {
        0.99 * spread_cdf(le_s / (l * scale)) + 0.01 * spread_cdf(le_s / (l * scale * 8.0))
    };
    (1.0 - error_rate) * one(1.0) + error_rate * one(3.0)
}

/// The mean latency in seconds (the spread averages 1; its floor at 0.05 is negligible).
pub(crate) fn mean_s(error_rate: f64, latency_ms: f64) -> f64 {
    latency_ms / 1000.0 * (1.0 + 2.0 * error_rate) * (0.99 + 0.08)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cdf_rises_from_zero_to_one_around_the_typical_latency() {
        assert_eq!(share_below(0.0005, 0.0, 18.0), 0.0);
        let mid = share_below(0.018, 0.0, 18.0);
        assert!((0.45..0.55).contains(&(mid / 0.99)), "{mid}");
        assert!(share_below(10.0, 0.0, 18.0) > 0.999);
        assert_eq!(share_below(f64::INFINITY, 0.3, 18.0), 1.0);
        // Errors are slower, so a bad version has fewer fast requests.
        assert!(share_below(0.025, 0.5, 18.0) < share_below(0.025, 0.0, 18.0));
    }
}
