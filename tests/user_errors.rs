//! A user's mistake ends the run with one plain message and what to do: no color-eyre
//! location, no backtrace hints, no colour escapes when stderr is not a terminal.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

/// Runs `quarterdeck ARGS` with private HOME, config and state dirs; returns (code, stderr).
fn run(dirs: &tempfile::TempDir, args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_quarterdeck"))
        .args(args)
        .env("HOME", dirs.path())
        .env("QUARTERDECK_CONFIG_DIR", dirs.path().join("config"))
        .env("QUARTERDECK_STATE_DIR", dirs.path().join("state"))
        .env_remove("KUBECONFIG")
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn assert_plain(stderr: &str, expected: &str) {
    assert!(stderr.contains(expected), "{stderr}");
    for noise in ["Location:", "BACKTRACE", "\x1b["] {
        assert!(!stderr.contains(noise), "{noise:?} in {stderr:?}");
    }
    assert!(stderr.lines().count() <= 3, "{stderr}");
}

#[test]
fn no_kubeconfig_is_one_message() {
    let dirs = tempfile::tempdir().unwrap();
    let (code, stderr) = run(&dirs, &[]);
    assert_eq!(code, Some(1));
    assert_plain(&stderr, "quarterdeck: no kubeconfig found");
}

#[test]
fn an_unknown_context_names_the_known_ones() {
    let dirs = tempfile::tempdir().unwrap();
    let kubeconfig = dirs.path().join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        "apiVersion: v1\nkind: Config\ncurrent-context: a\n\
         clusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:1\n\
         contexts:\n- name: a\n  context:\n    cluster: c\n    user: u\n\
         users:\n- name: u\n  user: {}\n",
    )
    .unwrap();
    let path = kubeconfig.display().to_string();
    let (code, stderr) = run(&dirs, &["--kubeconfig", &path, "--context", "nope"]);
    assert_eq!(code, Some(1));
    assert_plain(&stderr, "no context \"nope\" in the kubeconfig (it has: a)");
    assert!(stderr.contains("--context"), "{stderr}");
}

#[test]
fn a_broken_config_file_names_file_and_line() {
    let dirs = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dirs.path().join("config")).unwrap();
    std::fs::write(dirs.path().join("config/config.toml"), "[github\n").unwrap();
    let (code, stderr) = run(&dirs, &[]);
    assert_eq!(code, Some(1));
    assert_plain(&stderr, "config.toml:1:");
}

#[test]
fn an_unknown_scenario_names_the_built_in_ones() {
    let dirs = tempfile::tempdir().unwrap();
    let (code, stderr) = run(&dirs, &["sim", "--scenario", "ci-2"]);
    assert_eq!(code, Some(1));
    assert_plain(
        &stderr,
        "quarterdeck: ci-2: no such scenario file; built-in scenarios: default, hostile-logs, scale, ci-20, scale-20k, or give a path",
    );
}

#[test]
fn a_broken_scenario_file_names_file_and_line() {
    let dirs = tempfile::tempdir().unwrap();
    let scenario = dirs.path().join("mine.toml");
    std::fs::write(&scenario, "nodes = [\n").unwrap();
    let path = scenario.display().to_string();
    let (code, stderr) = run(&dirs, &["sim", "--scenario", &path]);
    assert_eq!(code, Some(1));
    // The parser's excerpt of the file follows the message: more lines, but no report.
    assert!(
        stderr.starts_with(&format!("quarterdeck: {path}: TOML parse error at line 1")),
        "{stderr}"
    );
    for noise in ["Location:", "BACKTRACE", "\x1b["] {
        assert!(!stderr.contains(noise), "{noise:?} in {stderr:?}");
    }
}
