//! Writes: create (with `generateName`), replace, delete with garbage collection of dependents,
//! and the rules every write shares (preconditions, status subresource, dry run).

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::super::resources::{ResId, ids};
use super::super::rng;
use super::super::status::ApiError;
use super::super::world::World;
use super::list::Filter;
use super::path::Target;
use super::{Call, json as respond, parse_body, views};

/// Characters the real server draws `generateName` suffixes from.
const SUFFIX_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// `POST …/{plural}`.
pub(crate) fn create(call: &Call) -> Result<Response, ApiError> {
    let obj = creatable(call)?;
    let created = insert(call, call.target.res, obj)?;
    Ok(respond(StatusCode::CREATED, &created))
}

/// `POST /apis/events.k8s.io/v1/namespaces/{ns}/events`: stored as the core Event it
/// converts to, as the real server stores one Event for both versions.
pub(crate) fn create_event_v1(call: &Call) -> Result<Response, ApiError> {
    let obj = creatable(call)?;
    let created = insert(call, ids::EVENTS, views::event_to_core(&obj))?;
    Ok(respond(StatusCode::CREATED, &views::event_to_v1(&created)))
}

/// The body of a create: a JSON object of the path's kind.
fn creatable(call: &Call) -> Result<Value, ApiError> {
    let def = call.target.res.def();
    let obj = parse_body(&call.body)?;
    if !obj.is_object() {
        return Err(ApiError::bad_request(
            "the object provided is unrecognized: not a JSON object",
        ));
    }
    if let Some(kind) = obj["kind"].as_str()
        && kind != def.kind
    {
        return Err(ApiError::bad_request(format!(
            "the kind of the provided object ({kind}) does not match the resource ({})",
            def.plural
        )));
    }
    Ok(obj)
}

/// Stores a new object of kind `res` in the path's namespace (or only checks it, on a dry run).
fn insert(call: &Call, res: ResId, mut obj: Value) -> Result<Value, ApiError> {
    let t = &call.target;
    let def = res.def();
    if !obj["metadata"].is_object() {
        obj["metadata"] = json!({});
    }
    if def.namespaced {
        match obj["metadata"]["namespace"].as_str() {
            Some(ns) if !ns.is_empty() && ns != t.ns() => {
                return Err(ApiError::bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request",
                ));
            }
            _ => obj["metadata"]["namespace"] = json!(t.ns()),
        }
    } else if let Some(m) = obj["metadata"].as_object_mut() {
        m.remove("namespace");
    }
    let mut world = call.sim.world();
    if def.namespaced && world.store.get(ids::NAMESPACES, "", t.ns()).is_none() {
        return Err(ApiError::not_found("", "namespaces", t.ns()));
    }
    let has_name = obj["metadata"]["name"]
        .as_str()
        .is_some_and(|n| !n.is_empty());
    if !has_name && let Some(prefix) = obj["metadata"]["generateName"].as_str().map(str::to_string)
    {
        obj["metadata"]["name"] = json!(generated_name(&world, &prefix));
    }
    if res == ids::NAMESPACES && !obj["status"]["phase"].is_string() {
        obj["status"] = json!({"phase": "Active"});
    }
    let now = world.clock.rfc3339();
    let created = if call.dry_run() {
        let (ns, name) = super::super::store::key_of(&obj);
        if world.store.get(res, &ns, &name).is_some() {
            return Err(ApiError::already_exists(def.group, def.plural, &name));
        }
        obj["metadata"]["creationTimestamp"] = json!(now);
        obj["apiVersion"] = json!(def.api_version());
        obj["kind"] = json!(def.kind);
        obj
    } else {
        world.store.create(res, obj, &now)?
    };
    if res == ids::NAMESPACES && !call.dry_run() {
        let name = created["metadata"]["name"].as_str().unwrap_or_default();
        super::seed::namespace_defaults(&mut world.store, name, &now);
    }
    Ok(created)
}

