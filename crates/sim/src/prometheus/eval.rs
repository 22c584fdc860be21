//! Evaluation of a parsed PromQL expression at one time, over the pods' series.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::rc::Rc;
use std::time::{Instant, UNIX_EPOCH};

use promql_parser::label::Matchers;
use promql_parser::parser::token::{self, TokenId};
use promql_parser::parser::{
    AggregateExpr, AtModifier, BinaryExpr, Expr, LabelModifier, MatrixSelector, Offset,
    VectorMatchCardinality, VectorSelector,
};

use super::series::{self, Labels, SeriesRef};
use super::{PromError, Value, functions};
use crate::world::World;

/// How far back an instant selector looks for the latest sample.
pub(crate) const LOOKBACK_MS: i64 = 300_000;

/// The state of one query's evaluation.
pub(crate) struct Evaluator<'w> {
    world: &'w World,
    start_ms: i64,
    end_ms: i64,
    deadline: Option<Instant>,
    /// Series found per selector: a range query looks them up once, not once per step.
    found: HashMap<String, Rc<Vec<SeriesRef<'w>>>>,
}

/// A 422 for a valid query that uses something the simulator does not evaluate.
pub(crate) fn unsupported(what: &str) -> PromError {
    PromError::execution(format!(
        "{what} is not supported by the simulated Prometheus"
    ))
}

impl<'w> Evaluator<'w> {
    /// An evaluator for a query over `[start_ms, end_ms]` (equal for an instant query).
    pub(crate) fn new(
        world: &'w World,
        start_ms: i64,
        end_ms: i64,
        deadline: Option<Instant>,
    ) -> Self {
        Self {
            world,
            start_ms,
            end_ms,
            deadline,
            found: HashMap::new(),
        }
    }

    fn check_deadline(&self) -> Result<(), PromError> {
        if self.deadline.is_some_and(|d| Instant::now() >= d) {
            return Err(PromError::timeout(
                "query timed out in expression evaluation",
            ));
        }
        Ok(())
    }

    /// Evaluates a range query: the expression at every step, as a matrix.
    pub(crate) fn eval_range(
        &mut self,
        expr: &Expr,
        start_ms: i64,
        end_ms: i64,
        step_ms: i64,
    ) -> Result<Value, PromError> {
        let mut out: BTreeMap<Labels, Vec<(i64, f64)>> = BTreeMap::new();
        let mut t = start_ms;
        while t <= end_ms {
            match self.eval(expr, t)? {
                Value::Scalar(v) => out.entry(Labels::new()).or_default().push((t, v)),
                Value::Vector(v) => {
                    for (labels, x) in v {
                        out.entry(labels).or_default().push((t, x));
                    }
                }
                Value::Matrix(_) => {
                    return Err(PromError::bad_data(
                        "invalid parameter \"query\": invalid expression type \"range vector\" for range query, must be Scalar or instant Vector",
                    ));
                }
                Value::String(_) => {
                    return Err(PromError::bad_data(
                        "invalid parameter \"query\": invalid expression type \"string\" for range query, must be Scalar or instant Vector",
                    ));
                }
            }
            t += step_ms;
        }
        Ok(Value::Matrix(out.into_iter().collect()))
    }

    /// Evaluates `expr` at `t`.
    pub(crate) fn eval(&mut self, expr: &Expr, t: i64) -> Result<Value, PromError> {
        self.check_deadline()?;
        match expr {
            Expr::NumberLiteral(n) => Ok(Value::Scalar(n.val)),
            Expr::StringLiteral(s) => Ok(Value::String(s.val.clone())),
            Expr::Paren(p) => self.eval(&p.expr, t),
            Expr::Unary(u) => match self.eval(&u.expr, t)? {
                Value::Scalar(v) => Ok(Value::Scalar(-v)),
                Value::Vector(v) => Ok(Value::Vector(
                    v.into_iter().map(|(l, x)| (drop_name(l), -x)).collect(),
                )),
                _ => Err(PromError::execution(
                    "unary minus applies to scalars and instant vectors",
                )),
            },
            Expr::VectorSelector(vs) => self.vector_selector(vs, t),
            Expr::MatrixSelector(ms) => {
                let (_, _, m) = self.matrix_window(ms, t)?;
                Ok(Value::Matrix(m))
            }
            Expr::Subquery(_) => Err(unsupported("subquery")),
            Expr::Call(c) => functions::call(self, c, t),
            Expr::Aggregate(a) => self.aggregate(a, t),
            Expr::Binary(b) => self.binary(b, t),
            Expr::Extension(_) => Err(unsupported("extension expression")),
        }
    }

