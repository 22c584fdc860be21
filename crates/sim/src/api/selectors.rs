//! Label and field selectors, parsed, matched and printed the way the API server does.

use std::fmt;

use serde_json::Value;

use super::super::resources::{ResId, ids};
use super::super::status::ApiError;

/// One label requirement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Requirement {
    /// `key=value` or `key==value`.
    Equals(String, String),
    /// `key!=value` (also true when the label is absent).
    NotEquals(String, String),
    /// `key in (a,b)`.
    In(String, Vec<String>),
    /// `key notin (a,b)` (also true when the label is absent).
    NotIn(String, Vec<String>),
    /// `key`.
    Exists(String),
    /// `!key`.
    NotExists(String),
}

/// A parsed label selector; empty matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct LabelSelector(Vec<Requirement>);

impl LabelSelector {
    /// Parses `labelSelector`; errors are 400s with a message naming the problem.
    pub(crate) fn parse(raw: &str) -> Result<Self, ApiError> {
        let mut reqs = Vec::new();
        for part in split_top_level(raw) {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            reqs.push(parse_requirement(part).map_err(|why| {
                ApiError::bad_request(format!(
                    "unable to parse requirement: {why} in label selector {raw:?}"
                ))
            })?);
        }
        Ok(Self(reqs))
    }

    /// Whether an object's labels satisfy every requirement.
    pub(crate) fn matches(&self, obj: &Value) -> bool {
        let labels = &obj["metadata"]["labels"];
        let get = |k: &str| labels.get(k).and_then(Value::as_str);
        self.0.iter().all(|r| match r {
            Requirement::Equals(k, v) => get(k) == Some(v.as_str()),
            Requirement::NotEquals(k, v) => get(k) != Some(v.as_str()),
            Requirement::In(k, vs) => get(k).is_some_and(|l| vs.iter().any(|v| v == l)),
            Requirement::NotIn(k, vs) => get(k).is_none_or(|l| vs.iter().all(|v| v != l)),
            Requirement::Exists(k) => get(k).is_some(),
            Requirement::NotExists(k) => get(k).is_none(),
        })
    }
}

/// A `LabelSelector` object (`matchLabels`, `matchExpressions`) in its string form, as
/// apimachinery's `LabelSelectorAsSelector(…).String()` gives it: what `status.selector`, the
/// `/scale` subresource and the SELECTOR columns carry. Empty for an empty or absent selector.
pub(crate) fn selector_string(sel: &Value) -> String {
    LabelSelector::from_object(sel).to_string()
}

impl LabelSelector {
    /// The requirements of a `LabelSelector` object, sorted by key as the API server keeps
    /// them. An expression with an unknown operator or an empty set is left out: the API
    /// server refuses to convert it (and validation keeps it out of built-in kinds).
    fn from_object(sel: &Value) -> Self {
        let labels = sel["matchLabels"].as_object().into_iter().flatten();
        let mut reqs: Vec<Requirement> = labels
            .map(|(k, v)| Requirement::Equals(k.clone(), v.as_str().unwrap_or_default().into()))
            .collect();
        for e in sel["matchExpressions"].as_array().into_iter().flatten() {
            let key = e["key"].as_str().unwrap_or_default().to_string();
            let values: Vec<String> = e["values"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect();
            reqs.push(match e["operator"].as_str().unwrap_or_default() {
                "In" if !values.is_empty() => Requirement::In(key, values),
                "NotIn" if !values.is_empty() => Requirement::NotIn(key, values),
                "Exists" => Requirement::Exists(key),
                "DoesNotExist" => Requirement::NotExists(key),
                _ => continue,
            });
        }
        // Stable, like Go's sort of so few requirements: equal keys keep their order.
        reqs.sort_by(|a, b| a.key().cmp(b.key()));
        Self(reqs)
    }
}

impl Requirement {
    fn key(&self) -> &str {
        match self {
            Self::Equals(k, _)
            | Self::NotEquals(k, _)
            | Self::In(k, _)
            | Self::NotIn(k, _)
            | Self::Exists(k)
            | Self::NotExists(k) => k,
        }
    }
}

/// Requirements joined by commas; set values sorted, as apimachinery prints them.
impl fmt::Display for LabelSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let set = |vs: &[String]| {
            let mut vs = vs.to_vec();
            vs.sort();
            vs.join(",")
        };
        for (i, r) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            match r {
                Requirement::Equals(k, v) => write!(f, "{k}={v}")?,
                Requirement::NotEquals(k, v) => write!(f, "{k}!={v}")?,
                Requirement::In(k, vs) => write!(f, "{k} in ({})", set(vs))?,
                Requirement::NotIn(k, vs) => write!(f, "{k} notin ({})", set(vs))?,
                Requirement::Exists(k) => f.write_str(k)?,
                Requirement::NotExists(k) => write!(f, "!{k}")?,
            }
        }
        Ok(())
    }
}

