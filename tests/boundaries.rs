//! The boundaries inside the root package (ARCHITECTURE.md, "Code map"). Those between crates
//! are compile errors — the core and the simulator cannot name the app — but `ui/`,
//! `integrations/` and `effects` share one crate, so their rules are checked here.

use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let path = entry
                .unwrap_or_else(|e| panic!("{}: {e}", d.display()))
                .path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The lines of files under `src/<dir>` that name any of `forbidden`.
fn crossings(dir: &str, forbidden: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    for file in sources(&root.join(dir)) {
        let text =
            std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for (n, line) in text.lines().enumerate() {
            if forbidden.iter().any(|f| line.contains(f)) {
                out.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    out
}

#[test]
fn ui_reads_only_the_model_and_the_theme() {
    let found = crossings(
        "ui",
        &[
            "crate::integrations",
            "crate::effects",
            "crate::app",
            "quarterdeck_sim",
            "tokio::",
            "kube::",
        ],
    );
    assert!(
        found.is_empty(),
        "ui/ crosses a boundary:\n{}",
        found.join("\n")
    );
}

#[test]
fn integrations_never_import_the_ui_or_the_simulator() {
    let found = crossings(
        "integrations",
        &["crate::ui", "crate::app", "quarterdeck_sim"],
    );
    assert!(
        found.is_empty(),
        "integrations/ cross a boundary:\n{}",
        found.join("\n")
    );
}

#[test]
fn only_main_starts_the_simulator() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found: Vec<String> = crossings("", &["quarterdeck_sim"])
        .into_iter()
        .filter(|l| !l.starts_with(&format!("{}:", root.join("main.rs").display())))
        .collect();
    assert!(
        found.is_empty(),
        "only main.rs may use the simulator:\n{}",
        found.join("\n")
    );
}
