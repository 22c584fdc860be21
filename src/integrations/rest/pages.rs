//! Pagination: follow `Link: <…>; rel="next"` verbatim (GitHub and GitLab both send it); when a
//! GitLab layer drops `Link`, `x-next-page` still names the page.

/// The `rel="next"` URL of a `Link` header.
pub fn link_next(link: &str) -> Option<String> {
    link.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        let url = url.trim().strip_prefix('<')?.strip_suffix('>')?;
        let is_next = params.split(';').any(|p| {
            let p = p.trim();
            p.strip_prefix("rel=")
                .map(|v| v.trim_matches('"'))
                .is_some_and(|v| v.split_whitespace().any(|r| r == "next"))
        });
        is_next.then(|| url.to_string())
    })
}

/// The next page of `url`: the `Link` header's `next`, else `x-next-page` (empty on the last
/// page) applied to `url`'s `page` parameter.
pub fn next_page_url(url: &str, link: Option<&str>, x_next_page: Option<&str>) -> Option<String> {
    if let Some(next) = link.and_then(link_next) {
        return Some(next);
    }
    let page = x_next_page.map(str::trim).filter(|p| !p.is_empty())?;
    Some(set_query(url, "page", page))
}

/// `url` with query parameter `key` set to `value` (replaced if present, appended otherwise).
pub fn set_query(url: &str, key: &str, value: &str) -> String {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut pairs: Vec<String> = query
        .split('&')
        .filter(|p| !p.is_empty() && p.split('=').next() != Some(key))
        .map(str::to_string)
        .collect();
    pairs.push(format!("{key}={value}"));
    format!("{base}?{}", pairs.join("&"))
}

/// Percent-encodes one path segment or query value: everything but `A-Z a-z 0-9 - _ . ~`, so
/// GitLab's `group/project` becomes the single segment `group%2Fproject`.
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn the_next_link_is_followed_verbatim() {
        let link = "<https://api.github.com/repositories/1/actions/runs?per_page=100&page=2>; rel=\"next\", <https://api.github.com/repositories/1/actions/runs?per_page=100&page=5>; rel=\"last\"";
        assert_eq!(
            link_next(link).unwrap(),
            "https://api.github.com/repositories/1/actions/runs?per_page=100&page=2"
        );
        let last_page = "<https://x/a?page=1>; rel=\"first\", <https://x/a?page=4>; rel=\"prev\"";
        assert_eq!(link_next(last_page), None);
        assert_eq!(link_next("garbage"), None);
        assert_eq!(
            link_next("<https://x/b?cursor=abc>; rel=next"),
            Some("https://x/b?cursor=abc".into())
        );
    }

    #[test]
    fn paths_are_encoded_as_one_segment() {
        assert_eq!(
            encode_component("bnpl/feature-store"),
            "bnpl%2Ffeature-store"
        );
        assert_eq!(
            encode_component("group/sub group/p"),
            "group%2Fsub%20group%2Fp"
        );
        assert_eq!(encode_component("ci.yml"), "ci.yml");
    }

    #[test]
    fn gitlab_next_page_header_is_the_fallback() {
        let url = "http://h/api/v4/projects/a%2Fb/jobs?per_page=100&page=1&scope[]=manual";
        assert_eq!(
            next_page_url(url, None, Some("2")).unwrap(),
            "http://h/api/v4/projects/a%2Fb/jobs?per_page=100&scope[]=manual&page=2"
        );
        assert_eq!(next_page_url(url, None, Some("")), None);
        assert_eq!(next_page_url(url, None, None), None);
        assert_eq!(
            next_page_url(url, Some("<http://h/next>; rel=\"next\""), Some("2")).unwrap(),
            "http://h/next"
        );
        assert_eq!(set_query("http://h/x", "page", "3"), "http://h/x?page=3");
    }
}
