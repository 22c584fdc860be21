//! GET of one object and LIST of a collection: selectors, pagination with opaque continue
//! tokens, and the Table / PartialObjectMetadata representations.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::super::resources::ResId;
use super::super::status::ApiError;
use super::negotiate::Shape;
use super::selectors::{FieldSelector, LabelSelector};
use super::table::{self, Include};
use super::views;
use super::{Call, json as respond};

/// `GET …/{plural}/{name}[/status]`.
pub(crate) fn get(call: &Call) -> Result<Response, ApiError> {
    let t = &call.target;
    let def = t.res.def();
    let name = t.name.as_deref().unwrap_or_default();
    let world = call.sim.world();
    let computed = if views::is_view(t.res) {
        views::get(&world.store, t.res, t.ns(), name)
    } else {
        None
    };
    let obj = computed
        .as_ref()
        .or_else(|| world.store.get(t.res, t.ns(), name))
        .ok_or_else(|| ApiError::not_found(def.group, def.plural, name))?;
    let body = match call.shape {
        Shape::Table => table::table(
            t.res,
            &[obj],
            world.clock.now_ms,
            Include::from_query(&call.query),
            json!({"resourceVersion": obj["metadata"]["resourceVersion"]}),
        ),
        Shape::Metadata => table::partial(obj),
        _ => obj.clone(),
    };
    Ok(respond(StatusCode::OK, &body))
}

/// The selectors of a list or watch request.
pub(crate) struct Filter {
    /// Namespace to list in; `None` for all.
    pub(crate) namespace: Option<String>,
    labels: LabelSelector,
    fields: FieldSelector,
}

impl Filter {
    /// From the request's target and query; bad selectors are 400s.
    pub(crate) fn from_call(call: &Call) -> Result<Self, ApiError> {
        Ok(Self {
            namespace: call.target.namespace.clone(),
            labels: LabelSelector::parse(call.query.get("labelSelector").unwrap_or_default())?,
            fields: FieldSelector::parse(
                call.query.get("fieldSelector").unwrap_or_default(),
                call.target.res,
            )?,
        })
    }

    /// Whether an object is in the namespace and matches both selectors.
    pub(crate) fn matches(&self, obj: &Value) -> bool {
        let ns_ok = self
            .namespace
            .as_deref()
            .is_none_or(|ns| obj["metadata"]["namespace"].as_str() == Some(ns));
        ns_ok && self.labels.matches(obj) && self.fields.matches(obj)
    }
}

/// Where a paginated list continues: the snapshot's RV and the last key served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Continue {
    rv: u64,
    namespace: String,
    name: String,
}

impl Continue {
    /// The opaque token (hex, so clients cannot be tempted to parse it).
    pub(crate) fn encode(&self) -> String {
        format!("{}/{}/{}", self.rv, self.namespace, self.name)
            .bytes()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Reads a token back; garbage is a 400.
    pub(crate) fn decode(token: &str) -> Result<Self, ApiError> {
        let bad = || {
            ApiError::bad_request(
                "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)",
            )
        };
        if !token.len().is_multiple_of(2) || !token.is_ascii() {
            return Err(bad());
        }
        let bytes = (0..token.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&token[i..i + 2], 16))
            .collect::<Result<Vec<u8>, _>>()
            .map_err(|_| bad())?;
        let text = String::from_utf8(bytes).map_err(|_| bad())?;
        let mut parts = text.splitn(3, '/');
        let rv = parts.next().and_then(|r| r.parse().ok()).ok_or_else(bad)?;
        let namespace = parts.next().ok_or_else(bad)?.to_string();
        let name = parts.next().ok_or_else(bad)?.to_string();
        Ok(Self {
            rv,
            namespace,
            name,
        })
    }
}

/// `GET …/{plural}` without `watch`.
pub(crate) fn list(call: &Call) -> Result<Response, ApiError> {
    let filter = Filter::from_call(call)?;
    let res = call.target.res;
    let limit = call
        .query
        .int("limit")?
        .filter(|l| *l > 0)
        .map(|l| l as usize);
    let resume = call
        .query
        .non_empty("continue")
        .map(Continue::decode)
        .transpose()?;
    let world = call.sim.world();
    let store = &world.store;
    let current = store.current_rv();
    if call.query.get("resourceVersionMatch") == Some("Exact")
        && let Some(rv) = call.query.non_empty("resourceVersion")
        && rv.parse::<u64>().ok() != Some(current)
    {
        return Err(ApiError::expired(format!(
            "too old resource version: {rv} ({current})"
        )));
    }
    let list_rv = match &resume {
        Some(c) if store.is_expired(c.rv) => {
            return Err(ApiError::expired(
                "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
            ));
        }
        Some(c) => c.rv,
        None => current,
    };
    let after = resume.map(|c| (c.namespace, c.name));
    let computed = if views::is_view(res) {
        views::objects(store, res, filter.namespace.as_deref())
    } else {
        Vec::new()
    };
    let source: Box<dyn Iterator<Item = &Value>> = if views::is_view(res) {
        Box::new(computed.iter())
    } else {
        Box::new(store.list(res, filter.namespace.as_deref()))
    };
    let mut items: Vec<&Value> = source
        .filter(|o| {
            after.as_ref().is_none_or(|(ns, name)| {
                let m = &o["metadata"];
                let key = (
                    m["namespace"].as_str().unwrap_or_default(),
                    m["name"].as_str().unwrap_or_default(),
                );
                key > (ns.as_str(), name.as_str())
            })
        })
        .filter(|o| filter.matches(o))
        .take(limit.map_or(usize::MAX, |l| l + 1))
        .collect();
    let mut meta = json!({"resourceVersion": list_rv.to_string()});
    if let Some(l) = limit
        && items.len() > l
    {
        items.truncate(l);
        if let Some(last) = items.last() {
            let m = &last["metadata"];
            let token = Continue {
                rv: list_rv,
                namespace: m["namespace"].as_str().unwrap_or_default().to_string(),
                name: m["name"].as_str().unwrap_or_default().to_string(),
            };
            meta["continue"] = json!(token.encode());
        }
    }
    let body = render_list(call, res, &items, meta, world.clock.now_ms);
    Ok(respond(StatusCode::OK, &body))
}

fn render_list(call: &Call, res: ResId, items: &[&Value], meta: Value, now_ms: i64) -> Value {
    let def = res.def();
    match call.shape {
        Shape::Table => table::table(res, items, now_ms, Include::from_query(&call.query), meta),
        Shape::Metadata => json!({
            "kind": "PartialObjectMetadataList",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": meta,
            "items": items.iter().map(|o| table::partial(o)).collect::<Vec<_>>(),
        }),
        _ => json!({
            "kind": def.list_kind(),
            "apiVersion": def.api_version(),
            "metadata": meta,
            "items": items,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continue_tokens_round_trip_and_reject_garbage() {
        let c = Continue {
            rv: 1234,
            namespace: "shop".into(),
            name: "web-1".into(),
        };
        assert_eq!(Continue::decode(&c.encode()), Ok(c));
        for bad in ["zz", "abc", "", "7878"] {
            assert!(Continue::decode(bad).is_err(), "{bad}");
        }
    }
}
