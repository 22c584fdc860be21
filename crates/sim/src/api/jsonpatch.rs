//! RFC 6902 JSON Patch (`application/json-patch+json`) with RFC 6901 pointers.

use serde_json::Value;

/// Why a patch could not be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PatchError(pub String);

/// Applies a JSON Patch document (an array of operations) to `doc`.
pub(crate) fn apply(doc: &Value, ops: &Value) -> Result<Value, PatchError> {
    let ops = ops
        .as_array()
        .ok_or_else(|| PatchError("a JSON patch must be an array of operations".into()))?;
    let mut doc = doc.clone();
    for op in ops {
        let kind = op["op"]
            .as_str()
            .ok_or_else(|| PatchError("operation has no \"op\"".into()))?;
        let path = op["path"]
            .as_str()
            .ok_or_else(|| PatchError(format!("operation {kind:?} has no \"path\"")))?;
        let value = || {
            op.get("value")
                .cloned()
                .ok_or_else(|| PatchError(format!("operation {kind:?} has no \"value\"")))
        };
        let from = || {
            op["from"]
                .as_str()
                .ok_or_else(|| PatchError(format!("operation {kind:?} has no \"from\"")))
        };
        match kind {
            "add" => add(&mut doc, path, value()?)?,
            "remove" => {
                remove(&mut doc, path)?;
            }
            "replace" => {
                let slot = lookup_mut(&mut doc, path)?;
                *slot = value()?;
            }
            "move" => {
                let from = from()?;
                if path.starts_with(&format!("{from}/")) {
                    return Err(PatchError(format!(
                        "cannot move {from} into its own child {path}"
                    )));
                }
                let v = remove(&mut doc, from)?;
                add(&mut doc, path, v)?;
            }
            "copy" => {
                let v = lookup_mut(&mut doc, from()?)?.clone();
                add(&mut doc, path, v)?;
            }
            "test" => {
                let want = value()?;
                if *lookup_mut(&mut doc, path)? != want {
                    return Err(PatchError(format!("testing value {path} failed")));
                }
            }
            other => {
                return Err(PatchError(format!(
                    "unexpected kind of operation: {other:?}"
                )));
            }
        }
    }
    Ok(doc)
}

/// Splits a pointer into unescaped tokens (`~1` is `/`, `~0` is `~`).
fn tokens(path: &str) -> Result<Vec<String>, PatchError> {
    if path.is_empty() {
        return Ok(Vec::new());
    }
    let rest = path
        .strip_prefix('/')
        .ok_or_else(|| PatchError(format!("invalid JSON pointer {path:?}")))?;
    Ok(rest
        .split('/')
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect())
}

fn index(token: &str, len: usize, allow_end: bool) -> Result<usize, PatchError> {
    if allow_end && token == "-" {
        return Ok(len);
    }
    let valid = !token.is_empty()
        && token.bytes().all(|b| b.is_ascii_digit())
        && (token == "0" || !token.starts_with('0'));
    let i: usize = if valid {
        token
            .parse()
            .map_err(|_| PatchError(format!("invalid index {token:?}")))?
    } else {
        return Err(PatchError(format!("invalid array index {token:?}")));
    };
    if i > len || (!allow_end && i == len) {
        return Err(PatchError(format!("array index {i} out of bounds")));
    }
    Ok(i)
}

fn lookup_mut<'a>(doc: &'a mut Value, path: &str) -> Result<&'a mut Value, PatchError> {
    let mut cur = doc;
    for t in tokens(path)? {
        cur = match cur {
            Value::Object(m) => m
                .get_mut(&t)
                .ok_or_else(|| PatchError(format!("path {path} does not exist")))?,
            Value::Array(a) => {
                let i = index(&t, a.len(), false)?;
                &mut a[i]
            }
            _ => return Err(PatchError(format!("path {path} does not exist"))),
        };
    }
    Ok(cur)
}

fn parent_and_last(path: &str) -> Result<(String, String), PatchError> {
    let toks = tokens(path)?;
    let last = toks
        .last()
        .cloned()
        .ok_or_else(|| PatchError("the whole document cannot be the target".into()))?;
    let cut = path.rfind('/').unwrap_or(0);
    Ok((path[..cut].to_string(), last))
}

fn add(doc: &mut Value, path: &str, value: Value) -> Result<(), PatchError> {
    if path.is_empty() {
        *doc = value;
        return Ok(());
    }
    let (parent, last) = parent_and_last(path)?;
    match lookup_mut(doc, &parent)? {
        Value::Object(m) => {
            m.insert(last, value);
        }
        Value::Array(a) => {
            let i = index(&last, a.len(), true)?;
            a.insert(i, value);
        }
        _ => return Err(PatchError(format!("path {path} does not exist"))),
    }
    Ok(())
}

fn remove(doc: &mut Value, path: &str) -> Result<Value, PatchError> {
    let (parent, last) = parent_and_last(path)?;
    match lookup_mut(doc, &parent)? {
        Value::Object(m) => m
            .remove(&last)
            .ok_or_else(|| PatchError(format!("path {path} does not exist"))),
        Value::Array(a) => {
            let i = index(&last, a.len(), false)?;
            Ok(a.remove(i))
        }
        _ => Err(PatchError(format!("path {path} does not exist"))),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn all_operations() {
        let doc = json!({"spec": {"replicas": 1, "template": {"metadata": {"labels": {"a/b": "x", "m~n": "y"}}}}, "list": [1, 2, 3]});
        let ops = json!([
            {"op": "replace", "path": "/spec/replicas", "value": 3},
            {"op": "add", "path": "/list/-", "value": 4},
            {"op": "add", "path": "/list/0", "value": 0},
            {"op": "remove", "path": "/spec/template/metadata/labels/a~1b"},
            {"op": "test", "path": "/spec/template/metadata/labels/m~0n", "value": "y"},
            {"op": "copy", "from": "/spec/replicas", "path": "/copied"},
            {"op": "move", "from": "/list/1", "path": "/moved"},
        ]);
        let out = apply(&doc, &ops);
        assert_eq!(
            out,
            Ok(
                json!({"spec": {"replicas": 3, "template": {"metadata": {"labels": {"m~n": "y"}}}},
                      "list": [0, 2, 3, 4], "copied": 3, "moved": 1})
            )
        );
    }

    #[test]
    fn failures() {
        let doc = json!({"a": {"b": 1}, "l": [1]});
        let bad = [
            json!([{"op": "test", "path": "/a/b", "value": 2}]),
            json!([{"op": "remove", "path": "/a/c"}]),
            json!([{"op": "replace", "path": "/x/y", "value": 1}]),
            json!([{"op": "add", "path": "/l/5", "value": 1}]),
            json!([{"op": "add", "path": "/l/01", "value": 1}]),
            json!([{"op": "frobnicate", "path": "/a"}]),
            json!([{"op": "add", "path": "/a/d"}]),
            json!([{"op": "move", "from": "/a", "path": "/a/b/c"}]),
            json!({"op": "add"}),
        ];
        for ops in bad {
            assert!(apply(&doc, &ops).is_err(), "{ops}");
        }
        assert_eq!(
            apply(&doc, &json!([])),
            Ok(doc.clone()),
            "an empty patch changes nothing"
        );
    }
}
