//! Releases linked to their CI, from `[[release]]` tables in `config.toml`:
//!
//! ```toml
//! [github]                       # optional: GitHub Enterprise Server
//! base_url = "https://ghe.example.com/api/v3"
//! [gitlab]                       # optional: a self-managed instance
//! base_url = "https://gitlab.example.com"
//!
//! [[release]]
//! name = "orders-api"
//! workload = "rollout/orders-api"      # or "deployment/NAME"
//! namespace = "orders"
//! context = "prod"                     # optional: the kubeconfig context
//! github = "acme/orders-api"           # or: gitlab = "group/project"
//! workflows = ["ci.yml", "deploy.yml"] # optional, GitHub only
//! ```
//!
//! Other top-level tables of `config.toml` belong to other settings and are left alone here;
//! inside these tables every unknown key is an error naming file, line and key. A workload can
//! also carry its link as annotations (see [`quarterdeck_core::link::ci_from_annotations`]).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde::de::IgnoredAny;
use toml::Spanned;

use quarterdeck_core::config_error::{ConfigError, line_of, syntax_error};
use quarterdeck_core::link::{CiLink, ReleaseConfig, ReleasesConfig, is_path};
use quarterdeck_core::release::WorkloadKind;

use super::paths::display_path;

#[derive(Deserialize)]
struct File {
    #[serde(default)]
    release: Vec<RawRelease>,
    #[serde(default)]
    github: Option<Provider>,
    #[serde(default)]
    gitlab: Option<Provider>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Provider {
    base_url: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRelease {
    name: Spanned<String>,
    workload: Spanned<String>,
    namespace: Spanned<String>,
    #[serde(default)]
    context: Option<Spanned<String>>,
    #[serde(default)]
    github: Option<Spanned<String>>,
    #[serde(default)]
    workflows: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    gitlab: Option<Spanned<String>>,
    // Analysis settings: read and checked by analysis.rs.
    #[serde(default, rename = "prometheus")]
    _prometheus: Option<IgnoredAny>,
    #[serde(default, rename = "triggers")]
    _triggers: Option<IgnoredAny>,
    #[serde(default, rename = "guard")]
    _guard: Option<IgnoredAny>,
    #[serde(default, rename = "auto_protected")]
    _auto_protected: Option<IgnoredAny>,
}

/// Reads `config.toml` from `dir`; no directory or no file means no releases.
pub fn load_releases(dir: Option<&Path>) -> Result<ReleasesConfig, ConfigError> {
    let Some(path) = dir.map(|d| d.join("config.toml")) else {
        return Ok(ReleasesConfig::default());
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => parse_releases(&display_path(&path), &text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ReleasesConfig::default()),
        Err(source) => Err(ConfigError::Io {
            file: display_path(&path),
            source,
        }),
    }
}

/// Parses the text of `file` (named in errors).
pub fn parse_releases(file: &str, text: &str) -> Result<ReleasesConfig, ConfigError> {
    let parsed: File = toml::from_str(text).map_err(|e| syntax_error(file, text, &e))?;
    let invalid = |span: std::ops::Range<usize>, key: &str, problem: String| ConfigError::Invalid {
        file: file.to_string(),
        line: line_of(text, span.start),
        key: key.to_string(),
        problem,
    };
    let base_url = |p: Option<Provider>| -> Result<Option<String>, ConfigError> {
        let Some(url) = p.and_then(|p| p.base_url) else {
            return Ok(None);
        };
        let value = url.get_ref().trim_end_matches('/').to_string();
        if value.starts_with("https://") || value.starts_with("http://") {
            Ok(Some(value))
        } else {
            Err(invalid(
                url.span(),
                "base_url",
                format!(
                    "expected an http:// or https:// URL, got \"{}\"",
                    url.get_ref()
                ),
            ))
        }
    };
    let github_base_url = base_url(parsed.github)?;
    let gitlab_base_url = base_url(parsed.gitlab)?;
    let mut releases: Vec<ReleaseConfig> = Vec::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for raw in parsed.release {
        let name = raw.name.get_ref().trim().to_string();
        if name.is_empty() {
            return Err(invalid(raw.name.span(), "name", "must not be empty".into()));
        }
        let line = line_of(text, raw.name.span().start);
        if let Some(first) = seen.insert(name.clone(), line) {
            return Err(invalid(
                raw.name.span(),
                "name",
                format!("release \"{name}\" is defined twice (first on line {first})"),
            ));
        }
        let (kind, workload) = match raw.workload.get_ref().split_once('/') {
            Some(("deployment", n)) if !n.is_empty() => (WorkloadKind::Deployment, n.to_string()),
            Some(("rollout", n)) if !n.is_empty() => (WorkloadKind::Rollout, n.to_string()),
            _ => {
                return Err(invalid(
                    raw.workload.span(),
                    "workload",
                    format!(
                        "expected \"deployment/NAME\" or \"rollout/NAME\", got \"{}\"",
                        raw.workload.get_ref()
                    ),
                ));
            }
        };
        let ci = match (&raw.github, &raw.gitlab) {
            (Some(_), Some(gl)) => {
                return Err(invalid(
                    gl.span(),
                    "gitlab",
                    "a release links one CI project: keep either github or gitlab".into(),
                ));
            }
            (Some(gh), None) => {
                if !is_path(gh.get_ref(), false) {
                    return Err(invalid(
                        gh.span(),
                        "github",
                        format!("expected \"owner/repo\", got \"{}\"", gh.get_ref()),
                    ));
                }
                Some(CiLink::GitHub {
                    repo: gh.get_ref().clone(),
                    workflows: raw
                        .workflows
                        .as_ref()
                        .map(|w| w.get_ref().clone())
                        .unwrap_or_default(),
                })
            }
            (None, Some(gl)) => {
                if !is_path(gl.get_ref(), true) {
                    return Err(invalid(
                        gl.span(),
                        "gitlab",
                        format!("expected \"group/project\", got \"{}\"", gl.get_ref()),
                    ));
                }
                Some(CiLink::GitLab {
                    project: gl.get_ref().clone(),
                })
            }
            (None, None) => None,
        };
        if let Some(w) = &raw.workflows
            && !matches!(ci, Some(CiLink::GitHub { .. }))
        {
            return Err(invalid(
                w.span(),
                "workflows",
                "workflows need github = \"owner/repo\" in the same release".into(),
            ));
        }
        releases.push(ReleaseConfig {
            name,
            kind,
            workload,
            namespace: raw.namespace.get_ref().clone(),
            context: raw.context.map(|c| c.into_inner()),
            ci,
        });
    }
    Ok(ReleasesConfig {
        releases,
        github_base_url,
        gitlab_base_url,
    })
}

#[cfg(test)]
#[path = "releases_tests.rs"]
mod tests;
