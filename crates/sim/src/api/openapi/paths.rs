//! The `paths` of a group version's document: one item per collection and object URL, each
//! operation tagged with its kind and action and listing the query parameters the server
//! honours. kubectl reads them to learn that the server validates fields itself
//! (`fieldValidation` on PATCH) and which patch types a kind accepts.

use serde_json::{Map, Value, json};

use super::super::super::resources::{RESOURCES, Resource};
use super::schemas::schema_name;

/// Patch bodies every kind accepts; built-in kinds also take strategic merge patches.
const PATCH_TYPES: [&str; 3] = [
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/apply-patch+yaml",
];

/// The paths of every kind served in a group version.
pub(crate) fn for_group_version(group: &str, version: &str) -> Value {
    let mut out = Map::new();
    for r in RESOURCES
        .iter()
        .filter(|r| r.group == group && r.version == version)
    {
        let base = if r.group.is_empty() {
            format!("/api/{}", r.version)
        } else {
            format!("/apis/{}/{}", r.group, r.version)
        };
        let collection = if r.namespaced {
            format!("{base}/namespaces/{{namespace}}/{}", r.plural)
        } else {
            format!("{base}/{}", r.plural)
        };
        let can = |verb: &str| r.verbs.contains(&verb);
        let mut coll = Map::new();
        if can("list") {
            coll.insert("get".into(), op(r, "list", &[], false));
        }
        if can("create") {
            coll.insert(
                "post".into(),
                op(
                    r,
                    "post",
                    &["dryRun", "fieldManager", "fieldValidation"],
                    true,
                ),
            );
        }
        if can("deletecollection") {
            coll.insert(
                "delete".into(),
                op(r, "deletecollection", &["dryRun"], false),
            );
        }
        coll.insert("parameters".into(), path_params(r.namespaced, false));
        out.insert(collection.clone(), Value::Object(coll));
        if r.namespaced && can("list") {
            let all = json!({
                "get": op(r, "list", &[], false),
                "parameters": [param("pretty", "query")],
            });
            out.insert(format!("{base}/{}", r.plural), all);
        }
        if !can("get") {
            continue;
        }
        let mut item = Map::new();
        item.insert("get".into(), op(r, "get", &[], false));
        if can("update") {
            item.insert(
                "put".into(),
                op(
                    r,
                    "put",
                    &["dryRun", "fieldManager", "fieldValidation"],
                    true,
                ),
            );
        }
        if can("patch") {
            let mut patch = op(
                r,
                "patch",
                &["dryRun", "fieldManager", "fieldValidation", "force"],
                false,
            );
            let mut types: Vec<&str> = PATCH_TYPES.to_vec();
            if !r.custom {
                types.insert(2, "application/strategic-merge-patch+json");
            }
            let content: Map<String, Value> = types
                .into_iter()
                .map(|t| (t.to_string(), json!({"schema": {"type": "object"}})))
                .collect();
            patch["requestBody"] = json!({"content": content, "required": true});
            item.insert("patch".into(), patch);
        }
        if can("delete") {
            item.insert("delete".into(), op(r, "delete", &["dryRun"], false));
        }
        item.insert("parameters".into(), path_params(r.namespaced, true));
        out.insert(format!("{collection}/{{name}}"), Value::Object(item));
    }
    Value::Object(out)
}

fn op(r: &Resource, action: &str, query: &[&str], body: bool) -> Value {
    let schema = json!({"$ref": format!("#/components/schemas/{}", schema_name(r))});
    let verb = match action {
        "get" => "read",
        "post" => "create",
        "put" => "replace",
        other => other,
    };
    let scope = if r.namespaced && action != "list" {
        "Namespaced"
    } else {
        ""
    };
    let mut o = json!({
        "operationId": format!("{verb}{}{}{scope}{}", pascal(r.group), pascal(r.version), r.kind),
        "tags": [format!("{}_{}", if r.group.is_empty() { "core" } else { r.group }, r.version)],
        "parameters": query.iter().map(|q| param(q, "query")).collect::<Vec<_>>(),
        "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": schema.clone()}}}},
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": {"group": r.group, "version": r.version, "kind": r.kind},
    });
    if body {
        o["requestBody"] = json!({"content": {"*/*": {"schema": schema}}, "required": true});
    }
    o
}

fn path_params(namespaced: bool, named: bool) -> Value {
    let mut out = Vec::new();
    if named {
        out.push(param("name", "path"));
    }
    if namespaced {
        out.push(param("namespace", "path"));
    }
    out.push(param("pretty", "query"));
    Value::Array(out)
}

fn param(name: &str, place: &str) -> Value {
    let mut p =
        json!({"name": name, "in": place, "schema": {"type": "string", "uniqueItems": true}});
    if place == "path" {
        p["required"] = json!(true);
    }
    p
}

/// `apps` → `Apps`, `networking.k8s.io` → `Networking`, empty → `Core`.
fn pascal(s: &str) -> String {
    let first = s.split('.').next().unwrap_or_default();
    if first.is_empty() {
        return "Core".to_string();
    }
    let mut c = first.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
