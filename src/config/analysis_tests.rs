//! Analysis settings: a full file, the defaults it falls back to, and every mistake with its
//! exact message.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

const FILE: &str = "~/.config/quarterdeck/config.toml";

fn err(text: &str) -> String {
    parse_analysis(FILE, text, &AnalysisDefaults::default())
        .unwrap_err()
        .to_string()
}

fn t(signal: Signal, above: f64, for_ms: i64) -> Trigger {
    Trigger {
        signal,
        above,
        for_ms,
    }
}

#[test]
fn a_full_file_parses() {
    let text = r#"
[prometheus]
url = "https://prometheus.example.com/prom/"

[analysis]
triggers = ["error_ratio > 1% for 2m", "p95 > 50ms for 2m", "health_failures > 5%"]
guard = "auto"

[contexts."prod-*"]
protected = true
prometheus = "https://prom.prod.example.com"

[contexts.staging]
readonly = true

[[release]]
name = "feature-store"
workload = "rollout/feature-store"
namespace = "bnpl"
context = "prod-eu"
gitlab = "bnpl/feature-store"
prometheus = "http://prom.bnpl:9090"
triggers = ["error_ratio > 0.02 for 1m30s", "p99 > 0.2s"]
guard = "propose"
auto_protected = true

[[release]]
name = "plain"
workload = "deployment/plain"
namespace = "default"
"#;
    let c = parse_analysis(FILE, text, &AnalysisDefaults::default()).unwrap();
    assert_eq!(
        c.url.as_deref(),
        Some("https://prometheus.example.com/prom")
    );
    assert_eq!(
        c.context_urls,
        vec![(
            "prod-*".to_string(),
            "https://prom.prod.example.com".to_string()
        )]
    );
    assert_eq!(
        c.default_triggers,
        vec![
            t(Signal::ErrorRatio, 0.01, 120_000),
            t(Signal::P95, 0.05, 120_000),
            t(Signal::HealthFailures, 0.05, 0),
        ]
    );
    assert_eq!(c.default_guard, GuardMode::Auto);
    assert_eq!(
        c.releases[0],
        ReleaseAnalysisConfig {
            name: "feature-store".into(),
            kind: WorkloadKind::Rollout,
            workload: "feature-store".into(),
            namespace: "bnpl".into(),
            context: Some("prod-eu".into()),
            prometheus: Some("http://prom.bnpl:9090".into()),
            triggers: Some(vec![
                t(Signal::ErrorRatio, 0.02, 90_000),
                t(Signal::P99, 0.2, 0)
            ]),
            guard: GuardMode::Propose,
            auto_protected: true,
        }
    );
    // A release that names nothing takes the defaults.
    assert_eq!(c.releases[1].triggers, None);
    assert_eq!(c.releases[1].guard, GuardMode::Auto);
    assert!(!c.releases[1].auto_protected);
    // The other settings accept the same file.
    assert!(crate::config::releases::parse_releases(FILE, text).is_ok());
    assert!(crate::config::control::parse_control(FILE, text).is_ok());
}

#[test]
fn the_file_wins_over_the_defaults_and_silence_keeps_them() {
    let seed = AnalysisDefaults::seed("http://127.0.0.1:1/prometheus".into());
    let c = parse_analysis(FILE, "", &seed).unwrap();
    assert_eq!(c.url.as_deref(), Some("http://127.0.0.1:1/prometheus"));
    assert_eq!(c.default_triggers.len(), 3);
    assert_eq!(c.default_guard, GuardMode::Propose);
    let c = parse_analysis(
        FILE,
        "[analysis]\ntriggers = []\nguard = \"off\"\n[prometheus]\nurl = \"http://p\"\n",
        &seed,
    )
    .unwrap();
    assert_eq!(c.url.as_deref(), Some("http://p"));
    assert!(c.default_triggers.is_empty());
    assert_eq!(c.default_guard, GuardMode::Off);
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        load_analysis(Some(dir.path()), &seed)
            .unwrap()
            .default_triggers
            .len(),
        3
    );
}

