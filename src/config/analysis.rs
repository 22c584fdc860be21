//! Canary analysis settings in `config.toml`:
//!
//! ```toml
//! [prometheus]
//! url = "https://prometheus.example.com"      # or with a path prefix
//! [analysis]                                   # defaults for releases that name none
//! triggers = ["error_ratio > 1% for 2m", "p95 > 50ms for 2m", "health_failures > 5%"]
//! guard = "propose"                            # off | propose | auto
//! [contexts."prod-*"]
//! prometheus = "https://prom.prod.example.com"
//! [[release]]
//! name = "feature-store"                       # … with the keys of releases.rs, and:
//! prometheus = "https://prom.bnpl.example.com"
//! triggers = ["error_ratio > 2% for 1m"]
//! guard = "auto"
//! auto_protected = false
//! ```
//!
//! A trigger is a signal where "above" means bad (`error_ratio`, `p95`, `p99`,
//! `health_failures`), `>`, a value (`1%`, `0.01`, `50ms`, `0.05s`) and an optional
//! `for DURATION` (`90s`, `2m`, `1m30s`). Every mistake names file, line and key; URLs are never
//! repeated in errors (they may hold credentials).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use quarterdeck_core::analysis::{
    AnalysisConfig, GuardMode, ReleaseAnalysisConfig, Signal, Trigger,
};
use quarterdeck_core::config_error::{ConfigError, line_of, syntax_error};
use quarterdeck_core::release::WorkloadKind;

use super::paths::display_path;

/// The seed systems' rollback triggers: the demo's default.
pub const SEED_TRIGGERS: [&str; 3] = [
    "error_ratio > 1% for 2m",
    "p95 > 50ms for 2m",
    "health_failures > 5%",
];

/// What applies where `config.toml` says nothing (the demo's Prometheus and triggers).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AnalysisDefaults {
    /// The Prometheus URL.
    pub url: Option<String>,
    /// The default triggers.
    pub triggers: Vec<Trigger>,
    /// The default guard.
    pub guard: GuardMode,
}

impl AnalysisDefaults {
    /// The seed's triggers with guard `propose`, against `url`.
    pub fn seed(url: String) -> AnalysisDefaults {
        AnalysisDefaults {
            url: Some(url),
            triggers: SEED_TRIGGERS
                .iter()
                .filter_map(|t| parse_trigger(t).ok())
                .collect(),
            guard: GuardMode::Propose,
        }
    }
}

