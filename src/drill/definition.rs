//! A drill as written in `assets/drills/*.toml` (compiled in) or in the user's
//! `drills/NAME.toml` under the config directory: the starting world, the incidents and the
//! window in which each happens, what counts as detected and as mitigated, the releases that
//! may be touched, the targets, and the answer key the scripted responder follows. Unknown
//! keys and bad values are errors that name the file, the line and the key.

use std::path::Path;
use std::time::Duration;

use quarterdeck_core::analysis::GuardMode;
use quarterdeck_core::config_error::{ConfigError, line_of, syntax_error};
use serde::Deserialize;
use toml::Spanned;

use crate::headless::duration;

/// The drills shipped with Quarterdeck.
const BUILT_IN: &[(&str, &str)] = &[
    (
        "orders-canary",
        include_str!("../../assets/drills/orders-canary.toml"),
    ),
    (
        "feature-store-guard-off",
        include_str!("../../assets/drills/feature-store-guard-off.toml"),
    ),
    (
        "customer-intelligence-crashloop",
        include_str!("../../assets/drills/customer-intelligence-crashloop.toml"),
    ),
    (
        "observability-switchback",
        include_str!("../../assets/drills/observability-switchback.toml"),
    ),
    (
        "compound-decoy",
        include_str!("../../assets/drills/compound-decoy.toml"),
    ),
    (
        "orders-gate-approved",
        include_str!("../../assets/drills/orders-gate-approved.toml"),
    ),
];

/// A loaded drill, durations in milliseconds of simulated time.
#[derive(Debug, Clone, PartialEq)]
pub struct Drill {
    /// Its name (the file's stem).
    pub name: String,
    /// One line for `--list`.
    pub title: String,
    /// The built-in scenario the world starts from.
    pub world: String,
    /// The drill ends here even when nothing was mitigated.
    pub time_limit_ms: u64,
    /// Shown in the drill bar only with `--hints`.
    pub hints: Vec<String>,
    /// What happens, in order of declaration.
    pub incidents: Vec<Incident>,
    /// Releases (`namespace/name`) in trouble; an action on any other is collateral.
    pub affected: Vec<String>,
    /// Actions that count as collateral even on an affected release (`promote` on a bad canary).
    pub forbidden: Vec<String>,
    /// How looking at an affected release counts as detection.
    pub detect_by: Vec<Look>,
    /// What must hold, all at once, for the incident to be mitigated.
    pub mitigate: Vec<Mitigation>,
    /// Time to detect, from the first incident.
    pub detect_target_ms: u64,
    /// Time to mitigate, from the first incident.
    pub mitigate_target_ms: u64,
    /// The answer key, in order.
    pub answer: Vec<Step>,
    /// The guard mode the dashboard runs with during the drill (`off` unless said).
    pub guard: GuardMode,
}

/// One incident: what, and the window in which the seeded moment falls.
#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    /// What is injected.
    pub kind: IncidentKind,
    /// The window, from the drill's start.
    pub window_ms: (u64, u64),
    /// The trouble goes away by itself this long after it started.
    pub recover_after_ms: Option<u64>,
    /// Not the drill's real trouble: the clocks start at the first incident that is not a
    /// decoy, and acting on a decoy's release is collateral.
    pub decoy: bool,
}

