//! The simulated Prometheus: `/prometheus/api/v1/` over the metric series of the world's pods.
//! Queries are parsed by `promql-parser` and evaluated here, on demand, against closed-form
//! counters (see [`series`]), so a big world costs nothing until someone asks.

mod eval;
mod functions;
mod latency;
pub(crate) mod routes;
pub(crate) mod series;

use std::time::Instant;

pub(crate) use self::series::{Labels, PodMetrics, observe};
use crate::world::World;

/// An evaluated result.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    /// A number.
    Scalar(f64),
    /// An instant vector: one value per series.
    Vector(Vec<(Labels, f64)>),
    /// A range vector: points `(unix ms, value)` per series.
    Matrix(Vec<(Labels, Vec<(i64, f64)>)>),
    /// A string literal.
    String(String),
}

/// The kind of a failed query, as Prometheus' `errorType` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ErrorType {
    /// The query or a parameter is malformed (400).
    BadData,
    /// The query cannot be executed (422).
    Execution,
    /// The evaluation ran out of time (503).
    Timeout,
    /// The server failed (500).
    Internal,
}

/// Why a query failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub(crate) struct PromError {
    kind: ErrorType,
    message: String,
}

impl PromError {
    /// A malformed query or parameter.
    pub(crate) fn bad_data(message: impl Into<String>) -> Self {
        Self {
            kind: ErrorType::BadData,
            message: message.into(),
        }
    }

    /// A query that cannot be executed.
    pub(crate) fn execution(message: impl Into<String>) -> Self {
        Self {
            kind: ErrorType::Execution,
            message: message.into(),
        }
    }

    /// An evaluation that ran out of time.
    pub(crate) fn timeout(message: impl Into<String>) -> Self {
        Self {
            kind: ErrorType::Timeout,
            message: message.into(),
        }
    }

    /// A server-side failure.
    pub(crate) fn internal(message: impl Into<String>) -> Self {
        Self {
            kind: ErrorType::Internal,
            message: message.into(),
        }
    }

    /// `bad_data`, `execution`, `timeout` or `internal`.
    pub(crate) fn error_type(&self) -> &'static str {
        match self.kind {
            ErrorType::BadData => "bad_data",
            ErrorType::Execution => "execution",
            ErrorType::Timeout => "timeout",
            ErrorType::Internal => "internal",
        }
    }

    /// The human-readable message.
    pub(crate) fn message(&self) -> &str {
        &self.message
    }

    /// The HTTP status Prometheus answers this error with.
    pub(crate) fn status(&self) -> u16 {
        match self.kind {
            ErrorType::BadData => 400,
            ErrorType::Execution => 422,
            ErrorType::Timeout => 503,
            ErrorType::Internal => 500,
        }
    }
}

/// Most points a range query may return per series, as in Prometheus.
pub(crate) const MAX_POINTS: i64 = 11_000;

/// Evaluates `promql` at `at_ms` (an instant query), for the simulator's own Argo analysis.
#[allow(dead_code, reason = "the entry point of the simulated Argo analysis")]
pub(crate) fn instant(world: &World, promql: &str, at_ms: i64) -> Result<Value, PromError> {
    instant_until(world, promql, at_ms, None)
}

/// Evaluates `promql` at every `step_ms` from `start_ms` to `end_ms` inclusive (a range query);
/// the result is a matrix (or a scalar/vector query's values over time, as a matrix).
pub(crate) fn range(
    world: &World,
    promql: &str,
    start_ms: i64,
    end_ms: i64,
    step_ms: i64,
    deadline: Option<Instant>,
) -> Result<Value, PromError> {
    let expr = parse(promql)?;
    if end_ms < start_ms {
        return Err(PromError::bad_data(
            "invalid parameter \"end\": end timestamp must not be before start time",
        ));
    }
    if step_ms <= 0 {
        return Err(PromError::bad_data(
            "invalid parameter \"step\": zero or negative query resolution step widths are not accepted. Try a positive integer",
        ));
    }
    if (end_ms - start_ms) / step_ms > MAX_POINTS {
        return Err(PromError::bad_data(
            "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)",
        ));
    }
    let mut ev = eval::Evaluator::new(world, start_ms, end_ms, deadline);
    ev.eval_range(&expr, start_ms, end_ms, step_ms)
}

/// Evaluates an instant query with a deadline (the HTTP handler's `timeout`).
pub(crate) fn instant_until(
    world: &World,
    promql: &str,
    at_ms: i64,
    deadline: Option<Instant>,
) -> Result<Value, PromError> {
    let expr = parse(promql)?;
    let mut ev = eval::Evaluator::new(world, at_ms, at_ms, deadline);
    ev.eval(&expr, at_ms)
}

fn parse(promql: &str) -> Result<promql_parser::parser::Expr, PromError> {
    promql_parser::parser::parse(promql)
        .map_err(|e| PromError::bad_data(format!("invalid parameter \"query\": {e}")))
}

#[cfg(test)]
mod tests;
