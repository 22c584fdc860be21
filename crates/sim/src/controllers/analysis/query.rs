//! Measuring: a metric's PromQL evaluated by the simulated Prometheus at the sim clock's now,
//! turned into the shapes Argo's Prometheus provider gives its conditions.

use super::measure::Sample;
use crate::prometheus::{self, Value};
use crate::world::World;

/// Evaluates `promql` at `at_ms`; errors read as the Prometheus client reports them.
pub(crate) fn instant(world: &World, promql: &str, at_ms: i64) -> Result<Sample, String> {
    match prometheus::instant(world, promql, at_ms) {
        Ok(v) => sample(v),
        Err(e) => Err(format!("{}: {}", e.error_type(), e.message())),
    }
}

/// Argo's `processResponse`: scalars and vectors as numbers, matrices as lists per series.
fn sample(v: Value) -> Result<Sample, String> {
    match v {
        Value::Scalar(x) => Ok(Sample::Scalar(x)),
        Value::Vector(samples) => Ok(Sample::Vector(
            samples.into_iter().map(|(_, x)| x).collect(),
        )),
        Value::Matrix(series) => Ok(Sample::Matrix(
            series
                .into_iter()
                .map(|(_, points)| points.into_iter().map(|(_, x)| x).collect())
                .collect(),
        )),
        Value::String(_) => Err("Prometheus metric type not supported".into()),
    }
}
