//! Linking a release to the run that produced what is rolling out. The image tag is the only
//! thing the cluster and CI share, so the rule works from it:
//!
//! 1. A tag token (split at `-`, `_`, `.`) of 7–40 hexadecimal characters with at least one
//!    letter is a commit SHA (`sha-f03c8b1`, `7c3d2a9`, `main-7c3d2a9e41`): the run whose head
//!    commit starts with it matches.
//! 2. Otherwise the tag is a version or ref name (`v1.4.0`, `1.4.0`): a run on the ref of that
//!    name, with or without a leading `v`, matches.
//! 3. Of several matching runs the newest (by creation time) wins: a re-run or the deploy run
//!    that followed the build is closer to what rolled out.
//!
//! A digest (`@sha256:…`) or a missing tag names no commit; nothing matches and the reason says so.

use super::Pipeline;

/// An image reference split into its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// Registry and repository (`ghcr.io/acme/orders-api`).
    pub repository: String,
    /// Tag, if any (`sha-f03c8b1`).
    pub tag: Option<String>,
    /// Digest, if any (`sha256:…`).
    pub digest: Option<String>,
}

impl ImageRef {
    /// Splits `registry:port/repo:tag@digest`; the tag is looked for in the last path segment
    /// only, so a registry port is not mistaken for one.
    pub fn parse(image: &str) -> ImageRef {
        let (name, digest) = match image.split_once('@') {
            Some((n, d)) => (n, Some(d.to_string())),
            None => (image, None),
        };
        let last_slash = name.rfind('/').map_or(0, |i| i + 1);
        let (repository, tag) = match name[last_slash..].rfind(':') {
            Some(i) => (
                name[..last_slash + i].to_string(),
                Some(name[last_slash + i + 1..].to_string()).filter(|t| !t.is_empty()),
            ),
            None => (name.to_string(), None),
        };
        ImageRef {
            repository,
            tag,
            digest,
        }
    }

    /// The commit SHA (or prefix) the tag carries, by rule 1.
    pub fn commit(&self) -> Option<String> {
        let tag = self.tag.as_deref()?;
        tag.split(['-', '_', '.'])
            .find(|t| {
                (7..=40).contains(&t.len())
                    && t.chars().all(|c| c.is_ascii_hexdigit())
                    && t.chars().any(|c| c.is_ascii_alphabetic())
            })
            .map(str::to_ascii_lowercase)
    }
}

/// The outcome of [`match_run`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunMatch {
    /// The index of the run in the slice given.
    Matched(usize),
    /// Nothing matched; the reason is for the user, in plain language.
    NoMatch {
        /// Why.
        reason: String,
    },
}

/// Finds the run that produced `image` among `runs`, by the rule in this module's documentation.
pub(crate) fn match_run(runs: &[Pipeline], image: &str) -> RunMatch {
    let parsed = ImageRef::parse(image);
    let no = |reason: String| RunMatch::NoMatch { reason };
    let Some(tag) = parsed.tag.as_deref() else {
        return match parsed.digest {
            Some(_) => no(format!(
                "{image} is pinned by digest, which names no commit; tag the image with the commit SHA to link it to a run"
            )),
            None => no(format!(
                "{image} has no tag (the cluster pulls :latest), which names no commit"
            )),
        };
    };
    let newest = |pred: &dyn Fn(&Pipeline) -> bool| {
        runs.iter()
            .enumerate()
            .filter(|(_, r)| pred(r))
            .max_by_key(|(i, r)| (r.created_ms.unwrap_or(i64::MIN), std::cmp::Reverse(*i)))
            .map(|(i, _)| i)
    };
    let checked = match runs.len() {
        1 => "the 1 run fetched".to_string(),
        n => format!("the {n} runs fetched"),
    };
    if let Some(commit) = parsed.commit() {
        return match newest(&|r| r.sha.to_ascii_lowercase().starts_with(&commit)) {
            Some(i) => RunMatch::Matched(i),
            None => no(format!(
                "no run built commit {commit} (tag {tag}) among {checked}"
            )),
        };
    }
    let bare = tag.strip_prefix('v').unwrap_or(tag);
    let refs = [bare.to_string(), format!("v{bare}")];
    match newest(&|r| refs.contains(&r.branch)) {
        Some(i) => RunMatch::Matched(i),
        None => no(format!(
            "tag {tag} is not a commit SHA, and none of {checked} ran on a ref named {} or {}",
            refs[0], refs[1]
        )),
    }
}
