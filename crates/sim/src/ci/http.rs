//! HTTP plumbing shared by the GitHub and GitLab surfaces: the raw request (paths are split
//! before percent-decoding, so GitLab's `group%2Fproject` stays one segment), query strings with
//! repeated keys, page arithmetic, `Link` headers and entity tags.

use axum::body::Bytes;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// A request as the CI surfaces see it.
pub(crate) struct Req {
    /// Method.
    pub(crate) method: Method,
    /// Path segments after the API prefix, each percent-decoded on its own.
    pub(crate) segments: Vec<String>,
    /// The raw path, prefix included (for `Link` headers).
    pub(crate) path: String,
    /// Query pairs, decoded, in order.
    pub(crate) query: Vec<(String, String)>,
    /// Headers.
    pub(crate) headers: HeaderMap,
    /// Body.
    pub(crate) body: Bytes,
    /// `http://host:port` as the client addressed us.
    pub(crate) origin: String,
}

impl Req {
    /// Reads a request whose path starts with `prefix` (routes carry the full path).
    pub(crate) async fn read(req: Request, prefix: &str) -> Req {
        let uri = req.uri().clone();
        let path = uri.path().to_string();
        let rest = path.strip_prefix(prefix).unwrap_or(&path);
        let segments = rest
            .split('/')
            .filter(|s| !s.is_empty())
            .map(pct_decode)
            .collect();
        let query = uri.query().map(parse_query).unwrap_or_default();
        let origin = req
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .map(|h| format!("http://{h}"))
            .unwrap_or_else(|| "http://127.0.0.1".into());
        let method = req.method().clone();
        let headers = req.headers().clone();
        let body = axum::body::to_bytes(req.into_body(), 1 << 20)
            .await
            .unwrap_or_default();
        Req {
            method,
            segments,
            path,
            query,
            headers,
            body,
            origin,
        }
    }

    /// The first value of a query parameter.
    pub(crate) fn q(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a repeated query parameter.
    pub(crate) fn q_all(&self, key: &str) -> Vec<&str> {
        self.query
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The body as JSON, or a form body as a flat JSON object; `Null` when empty or invalid.
    pub(crate) fn json(&self) -> Value {
        if self.body.is_empty() {
            return Value::Null;
        }
        if let Ok(v) = serde_json::from_slice::<Value>(&self.body) {
            return v;
        }
        let text = String::from_utf8_lossy(&self.body);
        let map: serde_json::Map<String, Value> = parse_query(&text)
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        Value::Object(map)
    }

    /// The segments as string slices, for matching.
    pub(crate) fn parts(&self) -> Vec<&str> {
        self.segments.iter().map(String::as_str).collect()
    }

    /// The value of a header.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Decodes `%XX` escapes (and nothing else: `+` is literal in paths).
pub(crate) fn pct_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(b) = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parses `a=1&b=2&b=3` (`+` means space).
pub(crate) fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (
                pct_decode(&k.replace('+', " ")),
                pct_decode(&v.replace('+', " ")),
            )
        })
        .collect()
}

/// Percent-encodes a query value.
pub(crate) fn pct_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Page and page size from `page` / `per_page`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Page {
    /// 1-based page.
    pub(crate) page: usize,
    /// Items per page.
    pub(crate) per_page: usize,
}

impl Page {
    /// Reads `page`/`per_page`, clamping the size to `max`; bad values fall back to defaults.
    pub(crate) fn of(req: &Req, default: usize, max: usize) -> Page {
        let page = req
            .q("page")
            .and_then(|p| p.parse().ok())
            .filter(|p: &usize| *p >= 1)
            .unwrap_or(1);
        let per_page = req
            .q("per_page")
            .and_then(|p| p.parse().ok())
            .filter(|p: &usize| *p >= 1)
            .unwrap_or(default)
            .min(max);
        Page { page, per_page }
    }