#[test]
fn mistakes_name_file_line_and_key() {
    assert_eq!(
        err("[prometheus]\nurl = \"prom.example.com\"\n"),
        format!("{FILE}:2: key \"url\": expected an http:// or https:// URL")
    );
    assert_eq!(
        err("[contexts.prod]\n\nprometheus = \"ftp://user:secret@x\"\n"),
        format!("{FILE}:3: key \"prometheus\": expected an http:// or https:// URL")
    );
    assert_eq!(
        err("[analysis]\nguard = \"yolo\"\n"),
        format!("{FILE}:2: key \"guard\": expected \"off\", \"propose\" or \"auto\", got \"yolo\"")
    );
    let release = "[[release]]\nname = \"a\"\nworkload = \"deployment/a\"\nnamespace = \"n\"\n";
    assert_eq!(
        err(&format!(
            "{release}triggers = [\n  \"p95 > 50ms\",\n  \"latency > 1s\",\n]\n"
        )),
        format!(
            "{FILE}:7: key \"triggers\": \"latency > 1s\": unknown signal \"latency\" (expected error_ratio, p95, p99 or health_failures)"
        )
    );
    assert_eq!(
        err(&format!("{release}guard = \"never\"\n")),
        format!(
            "{FILE}:5: key \"guard\": expected \"off\", \"propose\" or \"auto\", got \"never\""
        )
    );
    assert!(
        err(&format!("{release}auto_protected = \"yes\"\n"))
            .starts_with(&format!("{FILE}:5: invalid type")),
    );
    let unknown = err("[analysis]\ntrigger = []\n");
    assert!(
        unknown.starts_with(&format!("{FILE}:2: unknown field `trigger`")),
        "{unknown}"
    );
    let unknown = err("[prometheus]\nurl = \"http://p\"\ntoken = \"x\"\n");
    assert!(
        unknown.starts_with(&format!("{FILE}:3: unknown field `token`")),
        "{unknown}"
    );
}

#[test]
fn each_trigger_mistake_says_what_is_wrong() {
    let cases = [
        ("error_ratio < 1%", "triggers fire above a threshold: use >"),
        (
            "error_ratio 1%",
            "expected SIGNAL > VALUE [for DURATION], like \"error_ratio > 1% for 2m\"",
        ),
        (
            "request_rate > 5",
            "request_rate is no rollback trigger: more requests are not worse",
        ),
        ("p95 > 50", "\"50\" needs a unit: 50ms or 0.05s"),
        ("p95 > 5%", "\"5%\" needs a unit: 50ms or 0.05s"),
        (
            "error_ratio > 50ms",
            "\"50ms\" is a time; this signal is a ratio (1% or 0.01)",
        ),
        ("error_ratio > 150%", "\"150%\" is above 100%"),
        ("error_ratio > lots", "\"lots\" is not a threshold"),
        (
            "error_ratio > 1% for ever",
            "\"ever\" is not a duration (like 90s, 2m or 1m30s)",
        ),
        (
            "error_ratio > 1% during 2m",
            "expected SIGNAL > VALUE [for DURATION], like \"error_ratio > 1% for 2m\"",
        ),
        (
            "error_ratio > 1% for 2m now",
            "expected SIGNAL > VALUE [for DURATION], like \"error_ratio > 1% for 2m\"",
        ),
    ];
    for (text, problem) in cases {
        assert_eq!(parse_trigger(text).unwrap_err(), problem, "{text}");
    }
    assert_eq!(
        parse_trigger("p99>0.25s for 1h").unwrap(),
        t(Signal::P99, 0.25, 3_600_000)
    );
    assert_eq!(
        parse_trigger("health_failures > 0.05 for 500ms").unwrap(),
        t(Signal::HealthFailures, 0.05, 500)
    );
}
