//! Which CI project builds and deploys a release: from `[[release]]` tables (parsed by the
//! application's config) or from annotations on the workload itself.

use std::collections::BTreeMap;

use crate::release::WorkloadKind;

/// Annotation naming the GitHub repository of a workload.
pub(crate) const GITHUB_ANNOTATION: &str = "quarterdeck.dev/github";
/// Annotation naming the workflow files (comma separated).
pub(crate) const WORKFLOWS_ANNOTATION: &str = "quarterdeck.dev/github-workflows";
/// Annotation naming the GitLab project of a workload.
pub(crate) const GITLAB_ANNOTATION: &str = "quarterdeck.dev/gitlab";

/// Which CI project builds and deploys a release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CiLink {
    /// A GitHub repository and, optionally, the workflow files to watch.
    GitHub {
        /// `owner/repo`.
        repo: String,
        /// Workflow files; empty means every workflow.
        workflows: Vec<String>,
    },
    /// A GitLab project.
    GitLab {
        /// `group/project` (subgroups allowed).
        project: String,
    },
}

impl CiLink {
    /// `owner/repo` or `group/project`.
    pub fn project(&self) -> &str {
        match self {
            CiLink::GitHub { repo, .. } => repo,
            CiLink::GitLab { project } => project,
        }
    }
}

/// One release's CI as the pollers must watch it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CiWatch {
    /// The name the pollers report under: the `[[release]]` name, or `namespace/name` for a
    /// workload linked by annotations.
    pub release: String,
    /// The CI project.
    pub link: CiLink,
}

/// One `[[release]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseConfig {
    /// The release's name.
    pub name: String,
    /// Deployment or Rollout.
    pub kind: WorkloadKind,
    /// The workload's name.
    pub workload: String,
    /// Its namespace.
    pub namespace: String,
    /// The kubeconfig context; `None` means the current one.
    pub context: Option<String>,
    /// Its CI, if linked.
    pub ci: Option<CiLink>,
}

/// Everything `config.toml` says about releases and CI providers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReleasesConfig {
    /// The releases, in file order.
    pub releases: Vec<ReleaseConfig>,
    /// `[github] base_url`, when set.
    pub github_base_url: Option<String>,
    /// `[gitlab] base_url`, when set.
    pub gitlab_base_url: Option<String>,
}

/// Whether `s` is `a/b` (`a/b/c` too when `nested`) with no empty or blank segment.
pub fn is_path(s: &str, nested: bool) -> bool {
    let parts: Vec<&str> = s.split('/').collect();
    let count_ok = if nested {
        parts.len() >= 2
    } else {
        parts.len() == 2
    };
    count_ok
        && parts
            .iter()
            .all(|p| !p.is_empty() && !p.chars().any(char::is_whitespace))
}

/// The CI link a workload's annotations declare, if any. Errors name the annotation.
pub fn ci_from_annotations(
    annotations: &BTreeMap<String, String>,
) -> Result<Option<CiLink>, String> {
    let github = annotations.get(GITHUB_ANNOTATION).map(|s| s.trim());
    let gitlab = annotations.get(GITLAB_ANNOTATION).map(|s| s.trim());
    let workflows = annotations.get(WORKFLOWS_ANNOTATION);
    match (github, gitlab) {
        (Some(_), Some(_)) => Err(format!(
            "annotations {GITHUB_ANNOTATION} and {GITLAB_ANNOTATION} are both set; a workload links one CI project"
        )),
        (Some(repo), None) => {
            if !is_path(repo, false) {
                return Err(format!(
                    "annotation {GITHUB_ANNOTATION}: expected \"owner/repo\", got \"{repo}\""
                ));
            }
            let workflows = workflows
                .map(|w| {
                    w.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            Ok(Some(CiLink::GitHub {
                repo: repo.to_string(),
                workflows,
            }))
        }
        (None, Some(project)) => {
            if !is_path(project, true) {
                return Err(format!(
                    "annotation {GITLAB_ANNOTATION}: expected \"group/project\", got \"{project}\""
                ));
            }
            if workflows.is_some() {
                return Err(format!(
                    "annotation {WORKFLOWS_ANNOTATION} needs {GITHUB_ANNOTATION}"
                ));
            }
            Ok(Some(CiLink::GitLab {
                project: project.to_string(),
            }))
        }
        (None, None) if workflows.is_some() => Err(format!(
            "annotation {WORKFLOWS_ANNOTATION} needs {GITHUB_ANNOTATION}"
        )),
        (None, None) => Ok(None),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn annotations_link_a_workload() {
        let ann = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert_eq!(
            ci_from_annotations(&ann(&[
                ("quarterdeck.dev/github", "acme/orders-api"),
                ("quarterdeck.dev/github-workflows", "ci.yml, deploy.yml,"),
            ])),
            Ok(Some(CiLink::GitHub {
                repo: "acme/orders-api".into(),
                workflows: vec!["ci.yml".into(), "deploy.yml".into()],
            }))
        );
        assert_eq!(
            ci_from_annotations(&ann(&[("quarterdeck.dev/gitlab", "bnpl/feature-store")])),
            Ok(Some(CiLink::GitLab {
                project: "bnpl/feature-store".into()
            }))
        );
        assert_eq!(ci_from_annotations(&ann(&[("app", "x")])), Ok(None));
        assert_eq!(
            ci_from_annotations(&ann(&[("quarterdeck.dev/github", "orders-api")])),
            Err(
                "annotation quarterdeck.dev/github: expected \"owner/repo\", got \"orders-api\""
                    .into()
            )
        );
        assert_eq!(
            ci_from_annotations(&ann(&[("quarterdeck.dev/github-workflows", "ci.yml")])),
            Err("annotation quarterdeck.dev/github-workflows needs quarterdeck.dev/github".into())
        );
        assert!(
            ci_from_annotations(&ann(&[
                ("quarterdeck.dev/github", "a/b"),
                ("quarterdeck.dev/gitlab", "c/d")
            ]))
            .is_err()
        );
    }
}