#[derive(Deserialize)]
struct File {
    #[serde(default)]
    prometheus: Option<RawPrometheus>,
    #[serde(default)]
    analysis: Option<RawAnalysis>,
    // The other keys of these tables are checked by control.rs and releases.rs.
    #[serde(default)]
    contexts: BTreeMap<String, RawContext>,
    #[serde(default)]
    release: Vec<RawRelease>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPrometheus {
    url: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAnalysis {
    triggers: Option<Vec<Spanned<String>>>,
    guard: Option<Spanned<String>>,
}

#[derive(Deserialize)]
struct RawContext {
    prometheus: Option<Spanned<String>>,
}

#[derive(Deserialize)]
struct RawRelease {
    name: String,
    workload: Spanned<String>,
    namespace: String,
    context: Option<String>,
    prometheus: Option<Spanned<String>>,
    triggers: Option<Vec<Spanned<String>>>,
    guard: Option<Spanned<String>>,
    auto_protected: Option<bool>,
}

/// Reads `config.toml` from `dir` over `defaults`; no directory or no file means the defaults.
pub fn load_analysis(
    dir: Option<&Path>,
    defaults: &AnalysisDefaults,
) -> Result<AnalysisConfig, ConfigError> {
    let Some(path) = dir.map(|d| d.join("config.toml")) else {
        return parse_analysis("config.toml", "", defaults);
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => parse_analysis(&display_path(&path), &text, defaults),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            parse_analysis("config.toml", "", defaults)
        }
        Err(source) => Err(ConfigError::Io {
            file: display_path(&path),
            source,
        }),
    }
}

/// Parses the text of `file` (named in errors) over `defaults`.
pub fn parse_analysis(
    file: &str,
    text: &str,
    defaults: &AnalysisDefaults,
) -> Result<AnalysisConfig, ConfigError> {
    let parsed: File = toml::from_str(text).map_err(|e| syntax_error(file, text, &e))?;
    let invalid = |span: std::ops::Range<usize>, key: &str, problem: String| ConfigError::Invalid {
        file: file.to_string(),
        line: line_of(text, span.start),
        key: key.to_string(),
        problem,
    };
    let url_of = |value: &Spanned<String>, key: &str| -> Result<String, ConfigError> {
        let url = value.get_ref().trim().trim_end_matches('/');
        if url.starts_with("https://") || url.starts_with("http://") {
            Ok(url.to_string())
        } else {
            // The URL may hold a password: say what is wrong, not what it is.
            Err(invalid(
                value.span(),
                key,
                "expected an http:// or https:// URL".into(),
            ))
        }
    };
    let triggers_of = |list: &[Spanned<String>]| -> Result<Vec<Trigger>, ConfigError> {
        list.iter()
            .map(|t| {
                parse_trigger(t.get_ref())
                    .map_err(|p| invalid(t.span(), "triggers", format!("\"{}\": {p}", t.get_ref())))
            })
            .collect()
    };
    let guard_of = |g: &Spanned<String>| -> Result<GuardMode, ConfigError> {
        match g.get_ref().as_str() {
            "off" => Ok(GuardMode::Off),
            "propose" => Ok(GuardMode::Propose),
            "auto" => Ok(GuardMode::Auto),
            other => Err(invalid(
                g.span(),
                "guard",
                format!("expected \"off\", \"propose\" or \"auto\", got \"{other}\""),
            )),
        }
    };
    let url = match parsed.prometheus.and_then(|p| p.url) {
        Some(u) => Some(url_of(&u, "url")?),
        None => defaults.url.clone(),
    };
    let analysis = parsed.analysis;
    let default_triggers = match analysis.as_ref().and_then(|a| a.triggers.as_deref()) {
        Some(list) => triggers_of(list)?,
        None => defaults.triggers.clone(),
    };
    let default_guard = match analysis.as_ref().and_then(|a| a.guard.as_ref()) {
        Some(g) => guard_of(g)?,
        None => defaults.guard,
    };
    let mut context_urls: Vec<(usize, (String, String))> = Vec::new();
    for (pattern, raw) in parsed.contexts {
        if let Some(p) = raw.prometheus {
            let line = line_of(text, p.span().start);
            context_urls.push((line, (pattern, url_of(&p, "prometheus")?)));
        }
    }
    context_urls.sort_by_key(|(line, _)| *line);
    let mut releases = Vec::new();
    for raw in parsed.release {
        let (kind, workload) = match raw.workload.get_ref().split_once('/') {
            Some(("deployment", n)) => (WorkloadKind::Deployment, n.to_string()),
            Some(("rollout", n)) => (WorkloadKind::Rollout, n.to_string()),
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
        releases.push(ReleaseAnalysisConfig {
            name: raw.name.trim().to_string(),
            kind,
            workload,
            namespace: raw.namespace,
            context: raw.context,
            prometheus: raw
                .prometheus
                .as_ref()
                .map(|p| url_of(p, "prometheus"))
                .transpose()?,
            triggers: raw.triggers.as_deref().map(triggers_of).transpose()?,
            guard: raw
                .guard
                .as_ref()
                .map(guard_of)
                .transpose()?
                .unwrap_or(default_guard),
            auto_protected: raw.auto_protected.unwrap_or(false),
        });
    }
    Ok(AnalysisConfig {
        url,
        context_urls: context_urls.into_iter().map(|(_, c)| c).collect(),
        default_triggers,
        default_guard,
        releases,
    })
}

/// One trigger string (`error_ratio > 1% for 2m`), or what is wrong with it.
pub fn parse_trigger(text: &str) -> Result<Trigger, String> {
    const FORM: &str = "expected SIGNAL > VALUE [for DURATION], like \"error_ratio > 1% for 2m\"";
    let Some((signal, rest)) = text.split_once('>') else {
        return Err(if text.contains('<') {
            "triggers fire above a threshold: use >".into()
        } else {
            FORM.into()
        });
    };
    let (signal, ratio) = match signal.trim() {
        "error_ratio" => (Signal::ErrorRatio, true),
        "health_failures" => (Signal::HealthFailures, true),
        "p95" => (Signal::P95, false),
        "p99" => (Signal::P99, false),
        "request_rate" => {
            return Err("request_rate is no rollback trigger: more requests are not worse".into());
        }
        "" => return Err(FORM.into()),
        other => {
            return Err(format!(
                "unknown signal \"{other}\" (expected error_ratio, p95, p99 or health_failures)"
            ));
        }
    };
    let mut words = rest.split_whitespace();
    let value = words.next().ok_or(FORM)?;
    let above = if ratio {
        threshold_ratio(value)?
    } else {
        threshold_seconds(value)?
    };
    let for_ms = match (words.next(), words.next(), words.next()) {
        (None, _, _) => 0,
        (Some("for"), Some(d), None) => duration_ms(d)?,
        _ => return Err(FORM.into()),
    };
    Ok(Trigger {
        signal,
        above,
        for_ms,
    })
}

fn number(text: &str, whole: &str) -> Result<f64, String> {
    text.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v >= 0.0)
        .ok_or_else(|| format!("\"{whole}\" is not a threshold"))
}

/// `1%` or `0.01`, as a ratio.
fn threshold_ratio(value: &str) -> Result<f64, String> {
    let ratio = match value.strip_suffix('%') {
        Some(pct) => number(pct, value)? / 100.0,
        None if threshold_seconds(value).is_ok() => {
            return Err(format!(
                "\"{value}\" is a time; this signal is a ratio (1% or 0.01)"
            ));
        }
        None => number(value, value)?,
    };
    if ratio > 1.0 {
        return Err(format!("\"{value}\" is above 100%"));
    }
    Ok(ratio)
}

/// `50ms` or `0.05s`, in seconds.
fn threshold_seconds(value: &str) -> Result<f64, String> {
    if let Some(ms) = value.strip_suffix("ms") {
        Ok(number(ms, value)? / 1000.0)
    } else if let Some(s) = value.strip_suffix('s') {
        number(s, value)
    } else {
        Err(format!("\"{value}\" needs a unit: 50ms or 0.05s"))
    }
}

/// `90s`, `2m`, `1m30s`, `1h`, `500ms`.
fn duration_ms(text: &str) -> Result<i64, String> {
    let bad = || format!("\"{text}\" is not a duration (like 90s, 2m or 1m30s)");
    let mut total: i64 = 0;
    let mut rest = text;
    if rest.is_empty() {
        return Err(bad());
    }
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
        let n: i64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let (unit, len) = if rest.starts_with("ms") {
            (1, 2)
        } else if rest.starts_with('s') {
            (1_000, 1)
        } else if rest.starts_with('m') {
            (60_000, 1)
        } else if rest.starts_with('h') {
            (3_600_000, 1)
        } else {
            return Err(bad());
        };
        total = n
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(bad)?;
        rest = &rest[len..];
    }
    Ok(total)
}

#[cfg(test)]
#[path = "analysis_tests.rs"]
mod tests;
