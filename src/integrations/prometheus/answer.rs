//! Prometheus' answer envelope (`/api/v1/query`, `/api/v1/query_range`) converted to plain
//! types: every result shape, values as strings (`NaN` is no data, infinities stay numbers),
//! timestamps in float seconds turned to Unix ms, and the warnings and infos kept.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use quarterdeck_core::analysis::Point;

/// One labelled series; an instant vector's series hold one point.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// The labels.
    pub metric: BTreeMap<String, String>,
    /// Samples, oldest first.
    pub points: Vec<Point>,
}

/// What a query produced.
#[derive(Debug, Clone, PartialEq)]
pub enum Data {
    /// An instant vector.
    Vector(Vec<Series>),
    /// A range vector.
    Matrix(Vec<Series>),
    /// One number.
    Scalar(Point),
    /// One string.
    String {
        /// Evaluation time, Unix ms.
        at_ms: i64,
        /// The string.
        value: String,
    },
}

/// A successful answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The result.
    pub data: Data,
    /// `warnings`: the result may be incomplete.
    pub warnings: Vec<String>,
    /// `infos`: notes about the query.
    pub infos: Vec<String>,
}

/// An error envelope (`"status":"error"`), with whatever partial data came with it.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorEnvelope {
    /// `errorType`: `bad_data`, `execution`, `timeout`, `canceled`, `internal`, …
    pub error_type: String,
    /// `error`: Prometheus' own words.
    pub error: String,
    /// Partial data, if the server sent some.
    pub partial: Option<Answer>,
}

/// Why a body is not an envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed(pub String);

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawEnvelope {
    status: String,
    #[serde(default)]
    data: Option<RawData>,
    #[serde(default)]
    error_type: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    warnings: Vec<String>,
    #[serde(default)]
    infos: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawData {
    result_type: String,
    #[serde(default)]
    result: Value,
}

/// Reads a body: `Ok(Ok(answer))` for success, `Ok(Err(envelope))` for an error envelope,
/// `Err` when the body is not Prometheus' JSON at all.
pub fn parse(body: &str) -> Result<Result<Answer, ErrorEnvelope>, Malformed> {
    let raw: RawEnvelope =
        serde_json::from_str(body).map_err(|e| Malformed(format!("not its JSON: {e}")))?;
    let data = raw.data.map(|d| data(&d)).transpose()?;
    match raw.status.as_str() {
        "success" => {
            let data = data.ok_or_else(|| Malformed("a success without data".into()))?;
            Ok(Ok(Answer {
                data,
                warnings: raw.warnings,
                infos: raw.infos,
            }))
        }
        "error" => Ok(Err(ErrorEnvelope {
            error_type: raw.error_type.unwrap_or_default(),
            error: raw.error.unwrap_or_default(),
            partial: data.map(|data| Answer {
                data,
                warnings: raw.warnings,
                infos: raw.infos,
            }),
        })),
        other => Err(Malformed(format!("unknown status \"{other}\""))),
    }
}

fn data(raw: &RawData) -> Result<Data, Malformed> {
    let result = &raw.result;
    match raw.result_type.as_str() {
        "vector" => Ok(Data::Vector(series_list(result, "value")?)),
        "matrix" => Ok(Data::Matrix(series_list(result, "values")?)),
        "scalar" => Ok(Data::Scalar(point(result)?)),
        "string" => {
            let (at_ms, value) = pair(result)?;
            Ok(Data::String {
                at_ms,
                value: value.to_string(),
            })
        }
        other => Err(Malformed(format!("unknown resultType \"{other}\""))),
    }
}

fn series_list(result: &Value, field: &str) -> Result<Vec<Series>, Malformed> {
    let list = match result {
        Value::Null => return Ok(Vec::new()),
        Value::Array(list) => list,
        _ => return Err(Malformed("result is not a list".into())),
    };
    list.iter()
        .map(|s| {
            let metric = s
                .get("metric")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                        .collect()
                })
                .unwrap_or_default();
            let points = match (field, s.get(field)) {
                ("value", Some(v)) => vec![point(v)?],
                (_, Some(Value::Array(vs))) => vs.iter().map(point).collect::<Result<_, _>>()?,
                // Native histograms come as `histogram(s)`; the signals here are classic.
                _ => Vec::new(),
            };
            Ok(Series { metric, points })
        })
        .collect()
}

/// `[<unix seconds>, "<value>"]`.
fn pair(v: &Value) -> Result<(i64, &str), Malformed> {
    let bad = || Malformed(format!("a sample is not [time, \"value\"]: {v}"));
    let [t, value] = v.as_array().map(Vec::as_slice).ok_or_else(bad)? else {
        return Err(bad());
    };
    let secs = t.as_f64().ok_or_else(bad)?;
    #[allow(clippy::cast_possible_truncation)]
    let at_ms = (secs * 1000.0).round() as i64;
    Ok((at_ms, value.as_str().ok_or_else(bad)?))
}

fn point(v: &Value) -> Result<Point, Malformed> {
    let (at_ms, text) = pair(v)?;
    Ok(Point {
        at_ms,
        value: sample_value(text)?,
    })
}

/// A sample's text: `NaN` is no data, `+Inf`/`-Inf` stay infinities.
fn sample_value(text: &str) -> Result<Option<f64>, Malformed> {
    match text {
        "NaN" => Ok(None),
        "+Inf" | "Inf" => Ok(Some(f64::INFINITY)),
        "-Inf" => Ok(Some(f64::NEG_INFINITY)),
        _ => text
            .parse::<f64>()
            .map(Some)
            .map_err(|_| Malformed(format!("not a number: \"{text}\""))),
    }
}

#[cfg(test)]
#[path = "answer_tests.rs"]
mod tests;