    /// The items of this page.
    pub(crate) fn slice<T: Clone>(&self, items: &[T]) -> Vec<T> {
        items
            .iter()
            .skip((self.page - 1).saturating_mul(self.per_page))
            .take(self.per_page)
            .cloned()
            .collect()
    }

    /// The last page for `total` items (1 when empty).
    pub(crate) fn last(&self, total: usize) -> usize {
        total.div_ceil(self.per_page).max(1)
    }

    /// A `Link` header (`next`, `prev`, `first`, `last` as applicable), or `None` on a single page.
    pub(crate) fn link(&self, req: &Req, total: usize) -> Option<String> {
        let last = self.last(total);
        let url = |page: usize| {
            let mut q: Vec<(String, String)> = req
                .query
                .iter()
                .filter(|(k, _)| k != "page" && k != "per_page")
                .cloned()
                .collect();
            q.push(("per_page".into(), self.per_page.to_string()));
            q.push(("page".into(), page.to_string()));
            let qs: Vec<String> = q
                .iter()
                .map(|(k, v)| format!("{}={}", pct_encode(k), pct_encode(v)))
                .collect();
            format!("{}{}?{}", req.origin, req.path, qs.join("&"))
        };
        let mut rels = Vec::new();
        if self.page > 1 {
            rels.push(format!("<{}>; rel=\"prev\"", url(self.page - 1)));
        }
        if self.page < last {
            rels.push(format!("<{}>; rel=\"next\"", url(self.page + 1)));
        }
        if self.page > 1 {
            rels.push(format!("<{}>; rel=\"first\"", url(1)));
        }
        if self.page < last {
            rels.push(format!("<{}>; rel=\"last\"", url(last)));
        }
        (!rels.is_empty()).then(|| rels.join(", "))
    }
}

/// A weak entity tag over the body.
pub(crate) fn etag(body: &[u8]) -> String {
    let h = |seed: u64| {
        body.iter()
            .fold(seed, |h, b| (h ^ *b as u64).wrapping_mul(0x0100_0000_01b3))
    };
    format!(
        "W/\"{:016x}{:016x}\"",
        h(0xcbf2_9ce4_8422_2325),
        crate::rng::mix(h(0x8422_2325_cbf2_9ce4))
    )
}

/// Whether an `If-None-Match` header matches `tag` (weak comparison, lists and `*`).
pub(crate) fn etag_matches(header: Option<&str>, tag: &str) -> bool {
    let strip = |t: &str| t.trim().trim_start_matches("W/").to_string();
    header.is_some_and(|h| {
        h.split(',')
            .any(|t| t.trim() == "*" || strip(t) == strip(tag))
    })
}

/// A response with a JSON body and extra headers.
pub(crate) fn respond(
    status: StatusCode,
    body: Vec<u8>,
    content_type: &str,
    headers: &[(String, String)],
) -> Response {
    let mut resp = (status, body).into_response();
    if let Ok(v) = HeaderValue::from_str(content_type) {
        resp.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    for (k, v) in headers {
        if let (Ok(k), Ok(v)) = (
            axum::http::HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(v),
        ) {
            resp.headers_mut().append(k, v);
        }
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_keeps_encoded_slashes_inside_a_segment() {
        assert_eq!(pct_decode("bnpl%2Ffeature-store"), "bnpl/feature-store");
        assert_eq!(pct_decode("a%2"), "a%2");
        let q = parse_query("scope[]=failed&scope%5B%5D=manual&x=a+b");
        assert_eq!(q[1], ("scope[]".to_string(), "manual".to_string()));
        assert_eq!(q[2].1, "a b");
    }

    #[test]
    fn etags_compare_weakly() {
        let t = etag(b"{}");
        assert!(etag_matches(Some(&t), &t));
        assert!(etag_matches(Some(t.trim_start_matches("W/")), &t));
        assert!(etag_matches(Some("\"x\", *"), &t));
        assert!(!etag_matches(Some("\"x\""), &t));
        assert_ne!(etag(b"{}"), etag(b"[]"));
    }
}
