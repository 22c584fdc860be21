//! The PromQL functions the simulator evaluates, with Prometheus' semantics: `rate`/`increase`
//! extrapolate and cope with counter resets, `histogram_quantile` interpolates linearly within a
//! bucket.

use std::collections::BTreeMap;

use promql_parser::parser::{Call, Expr};

use super::eval::{Evaluator, drop_name, unsupported};
use super::series::Labels;
use super::{PromError, Value};

/// Evaluates a function call at `t`.
pub(crate) fn call(ev: &mut Evaluator<'_>, c: &Call, t: i64) -> Result<Value, PromError> {
    let name = c.func.name;
    let args: Vec<&Expr> = c.args.args.iter().map(|a| a.as_ref()).collect();
    match name {
        "rate" | "increase" | "irate" => {
            let Some(Expr::MatrixSelector(ms)) = args.first().map(|a| strip(a)) else {
                return Err(unsupported(&format!(
                    "{name}() of anything but a range selector"
                )));
            };
            let (start, end, m) = ev.matrix_window(ms, t)?;
            let out = m
                .into_iter()
                .filter_map(|(labels, points)| {
                    let v = if name == "irate" {
                        irate(&points)
                    } else {
                        extrapolated_rate(&points, start, end, name == "rate")
                    };
                    v.map(|v| (drop_name(labels), v))
                })
                .collect();
            Ok(Value::Vector(out))
        }
        "histogram_quantile" => {
            let q = scalar_arg(ev, &args, 0, t)?;
            let v = vector_arg(ev, &args, 1, t)?;
            Ok(Value::Vector(histogram_quantile(q, v)))
        }
        "scalar" => {
            let v = vector_arg(ev, &args, 0, t)?;
            Ok(Value::Scalar(match v.as_slice() {
                [(_, x)] => *x,
                _ => f64::NAN,
            }))
        }
        "vector" => {
            let s = scalar_arg(ev, &args, 0, t)?;
            Ok(Value::Vector(vec![(Labels::new(), s)]))
        }
        "time" => Ok(Value::Scalar(t as f64 / 1000.0)),
        "abs" | "clamp_min" | "clamp_max" => {
            let v = vector_arg(ev, &args, 0, t)?;
            let bound = if name == "abs" {
                0.0
            } else {
                scalar_arg(ev, &args, 1, t)?
            };
            let f = |x: f64| match name {
                "abs" => x.abs(),
                "clamp_min" => x.max(bound),
                _ => x.min(bound),
            };
            Ok(Value::Vector(
                v.into_iter().map(|(l, x)| (drop_name(l), f(x))).collect(),
            ))
        }
        other => Err(unsupported(&format!("function {other}()"))),
    }
}

fn strip(e: &Expr) -> &Expr {
    match e {
        Expr::Paren(p) => strip(&p.expr),
        other => other,
    }
}

fn scalar_arg(ev: &mut Evaluator<'_>, args: &[&Expr], i: usize, t: i64) -> Result<f64, PromError> {
    match args.get(i).map(|a| ev.eval(a, t)).transpose()? {
        Some(Value::Scalar(v)) => Ok(v),
        _ => Err(PromError::execution(format!(
            "expected a scalar as argument {}",
            i + 1
        ))),
    }
}

fn vector_arg(
    ev: &mut Evaluator<'_>,
    args: &[&Expr],
    i: usize,
    t: i64,
) -> Result<Vec<(Labels, f64)>, PromError> {
    match args.get(i).map(|a| ev.eval(a, t)).transpose()? {
        Some(Value::Vector(v)) => Ok(v),
        _ => Err(PromError::execution(format!(
            "expected an instant vector as argument {}",
            i + 1
        ))),
    }
}

