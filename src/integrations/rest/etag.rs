//! Conditional requests: the last entity tag and body per URL, so an unchanged poll is a 304
//! (free of rate limit on GitHub) and the cached body is reused.

use std::collections::{HashMap, VecDeque};

/// What was last received for a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cached {
    /// The entity tag, verbatim (weak tags keep their `W/`).
    pub etag: String,
    /// The body.
    pub body: String,
    /// The next page's URL, as the response's headers gave it.
    pub next: Option<String>,
}

/// A bounded cache of responses by URL; the oldest entry goes first when full.
#[derive(Debug, Clone)]
pub struct EtagCache {
    entries: HashMap<String, Cached>,
    order: VecDeque<String>,
    capacity: usize,
}

impl EtagCache {
    /// An empty cache holding at most `capacity` URLs.
    pub fn new(capacity: usize) -> EtagCache {
        EtagCache {
            entries: HashMap::new(),
            order: VecDeque::new(),
            capacity: capacity.max(1),
        }
    }

    /// The entity tag to send as `If-None-Match`.
    pub fn etag(&self, url: &str) -> Option<&str> {
        self.entries.get(url).map(|c| c.etag.as_str())
    }

    /// The cached response for a URL.
    pub fn get(&self, url: &str) -> Option<&Cached> {
        self.entries.get(url)
    }

    /// Remembers a response that came with an entity tag.
    pub fn put(&mut self, url: &str, cached: Cached) {
        if self.entries.insert(url.to_string(), cached).is_none() {
            self.order.push_back(url.to_string());
        }
        while self.entries.len() > self.capacity {
            match self.order.pop_front() {
                Some(old) => {
                    self.entries.remove(&old);
                }
                None => break,
            }
        }
    }

    /// Forgets a URL (its response came without an entity tag, or was an error).
    pub fn forget(&mut self, url: &str) {
        if self.entries.remove(url).is_some() {
            self.order.retain(|u| u != url);
        }
    }

    /// How many URLs are cached.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn c(tag: &str) -> Cached {
        Cached {
            etag: tag.into(),
            body: format!("body {tag}"),
            next: None,
        }
    }

    #[test]
    fn tags_are_kept_verbatim_and_the_oldest_url_goes_first() {
        let mut cache = EtagCache::new(2);
        cache.put("a", c("W/\"1\""));
        cache.put("b", c("\"2\""));
        assert_eq!(cache.etag("a"), Some("W/\"1\""));
        cache.put("a", c("W/\"3\""));
        assert_eq!(cache.len(), 2);
        cache.put("c", c("\"4\""));
        assert_eq!(cache.etag("a"), None);
        assert_eq!(cache.get("b").unwrap().body, "body \"2\"");
        cache.forget("b");
        assert_eq!(cache.len(), 1);
    }
}
