//! Request paths and query strings: which resource, namespace, object and subresource a URL
//! names, in the shapes the real API server accepts.

use super::super::resources::{self, ResId};
use super::super::status::ApiError;

/// What a Kubernetes URL addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    /// `/version`.
    Version,
    /// `/api`.
    CoreRoot,
    /// `/apis`.
    GroupsRoot,
    /// `/apis/{group}`.
    Group(String),
    /// `/api/v1` or `/apis/{group}/{version}`.
    GroupVersion(String, String),
    /// A collection, an object or a subresource.
    Resource(Target),
    /// `/healthz`, `/livez` or `/readyz`, optionally one named check (`/readyz/ping`).
    Health(String, Option<String>),
    /// `/openapi/v3`: the index of group-version documents.
    OpenApiV3Index,
    /// `/openapi/v3/api/v1`, `/openapi/v3/apis/{group}/{version}`: one document.
    OpenApiV3(String),
}

/// A resource path: `…/[namespaces/{ns}/]{plural}[/{name}[/{subresource}]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    /// Which kind.
    pub(crate) res: ResId,
    /// The namespace in the path; `None` for cluster-scoped kinds and all-namespace lists.
    pub(crate) namespace: Option<String>,
    /// The object name, when one object is addressed.
    pub(crate) name: Option<String>,
    /// The subresource (`status`, `scale`, `log`).
    pub(crate) sub: Option<String>,
}

impl Target {
    /// The namespace as the store keys it (empty for cluster-scoped kinds).
    pub(crate) fn ns(&self) -> &str {
        self.namespace.as_deref().unwrap_or_default()
    }
}

/// Parses a request path.
pub(crate) fn parse(path: &str) -> Result<Route, ApiError> {
    let segs: Vec<&str> = path
        .trim_end_matches('/')
        .split('/')
        .skip(1)
        .filter(|s| !s.is_empty())
        .collect();
    match segs.as_slice() {
        ["version"] => Ok(Route::Version),
        [endpoint @ ("healthz" | "livez" | "readyz")] => {
            Ok(Route::Health((*endpoint).to_string(), None))
        }
        [endpoint @ ("healthz" | "livez" | "readyz"), check @ ..] => {
            let check = check.join("/");
            if super::health::checks(endpoint).contains(&check.as_str()) {
                Ok(Route::Health((*endpoint).to_string(), Some(check)))
            } else {
                Err(ApiError::no_route())
            }
        }
        ["openapi", "v3"] => Ok(Route::OpenApiV3Index),
        ["openapi", "v3", rest @ ..] => Ok(Route::OpenApiV3(rest.join("/"))),
        ["api"] => Ok(Route::CoreRoot),
        ["apis"] => Ok(Route::GroupsRoot),
        ["api", version] => known_group_version("", version),
        ["apis", group] if resources::groups().iter().any(|(g, _)| g == group) => {
            Ok(Route::Group((*group).to_string()))
        }
        ["apis", group, version] => known_group_version(group, version),
        ["api", version, rest @ ..] => resource_route("", version, rest),
        ["apis", group, version, rest @ ..] => resource_route(group, version, rest),
        _ => Err(ApiError::no_route()),
    }
}

fn known_group_version(group: &str, version: &str) -> Result<Route, ApiError> {
    let served = resources::RESOURCES
        .iter()
        .any(|r| r.group == group && r.version == version);
    if served {
        Ok(Route::GroupVersion(group.to_string(), version.to_string()))
    } else {
        Err(ApiError::no_route())
    }
}

fn resource_route(group: &str, version: &str, rest: &[&str]) -> Result<Route, ApiError> {
    let find =
        |plural: &str| resources::find(group, version, plural).ok_or_else(ApiError::no_route);
    // `namespaces/{ns}/{plural}…` addresses objects in a namespace; `namespaces/{name}[/status]`
    // is the namespace object itself.
    let (namespace, tail) = match rest {
        ["namespaces", ns, plural, tail @ ..] if !group.is_empty() || !is_namespace_sub(plural) => {
            (Some((*ns).to_string()), prepend(plural, tail))
        }
        _ => (None, rest.to_vec()),
    };
    let (res, name, sub) = match tail.as_slice() {
        [plural] => (find(plural)?, None, None),
        [plural, name] => (find(plural)?, Some((*name).to_string()), None),
        [plural, name, sub] => (
            find(plural)?,
            Some((*name).to_string()),
            Some((*sub).to_string()),
        ),
        _ => return Err(ApiError::no_route()),
    };
    let def = res.def();
    if namespace.is_some() && !def.namespaced {
        return Err(ApiError::no_route());
    }
    if def.namespaced && namespace.is_none() && name.is_some() {
        return Err(ApiError::no_route());
    }
    if let Some(s) = &sub
        && def.subresource(s).is_none()
    {
        return Err(ApiError::no_route());
    }
    Ok(Route::Resource(Target {
        res,
        namespace,
        name,
        sub,
    }))
}

fn is_namespace_sub(segment: &str) -> bool {
    resources::ids::NAMESPACES
        .def()
        .subresource(segment)
        .is_some()
        || segment == "finalize"
}