    /// The time a selector reads at: `@` and `offset` applied to `t`.
    fn selector_time(&self, vs: &VectorSelector, t: i64) -> i64 {
        let at = match &vs.at {
            None => t,
            Some(AtModifier::Start) => self.start_ms,
            Some(AtModifier::End) => self.end_ms,
            Some(AtModifier::At(when)) => match when.duration_since(UNIX_EPOCH) {
                Ok(d) => d.as_millis() as i64,
                Err(e) => -(e.duration().as_millis() as i64),
            },
        };
        match &vs.offset {
            None => at,
            Some(Offset::Pos(d)) => at - d.as_millis() as i64,
            Some(Offset::Neg(d)) => at + d.as_millis() as i64,
        }
    }

    fn series(&mut self, vs: &VectorSelector) -> Rc<Vec<SeriesRef<'w>>> {
        let key = format!("{:?}|{:?}", vs.name, vs.matchers);
        if let Some(found) = self.found.get(&key) {
            return found.clone();
        }
        let matchers = vs.matchers.clone();
        let name = vs.name.clone();
        let keep = move |labels: &Labels| selects(name.as_deref(), &matchers, labels);
        let found = Rc::new(series::find(
            self.world.ctl.pods.iter(),
            vs.name.as_deref(),
            &keep,
        ));
        self.found.insert(key, found.clone());
        found
    }

    fn vector_selector(&mut self, vs: &VectorSelector, t: i64) -> Result<Value, PromError> {
        let at = self.selector_time(vs, t);
        let now = self.world.clock.now_ms;
        let found = self.series(vs);
        let from = (at - LOOKBACK_MS).max(at.min(now) - series::SCRAPE_MS);
        let mut out = Vec::new();
        for s in found.iter() {
            if let Some(&(_, v)) = s.samples(from, at, now).last() {
                out.push((s.labels.clone(), v));
            }
        }
        Ok(Value::Vector(out))
    }

    /// The samples of a range selector at `t`, with the window `(start, end]` they came from.
    #[allow(clippy::type_complexity)]
    pub(crate) fn matrix_window(
        &mut self,
        ms: &MatrixSelector,
        t: i64,
    ) -> Result<(i64, i64, Vec<(Labels, Vec<(i64, f64)>)>), PromError> {
        let end = self.selector_time(&ms.vs, t);
        let start = end - ms.range.as_millis() as i64;
        let now = self.world.clock.now_ms;
        let found = self.series(&ms.vs);
        let mut out = Vec::new();
        for s in found.iter() {
            self.check_deadline()?;
            let points = s.samples(start, end, now);
            if !points.is_empty() {
                out.push((s.labels.clone(), points));
            }
        }
        Ok((start, end, out))
    }

    fn aggregate(&mut self, a: &AggregateExpr, t: i64) -> Result<Value, PromError> {
        let op = a.op.id();
        let name = token::TokenType::new(op);
        if !matches!(
            op,
            token::T_SUM | token::T_AVG | token::T_MIN | token::T_MAX | token::T_COUNT
        ) {
            return Err(unsupported(&format!("aggregation {name}")));
        }
        let Value::Vector(v) = self.eval(&a.expr, t)? else {
            return Err(PromError::execution(format!(
                "expected instant vector in aggregation {name}"
            )));
        };
        let mut groups: BTreeMap<Labels, Vec<f64>> = BTreeMap::new();
        for (labels, x) in v {
            let key = match &a.modifier {
                Some(LabelModifier::Include(by)) => labels
                    .into_iter()
                    .filter(|(k, _)| by.labels.contains(k))
                    .collect(),
                Some(LabelModifier::Exclude(without)) => labels
                    .into_iter()
                    .filter(|(k, _)| k != "__name__" && !without.labels.contains(k))
                    .collect(),
                None => Labels::new(),
            };
            groups.entry(key).or_default().push(x);
        }
        let out = groups
            .into_iter()
            .map(|(labels, xs)| {
                let n = xs.len() as f64;
                let v = match op {
                    token::T_SUM => xs.iter().sum(),
                    token::T_AVG => xs.iter().sum::<f64>() / n,
                    token::T_COUNT => n,
                    token::T_MIN => xs
                        .iter()
                        .copied()
                        .fold(f64::NAN, |m, x| if m.is_nan() || x < m { x } else { m }),
                    _ => xs
                        .iter()
                        .copied()
                        .fold(f64::NAN, |m, x| if m.is_nan() || x > m { x } else { m }),
                };
                (labels, v)
            })
            .collect();
        Ok(Value::Vector(out))
    }

    fn binary(&mut self, b: &BinaryExpr, t: i64) -> Result<Value, PromError> {
        let op = b.op.id();
        let lhs = self.eval(&b.lhs, t)?;
        let rhs = self.eval(&b.rhs, t)?;
        let modifier = b.modifier.as_ref();
        let want_bool = modifier.is_some_and(|m| m.return_bool);
        let matching = modifier.and_then(|m| m.matching.as_ref());
        match (lhs, rhs) {
            (Value::Scalar(l), Value::Scalar(r)) => {
                let (v, keep) = elem(op, l, r)?;
                Ok(Value::Scalar(if is_comparison(op) {
                    f64::from(u8::from(keep))
                } else {
                    v
                }))
            }
            (Value::Vector(v), Value::Scalar(s)) => {
                vector_scalar(op, v, s, false, want_bool).map(Value::Vector)
            }
            (Value::Scalar(s), Value::Vector(v)) => {
                vector_scalar(op, v, s, true, want_bool).map(Value::Vector)
            }
            (Value::Vector(l), Value::Vector(r)) => {
                if matches!(op, token::T_LAND | token::T_LOR | token::T_LUNLESS) {
                    return Ok(Value::Vector(set_op(op, l, r, matching)));
                }
                if let Some(m) = modifier
                    && matches!(
                        m.card,
                        VectorMatchCardinality::ManyToOne(_) | VectorMatchCardinality::OneToMany(_)
                    )
                {
                    return Err(unsupported("group_left/group_right"));
                }
                vector_vector(op, l, r, matching, want_bool).map(Value::Vector)
            }
            _ => Err(PromError::execution(
                "binary expression must contain only scalar and instant vector types",
            )),
        }
    }
}

