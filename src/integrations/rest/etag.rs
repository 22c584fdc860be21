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

/// A bounded cache of responses by URL; the least recently used goes first when full (a URL
/// polled every round stays however many others were read since it was first cached).
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

    /// The cached response for a URL (a use: it becomes the most recent).
    pub fn get(&mut self, url: &str) -> Option<&Cached> {
        if self.entries.contains_key(url) {
            self.touch(url);
        }
        self.entries.get(url)
    }

    /// Remembers a response that came with an entity tag.
    pub fn put(&mut self, url: &str, cached: Cached) {
        if self.entries.insert(url.to_string(), cached).is_some() {
            self.touch(url);
        } else {
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

    /// Moves a cached URL to the most recent end.
    fn touch(&mut self, url: &str) {
        if let Some(i) = self.order.iter().position(|u| u == url) {
            self.order.remove(i);
            self.order.push_back(url.to_string());
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
    fn tags_are_kept_verbatim_and_the_least_recently_used_url_goes_first() {
        let mut cache = EtagCache::new(2);
        cache.put("a", c("W/\"1\""));
        cache.put("b", c("\"2\""));
        assert_eq!(cache.etag("a"), Some("W/\"1\""));
        cache.put("c", c("\"3\""));
        assert_eq!(cache.etag("a"), None, "a was the least recently used");
        // A 304 reads the copy: that is a use, so the other URL goes first.
        assert_eq!(cache.get("b").unwrap().body, "body \"2\"");
        cache.put("d", c("\"4\""));
        assert_eq!(cache.etag("c"), None);
        assert_eq!(cache.etag("b"), Some("\"2\""));
        // So is a fresh answer for a URL already cached.
        cache.put("d", c("\"5\""));
        cache.put("b", c("\"6\""));
        cache.put("e", c("\"7\""));
        assert_eq!(cache.etag("d"), None);
        assert_eq!(cache.len(), 2);
        cache.forget("b");
        assert_eq!(cache.len(), 1);
    }
}
