//! One metric's measurements and phase, as Argo's analysis controller keeps them: each
//! measurement's result is judged by the success/failure conditions, counted, and the metric's
//! phase follows from its limits. Pure functions over the metric and its `metricResults` entry,
//! so the rules are tested without a Prometheus.

use serde_json::{Value, json};

use super::expr::{self, Val};
use crate::controllers::canary::duration_ms;

/// Argo's `DefaultConsecutiveErrorLimit`.
const CONSECUTIVE_ERROR_LIMIT: i64 = 4;
/// Argo's `DefaultMeasurementHistoryLimit`: measurements kept per metric.
const HISTORY: usize = 10;

/// What a query gave, in the shapes Argo's Prometheus provider hands to conditions.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Sample {
    /// A scalar: `result` is the number.
    Scalar(f64),
    /// An instant vector: `result` is the list of sample values.
    Vector(Vec<f64>),
    /// A range vector: `result` is a list of each series' values.
    Matrix(Vec<Vec<f64>>),
}

impl Sample {
    fn val(&self) -> Val {
        let list = |xs: &[f64]| Val::List(xs.iter().map(|x| Val::Num(*x)).collect());
        match self {
            Sample::Scalar(x) => Val::Num(*x),
            Sample::Vector(xs) => list(xs),
            Sample::Matrix(series) => Val::List(series.iter().map(|s| list(s)).collect()),
        }
    }

    /// The measurement's `value` as Argo prints it (`[0.0042]`, `0.5`).
    fn text(&self) -> String {
        let list = |xs: &[f64]| {
            let parts: Vec<String> = xs.iter().map(|x| go_float(*x)).collect();
            format!("[{}]", parts.join(","))
        };
        match self {
            Sample::Scalar(x) => go_float(*x),
            Sample::Vector(xs) => list(xs),
            Sample::Matrix(series) => {
                let parts: Vec<String> = series.iter().map(|s| list(s)).collect();
                format!("[{}]", parts.join(","))
            }
        }
    }
}

/// A number as Prometheus' model prints it (`NaN`, `+Inf`).
fn go_float(x: f64) -> String {
    if x.is_nan() {
        "NaN".into()
    } else if x.is_infinite() {
        if x > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        }
    } else {
        format!("{x}")
    }
}

/// Argo's `EvaluateResult`: the phase of one measurement, or the evaluation error.
pub(crate) fn evaluate(metric: &Value, result: &Sample) -> Result<&'static str, String> {
    let success_src = metric["successCondition"].as_str().unwrap_or_default();
    let failure_src = metric["failureCondition"].as_str().unwrap_or_default();
    let r = result.val();
    let mut success = if success_src.is_empty() {
        false
    } else {
        expr::condition(success_src, &r)?
    };
    let mut failure = if failure_src.is_empty() {
        false
    } else {
        expr::condition(failure_src, &r)?
    };
    match (success_src.is_empty(), failure_src.is_empty()) {
        (true, true) => return Ok("Successful"),
        // Without a failure condition, a success condition that is false is a failure.
        (false, true) => failure = !success,
        (true, false) => success = !failure,
        (false, false) => {}
    }
    Ok(if failure {
        "Failed"
    } else if !success {
        "Inconclusive"
    } else {
        "Successful"
    })
}

/// A measurement taken at `at` (RFC 3339) from a query's result or its error.
pub(crate) fn measurement(metric: &Value, result: Result<Sample, String>, at: &str) -> Value {
    let (phase, value, message) = match result {
        Err(e) => ("Error", None, Some(e)),
        Ok(s) => match evaluate(metric, &s) {
            Ok(p) => (p, Some(s.text()), None),
            Err(e) => ("Error", Some(s.text()), Some(e)),
        },
    };
    let mut m = json!({"phase": phase, "startedAt": at, "finishedAt": at});
    if let Some(v) = value {
        m["value"] = json!(v);
    }
    if let Some(msg) = message {
        m["message"] = json!(msg);
    }
    m
}

