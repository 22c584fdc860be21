//! JSON merge patch (RFC 7386) and strategic merge patch, which merges the lists of built-in
//! kinds by their key field instead of replacing them and honours `$patch` directives.

use serde_json::{Map, Value};

/// RFC 7386: objects merge recursively, `null` removes, everything else replaces.
pub(crate) fn merge_patch(target: &Value, patch: &Value) -> Value {
    let Some(p) = patch.as_object() else {
        return patch.clone();
    };
    let mut out = target.as_object().cloned().unwrap_or_default();
    for (k, v) in p {
        if v.is_null() {
            out.remove(k);
        } else {
            let merged = merge_patch(out.get(k).unwrap_or(&Value::Null), v);
            out.insert(k.clone(), merged);
        }
    }
    Value::Object(out)
}

/// The field that identifies items of a list, by the list's field name (the
/// `patchMergeKey` of the built-in types); `None` means the list is replaced whole.
fn merge_key(field: &str, items: &[Value]) -> Option<&'static str> {
    match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "env"
        | "volumes"
        | "imagePullSecrets"
        | "readinessGates" => Some(if field == "readinessGates" {
            "conditionType"
        } else {
            "name"
        }),
        "volumeMounts" => Some("mountPath"),
        "volumeDevices" => Some("devicePath"),
        "hostAliases" => Some("ip"),
        "conditions" => Some("type"),
        "ownerReferences" => Some("uid"),
        "ports" => Some(if items.iter().any(|i| i.get("containerPort").is_some()) {
            "containerPort"
        } else {
            "port"
        }),
        _ => None,
    }
}

/// A strategic merge patch of `patch` onto `target`.
pub(crate) fn strategic(target: &Value, patch: &Value) -> Value {
    let Some(p) = patch.as_object() else {
        return patch.clone();
    };
    if p.get("$patch").and_then(Value::as_str) == Some("replace") {
        return strip_directives(patch);
    }
    let mut out = target.as_object().cloned().unwrap_or_default();
    for (k, v) in p {
        if let Some(field) = k.strip_prefix("$deleteFromPrimitiveList/") {
            let drop = v.as_array().cloned().unwrap_or_default();
            if let Some(Value::Array(list)) = out.get_mut(field) {
                list.retain(|x| !drop.contains(x));
            }
            continue;
        }
        if k.starts_with('$') {
            continue;
        }
        match v {
            Value::Null => {
                out.remove(k);
            }
            Value::Object(m) if m.get("$patch").and_then(Value::as_str) == Some("delete") => {
                out.remove(k);
            }
            Value::Array(items) => {
                let merged = match (merge_key(k, items), out.get(k)) {
                    (Some(key), Some(Value::Array(current))) => merge_list(current, items, key),
                    _ => Value::Array(
                        items
                            .iter()
                            .filter(|i| i.get("$patch").is_none())
                            .map(strip_directives)
                            .collect(),
                    ),
                };
                out.insert(k.clone(), merged);
            }
            _ => {
                let merged = strategic(out.get(k).unwrap_or(&Value::Null), v);
                out.insert(k.clone(), merged);
            }
        }
    }
    Value::Object(out)
}

fn merge_list(current: &[Value], patch: &[Value], key: &str) -> Value {
    if patch
        .iter()
        .any(|i| i.get("$patch").and_then(Value::as_str) == Some("replace"))
    {
        return Value::Array(
            patch
                .iter()
                .filter(|i| i.get("$patch").is_none())
                .map(strip_directives)
                .collect(),
        );
    }
    let mut out = current.to_vec();
    for item in patch {
        let id = item.get(key);
        let delete = item.get("$patch").and_then(Value::as_str) == Some("delete");
        let pos = id.and_then(|id| out.iter().position(|o| o.get(key) == Some(id)));
        match (delete, pos) {
            (true, Some(i)) => {
                out.remove(i);
            }
            (true, None) => {}
            (false, Some(i)) => out[i] = strategic(&out[i], item),
            (false, None) => out.push(strip_directives(item)),
        }
    }
    Value::Array(out)
}

fn strip_directives(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| !k.starts_with('$'))
                .map(|(k, v)| (k.clone(), strip_directives(v)))
                .collect::<Map<String, Value>>(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(strip_directives).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn rfc7386_examples() {
        let target = json!({"a": "b", "c": {"d": "e", "f": "g"}, "l": [1, 2]});
        let patch = json!({"a": "z", "c": {"f": null}, "l": [3], "n": {"x": null, "y": 1}});
        assert_eq!(
            merge_patch(&target, &patch),
            json!({"a": "z", "c": {"d": "e"}, "l": [3], "n": {"y": 1}})
        );
        assert_eq!(merge_patch(&json!({"a": 1}), &json!([1])), json!([1]));
        assert_eq!(
            merge_patch(&json!("x"), &json!({"a": {"b": 1}})),
            json!({"a": {"b": 1}})
        );
    }

    #[test]
    fn strategic_merges_containers_and_env_by_name() {
        let target = json!({"spec": {"template": {"spec": {"containers": [
            {"name": "app", "image": "web:1", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]},
            {"name": "sidecar", "image": "proxy:1"}
        ]}}}});
        let patch = json!({"spec": {"template": {"spec": {
        "$setElementOrder/containers": [{"name": "app"}, {"name": "sidecar"}],
        "containers": [
            {"name": "app", "image": "web:2", "env": [{"name": "B", "$patch": "delete"}, {"name": "C", "value": "3"}]},
            {"name": "log", "image": "fluent:1"}
        ]}}}});
        let out = strategic(&target, &patch);
        assert_eq!(
            out["spec"]["template"]["spec"]["containers"],
            json!([
                {"name": "app", "image": "web:2", "env": [{"name": "A", "value": "1"}, {"name": "C", "value": "3"}]},
                {"name": "sidecar", "image": "proxy:1"},
                {"name": "log", "image": "fluent:1"}
            ])
        );
    }

    #[test]
    fn strategic_directives_and_unkeyed_lists() {
        let target = json!({"spec": {"paused": true, "tolerations": [{"key": "a"}], "selector": {"app": "x", "old": "y"},
            "ports": [{"port": 80, "name": "http"}], "finalizers": ["a", "b"]}});
        let patch = json!({"spec": {"paused": null, "tolerations": [{"key": "b"}],
            "selector": {"$patch": "replace", "app": "z"},
            "ports": [{"port": 80, "targetPort": 8080}, {"port": 443}],
            "$deleteFromPrimitiveList/finalizers": ["a"]}});
        let out = strategic(&target, &patch);
        assert_eq!(
            out,
            json!({"spec": {"tolerations": [{"key": "b"}], "selector": {"app": "z"},
                "ports": [{"port": 80, "name": "http", "targetPort": 8080}, {"port": 443}], "finalizers": ["b"]}})
        );
        let del = strategic(
            &json!({"a": {"b": 1}, "c": 2}),
            &json!({"a": {"$patch": "delete"}}),
        );
        assert_eq!(del, json!({"c": 2}));
        let replaced = strategic(
            &json!({"containers": [{"name": "a"}, {"name": "b"}]}),
            &json!({"containers": [{"name": "c"}, {"$patch": "replace"}]}),
        );
        assert_eq!(replaced, json!({"containers": [{"name": "c"}]}));
    }
}
