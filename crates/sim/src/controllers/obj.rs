//! Small helpers over the JSON objects controllers read and write: typed getters, owner
//! references, int-or-percent values, conditions and the pod-template hash.

use serde_json::{Map, Value, json};

use crate::rng::hash_str;
use crate::world::{fmt_time, parse_time};

/// The string at a JSON pointer, or "".
pub(crate) fn str_at<'a>(v: &'a Value, ptr: &str) -> &'a str {
    v.pointer(ptr).and_then(Value::as_str).unwrap_or_default()
}

/// The integer at a JSON pointer, or `default`.
pub(crate) fn int_at(v: &Value, ptr: &str, default: i64) -> i64 {
    v.pointer(ptr).and_then(Value::as_i64).unwrap_or(default)
}

/// The boolean at a JSON pointer, or false.
pub(crate) fn bool_at(v: &Value, ptr: &str) -> bool {
    v.pointer(ptr).and_then(Value::as_bool).unwrap_or(false)
}

/// `metadata.name`.
pub(crate) fn name(v: &Value) -> &str {
    str_at(v, "/metadata/name")
}

/// `metadata.namespace`.
pub(crate) fn namespace(v: &Value) -> &str {
    str_at(v, "/metadata/namespace")
}

/// `metadata.uid`.
pub(crate) fn uid(v: &Value) -> &str {
    str_at(v, "/metadata/uid")
}

/// An annotation, or "".
pub(crate) fn annotation<'a>(v: &'a Value, key: &str) -> &'a str {
    v["metadata"]["annotations"][key]
        .as_str()
        .unwrap_or_default()
}

/// A label, or "".
pub(crate) fn label<'a>(v: &'a Value, key: &str) -> &'a str {
    v["metadata"]["labels"][key].as_str().unwrap_or_default()
}

/// Sets an annotation, creating the map when needed.
pub(crate) fn set_annotation(v: &mut Value, key: &str, value: impl Into<String>) {
    if !v["metadata"]["annotations"].is_object() {
        v["metadata"]["annotations"] = json!({});
    }
    v["metadata"]["annotations"][key] = Value::String(value.into());
}

/// Removes an annotation, if set.
pub(crate) fn remove_annotation(v: &mut Value, key: &str) {
    if let Some(m) = v["metadata"]["annotations"].as_object_mut() {
        m.remove(key);
    }
}

/// The uid of the controller owner, if any.
pub(crate) fn controller_uid(v: &Value) -> Option<&str> {
    v["metadata"]["ownerReferences"]
        .as_array()?
        .iter()
        .find(|r| r["controller"].as_bool() == Some(true))
        .and_then(|r| r["uid"].as_str())
}

/// A controller ownerReference pointing at `owner`.
pub(crate) fn owner_ref(owner: &Value) -> Value {
    json!({
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": name(owner),
        "uid": uid(owner),
        "controller": true,
        "blockOwnerDeletion": true,
    })
}

/// Resolves an int-or-percent field against `total`; percentages round up or down like the
/// real controllers (surge up, unavailable down).
pub(crate) fn int_or_percent(
    v: Option<&Value>,
    total: i64,
    round_up: bool,
    default_pct: i64,
) -> i64 {
    let pct = |p: i64| {
        let scaled = p * total;
        if round_up {
            (scaled + 99) / 100
        } else {
            scaled / 100
        }
    };
    match v {
        Some(Value::Number(n)) => n.as_i64().unwrap_or(0).max(0),
        Some(Value::String(s)) => match s.strip_suffix('%') {
            Some(p) => pct(p.trim().parse().unwrap_or(default_pct)),
            None => s.parse().unwrap_or(0),
        },
        _ => pct(default_pct),
    }
}

/// The hash Kubernetes and Argo put in `pod-template-hash`: a 32-bit hash of the template,
/// written with the same consonant-and-digit alphabet (`7d4b9c8f6d`). Nulls and empty values are
/// ignored so a template sent back by `rollout undo` (which carries `creationTimestamp: null`
/// and `resources: {}`) hashes like the one it came from.
pub(crate) fn template_hash(template: &Value) -> String {
    let mut canon = String::new();
    canonical(template, &mut canon);
    let h = hash_str(&canon);
    safe_encode(&((h ^ (h >> 32)) as u32).to_string())
}