/// A fresh `metricResults` entry.
pub(crate) fn new_result(name: &str) -> Value {
    json!({"name": name, "phase": "Running", "count": 0, "successful": 0, "failed": 0,
        "inconclusive": 0, "error": 0, "consecutiveError": 0, "measurements": []})
}

fn bump(v: &mut Value, key: &str) {
    v[key] = json!(v[key].as_i64().unwrap_or(0) + 1);
}

/// Counts a measurement into its metric's result (Argo's `runMeasurements`): errors do not
/// count toward `count` but toward `consecutiveError`; everything else resets it.
pub(crate) fn record(result: &mut Value, m: Value) {
    match m["phase"].as_str().unwrap_or_default() {
        "Error" => {
            bump(result, "error");
            bump(result, "consecutiveError");
        }
        phase => {
            let key = match phase {
                "Successful" => "successful",
                "Failed" => "failed",
                _ => "inconclusive",
            };
            bump(result, key);
            bump(result, "count");
            result["consecutiveError"] = json!(0);
        }
    }
    if !result["measurements"].is_array() {
        result["measurements"] = json!([]);
    }
    if let Some(list) = result["measurements"].as_array_mut() {
        list.push(m);
        let extra = list.len().saturating_sub(HISTORY);
        list.drain(..extra);
    }
}

fn limit(metric: &Value, key: &str, default: i64) -> i64 {
    match &metric[key] {
        Value::Number(n) => n.as_i64().unwrap_or(default),
        Value::String(s) => s.parse().unwrap_or(default),
        _ => default,
    }
}

/// Argo's `EffectiveCount`: `count`, else one measurement without an interval, else unbounded.
pub(crate) fn effective_count(metric: &Value) -> Option<i64> {
    match &metric["count"] {
        Value::Null => metric["interval"].is_null().then_some(1),
        _ => Some(limit(metric, "count", 1)),
    }
}

/// The metric's phase and message after its measurements so far (Argo's `assessMetricStatus`).
pub(crate) fn assess(metric: &Value, result: &Value) -> (&'static str, String) {
    let name = metric["name"].as_str().unwrap_or_default();
    let n = |k: &str| result[k].as_i64().unwrap_or(0);
    let failure_limit = limit(metric, "failureLimit", 0);
    let inconclusive_limit = limit(metric, "inconclusiveLimit", 0);
    let error_limit = limit(metric, "consecutiveErrorLimit", CONSECUTIVE_ERROR_LIMIT);
    if failure_limit >= 0 && n("failed") > failure_limit {
        let msg = format!(
            "Metric \"{name}\" assessed Failed due to failed ({}) > failureLimit ({failure_limit})",
            n("failed")
        );
        return ("Failed", msg);
    }
    if inconclusive_limit >= 0 && n("inconclusive") > inconclusive_limit {
        let msg = format!(
            "Metric \"{name}\" assessed Inconclusive due to inconclusive ({}) > inconclusiveLimit ({inconclusive_limit})",
            n("inconclusive")
        );
        return ("Inconclusive", msg);
    }
    if error_limit >= 0 && n("consecutiveError") > error_limit {
        let msg = format!(
            "Metric \"{name}\" assessed Error due to consecutiveErrors ({}) > consecutiveErrorLimit ({error_limit})",
            n("consecutiveError")
        );
        return ("Error", msg);
    }
    if effective_count(metric).is_some_and(|c| n("count") >= c) {
        return ("Successful", String::new());
    }
    ("Running", String::new())
}

