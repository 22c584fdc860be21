//! Content negotiation: which representation the client asked for in `Accept`. Everything is
//! answered as JSON (kubectl asks for protobuf first and takes JSON when offered), but the
//! `as=…` conversions change the shape.

use axum::http::HeaderMap;
use axum::http::header::ACCEPT;

/// The Content-Type of aggregated discovery answers.
pub(crate) const AGGREGATED_DISCOVERY: &str =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/// A representation the server can produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// The objects themselves.
    Plain,
    /// `meta.k8s.io/v1` Table.
    Table,
    /// `PartialObjectMetadata` / `PartialObjectMetadataList`.
    Metadata,
    /// `apidiscovery.k8s.io/v2` APIGroupDiscoveryList.
    AggregatedDiscovery,
}

/// Picks the first media range in `Accept` that can be served as JSON.
pub(crate) fn shape(headers: &HeaderMap) -> Shape {
    let accept = headers
        .get_all(ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    for range in accept.split(',') {
        let mut parts = range.split(';').map(str::trim);
        let media = parts.next().unwrap_or_default();
        if !matches!(
            media,
            "application/json" | "*/*" | "application/*" | "application/yaml"
        ) {
            continue;
        }
        let params: Vec<(&str, &str)> = parts.filter_map(|p| p.split_once('=')).collect();
        let param = |k: &str| params.iter().find(|(pk, _)| *pk == k).map(|(_, v)| *v);
        match (param("as"), param("g"), param("v")) {
            (None, _, _) => return Shape::Plain,
            (Some("Table"), Some("meta.k8s.io"), Some("v1" | "v1beta1")) => return Shape::Table,
            (
                Some("PartialObjectMetadata" | "PartialObjectMetadataList"),
                Some("meta.k8s.io"),
                Some("v1" | "v1beta1"),
            ) => return Shape::Metadata,
            (Some("APIGroupDiscoveryList"), Some("apidiscovery.k8s.io"), Some("v2")) => {
                return Shape::AggregatedDiscovery;
            }
            _ => continue,
        }
    }
    Shape::Plain
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn of(accept: &str) -> Shape {
        let mut h = HeaderMap::new();
        if let Ok(v) = HeaderValue::from_str(accept) {
            h.insert(ACCEPT, v);
        }
        shape(&h)
    }

    #[test]
    fn picks_the_first_servable_range() {
        assert_eq!(
            of(
                "application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
            ),
            Shape::Table
        );
        assert_eq!(of("application/vnd.kubernetes.protobuf, */*"), Shape::Plain);
        assert_eq!(of(""), Shape::Plain);
        assert_eq!(
            of(
                "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"
            ),
            Shape::AggregatedDiscovery
        );
        assert_eq!(
            of(
                "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"
            ),
            Shape::Plain
        );
        assert_eq!(
            of("application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"),
            Shape::Metadata
        );
    }
}