/// Kubernetes' `rand.SafeEncodeString`: maps each byte onto an alphabet without vowels.
pub(crate) fn safe_encode(s: &str) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    s.bytes()
        .map(|b| ALPHABET[b as usize % ALPHABET.len()] as char)
        .collect()
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Object(m) => m.values().all(is_empty),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

fn canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m
                .iter()
                .filter(|(_, v)| !is_empty(v))
                .map(|(k, _)| k)
                .collect();
            keys.sort();
            out.push('{');
            for k in keys {
                out.push_str(k);
                out.push(':');
                canonical(&m[k], out);
                out.push(',');
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for x in a {
                canonical(x, out);
                out.push(',');
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// Sets a condition of `type` in `status.conditions`. Keeps `lastTransitionTime` while the
/// status is unchanged and `lastUpdateTime` while nothing changed at all, like the controllers'
/// `SetCondition` helpers; `touch` forces a new `lastUpdateTime` (progress was made).
pub(crate) fn set_condition(
    status: &mut Value,
    kind: &str,
    cond_status: &str,
    reason: &str,
    message: &str,
    now_ms: i64,
    touch: bool,
) {
    if !status["conditions"].is_array() {
        status["conditions"] = json!([]);
    }
    let now = fmt_time(now_ms);
    let Some(conds) = status["conditions"].as_array_mut() else {
        return;
    };
    let mut new = Map::new();
    new.insert("type".into(), json!(kind));
    new.insert("status".into(), json!(cond_status));
    new.insert("reason".into(), json!(reason));
    new.insert("message".into(), json!(message));
    new.insert("lastUpdateTime".into(), json!(now));
    new.insert("lastTransitionTime".into(), json!(now));
    if let Some(old) = conds.iter_mut().find(|c| c["type"] == kind) {
        let same_status = old["status"] == cond_status;
        let same = same_status && old["reason"] == reason && old["message"] == message;
        if same && !touch {
            return;
        }
        if same_status {
            new.insert(
                "lastTransitionTime".into(),
                old["lastTransitionTime"].clone(),
            );
        }
        *old = Value::Object(new);
    } else {
        conds.push(Value::Object(new));
    }
}

/// A condition of `type`, if present.
pub(crate) fn condition<'a>(status: &'a Value, kind: &str) -> Option<&'a Value> {
    status["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == kind)
}

/// A time field of a condition in Unix milliseconds.
pub(crate) fn condition_time(status: &Value, kind: &str, field: &str) -> Option<i64> {
    condition(status, kind).and_then(|c| parse_time(c[field].as_str()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_rounding_follows_the_controllers() {
        assert_eq!(int_or_percent(Some(&json!("25%")), 3, true, 25), 1);
        assert_eq!(int_or_percent(Some(&json!("25%")), 3, false, 25), 0);
        assert_eq!(int_or_percent(None, 10, true, 25), 3);
        assert_eq!(int_or_percent(Some(&json!(2)), 10, true, 25), 2);
    }

    #[test]
    fn template_hash_ignores_nulls_and_empties() {
        let a = json!({"metadata": {"labels": {"app": "x"}}, "spec": {"containers": [{"name": "c", "image": "i:1"}]}});
        let b = json!({"metadata": {"labels": {"app": "x"}, "creationTimestamp": null},
            "spec": {"containers": [{"name": "c", "image": "i:1", "resources": {}}]}});
        let c = json!({"metadata": {"labels": {"app": "x"}}, "spec": {"containers": [{"name": "c", "image": "i:2"}]}});
        assert_eq!(template_hash(&a), template_hash(&b));
        assert_ne!(template_hash(&a), template_hash(&c));
        assert!(template_hash(&a).len() >= 8);
    }
}