/// What an incident does to the world.
#[derive(Debug, Clone, PartialEq)]
pub enum IncidentKind {
    /// An image starts to misbehave (`/sim/version`).
    Version {
        /// The image.
        image: String,
        /// Share of 5xx answers.
        error_rate: Option<f64>,
        /// Typical latency, ms.
        latency_ms: Option<f64>,
        /// Crash-loops.
        crash_loop: bool,
    },
    /// Someone starts a rollout of an image (`/sim/rollout`).
    Deploy {
        /// `namespace/name`.
        release: String,
        /// The image deployed.
        image: String,
    },
    /// Someone else promotes a paused rollout, as the Argo Rollouts plugin does.
    Promote {
        /// `namespace/name`.
        release: String,
    },
    /// The API answers errors (`/sim/faults` `fail_next`).
    ApiErrors {
        /// HTTP status: 429, 500 or 503.
        status: u16,
        /// How many requests.
        count: u32,
    },
    /// Every open watch is dropped (`/sim/faults`).
    DropWatches,
    /// The Kubernetes API answers every request with `status` for a while (`/sim/outage`):
    /// reads, watches and writes alike.
    Outage {
        /// HTTP status: 500, 503 or 504.
        status: u16,
        /// How long, in simulated milliseconds.
        duration_ms: u64,
    },
    /// Someone else approves a waiting deployment gate (`/sim/ci/approve`), and the image its
    /// deploy rolls out misbehaves.
    Approve {
        /// `github` or `gitlab`.
        provider: String,
        /// The repository or project path.
        project: String,
        /// The gated environment.
        environment: String,
        /// Who approves (a login of the simulated world).
        by: String,
        /// Share of 5xx answers of the deployed image.
        error_rate: Option<f64>,
        /// Its typical latency, ms.
        latency_ms: Option<f64>,
        /// It crash-loops.
        crash_loop: bool,
    },
}

impl IncidentKind {
    /// A short description for the scorecard and the report.
    pub fn describe(&self) -> String {
        match self {
            Self::Version {
                image,
                error_rate,
                latency_ms,
                crash_loop,
            } => format!(
                "{image} turns bad ({})",
                symptoms(*error_rate, *latency_ms, *crash_loop)
            ),
            Self::Deploy { release, image } => format!("someone deploys {image} to {release}"),
            Self::Promote { release } => format!("someone else promotes {release}"),
            Self::ApiErrors { status, count } => {
                format!("the API answers {status} to the next {count} requests")
            }
            Self::DropWatches => "every watch drops".into(),
            Self::Outage {
                status,
                duration_ms,
            } => format!(
                "the Kubernetes API answers {status} for {}s",
                duration_ms / 1000
            ),
            Self::Approve {
                project,
                environment,
                by,
                error_rate,
                latency_ms,
                crash_loop,
                ..
            } => format!(
                "{by} approves {project}'s {environment} gate; its image is bad ({})",
                symptoms(*error_rate, *latency_ms, *crash_loop)
            ),
        }
    }
}

/// How a bad image misbehaves, in words.
fn symptoms(error_rate: Option<f64>, latency_ms: Option<f64>, crash_loop: bool) -> String {
    let mut what = Vec::new();
    if let Some(e) = error_rate {
        what.push(format!("{:.0}% errors", e * 100.0));
    }
    if let Some(l) = latency_ms {
        what.push(format!("{l:.0} ms latency"));
    }
    if crash_loop {
        what.push("crash loop".into());
    }
    what.join(", ")
}

/// A way of looking at a release that counts as noticing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Look {
    /// The release is selected.
    Selected,
    /// Its logs are open.
    Logs,
    /// Its analysis is open.
    Analysis,
}

/// One release that must be back on a good revision with healthy metrics.
#[derive(Debug, Clone, PartialEq)]
pub struct Mitigation {
    /// `namespace/name`.
    pub release: String,
    /// The images that count as good revisions.
    pub serving: Vec<String>,
    /// The error ratio must be under this.
    pub error_ratio_below: f64,
    /// p95 latency must be under this, in seconds.
    pub p95_below_s: f64,
}

/// One step of the answer key.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// When, after the first incident.
    pub after_ms: u64,
    /// What.
    pub what: StepKind,
}

/// What a step of the answer key does.
#[derive(Debug, Clone, PartialEq)]
pub enum StepKind {
    /// Open the release's analysis (detection).
    Look {
        /// `namespace/name`.
        release: String,
    },
    /// An action through the control path.
    Act {
        /// `abort`, `undo`, `promote`, `retry`, `pause`, `resume`, `restart`.
        action: String,
        /// `namespace/name`.
        release: String,
        /// For `undo`: the revision running this image (default: the previous revision).
        to_image: Option<String>,
    },
}