/// Splits on commas that are not inside `( … )`.
fn split_top_level(raw: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in raw.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&raw[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&raw[start..]);
    out
}

fn parse_requirement(part: &str) -> Result<Requirement, String> {
    if let Some(key) = part.strip_prefix('!') {
        return Ok(Requirement::NotExists(valid_key(key.trim())?));
    }
    if let Some((k, v)) = part.split_once("!=") {
        return Ok(Requirement::NotEquals(
            valid_key(k.trim())?,
            valid_value(v.trim())?,
        ));
    }
    if let Some((k, v)) = part.split_once("==").or_else(|| part.split_once('=')) {
        return Ok(Requirement::Equals(
            valid_key(k.trim())?,
            valid_value(v.trim())?,
        ));
    }
    let words: Vec<&str> = part.splitn(2, char::is_whitespace).collect();
    match words.as_slice() {
        [key] => Ok(Requirement::Exists(valid_key(key)?)),
        [key, rest] => {
            let rest = rest.trim_start();
            let (op, set) = if let Some(s) = rest.strip_prefix("notin") {
                ("notin", s)
            } else if let Some(s) = rest.strip_prefix("in") {
                ("in", s)
            } else {
                return Err(format!("found '{rest}', expected: in, notin, =, ==, !="));
            };
            let set = set.trim();
            let inner = set
                .strip_prefix('(')
                .and_then(|s| s.strip_suffix(')'))
                .ok_or_else(|| format!("found '{set}', expected: '('"))?;
            let values = inner
                .split(',')
                .map(|v| valid_value(v.trim()))
                .collect::<Result<Vec<_>, _>>()?;
            let key = valid_key(key)?;
            Ok(if op == "in" {
                Requirement::In(key, values)
            } else {
                Requirement::NotIn(key, values)
            })
        }
        _ => Err(format!("found '{part}', expected: identifier")),
    }
}

fn valid_key(key: &str) -> Result<String, String> {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    let name_ok = !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    let prefix_ok = prefix.is_none_or(|p| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-.".contains(c))
    });
    if name_ok && prefix_ok {
        Ok(key.to_string())
    } else {
        Err(format!("invalid label key \"{key}\""))
    }
}

fn valid_value(v: &str) -> Result<String, String> {
    let ok = v.is_empty()
        || (v.len() <= 63
            && v.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            && v.starts_with(|c: char| c.is_ascii_alphanumeric())
            && v.ends_with(|c: char| c.is_ascii_alphanumeric()));
    if ok {
        Ok(v.to_string())
    } else {
        Err(format!("invalid label value: \"{v}\""))
    }
}

/// A parsed field selector: `field=value`, `field==value`, `field!=value`, comma-separated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct FieldSelector(Vec<(String, bool, String)>);

impl FieldSelector {
    /// Parses `fieldSelector` for a kind; fields the real server does not index are 400s.
    pub(crate) fn parse(raw: &str, res: ResId) -> Result<Self, ApiError> {
        let mut terms = Vec::new();
        for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (field, equal, value) = if let Some((f, v)) = part.split_once("!=") {
                (f, false, v)
            } else if let Some((f, v)) = part.split_once("==").or_else(|| part.split_once('=')) {
                (f, true, v)
            } else {
                return Err(ApiError::bad_request(format!(
                    "invalid selector: '{raw}'; can't understand '{part}'"
                )));
            };
            let field = field.trim();
            if !supported_field(res, field) {
                return Err(ApiError::bad_request(format!(
                    "\"{field}\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\""
                )));
            }
            terms.push((field.to_string(), equal, value.trim().to_string()));
        }
        Ok(Self(terms))
    }

    /// Whether an object satisfies every term; an absent field reads as the empty string.
    pub(crate) fn matches(&self, obj: &Value) -> bool {
        self.0.iter().all(|(field, equal, want)| {
            let got = field_value(obj, field);
            (got == *want) == *equal
        })
    }
}

