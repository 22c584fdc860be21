//! `[[release]]` parsing: valid files and every error with its exact message.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

fn err(text: &str) -> String {
    parse_releases("~/.config/quarterdeck/config.toml", text)
        .unwrap_err()
        .to_string()
}

#[test]
fn a_full_file_parses() {
    let text = r#"
theme = "default"

[github]
base_url = "https://ghe.example.com/api/v3/"

[[release]]
name = "orders-api"
workload = "rollout/orders-api"
namespace = "orders"
context = "prod"
github = "acme/orders-api"
workflows = ["ci.yml", "deploy.yml"]

[[release]]
name = "feature-store"
workload = "deployment/feature-store"
namespace = "bnpl"
gitlab = "bnpl/platform/feature-store"

[[release]]
name = "plain"
workload = "deployment/plain"
namespace = "default"
"#;
    let c = parse_releases("config.toml", text).unwrap();
    assert_eq!(
        c.github_base_url.as_deref(),
        Some("https://ghe.example.com/api/v3")
    );
    assert_eq!(c.gitlab_base_url, None);
    assert_eq!(c.releases.len(), 3);
    assert_eq!(
        c.releases[0],
        ReleaseConfig {
            name: "orders-api".into(),
            kind: WorkloadKind::Rollout,
            workload: "orders-api".into(),
            namespace: "orders".into(),
            context: Some("prod".into()),
            ci: Some(CiLink::GitHub {
                repo: "acme/orders-api".into(),
                workflows: vec!["ci.yml".into(), "deploy.yml".into()],
            }),
        }
    );
    assert_eq!(
        c.releases[1].ci,
        Some(CiLink::GitLab {
            project: "bnpl/platform/feature-store".into()
        })
    );
    assert_eq!(c.releases[2].ci, None);
    assert_eq!(c.releases[2].kind, WorkloadKind::Deployment);
}

#[test]
fn mistakes_name_file_line_and_key() {
    let head = "[[release]]\nname = \"a\"\nnamespace = \"n\"\n";
    assert_eq!(
        err(&format!("{head}workload = \"statefulset/a\"\n")),
        "~/.config/quarterdeck/config.toml:4: key \"workload\": expected \"deployment/NAME\" or \"rollout/NAME\", got \"statefulset/a\""
    );
    assert_eq!(
        err(&format!(
            "{head}workload = \"deployment/a\"\ngithub = \"acme\"\n"
        )),
        "~/.config/quarterdeck/config.toml:5: key \"github\": expected \"owner/repo\", got \"acme\""
    );
    assert_eq!(
        err(&format!(
            "{head}workload = \"deployment/a\"\ngithub = \"a/b\"\ngitlab = \"c/d\"\n"
        )),
        "~/.config/quarterdeck/config.toml:6: key \"gitlab\": a release links one CI project: keep either github or gitlab"
    );
    assert_eq!(
        err(&format!(
            "{head}workload = \"deployment/a\"\ngitlab = \"c/d\"\nworkflows = [\"ci.yml\"]\n"
        )),
        "~/.config/quarterdeck/config.toml:6: key \"workflows\": workflows need github = \"owner/repo\" in the same release"
    );
    assert_eq!(
        err(&format!(
            "{head}workload = \"deployment/a\"\n\n{head}workload = \"rollout/b\"\n"
        )),
        "~/.config/quarterdeck/config.toml:7: key \"name\": release \"a\" is defined twice (first on line 2)"
    );
    assert_eq!(
        err("[gitlab]\nbase_url = \"gitlab.example.com\"\n"),
        "~/.config/quarterdeck/config.toml:2: key \"base_url\": expected an http:// or https:// URL, got \"gitlab.example.com\""
    );
    let unknown = err(&format!(
        "{head}workload = \"deployment/a\"\nrepo = \"a/b\"\n"
    ));
    assert!(
        unknown.starts_with(
            "~/.config/quarterdeck/config.toml:5: unknown field `repo`, expected one of"
        ),
        "{unknown}"
    );
    assert!(unknown.ends_with(": repo = \"a/b\""), "{unknown}");
    let missing = err("[[release]]\nname = \"a\"\nworkload = \"deployment/a\"\n");
    assert!(
        missing.starts_with("~/.config/quarterdeck/config.toml:1: missing field `namespace`"),
        "{missing}"
    );
}

#[test]
fn a_missing_file_means_no_releases() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        load_releases(Some(dir.path())).unwrap(),
        ReleasesConfig::default()
    );
    assert_eq!(load_releases(None).unwrap(), ReleasesConfig::default());
    std::fs::write(dir.path().join("config.toml"), "[[release]]\nname = 1\n").unwrap();
    let e = load_releases(Some(dir.path())).unwrap_err().to_string();
    assert!(e.contains("config.toml:2: invalid type"), "{e}");
}