fn generated_name(world: &World, prefix: &str) -> String {
    // Derived from the seed and the store's RV so a seeded run repeats, without consuming the
    // world's random stream (which would change what controllers do).
    let mut x = rng::mix(world.seed ^ world.store.current_rv().wrapping_mul(0x9E37_79B9));
    let suffix: String = (0..5)
        .map(|_| {
            x = rng::mix(x);
            SUFFIX_ALPHABET[(x % SUFFIX_ALPHABET.len() as u64) as usize] as char
        })
        .collect();
    format!("{prefix}{suffix}")
}

/// `PUT …/{plural}/{name}[/status]`.
pub(crate) fn replace(call: &Call) -> Result<Response, ApiError> {
    let t = &call.target;
    let body = parse_body(&call.body)?;
    if !body.is_object() {
        return Err(ApiError::bad_request(
            "the object provided is unrecognized: not a JSON object",
        ));
    }
    let mut world = call.sim.world();
    let stored = stored(&world, t)?;
    let saved = commit(&mut world, t, &stored, body, call.dry_run())?;
    Ok(respond(StatusCode::OK, &saved))
}

/// The object a path names, or the 404 the real server answers.
pub(crate) fn stored(world: &World, t: &Target) -> Result<Value, ApiError> {
    let name = t.name.as_deref().unwrap_or_default();
    world
        .store
        .get(t.res, t.ns(), name)
        .cloned()
        .ok_or_else(|| {
            let def = t.res.def();
            ApiError::not_found(def.group, def.plural, name)
        })
}

/// Writes `next` over `stored` with the rules every update shares: the name must match, a
/// `metadata.resourceVersion` is a precondition, `/status` writes change only `.status`, and
/// writes to the main resource keep the stored `.status` when the kind has a status subresource.
pub(crate) fn commit(
    world: &mut World,
    t: &Target,
    stored: &Value,
    mut next: Value,
    dry_run: bool,
) -> Result<Value, ApiError> {
    let def = t.res.def();
    let name = t.name.as_deref().unwrap_or_default();
    if let Some(given) = next["metadata"]["name"].as_str()
        && given != name
    {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({given}) does not match the name on the URL ({name})"
        )));
    }
    if let Some(rv) = next["metadata"]["resourceVersion"].as_str()
        && Some(rv) != stored["metadata"]["resourceVersion"].as_str()
    {
        return Err(ApiError::conflict(def.group, def.plural, name));
    }
    if t.sub.as_deref() == Some("status") {
        let status = next["status"].clone();
        next = stored.clone();
        set_or_remove(&mut next, "status", status);
    } else if def.subresource("status").is_some() {
        set_or_remove(&mut next, "status", stored["status"].clone());
    }
    if !next["metadata"].is_object() {
        next["metadata"] = json!({});
    }
    next["metadata"]["name"] = json!(name);
    if def.namespaced {
        next["metadata"]["namespace"] = json!(t.ns());
    }
    if dry_run {
        for field in ["uid", "creationTimestamp", "resourceVersion", "generation"] {
            if let Some(v) = stored["metadata"].get(field) {
                next["metadata"][field] = v.clone();
            }
        }
        next["apiVersion"] = json!(def.api_version());
        next["kind"] = json!(def.kind);
        return Ok(next);
    }
    world.store.update(t.res, next)
}

fn set_or_remove(obj: &mut Value, field: &str, value: Value) {
    if let Some(m) = obj.as_object_mut() {
        if value.is_null() {
            m.remove(field);
        } else {
            m.insert(field.to_string(), value);
        }
    }
}

/// `DELETE …/{plural}/{name}`: removes the object at once (and its dependents unless
/// `propagationPolicy=Orphan`) and answers with the object as it was.
pub(crate) fn delete(call: &Call) -> Result<Response, ApiError> {
    let t = &call.target;
    let def = t.res.def();
    let name = t.name.as_deref().unwrap_or_default();
    let orphan = orphan_requested(call)?;
    let mut world = call.sim.world();
    let stored = stored(&world, t)?;
    if let Some(uid) = body_precondition_uid(call)?
        && stored["metadata"]["uid"].as_str() != Some(uid.as_str())
    {
        return Err(ApiError::conflict(def.group, def.plural, name));
    }
    if call.dry_run() {
        return Ok(respond(StatusCode::OK, &stored));
    }
    let deleted = delete_cascade(&mut world, t.res, t.ns(), name, !orphan)?;
    Ok(respond(StatusCode::OK, &deleted))
}