/// The fields each kind can be selected by (the real server's field label conversions).
fn supported_field(res: ResId, field: &str) -> bool {
    if matches!(field, "metadata.name" | "metadata.namespace") {
        return true;
    }
    let extra: &[&str] = match res {
        r if r == ids::PODS => &[
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.hostNetwork",
            "status.phase",
            "status.podIP",
            "status.nominatedNodeName",
        ],
        r if r == ids::EVENTS => &[
            "involvedObject.kind",
            "involvedObject.namespace",
            "involvedObject.name",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "source",
            "type",
        ],
        r if r == ids::NAMESPACES => &["status.phase"],
        r if r == ids::NODES => &["spec.unschedulable"],
        r if r == ids::REPLICASETS => &["status.replicas"],
        _ => &[],
    };
    extra.contains(&field)
}

fn field_value(obj: &Value, field: &str) -> String {
    if field == "source" {
        return obj["source"]["component"]
            .as_str()
            .unwrap_or_default()
            .to_string();
    }
    let mut cur = obj;
    for part in field.split('.') {
        cur = &cur[part];
    }
    match cur {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn obj(labels: Value) -> Value {
        json!({"metadata": {"name": "web-1", "namespace": "shop", "labels": labels}})
    }

    #[test]
    fn label_operators() {
        let o = obj(json!({"app": "web", "tier": "front"}));
        let yes = [
            "",
            "app=web",
            "app==web",
            "app!=api",
            "missing!=x",
            "app in (api,web)",
            "tier notin (back)",
            "missing notin (x)",
            "app",
            "!missing",
            "app=web,tier in (front, back)",
        ];
        for s in yes {
            assert!(
                LabelSelector::parse(s).map(|l| l.matches(&o)) == Ok(true),
                "{s}"
            );
        }
        let no = [
            "app=api",
            "app!=web",
            "app in (api)",
            "app notin (web)",
            "missing",
            "!app",
        ];
        for s in no {
            assert!(
                LabelSelector::parse(s).map(|l| l.matches(&o)) == Ok(false),
                "{s}"
            );
        }
    }

    #[test]
    fn selector_objects_print_as_the_api_server_does() {
        let sel = json!({"matchLabels": {"tier": "web", "app": "shop"}, "matchExpressions": [
            {"key": "track", "operator": "NotIn", "values": ["canary"]},
            {"key": "env", "operator": "In", "values": ["prod", "eu"]},
            {"key": "zone", "operator": "Exists"},
            {"key": "debug", "operator": "DoesNotExist"},
            {"key": "bad", "operator": "Gt", "values": ["1"]}]});
        assert_eq!(
            selector_string(&sel),
            "app=shop,!debug,env in (eu,prod),tier=web,track notin (canary),zone"
        );
        assert_eq!(
            selector_string(&json!({"matchLabels": {"app": "web"}})),
            "app=web"
        );
        assert_eq!(selector_string(&json!({})), "");
        assert_eq!(selector_string(&Value::Null), "");
        // What it prints, the API server parses back to the same requirements.
        let back = LabelSelector::parse(&selector_string(&sel)).map(|l| l.to_string());
        assert_eq!(back, Ok(selector_string(&sel)));
    }

    #[test]
    fn bad_label_selectors_are_400() {
        for s in [
            "app=we b",
            "app in web",
            "=x",
            "a b c",
            "app in (x",
            "-bad=1",
        ] {
            let err = LabelSelector::parse(s).err().map(|e| e.code);
            assert_eq!(err, Some(400), "{s}");
        }
    }

    #[test]
    fn field_selectors_by_kind() {
        let o = obj(json!({}));
        let fs = FieldSelector::parse("metadata.name=web-1,metadata.namespace!=other", ids::PODS);
        assert_eq!(fs.map(|f| f.matches(&o)), Ok(true));
        let fs = FieldSelector::parse("metadata.name==web-2", ids::PODS);
        assert_eq!(fs.map(|f| f.matches(&o)), Ok(false));
        let ev = json!({"metadata": {"name": "e"}, "involvedObject": {"kind": "Pod", "name": "web-1", "uid": "u1"}});
        let fs = FieldSelector::parse(
            "involvedObject.name=web-1,involvedObject.kind=Pod,involvedObject.uid=u1",
            ids::EVENTS,
        );
        assert_eq!(fs.map(|f| f.matches(&ev)), Ok(true));
        assert!(FieldSelector::parse("involvedObject.name=x", ids::PODS).is_err());
        assert!(FieldSelector::parse("metadata.name", ids::PODS).is_err());
        let pod = json!({"spec": {"nodeName": "n1"}, "status": {"phase": "Running"}});
        let fs = FieldSelector::parse("spec.nodeName=n1,status.phase!=Succeeded", ids::PODS);
        assert_eq!(fs.map(|f| f.matches(&pod)), Ok(true));
    }
}