/// The actions the answer key may use.
const ACTIONS: &[&str] = &[
    "abort", "undo", "promote", "retry", "pause", "resume", "restart",
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDrill {
    title: String,
    #[serde(default)]
    world: Option<String>,
    time_limit: Spanned<String>,
    #[serde(default)]
    hints: Vec<String>,
    #[serde(default)]
    guard: Option<Spanned<String>>,
    #[serde(rename = "incident")]
    incidents: Vec<RawIncident>,
    affected: Vec<String>,
    #[serde(default)]
    forbidden: Vec<Spanned<String>>,
    detect: RawDetect,
    #[serde(rename = "mitigate")]
    mitigations: Vec<RawMitigation>,
    targets: RawTargets,
    #[serde(default)]
    answer: Vec<RawStep>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIncident {
    kind: Spanned<String>,
    window: Spanned<[String; 2]>,
    recover_after: Option<Spanned<String>>,
    #[serde(default)]
    decoy: bool,
    image: Option<String>,
    release: Option<String>,
    error_rate: Option<f64>,
    latency_ms: Option<f64>,
    #[serde(default)]
    crash_loop: bool,
    status: Option<u16>,
    count: Option<u32>,
    duration: Option<Spanned<String>>,
    provider: Option<String>,
    project: Option<String>,
    environment: Option<String>,
    by: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDetect {
    by: Vec<Look>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMitigation {
    release: String,
    serving: Vec<String>,
    error_ratio_below: f64,
    p95_below: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTargets {
    detect: Spanned<String>,
    mitigate: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    after: Spanned<String>,
    look: Option<String>,
    act: Option<Spanned<String>>,
    release: Option<String>,
    to_image: Option<String>,
}

/// Parses one drill file; `file` is how errors name it.
pub fn parse(name: &str, file: &str, text: &str) -> Result<Drill, ConfigError> {
    let raw: RawDrill = toml::from_str(text).map_err(|e| syntax_error(file, text, &e))?;
    let invalid = |span: std::ops::Range<usize>, key: &str, problem: String| ConfigError::Invalid {
        file: file.to_string(),
        line: line_of(text, span.start),
        key: key.to_string(),
        problem,
    };
    let ms = |value: &Spanned<String>, key: &str| -> Result<u64, ConfigError> {
        duration::parse(value.get_ref())
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
            .map_err(|e| invalid(value.span(), key, e))
    };
    let mut incidents = Vec::new();
    for inc in &raw.incidents {
        incidents.push(incident(inc, &ms, &invalid)?);
    }
    let mut mitigate = Vec::new();
    for m in &raw.mitigations {
        let p95 = duration_or_ms(m.p95_below.get_ref())
            .map_err(|e| invalid(m.p95_below.span(), "p95_below", e))?;
        mitigate.push(Mitigation {
            release: m.release.clone(),
            serving: m.serving.clone(),
            error_ratio_below: m.error_ratio_below,
            p95_below_s: p95.as_secs_f64(),
        });
    }
    let mut answer = Vec::new();
    for s in &raw.answer {
        answer.push(step(s, &ms, &invalid)?);
    }
    for f in &raw.forbidden {
        if !ACTIONS.contains(&f.get_ref().as_str()) {
            return Err(invalid(
                f.span(),
                "forbidden",
                format!(
                    "unknown action {:?}: one of {}",
                    f.get_ref(),
                    ACTIONS.join(", ")
                ),
            ));
        }
    }
    let guard = match &raw.guard {
        None => GuardMode::Off,
        Some(g) => match g.get_ref().as_str() {
            "off" => GuardMode::Off,
            "propose" => GuardMode::Propose,
            "auto" => GuardMode::Auto,
            other => {
                return Err(invalid(
                    g.span(),
                    "guard",
                    format!("unknown guard mode {other:?}: off, propose or auto"),
                ));
            }
        },
    };
    Ok(Drill {
        name: name.to_string(),
        title: raw.title,
        world: raw.world.unwrap_or_else(|| "default".into()),
        time_limit_ms: ms(&raw.time_limit, "time_limit")?,
        hints: raw.hints,
        incidents,
        affected: raw.affected,
        forbidden: raw.forbidden.into_iter().map(Spanned::into_inner).collect(),
        detect_by: raw.detect.by,
        mitigate,
        detect_target_ms: ms(&raw.targets.detect, "targets.detect")?,
        mitigate_target_ms: ms(&raw.targets.mitigate, "targets.mitigate")?,
        answer,
        guard,
    })
}

/// `50ms` or a duration such as `1s`.
fn duration_or_ms(text: &str) -> Result<Duration, String> {
    match text.strip_suffix("ms") {
        Some(n) => n
            .trim()
            .parse::<u64>()
            .map(Duration::from_millis)
            .map_err(|_| format!("bad duration {text:?}: use a number and a unit, like 50ms")),
        None => duration::parse(text),
    }
}

type Invalid<'a> = dyn Fn(std::ops::Range<usize>, &str, String) -> ConfigError + 'a;
type Millis<'a> = dyn Fn(&Spanned<String>, &str) -> Result<u64, ConfigError> + 'a;

fn incident(inc: &RawIncident, ms: &Millis, invalid: &Invalid) -> Result<Incident, ConfigError> {
    let kind_span = inc.kind.span();
    let need = |value: &Option<String>, key: &str| {
        value.clone().ok_or_else(|| {
            invalid(
                kind_span.clone(),
                key,
                format!("a {:?} incident needs \"{key}\"", inc.kind.get_ref()),
            )
        })
    };
    let kind = match inc.kind.get_ref().as_str() {
        "version" => IncidentKind::Version {
            image: need(&inc.image, "image")?,
            error_rate: inc.error_rate,
            latency_ms: inc.latency_ms,
            crash_loop: inc.crash_loop,
        },
        "deploy" => IncidentKind::Deploy {
            release: need(&inc.release, "release")?,
            image: need(&inc.image, "image")?,
        },
        "promote" => IncidentKind::Promote {
            release: need(&inc.release, "release")?,
        },
        "api_errors" => IncidentKind::ApiErrors {
            status: inc.status.unwrap_or(503),
            count: inc.count.unwrap_or(20),
        },
        "drop_watches" => IncidentKind::DropWatches,
        "outage" => {
            let duration = inc.duration.as_ref().ok_or_else(|| {
                invalid(
                    kind_span.clone(),
                    "duration",
                    "an \"outage\" incident needs \"duration\"".into(),
                )
            })?;
            let status = inc.status.unwrap_or(503);
            if !matches!(status, 500 | 503 | 504) {
                return Err(invalid(
                    kind_span,
                    "status",
                    format!("an outage answers 500, 503 or 504, not {status}"),
                ));
            }
            IncidentKind::Outage {
                status,
                duration_ms: ms(duration, "duration")?,
            }
        }
        "approve" => IncidentKind::Approve {
            provider: inc.provider.clone().unwrap_or_else(|| "github".into()),
            project: need(&inc.project, "project")?,
            environment: need(&inc.environment, "environment")?,
            by: inc.by.clone().unwrap_or_else(|| "maria.chen".into()),
            error_rate: inc.error_rate,
            latency_ms: inc.latency_ms,
            crash_loop: inc.crash_loop,
        },
        other => {
            return Err(invalid(
                kind_span,
                "kind",
                format!(
                    "unknown incident kind {other:?}: version, deploy, promote, approve, api_errors, outage or drop_watches"
                ),
            ));
        }
    };
    let [from, to] = inc.window.get_ref();
    let at = |text: &str| {
        duration::parse(text)
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
            .map_err(|e| invalid(inc.window.span(), "window", e))
    };
    let window_ms = (at(from)?, at(to)?);
    if window_ms.0 > window_ms.1 {
        return Err(invalid(
            inc.window.span(),
            "window",
            format!("the window ends ({to}) before it starts ({from})"),
        ));
    }
    let recover_after_ms = match &inc.recover_after {
        Some(r) => Some(ms(r, "recover_after")?),
        None => None,
    };
    Ok(Incident {
        kind,
        window_ms,
        recover_after_ms,
        decoy: inc.decoy,
    })
}

fn step(s: &RawStep, ms: &Millis, invalid: &Invalid) -> Result<Step, ConfigError> {
    let after_ms = ms(&s.after, "after")?;
    let what = match (&s.look, &s.act) {
        (Some(release), None) => StepKind::Look {
            release: release.clone(),
        },
        (None, Some(act)) => {
            if !ACTIONS.contains(&act.get_ref().as_str()) {
                return Err(invalid(
                    act.span(),
                    "act",
                    format!(
                        "unknown action {:?}: one of {}",
                        act.get_ref(),
                        ACTIONS.join(", ")
                    ),
                ));
            }
            let release = s.release.clone().ok_or_else(|| {
                invalid(
                    act.span(),
                    "release",
                    "an \"act\" step needs \"release\"".into(),
                )
            })?;
            StepKind::Act {
                action: act.get_ref().clone(),
                release,
                to_image: s.to_image.clone(),
            }
        }
        _ => {
            return Err(invalid(
                s.after.span(),
                "answer",
                "a step has either \"look\" or \"act\"".into(),
            ));
        }
    };
    Ok(Step { after_ms, what })
}

/// Every drill: the built-in ones, then the user's (`drills/*.toml` in the config directory;
/// a user drill with a built-in's name replaces it).
pub fn all(config_dir: Option<&Path>) -> Result<Vec<Drill>, ConfigError> {
    let mut drills = Vec::new();
    for (name, text) in BUILT_IN {
        drills.push(parse(name, &format!("(built-in) {name}.toml"), text)?);
    }
    let Some(dir) = config_dir.map(|d| d.join("drills")) else {
        return Ok(drills);
    };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(drills);
    };
    let mut paths: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    for path in paths {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Io {
            file: file.clone(),
            source,
        })?;
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let drill = parse(&name, &file, &text)?;
        drills.retain(|d| d.name != drill.name);
        drills.push(drill);
    }
    Ok(drills)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_drill_parses_and_has_an_answer_key() {
        let drills = all(None).unwrap();
        assert_eq!(drills.len(), 6);
        for d in drills {
            assert!(!d.answer.is_empty(), "{} has no answer key", d.name);
            assert!(!d.mitigate.is_empty(), "{} mitigates nothing", d.name);
        }
    }

    #[test]
    fn an_unknown_key_names_the_file_line_and_key() {
        let text = "title = \"t\"\ntime_limit = \"5m\"\nsurprise = 1\n";
        let e = parse("x", "x.toml", text).unwrap_err().to_string();
        assert!(e.starts_with("x.toml:3: unknown field `surprise`"), "{e}");
    }

    #[test]
    fn a_bad_value_names_its_line_and_key() {
        let good = BUILT_IN[0].1;
        let text = good.replacen("time_limit = \"5m\"", "time_limit = \"soon\"", 1);
        assert_ne!(
            text, good,
            "the fixture changed: time_limit is not 5m any more"
        );
        let e = parse("x", "x.toml", &text).unwrap_err().to_string();
        let line = text
            .lines()
            .position(|l| l.starts_with("time_limit"))
            .unwrap()
            + 1;
        assert!(
            e.starts_with(&format!("x.toml:{line}: key \"time_limit\": bad duration")),
            "{e}"
        );
    }

    #[test]
    fn an_unknown_incident_kind_is_refused() {
        let good = BUILT_IN[0].1;
        let text = good.replacen("kind = \"version\"", "kind = \"meteor\"", 1);
        let e = parse("x", "x.toml", &text).unwrap_err().to_string();
        assert!(
            e.contains("key \"kind\": unknown incident kind \"meteor\""),
            "{e}"
        );
    }
}
