//! Job families: the matrix or `parallel:` group a job's name says it belongs to. Both
//! providers name such jobs in the same few shapes, and the dashboard folds a family together.

/// The matrix or parallel family of a job name: `test` for `test 1/3` (GitLab `parallel: N`),
/// `build` for `build (ubuntu, 20)` (GitHub matrix) and for `build: [ubuntu, 20]` (GitLab
/// `parallel:matrix`). `None` when the name is not one of those shapes.
pub fn job_group(name: &str) -> Option<String> {
    if let Some((base, rest)) = name.rsplit_once(' ')
        && let Some((i, n)) = rest.split_once('/')
        && !i.is_empty()
        && !n.is_empty()
        && i.chars().chain(n.chars()).all(|c| c.is_ascii_digit())
        && !base.is_empty()
    {
        return Some(base.to_string());
    }
    if let Some(inner) = name.strip_suffix(')')
        && let Some((base, _)) = inner.split_once(" (")
        && !base.is_empty()
    {
        return Some(base.to_string());
    }
    if let Some(inner) = name.strip_suffix(']')
        && let Some((base, _)) = inner.split_once(": [")
        && !base.is_empty()
    {
        return Some(base.to_string());
    }
    None
}
