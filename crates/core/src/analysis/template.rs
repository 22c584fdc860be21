//! Rollback triggers read from a Rollout's AnalysisTemplates: each Prometheus metric whose
//! query measures a signal Quarterdeck reads and whose condition is an upper bound becomes a
//! trigger held as long as Argo would take to fail the run. Everything else is a note saying
//! why it is not a trigger.

use super::config::Trigger;
use super::series::Signal;

/// An AnalysisTemplate or ClusterAnalysisTemplate, reduced to what a trigger is made of.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AnalysisTemplate {
    /// `metadata.name`.
    pub name: String,
    /// A ClusterAnalysisTemplate.
    pub cluster_scope: bool,
    /// `spec.metrics`.
    pub metrics: Vec<TemplateMetric>,
}

/// One `spec.metrics[]` entry, its fields as written (they may hold `{{args.X}}`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TemplateMetric {
    /// `name`.
    pub name: String,
    /// `provider.prometheus.query`; `None` for any other provider.
    pub query: Option<String>,
    /// `successCondition`.
    pub success_condition: Option<String>,
    /// `failureCondition`.
    pub failure_condition: Option<String>,
    /// `interval` ("30s", "1m").
    pub interval: Option<String>,
    /// `failureLimit` (an int or a string in Argo's API); unset is 0.
    pub failure_limit: Option<String>,
}

/// The triggers of `templates`, once each, and a note per metric that is not one.
pub fn triggers(templates: &[AnalysisTemplate]) -> (Vec<Trigger>, Vec<String>) {
    let mut triggers: Vec<Trigger> = Vec::new();
    let mut notes = Vec::new();
    for m in templates.iter().flat_map(|t| &t.metrics) {
        match metric_trigger(m) {
            Ok(t) if !triggers.contains(&t) => triggers.push(t),
            Ok(_) => {}
            Err(why) => notes.push(format!("template metric {}: {why}", m.name)),
        }
    }
    (triggers, notes)
}

/// The trigger one metric amounts to, or why it is none.
pub fn metric_trigger(m: &TemplateMetric) -> Result<Trigger, String> {
    let Some(query) = &m.query else {
        return Err("not a Prometheus metric".into());
    };
    let signal = signal_of(query).ok_or("not a signal Quarterdeck reads")?;
    let above = threshold(m)?;
    let interval_ms = match &m.interval {
        None => 0,
        Some(i) => duration_ms(i).ok_or_else(|| format!("interval \"{i}\" is not a duration"))?,
    };
    let limit = match &m.failure_limit {
        None => 0,
        Some(l) => l
            .trim()
            .parse::<i64>()
            .map_err(|_| format!("failureLimit \"{l}\" is not a number"))?,
    };
    if limit < 0 {
        return Err(format!("failureLimit {limit} never fails the run"));
    }
    // Argo fails the run at its (failureLimit + 1)th failed measurement, one every interval.
    Ok(Trigger {
        signal,
        above,
        for_ms: interval_ms.saturating_mul(limit + 1),
    })
}

/// The signal a query measures: a p95 or p99 latency histogram, probe failures, or a 5xx
/// share of requests.
pub fn signal_of(query: &str) -> Option<Signal> {
    let q: String = query.chars().filter(|c| !c.is_whitespace()).collect();
    if q.contains("histogram_quantile(") {
        return if q.contains("histogram_quantile(0.95,") {
            Some(Signal::P95)
        } else if q.contains("histogram_quantile(0.99,") {
            Some(Signal::P99)
        } else {
            None
        };
    }
    if q.contains("prober_probe_total") {
        return Some(Signal::HealthFailures);
    }
    let five_xx = [
        "code=~\"5..\"",
        "status=~\"5..\"",
        "code=~'5..'",
        "status=~'5..'",
    ];
    if five_xx.iter().any(|m| q.contains(m)) && divides(&q) {
        return Some(Signal::ErrorRatio);
    }
    None
}

/// Whether a query divides, outside its label matchers and strings.
fn divides(q: &str) -> bool {
    let mut depth = 0u32;
    let mut quote = None;
    for c in q.chars() {
        match (quote, c) {
            (Some(open), c) if c == open => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '{') => depth += 1,
            (None, '}') => depth = depth.saturating_sub(1),
            (None, '/') if depth == 0 => return true,
            _ => {}
        }
    }
    false
}

/// Which condition a bound is read from.
#[derive(Clone, Copy)]
enum Condition {
    Failure,
    Success,
}

/// The threshold: the failure condition's lower bound on failing values, else the success
/// condition's upper bound on passing ones.
fn threshold(m: &TemplateMetric) -> Result<f64, String> {
    let (kind, name, expr) = match (&m.failure_condition, &m.success_condition) {
        (Some(f), _) => (Condition::Failure, "failureCondition", f),
        (None, Some(s)) => (Condition::Success, "successCondition", s),
        (None, None) => return Err("no successCondition or failureCondition".into()),
    };
    bound(expr, kind).ok_or_else(|| format!("{name} \"{expr}\" is not a threshold on result"))
}

/// `result[0] > X`, `any(result, # > X)` (failure) or `result[0] < X`, `all(result, # < X)`
/// (success), with `>=`/`<=`, behind guards for an empty or NaN result.
fn bound(expr: &str, kind: Condition) -> Option<f64> {
    let e: String = expr.chars().filter(|c| !c.is_whitespace()).collect();
    let (join, guards, quantifier, ops): (&str, &[&str], &str, [&str; 2]) = match kind {
        Condition::Failure => (
            "&&",
            &[
                "len(result)>0",
                "len(result)!=0",
                "len(result)>=1",
                "!isNaN(result[0])",
            ],
            "any(result,#",
            [">=", ">"],
        ),
        Condition::Success => (
            "||",
            &["len(result)==0", "isNaN(result[0])"],
            "all(result,#",
            ["<=", "<"],
        ),
    };
    let clauses: Vec<&str> = e.split(join).filter(|c| !guards.contains(c)).collect();
    let [clause] = clauses.as_slice() else {
        return None;
    };
    let clause = clause
        .strip_prefix('(')
        .and_then(|c| c.strip_suffix(')'))
        .unwrap_or(clause);
    let rest = clause.strip_prefix("result[0]").or_else(|| {
        clause
            .strip_prefix(quantifier)
            .and_then(|c| c.strip_suffix(')'))
    })?;
    let number = ops.iter().find_map(|op| rest.strip_prefix(op))?;
    number.parse::<f64>().ok().filter(|x| x.is_finite())
}

/// A Go duration as Argo writes one ("30s", "1m30s", "500ms", "1h"), in ms.
pub fn duration_ms(text: &str) -> Option<i64> {
    let mut rest = text.trim();
    if rest.is_empty() {
        return None;
    }
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let value: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let (unit, len) = [
            ("ms", 1.0),
            ("h", 3_600_000.0),
            ("m", 60_000.0),
            ("s", 1_000.0),
        ]
        .into_iter()
        .find(|(u, _)| rest.starts_with(u))
        .map(|(u, ms)| (ms, u.len()))?;
        total += value * unit;
        rest = &rest[len..];
    }
    // Whole milliseconds: durations this coarse lose nothing.
    Some(total.round() as i64)
}