/// When the metric's next measurement is due: `initialDelay` after the run started for the
/// first, then `interval` after the last one; None once no more are due.
pub(crate) fn next_due(metric: &Value, result: &Value, started_ms: i64) -> Option<i64> {
    let taken = result["count"].as_i64().unwrap_or(0);
    if effective_count(metric).is_some_and(|c| taken >= c) {
        return None;
    }
    let last = result["measurements"]
        .as_array()
        .and_then(|m| m.last())
        .and_then(|m| m["finishedAt"].as_str())
        .and_then(crate::world::parse_time);
    match last {
        None => Some(
            started_ms
                + metric
                    .get("initialDelay")
                    .and_then(duration_ms)
                    .unwrap_or(0),
        ),
        Some(t) => Some(t + metric.get("interval").and_then(duration_ms).unwrap_or(0)),
    }
}

/// How bad a phase is, for the run's phase (the worst of its metrics): Argo's `IsWorse` order.
pub(crate) fn severity(phase: &str) -> u8 {
    match phase {
        "Pending" => 0,
        "Running" => 1,
        "Successful" => 2,
        "Inconclusive" => 3,
        "Error" => 4,
        "Failed" => 5,
        _ => 0,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    const AT: &str = "2026-01-01T00:00:00Z";

    fn take(metric: &Value, results: &[Result<Sample, String>]) -> (Value, &'static str, String) {
        let mut r = new_result("m");
        for res in results {
            record(&mut r, measurement(metric, res.clone(), AT));
        }
        let (phase, msg) = assess(metric, &r);
        (r, phase, msg)
    }

    fn vec1(x: f64) -> Result<Sample, String> {
        Ok(Sample::Vector(vec![x]))
    }

    #[test]
    fn conditions_decide_each_measurement() {
        let both =
            json!({"successCondition": "result[0] < 0.01", "failureCondition": "result[0] > 0.05"});
        assert_eq!(
            evaluate(&both, &Sample::Vector(vec![0.001])),
            Ok("Successful")
        );
        assert_eq!(evaluate(&both, &Sample::Vector(vec![0.1])), Ok("Failed"));
        assert_eq!(
            evaluate(&both, &Sample::Vector(vec![0.02])),
            Ok("Inconclusive")
        );
        assert_eq!(
            evaluate(&both, &Sample::Vector(vec![f64::NAN])),
            Ok("Inconclusive")
        );
        let success_only = json!({"successCondition": "result[0] < 0.01"});
        assert_eq!(
            evaluate(&success_only, &Sample::Vector(vec![0.02])),
            Ok("Failed")
        );
        assert_eq!(
            evaluate(&success_only, &Sample::Vector(vec![f64::NAN])),
            Ok("Failed")
        );
        let failure_only = json!({"failureCondition": "result[0] > 0.05"});
        assert_eq!(
            evaluate(&failure_only, &Sample::Vector(vec![0.02])),
            Ok("Successful")
        );
        assert_eq!(evaluate(&json!({}), &Sample::Scalar(9.0)), Ok("Successful"));
        assert!(evaluate(&success_only, &Sample::Vector(vec![])).is_err());
    }

    #[test]
    fn measurement_keeps_value_and_errors() {
        let m = json!({"successCondition": "result[0] < 0.01"});
        let ok = measurement(&m, vec1(0.004), AT);
        assert_eq!(ok["phase"], "Successful");
        assert_eq!(ok["value"], "[0.004]");
        let nan = measurement(&m, Ok(Sample::Scalar(f64::NAN)), AT);
        assert_eq!(nan["phase"], "Error", "a scalar has no [0]");
        assert_eq!(nan["value"], "NaN");
        let q = measurement(&m, Err("bad_data: parse error".into()), AT);
        assert_eq!(q["phase"], "Error");
        assert_eq!(q["message"], "bad_data: parse error");
    }

    #[test]
    fn failure_limit_allows_that_many_failures() {
        let m = json!({"name": "m", "successCondition": "result[0] < 0.01", "failureLimit": 1, "count": 5, "interval": "10s"});
        assert_eq!(take(&m, &[vec1(0.5)]).1, "Running");
        let (_, phase, msg) = take(&m, &[vec1(0.5), vec1(0.5)]);
        assert_eq!(phase, "Failed");
        assert_eq!(
            msg,
            "Metric \"m\" assessed Failed due to failed (2) > failureLimit (1)"
        );
    }

    #[test]
    fn inconclusive_limit_allows_that_many_inconclusive() {
        let m = json!({"name": "m", "successCondition": "result[0] < 0.01", "failureCondition": "result[0] > 0.1", "count": 5, "interval": "10s"});
        let (_, phase, msg) = take(&m, &[vec1(0.05)]);
        assert_eq!(phase, "Inconclusive");
        assert!(
            msg.contains("inconclusive (1) > inconclusiveLimit (0)"),
            "{msg}"
        );
        let m2 = json!({"name": "m", "successCondition": "result[0] < 0.01", "failureCondition": "result[0] > 0.1", "inconclusiveLimit": 2, "count": 5, "interval": "10s"});
        assert_eq!(take(&m2, &[vec1(0.05), vec1(0.05)]).1, "Running");
        assert_eq!(
            take(&m2, &[vec1(0.05), vec1(0.05), vec1(0.05)]).1,
            "Inconclusive"
        );
    }

    #[test]
    fn consecutive_errors_beyond_the_limit_are_an_error() {
        let m = json!({"name": "m", "successCondition": "result[0] < 0.01", "count": 10, "interval": "10s"});
        let err = || Err::<Sample, String>("execution: boom".into());
        let four: Vec<_> = (0..4).map(|_| err()).collect();
        assert_eq!(take(&m, &four).1, "Running", "the default limit is 4");
        let five: Vec<_> = (0..5).map(|_| err()).collect();
        let (r, phase, msg) = take(&m, &five);
        assert_eq!(phase, "Error");
        assert!(
            msg.contains("consecutiveErrors (5) > consecutiveErrorLimit (4)"),
            "{msg}"
        );
        assert_eq!(r["count"], 0, "errors are not counted");
        let reset = vec![err(), err(), err(), err(), vec1(0.001), err(), err()];
        let (r, phase, _) = take(&m, &reset);
        assert_eq!(
            (phase, r["consecutiveError"].as_i64()),
            ("Running", Some(2))
        );
        let m1 = json!({"name": "m", "successCondition": "true", "consecutiveErrorLimit": 1, "count": 10, "interval": "1s"});
        assert_eq!(take(&m1, &[err(), err()]).1, "Error");
    }

    #[test]
    fn count_reached_is_success_and_history_is_capped() {
        let m = json!({"name": "m", "successCondition": "result[0] < 0.01", "count": 12, "interval": "10s"});
        let goods: Vec<_> = (0..12).map(|_| vec1(0.001)).collect();
        assert_eq!(take(&m, &goods[..11]).1, "Running");
        let (r, phase, _) = take(&m, &goods);
        assert_eq!(phase, "Successful");
        assert_eq!(r["measurements"].as_array().unwrap().len(), 10);
        assert_eq!(r["count"], 12);
        assert_eq!(effective_count(&json!({})), Some(1));
        assert_eq!(effective_count(&json!({"interval": "1m"})), None);
    }

    #[test]
    fn measurements_fall_due_after_the_delay_then_each_interval() {
        let m = json!({"name": "m", "interval": "30s", "initialDelay": "1m", "count": 2});
        let r = new_result("m");
        assert_eq!(next_due(&m, &r, 1_000), Some(61_000));
        let mut r2 = r.clone();
        record(&mut r2, measurement(&m, vec1(0.0), "1970-01-01T00:01:01Z"));
        assert_eq!(next_due(&m, &r2, 1_000), Some(91_000));
        record(&mut r2, measurement(&m, vec1(0.0), "1970-01-01T00:01:31Z"));
        assert_eq!(next_due(&m, &r2, 1_000), None);
    }
}