/// Whether a series' labels pass a selector's name and matchers (a missing label is "").
pub(crate) fn selects(name: Option<&str>, matchers: &Matchers, labels: &Labels) -> bool {
    let get = |k: &str| labels.get(k).map_or("", String::as_str);
    if name.is_some_and(|n| n != get("__name__")) {
        return false;
    }
    let all = |ms: &[promql_parser::label::Matcher]| ms.iter().all(|m| m.is_match(get(&m.name)));
    if !all(&matchers.matchers) {
        return false;
    }
    matchers.or_matchers.is_empty() || matchers.or_matchers.iter().any(|g| all(g))
}

/// A vector element's labels without the metric name.
pub(crate) fn drop_name(mut labels: Labels) -> Labels {
    labels.remove("__name__");
    labels
}

fn is_comparison(op: TokenId) -> bool {
    matches!(
        op,
        token::T_EQLC | token::T_NEQ | token::T_LSS | token::T_LTE | token::T_GTR | token::T_GTE
    )
}

/// One operation on two numbers: arithmetic gives (result, true), a comparison (lhs, holds).
fn elem(op: TokenId, l: f64, r: f64) -> Result<(f64, bool), PromError> {
    Ok(match op {
        token::T_ADD => (l + r, true),
        token::T_SUB => (l - r, true),
        token::T_MUL => (l * r, true),
        token::T_DIV => (l / r, true),
        token::T_MOD => (l % r, true),
        token::T_POW => (l.powf(r), true),
        token::T_EQLC => (l, l == r),
        token::T_NEQ => (l, l != r),
        token::T_LSS => (l, l < r),
        token::T_LTE => (l, l <= r),
        token::T_GTR => (l, l > r),
        token::T_GTE => (l, l >= r),
        _ => {
            return Err(unsupported(&format!(
                "operator {}",
                token::TokenType::new(op)
            )));
        }
    })
}

