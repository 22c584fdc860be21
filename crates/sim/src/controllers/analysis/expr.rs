//! The subset of expr-lang (github.com/expr-lang/expr) that Argo's success and failure
//! conditions are written in: `result[0] < 0.01`, `all(result, # < 0.05)`, `any`, `none`,
//! `len`, `isNaN`, `isInf`, `default`, `&&`/`and`, `||`/`or`, `!`/`not`, comparisons,
//! arithmetic and parentheses. No maintained Rust crate evaluates expr-lang, so this is a small
//! tokenizer and precedence-climbing parser; semantics follow expr-lang (an index out of range
//! is an error, NaN compares false).

use std::fmt;

/// A value an expression works on.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val {
    /// `nil`.
    Nil,
    /// A boolean.
    Bool(bool),
    /// A number (expr-lang's ints and floats alike).
    Num(f64),
    /// A string.
    Str(String),
    /// An array.
    List(Vec<Val>),
}

impl fmt::Display for Val {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Val::Nil => write!(f, "nil"),
            Val::Bool(b) => write!(f, "{b}"),
            Val::Num(n) => write!(f, "{n}"),
            Val::Str(s) => write!(f, "{s:?}"),
            Val::List(l) => {
                let parts: Vec<String> = l.iter().map(ToString::to_string).collect();
                write!(f, "[{}]", parts.join(" "))
            }
        }
    }
}

impl Val {
    fn kind(&self) -> &'static str {
        match self {
            Val::Nil => "nil",
            Val::Bool(_) => "bool",
            Val::Num(_) => "float64",
            Val::Str(_) => "string",
            Val::List(_) => "[]interface {}",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Str(String),
    Ident(String),
    Op(&'static str),
}

const OPS: [&str; 22] = [
    "&&", "||", "==", "!=", "<=", ">=", "**", "<", ">", "+", "-", "*", "/", "%", "!", "(", ")",
    "[", "]", ",", "#", "{",
];

fn tokenize(src: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit()
            || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric()
                    || chars[i] == '.'
                    || chars[i] == '_'
                    || ((chars[i] == '-' || chars[i] == '+') && matches!(chars[i - 1], 'e' | 'E')))
            {
                i += 1;
            }
            let text: String = chars[start..i].iter().filter(|c| **c != '_').collect();
            let n = text
                .parse::<f64>()
                .map_err(|_| format!("invalid number {text:?}"))?;
            out.push(Tok::Num(n));
        } else if c.is_alphabetic() || c == '_' || c == '$' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
            {
                i += 1;
            }
            out.push(Tok::Ident(chars[start..i].iter().collect()));
        } else if c == '"' || c == '\'' {
            let mut s = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err("literal not terminated".into()),
                    Some(&q) if q == c => break,
                    Some('\\') => {
                        i += 1;
                        s.push(*chars.get(i).ok_or("literal not terminated")?);
                    }
                    Some(&ch) => s.push(ch),
                }
                i += 1;
            }
            i += 1;
            out.push(Tok::Str(s));
        } else if c == '}' {
            out.push(Tok::Op("}"));
            i += 1;
        } else {
            let rest: String = chars[i..chars.len().min(i + 2)].iter().collect();
            let op = OPS
                .iter()
                .find(|o| rest.starts_with(**o))
                .ok_or_else(|| format!("unexpected token {c:?}"))?;
            out.push(Tok::Op(op));
            i += op.len();
        }
    }
    Ok(out)
}