fn prepend<'a>(first: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
    let mut v = Vec::with_capacity(rest.len() + 1);
    v.push(first);
    v.extend_from_slice(rest);
    v
}

/// Query parameters, in order; repeated keys keep their first value.
#[derive(Debug, Default, Clone)]
pub(crate) struct Query(Vec<(String, String)>);

impl Query {
    /// Parses a raw query string. Empty pairs (kube-rs starts with `?&`) are skipped.
    pub(crate) fn parse(raw: Option<&str>) -> Self {
        let pairs = raw
            .unwrap_or_default()
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| match p.split_once('=') {
                Some((k, v)) => (decode(k), decode(v)),
                None => (decode(p), String::new()),
            })
            .collect();
        Self(pairs)
    }

    /// The value of a parameter.
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// A boolean parameter: `true` or `1` (kubectl and kube-rs send both).
    pub(crate) fn flag(&self, key: &str) -> bool {
        matches!(self.get(key), Some("true" | "1"))
    }

    /// A non-empty parameter.
    pub(crate) fn non_empty(&self, key: &str) -> Option<&str> {
        self.get(key).filter(|v| !v.is_empty())
    }

    /// An integer parameter; a malformed one is a 400 like the real server's.
    pub(crate) fn int(&self, key: &str) -> Result<Option<i64>, ApiError> {
        match self.non_empty(key) {
            None => Ok(None),
            Some(v) => v.parse().map(Some).map_err(|_| {
                ApiError::bad_request(format!("invalid value {v:?} for parameter {key}"))
            }),
        }
    }
}

/// Percent-decoding with `+` as space, as in `application/x-www-form-urlencoded`.
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::super::super::resources::ids;
    use super::*;

    fn target(path: &str) -> Target {
        match parse(path) {
            Ok(Route::Resource(t)) => t,
            other => panic!("{path}: {other:?}"),
        }
    }

    #[test]
    fn namespace_object_and_namespaced_collections_are_told_apart() {
        let t = target("/api/v1/namespaces/shop");
        assert_eq!(
            (t.res, t.namespace, t.name),
            (ids::NAMESPACES, None, Some("shop".into()))
        );
        let t = target("/api/v1/namespaces/shop/status");
        assert_eq!((t.res, t.sub.as_deref()), (ids::NAMESPACES, Some("status")));
        let t = target("/api/v1/namespaces/shop/pods");
        assert_eq!(
            (t.res, t.ns(), t.name.as_deref()),
            (ids::PODS, "shop", None)
        );
        let t = target("/api/v1/namespaces/shop/pods/web-1/log");
        assert_eq!(
            (t.res, t.ns(), t.name.as_deref(), t.sub.as_deref()),
            (ids::PODS, "shop", Some("web-1"), Some("log"))
        );
        let t = target("/api/v1/namespaces");
        assert_eq!((t.res, t.name), (ids::NAMESPACES, None));
    }

    #[test]
    fn group_paths_and_cluster_scope() {
        let t = target("/apis/argoproj.io/v1alpha1/namespaces/a/rollouts/r/scale");
        assert_eq!((t.res, t.sub.as_deref()), (ids::ROLLOUTS, Some("scale")));
        let t = target("/apis/apps/v1/deployments");
        assert_eq!((t.res, t.namespace), (ids::DEPLOYMENTS, None));
        let t = target("/api/v1/nodes/n1");
        assert_eq!((t.res, t.name.as_deref()), (ids::NODES, Some("n1")));
        assert_eq!(
            parse("/apis/apps/v1"),
            Ok(Route::GroupVersion("apps".into(), "v1".into()))
        );
        assert_eq!(parse("/apis/apps"), Ok(Route::Group("apps".into())));
        assert_eq!(parse("/version/"), Ok(Route::Version));
        assert_eq!(
            parse("/readyz/ping"),
            Ok(Route::Health("readyz".into(), Some("ping".into())))
        );
        assert_eq!(
            parse("/openapi/v3/apis/apps/v1"),
            Ok(Route::OpenApiV3("apis/apps/v1".into()))
        );
    }

    #[test]
    fn unknown_paths_are_404() {
        for p in [
            "/api/v1/widgets",
            "/api/v2",
            "/apis/apps/v1/namespaces/a/deployments/d/log",
            "/api/v1/namespaces/a/nodes/n1",
            "/api/v1/pods/p",
            "/apis/nope.io/v1/things",
            "/healthz/x",
        ] {
            assert!(parse(p).is_err(), "{p}");
        }
    }

    #[test]
    fn query_skips_empty_pairs_and_decodes() {
        let q = Query::parse(Some("&watch=true&labelSelector=app%3Dweb%2Ctier+in+(a)&x"));
        assert!(q.flag("watch"));
        assert_eq!(q.get("labelSelector"), Some("app=web,tier in (a)"));
        assert_eq!(q.get("x"), Some(""));
        assert!(Query::parse(Some("limit=abc")).int("limit").is_err());
        assert_eq!(Query::parse(Some("limit=5")).int("limit"), Ok(Some(5)));
    }
}