fn vector_scalar(
    op: TokenId,
    v: Vec<(Labels, f64)>,
    s: f64,
    scalar_left: bool,
    want_bool: bool,
) -> Result<Vec<(Labels, f64)>, PromError> {
    let mut out = Vec::with_capacity(v.len());
    for (labels, x) in v {
        let (l, r) = if scalar_left { (s, x) } else { (x, s) };
        let (mut val, mut keep) = elem(op, l, r)?;
        if is_comparison(op) {
            // A comparison keeps the vector's value, whichever side it is on.
            val = x;
            if want_bool {
                val = f64::from(u8::from(keep));
                keep = true;
            }
        }
        if keep {
            let labels = if !is_comparison(op) || want_bool {
                drop_name(labels)
            } else {
                labels
            };
            out.push((labels, val));
        }
    }
    Ok(out)
}

/// The labels two sides are matched on.
fn signature(labels: &Labels, matching: Option<&LabelModifier>) -> Labels {
    match matching {
        Some(LabelModifier::Include(on)) => labels
            .iter()
            .filter(|(k, _)| on.labels.contains(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        Some(LabelModifier::Exclude(ignoring)) => labels
            .iter()
            .filter(|(k, _)| *k != "__name__" && !ignoring.labels.contains(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        None => drop_name(labels.clone()),
    }
}

/// Labels as Prometheus prints them in messages: `{a="b", c="d"}`.
fn show(labels: &Labels) -> String {
    let inner: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
    format!("{{{}}}", inner.join(", "))
}

fn vector_vector(
    op: TokenId,
    lhs: Vec<(Labels, f64)>,
    rhs: Vec<(Labels, f64)>,
    matching: Option<&LabelModifier>,
    want_bool: bool,
) -> Result<Vec<(Labels, f64)>, PromError> {
    let mut right: HashMap<Labels, (Labels, f64)> = HashMap::new();
    for (labels, x) in rhs {
        let sig = signature(&labels, matching);
        if let Some((other, _)) = right.get(&sig) {
            return Err(PromError::execution(format!(
                "found duplicate series for the match group {} on the right hand-side of the operation: [{}, {}];many-to-many matching not allowed: matching labels must be unique on one side",
                show(&sig),
                show(other),
                show(&labels)
            )));
        }
        right.insert(sig, (labels, x));
    }
    let mut matched: HashSet<Labels> = HashSet::new();
    let mut out = Vec::new();
    for (labels, l) in lhs {
        let sig = signature(&labels, matching);
        let Some((_, r)) = right.get(&sig) else {
            continue;
        };
        if !matched.insert(sig.clone()) {
            return Err(PromError::execution(format!(
                "found duplicate series for the match group {} on the left hand-side of the operation;many-to-many matching not allowed: matching labels must be unique on one side",
                show(&sig)
            )));
        }
        let (mut val, mut keep) = elem(op, l, *r)?;
        if want_bool {
            val = f64::from(u8::from(keep));
            keep = true;
        }
        if !keep {
            continue;
        }
        let mut result = if !is_comparison(op) || want_bool {
            drop_name(labels)
        } else {
            labels
        };
        match matching {
            Some(LabelModifier::Include(on)) => result.retain(|k, _| on.labels.contains(k)),
            Some(LabelModifier::Exclude(ignoring)) => {
                result.retain(|k, _| !ignoring.labels.contains(k))
            }
            None => {}
        }
        out.push((result, val));
    }
    Ok(out)
}

fn set_op(
    op: TokenId,
    lhs: Vec<(Labels, f64)>,
    rhs: Vec<(Labels, f64)>,
    matching: Option<&LabelModifier>,
) -> Vec<(Labels, f64)> {
    let right: HashSet<Labels> = rhs.iter().map(|(l, _)| signature(l, matching)).collect();
    match op {
        token::T_LAND => lhs
            .into_iter()
            .filter(|(l, _)| right.contains(&signature(l, matching)))
            .collect(),
        token::T_LUNLESS => lhs
            .into_iter()
            .filter(|(l, _)| !right.contains(&signature(l, matching)))
            .collect(),
        _ => {
            let left: HashSet<Labels> = lhs.iter().map(|(l, _)| signature(l, matching)).collect();
            let mut out = lhs;
            out.extend(
                rhs.into_iter()
                    .filter(|(l, _)| !left.contains(&signature(l, matching))),
            );
            out
        }
    }
}