#[derive(Debug, Clone)]
enum Node {
    Lit(Val),
    Var(String),
    Pointer,
    Unary(&'static str, Box<Node>),
    Binary(&'static str, Box<Node>, Box<Node>),
    Index(Box<Node>, Box<Node>),
    Call(String, Vec<Node>),
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

/// Binary operators by precedence (expr-lang's table) and their canonical spelling.
fn binary(tok: &Tok) -> Option<(&'static str, u8)> {
    match tok {
        Tok::Op("||") => Some(("||", 10)),
        Tok::Ident(s) if s == "or" => Some(("||", 10)),
        Tok::Op("&&") => Some(("&&", 15)),
        Tok::Ident(s) if s == "and" => Some(("&&", 15)),
        Tok::Op(o @ ("==" | "!=" | "<" | ">" | "<=" | ">=")) => Some((o, 20)),
        Tok::Op(o @ ("+" | "-")) => Some((o, 30)),
        Tok::Op(o @ ("*" | "/" | "%")) => Some((o, 60)),
        Tok::Op("**") => Some(("**", 100)),
        _ => None,
    }
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn expect(&mut self, op: &str) -> Result<(), String> {
        match self.next() {
            Some(Tok::Op(o)) if o == op => Ok(()),
            other => Err(format!("expected {op:?}, found {other:?}")),
        }
    }

    fn expr(&mut self, min: u8) -> Result<Node, String> {
        let mut lhs = self.unary()?;
        while let Some((op, prec)) = self.peek().and_then(binary) {
            if prec < min {
                break;
            }
            self.pos += 1;
            // `**` is right-associative; everything else binds left.
            let next = if op == "**" { prec } else { prec + 1 };
            let rhs = self.expr(next)?;
            lhs = Node::Binary(op, Box::new(lhs), Box::new(rhs));
        }
        Ok(lhs)
    }

    fn unary(&mut self) -> Result<Node, String> {
        match self.peek() {
            Some(Tok::Op("!")) => {
                self.pos += 1;
                Ok(Node::Unary("!", Box::new(self.expr(50)?)))
            }
            Some(Tok::Ident(s)) if s == "not" => {
                self.pos += 1;
                Ok(Node::Unary("!", Box::new(self.expr(50)?)))
            }
            Some(Tok::Op("-")) => {
                self.pos += 1;
                Ok(Node::Unary("-", Box::new(self.expr(90)?)))
            }
            Some(Tok::Op("+")) => {
                self.pos += 1;
                self.expr(90)
            }
            _ => self.postfix(),
        }
    }

    fn postfix(&mut self) -> Result<Node, String> {
        let mut node = self.primary()?;
        while self.peek() == Some(&Tok::Op("[")) {
            self.pos += 1;
            let idx = self.expr(0)?;
            self.expect("]")?;
            node = Node::Index(Box::new(node), Box::new(idx));
        }
        Ok(node)
    }

    fn primary(&mut self) -> Result<Node, String> {
        match self.next() {
            Some(Tok::Num(n)) => Ok(Node::Lit(Val::Num(n))),
            Some(Tok::Str(s)) => Ok(Node::Lit(Val::Str(s))),
            Some(Tok::Op("#")) => Ok(Node::Pointer),
            Some(Tok::Op("(")) => {
                let e = self.expr(0)?;
                self.expect(")")?;
                Ok(e)
            }
            // An old-style predicate block: `{# < 0.05}`.
            Some(Tok::Op("{")) => {
                let e = self.expr(0)?;
                self.expect("}")?;
                Ok(e)
            }
            Some(Tok::Ident(name)) => match name.as_str() {
                "true" => Ok(Node::Lit(Val::Bool(true))),
                "false" => Ok(Node::Lit(Val::Bool(false))),
                "nil" => Ok(Node::Lit(Val::Nil)),
                _ if self.peek() == Some(&Tok::Op("(")) => {
                    self.pos += 1;
                    let mut args = Vec::new();
                    if self.peek() != Some(&Tok::Op(")")) {
                        loop {
                            args.push(self.expr(0)?);
                            if self.peek() == Some(&Tok::Op(",")) {
                                self.pos += 1;
                            } else {
                                break;
                            }
                        }
                    }
                    self.expect(")")?;
                    Ok(Node::Call(name, args))
                }
                _ => Ok(Node::Var(name)),
            },
            other => Err(format!("unexpected token {other:?}")),
        }
    }
}

/// A parsed condition.
#[derive(Debug, Clone)]
pub(crate) struct Expr(Node);

impl Expr {
    /// Parses an expression.
    pub(crate) fn parse(src: &str) -> Result<Self, String> {
        let mut p = Parser {
            toks: tokenize(src)?,
            pos: 0,
        };
        let node = p.expr(0)?;
        if let Some(t) = p.peek() {
            return Err(format!("unexpected token {t:?}"));
        }
        Ok(Self(node))
    }

    /// Evaluates it with `result` bound.
    pub(crate) fn eval(&self, result: &Val) -> Result<Val, String> {
        eval(&self.0, result, None)
    }
}

/// Evaluates a condition that must give a bool, as Argo's `EvalCondition` does.
pub(crate) fn condition(src: &str, result: &Val) -> Result<bool, String> {
    match Expr::parse(src)?.eval(result)? {
        Val::Bool(b) => Ok(b),
        other => Err(format!("expected bool, but got {}", other.kind())),
    }
}

fn num(v: &Val, what: &str) -> Result<f64, String> {
    match v {
        Val::Num(n) => Ok(*n),
        other => Err(format!("invalid operation: {what} ({})", other.kind())),
    }
}

fn list<'a>(v: &'a Val, f: &str) -> Result<&'a [Val], String> {
    match v {
        Val::List(l) => Ok(l),
        other => Err(format!("cannot use {} as array in {f}", other.kind())),
    }
}

fn eval(n: &Node, result: &Val, ptr: Option<&Val>) -> Result<Val, String> {
    match n {
        Node::Lit(v) => Ok(v.clone()),
        Node::Var(name) if name == "result" => Ok(result.clone()),
        Node::Var(name) => Err(format!("unknown name {name}")),
        Node::Pointer => ptr
            .cloned()
            .ok_or_else(|| "# used outside a predicate".into()),
        Node::Unary("!", e) => match eval(e, result, ptr)? {
            Val::Bool(b) => Ok(Val::Bool(!b)),
            other => Err(format!("invalid operation: ! ({})", other.kind())),
        },
        Node::Unary(_, e) => Ok(Val::Num(-num(&eval(e, result, ptr)?, "-")?)),
        Node::Binary(op @ ("&&" | "||"), l, r) => {
            let lhs = match eval(l, result, ptr)? {
                Val::Bool(b) => b,
                other => return Err(format!("invalid operation: {op} ({})", other.kind())),
            };
            if (*op == "&&") != lhs {
                return Ok(Val::Bool(lhs));
            }
            match eval(r, result, ptr)? {
                Val::Bool(b) => Ok(Val::Bool(b)),
                other => Err(format!("invalid operation: {op} ({})", other.kind())),
            }
        }
        Node::Binary(op, l, r) => {
            let (a, b) = (eval(l, result, ptr)?, eval(r, result, ptr)?);
            binop(op, &a, &b)
        }
        Node::Index(base, idx) => {
            let b = eval(base, result, ptr)?;
            let i = num(&eval(idx, result, ptr)?, "index")?;
            let l = list(&b, "index")?;
            let at = if i < 0.0 { l.len() as f64 + i } else { i };
            if at < 0.0 || at.fract() != 0.0 || at as usize >= l.len() {
                return Err(format!(
                    "index out of range: {i} (array length is {})",
                    l.len()
                ));
            }
            Ok(l[at as usize].clone())
        }
        Node::Call(f, args) => call(f, args, result, ptr),
    }
}

fn binop(op: &str, a: &Val, b: &Val) -> Result<Val, String> {
    match op {
        "==" => return Ok(Val::Bool(a == b)),
        "!=" => return Ok(Val::Bool(a != b)),
        _ => {}
    }
    if let (Val::Str(x), Val::Str(y)) = (a, b) {
        return match op {
            "+" => Ok(Val::Str(format!("{x}{y}"))),
            "<" => Ok(Val::Bool(x < y)),
            ">" => Ok(Val::Bool(x > y)),
            "<=" => Ok(Val::Bool(x <= y)),
            ">=" => Ok(Val::Bool(x >= y)),
            _ => Err(format!("invalid operation: string {op} string")),
        };
    }
    let (Val::Num(x), Val::Num(y)) = (a, b) else {
        return Err(format!("invalid operation: {} {op} {}", a.kind(), b.kind()));
    };
    let (x, y) = (*x, *y);
    Ok(match op {
        "<" => Val::Bool(x < y),
        ">" => Val::Bool(x > y),
        "<=" => Val::Bool(x <= y),
        ">=" => Val::Bool(x >= y),
        "+" => Val::Num(x + y),
        "-" => Val::Num(x - y),
        "*" => Val::Num(x * y),
        "/" => Val::Num(x / y),
        "%" => Val::Num(x % y),
        _ => Val::Num(x.powf(y)),
    })
}

fn call(f: &str, args: &[Node], result: &Val, ptr: Option<&Val>) -> Result<Val, String> {
    let arity = |n: usize| {
        if args.len() == n {
            Ok(())
        } else {
            Err(format!(
                "invalid number of arguments for {f} (expected {n}, got {})",
                args.len()
            ))
        }
    };
    let arg = |i: usize| eval(&args[i], result, ptr);
    match f {
        "all" | "any" | "none" | "one" | "filter" | "count" => {
            arity(2)?;
            let base = arg(0)?;
            let items = list(&base, f)?;
            let mut hits = Vec::new();
            for item in items {
                match eval(&args[1], result, Some(item))? {
                    Val::Bool(true) => hits.push(item.clone()),
                    Val::Bool(false) => {}
                    other => {
                        return Err(format!("predicate must return bool, got {}", other.kind()));
                    }
                }
            }
            let n = hits.len();
            Ok(match f {
                "all" => Val::Bool(n == items.len()),
                "any" => Val::Bool(n > 0),
                "none" => Val::Bool(n == 0),
                "one" => Val::Bool(n == 1),
                "count" => Val::Num(n as f64),
                _ => Val::List(hits),
            })
        }
        "len" => {
            arity(1)?;
            match arg(0)? {
                Val::List(l) => Ok(Val::Num(l.len() as f64)),
                Val::Str(s) => Ok(Val::Num(s.chars().count() as f64)),
                other => Err(format!("invalid argument for len (type {})", other.kind())),
            }
        }
        "isNaN" => {
            arity(1)?;
            Ok(Val::Bool(num(&arg(0)?, f)?.is_nan()))
        }
        "isInf" => {
            arity(1)?;
            Ok(Val::Bool(num(&arg(0)?, f)?.is_infinite()))
        }
        "default" => {
            arity(2)?;
            match arg(0)? {
                Val::Nil => arg(1),
                v => Ok(v),
            }
        }
        "abs" => {
            arity(1)?;
            Ok(Val::Num(num(&arg(0)?, f)?.abs()))
        }
        "float" | "asFloat" | "int" | "asInt" => {
            arity(1)?;
            let v = match arg(0)? {
                Val::Num(n) => n,
                Val::Str(s) => s.trim().parse::<f64>().map_err(|e| format!("{f}: {e}"))?,
                other => return Err(format!("invalid argument for {f} (type {})", other.kind())),
            };
            Ok(Val::Num(if f.ends_with("nt") { v.trunc() } else { v }))
        }
        "max" | "min" => {
            let mut best: Option<f64> = None;
            for i in 0..args.len() {
                let v = num(&arg(i)?, f)?;
                best = Some(match best {
                    None => v,
                    Some(b) if f == "max" => b.max(v),
                    Some(b) => b.min(v),
                });
            }
            best.map(Val::Num)
                .ok_or_else(|| format!("not enough arguments to call {f}"))
        }
        _ => Err(format!("unknown func {f}")),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn v(xs: &[f64]) -> Val {
        Val::List(xs.iter().map(|x| Val::Num(*x)).collect())
    }

    fn ok(src: &str, r: &Val) -> bool {
        condition(src, r).unwrap_or_else(|e| panic!("{src}: {e}"))
    }

    #[test]
    fn indexes_and_compares() {
        assert!(ok("result[0] < 0.01", &v(&[0.004])));
        assert!(!ok("result[0] < 0.01", &v(&[0.02])));
        assert!(ok("result[1] >= 2", &v(&[1.0, 2.0])));
        assert!(ok("result[-1] == 2", &v(&[1.0, 2.0])));
        assert!(ok("result <= 0.5", &Val::Num(0.5)));
        assert!(ok("result != 1", &Val::Num(0.5)));
    }

    #[test]
    fn predicates_over_the_samples() {
        assert!(ok("all(result, # < 0.05)", &v(&[0.01, 0.04])));
        assert!(!ok("all(result, # < 0.05)", &v(&[0.01, 0.06])));
        assert!(ok("all(result, {# < 0.05})", &v(&[])));
        assert!(ok("any(result, # > 0.05)", &v(&[0.01, 0.06])));
        assert!(!ok("any(result, # > 0.05)", &v(&[])));
        assert!(ok("none(result, # > 1)", &v(&[0.5])));
    }

    #[test]
    fn logic_short_circuits_around_an_empty_result() {
        let src = "len(result) == 0 || result[0] < 0.01";
        assert!(ok(src, &v(&[])));
        assert!(ok(src, &v(&[0.001])));
        assert!(!ok(src, &v(&[0.1])));
        assert!(ok(
            "len(result) > 0 and result[0] > 0 and not (result[0] > 1)",
            &v(&[0.5])
        ));
        assert!(ok("!(result[0] > 1) && true", &v(&[0.5])));
        assert!(ok("false or result[0] > 0", &v(&[0.5])));
    }

    #[test]
    fn nan_and_inf_compare_false_and_are_testable() {
        let nan = v(&[f64::NAN]);
        assert!(!ok("result[0] < 0.01", &nan));
        assert!(!ok("result[0] >= 0.01", &nan));
        assert!(ok("isNaN(result[0])", &nan));
        assert!(ok("isNaN(result[0]) || result[0] < 1", &nan));
        assert!(ok("isInf(result[0])", &v(&[f64::INFINITY])));
        assert!(!ok("isInf(result[0])", &v(&[1.0])));
    }

    #[test]
    fn arithmetic_follows_precedence() {
        assert!(ok("1 + 2 * 3 == 7", &Val::Nil));
        assert!(ok("(1 + 2) * 3 == 9", &Val::Nil));
        assert!(ok("2 ** 3 ** 2 == 512", &Val::Nil));
        assert!(ok("-result[0] * 100 < -1", &v(&[0.05])));
        assert!(ok("result[0] * 100 - 4 < 1.5e0", &v(&[0.05])));
        assert!(ok("7 % 4 == 3 && 10 / 4 == 2.5", &Val::Nil));
    }

    #[test]
    fn default_replaces_nil() {
        assert!(ok("default(nil, 0) == 0", &Val::Nil));
        assert!(ok("default(result[0], 0) < 1", &v(&[0.5])));
    }

    #[test]
    fn errors_are_reported_not_guessed() {
        assert!(
            condition("result[0] < 0.01", &v(&[]))
                .unwrap_err()
                .contains("index out of range")
        );
        assert!(
            condition("result[0]", &v(&[1.0]))
                .unwrap_err()
                .contains("expected bool")
        );
        assert!(condition("result[0] <", &v(&[1.0])).is_err());
        assert!(condition("nope(result)", &v(&[1.0])).is_err());
        assert!(condition("result[0] < \"a\"", &v(&[1.0])).is_err());
        assert!(condition("(result[0] < 1", &v(&[1.0])).is_err());
    }
}