/// `DELETE …/{plural}` with selectors: deletes every match and answers with the list.
pub(crate) fn delete_collection(call: &Call) -> Result<Response, ApiError> {
    let filter = Filter::from_call(call)?;
    let res = call.target.res;
    let def = res.def();
    let orphan = orphan_requested(call)?;
    let mut world = call.sim.world();
    let victims: Vec<Value> = world
        .store
        .list(res, filter.namespace.as_deref())
        .filter(|o| filter.matches(o))
        .cloned()
        .collect();
    if !call.dry_run() {
        for v in &victims {
            let (ns, name) = super::super::store::key_of(v);
            delete_cascade(&mut world, res, &ns, &name, !orphan)?;
        }
    }
    let body = json!({
        "kind": def.list_kind(),
        "apiVersion": def.api_version(),
        "metadata": {"resourceVersion": world.store.current_rv().to_string()},
        "items": victims,
    });
    Ok(respond(StatusCode::OK, &body))
}

fn delete_options(call: &Call) -> Result<Value, ApiError> {
    if call.body.iter().all(u8::is_ascii_whitespace) {
        Ok(Value::Null)
    } else {
        parse_body(&call.body)
    }
}

fn orphan_requested(call: &Call) -> Result<bool, ApiError> {
    let opts = delete_options(call)?;
    Ok(call.query.get("propagationPolicy") == Some("Orphan")
        || opts["propagationPolicy"].as_str() == Some("Orphan")
        || opts["orphanDependents"].as_bool() == Some(true))
}

fn body_precondition_uid(call: &Call) -> Result<Option<String>, ApiError> {
    Ok(delete_options(call)?["preconditions"]["uid"]
        .as_str()
        .map(str::to_string))
}

/// Kinds whose objects can be owned by a deleted object, for garbage collection.
const DEPENDENT_KINDS: [ResId; 4] = [
    ids::REPLICASETS,
    ids::PODS,
    ids::ANALYSISRUNS,
    ids::SERVICES,
];

/// Deletes an object and, with `cascade`, everything in its namespace it owns (transitively),
/// like the garbage collector does after a background deletion.
fn delete_cascade(
    world: &mut World,
    res: ResId,
    namespace: &str,
    name: &str,
    cascade: bool,
) -> Result<Value, ApiError> {
    let deleted = world.store.delete(res, namespace, name)?;
    if res == ids::PODS {
        world.logs.remove_pod(namespace, name);
    }
    let Some(uid) = deleted["metadata"]["uid"].as_str().filter(|_| cascade) else {
        return Ok(deleted);
    };
    for kind in DEPENDENT_KINDS {
        let owned: Vec<String> = world
            .store
            .list(kind, Some(namespace))
            .filter(|o| {
                o["metadata"]["ownerReferences"]
                    .as_array()
                    .is_some_and(|refs| refs.iter().any(|r| r["uid"].as_str() == Some(uid)))
            })
            .filter_map(|o| o["metadata"]["name"].as_str().map(str::to_string))
            .collect();
        for dependent in owned {
            delete_cascade(world, kind, namespace, &dependent, true)?;
        }
    }
    Ok(deleted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_names_use_the_real_alphabet() {
        let world = World::new(7, 0, 1.0);
        let name = generated_name(&world, "web-");
        assert_eq!(name.len(), 9);
        assert!(
            name[4..].bytes().all(|b| SUFFIX_ALPHABET.contains(&b)),
            "{name}"
        );
        assert_eq!(
            name,
            generated_name(&world, "web-"),
            "same seed and RV, same name"
        );
    }
}