/// `rate`/`increase` over the samples of `(start, end]`, as Prometheus' `extrapolatedRate`.
pub(crate) fn extrapolated_rate(
    points: &[(i64, f64)],
    start: i64,
    end: i64,
    per_second: bool,
) -> Option<f64> {
    let (&(first_t, first_v), &(last_t, last_v)) = (points.first()?, points.last()?);
    if points.len() < 2 {
        return None;
    }
    let mut result = last_v - first_v;
    for w in points.windows(2) {
        if let [(_, prev), (_, cur)] = w
            && cur < prev
        {
            result += prev;
        }
    }
    let mut to_start = (first_t - start) as f64 / 1000.0;
    let mut to_end = (end - last_t) as f64 / 1000.0;
    let sampled = (last_t - first_t) as f64 / 1000.0;
    let average = sampled / (points.len() - 1) as f64;
    let threshold = average * 1.1;
    if to_start >= threshold {
        to_start = average / 2.0;
    }
    // A counter does not go below zero: extrapolate no further back than where it would be 0.
    let mut to_zero = to_start;
    if result > 0.0 && first_v >= 0.0 {
        to_zero = sampled * (first_v / result);
    }
    if to_zero < to_start {
        to_start = to_zero;
    }
    if to_end >= threshold {
        to_end = average / 2.0;
    }
    let mut factor = (sampled + to_start + to_end) / sampled;
    if per_second {
        factor /= (end - start) as f64 / 1000.0;
    }
    Some(result * factor)
}

/// `irate`: the per-second rate between the last two samples (a reset counts from zero).
pub(crate) fn irate(points: &[(i64, f64)]) -> Option<f64> {
    let [.., (prev_t, prev), (last_t, last)] = points else {
        return None;
    };
    let dt = (last_t - prev_t) as f64 / 1000.0;
    if dt <= 0.0 {
        return None;
    }
    let delta = if last < prev { *last } else { last - prev };
    Some(delta / dt)
}

/// `histogram_quantile` over classic buckets, grouped by every label but `le`.
pub(crate) fn histogram_quantile(q: f64, v: Vec<(Labels, f64)>) -> Vec<(Labels, f64)> {
    let mut groups: BTreeMap<Labels, Vec<(f64, f64)>> = BTreeMap::new();
    for (mut labels, count) in v {
        let Some(le) = labels.remove("le") else {
            continue;
        };
        let Some(bound) = parse_le(&le) else {
            continue;
        };
        groups
            .entry(drop_name(labels))
            .or_default()
            .push((bound, count));
    }
    groups
        .into_iter()
        .map(|(labels, buckets)| (labels, bucket_quantile(q, buckets)))
        .collect()
}

fn parse_le(s: &str) -> Option<f64> {
    match s {
        "+Inf" | "Inf" | "+inf" | "inf" => Some(f64::INFINITY),
        _ => s.parse().ok(),
    }
}

/// Prometheus' `bucketQuantile`.
fn bucket_quantile(q: f64, mut buckets: Vec<(f64, f64)>) -> f64 {
    if q.is_nan() {
        return f64::NAN;
    }
    if q < 0.0 {
        return f64::NEG_INFINITY;
    }
    if q > 1.0 {
        return f64::INFINITY;
    }
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    if buckets.last().is_none_or(|b| b.0 != f64::INFINITY) {
        return f64::NAN;
    }
    // Buckets with the same bound are summed; counts are made monotonic.
    let mut merged: Vec<(f64, f64)> = Vec::with_capacity(buckets.len());
    for (bound, count) in buckets {
        match merged.last_mut() {
            Some(last) if last.0 == bound => last.1 += count,
            _ => merged.push((bound, count)),
        }
    }
    let mut max = f64::NEG_INFINITY;
    for b in &mut merged {
        if b.1 < max {
            b.1 = max;
        } else {
            max = b.1;
        }
    }
    if merged.len() < 2 {
        return f64::NAN;
    }
    let last = merged.len() - 1;
    let observations = merged[last].1;
    if observations == 0.0 || observations.is_nan() {
        return f64::NAN;
    }
    let mut rank = q * observations;
    let b = merged.partition_point(|x| x.1 < rank);
    if b == last {
        return merged[last - 1].0;
    }
    if b == 0 && merged[0].0 <= 0.0 {
        return merged[0].0;
    }
    let mut start = 0.0;
    let end = merged[b].0;
    let mut count = merged[b].1;
    if b > 0 {
        start = merged[b - 1].0;
        count -= merged[b - 1].1;
        rank -= merged[b - 1].1;
    }
    start + (end - start) * (rank / count)
}
