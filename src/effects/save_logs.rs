//! `:save FILE`: writes the Logs pane's shown lines to a file, never replacing one unless
//! asked (`:save!`), and says what happened.

use std::io::Write;
use std::path::PathBuf;

use tokio::sync::mpsc::UnboundedSender;

use quarterdeck_core::Msg;

/// Writes `lines` off the event loop and answers with `Msg::LogsSaved`.
pub fn spawn(path: String, force: bool, lines: Vec<String>, tx: UnboundedSender<Msg>) {
    tokio::task::spawn_blocking(move || {
        let _ = tx.send(Msg::LogsSaved(write(&path, force, &lines)));
    });
}

/// Writes the lines, one per line; `Ok((lines, path as typed))` or the message to show.
pub fn write(path: &str, force: bool, lines: &[String]) -> Result<(usize, String), String> {
    let target = expand(path);
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let fail = |e: std::io::Error| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            format!("{path} exists; :save! {path} replaces it")
        } else {
            format!("cannot save to {path}: {e}")
        }
    };
    let file = options.open(&target).map_err(fail)?;
    let mut out = std::io::BufWriter::new(file);
    for line in lines {
        writeln!(out, "{line}").map_err(fail)?;
    }
    out.flush().map_err(fail)?;
    Ok((lines.len(), path.to_string()))
}

/// `~` and `~/…` are the home directory; anything else is taken as it is (a relative path is
/// relative to the current directory).
fn expand(path: &str) -> PathBuf {
    let home = || std::env::var_os("HOME").map(PathBuf::from);
    match path.strip_prefix('~') {
        Some("") => home().unwrap_or_else(|| PathBuf::from(path)),
        Some(rest) if rest.starts_with('/') => match home() {
            Some(h) => h.join(&rest[1..]),
            None => PathBuf::from(path),
        },
        _ => PathBuf::from(path),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn writes_once_and_replaces_only_when_forced() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("out.log");
        let path = file.to_str().unwrap();
        let lines = vec!["one".to_string(), "two".to_string()];
        assert_eq!(write(path, false, &lines).unwrap(), (2, path.to_string()));
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "one\ntwo\n");
        let err = write(path, false, &lines[..1]).unwrap_err();
        assert_eq!(err, format!("{path} exists; :save! {path} replaces it"));
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "one\ntwo\n");
        assert_eq!(write(path, true, &lines[..1]).unwrap().0, 1);
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "one\n");
        let missing = dir.path().join("no/such/dir/x.log");
        let err = write(missing.to_str().unwrap(), false, &lines).unwrap_err();
        assert!(err.starts_with("cannot save to "), "{err}");
    }

    #[test]
    fn a_tilde_is_the_home_directory() {
        let home = PathBuf::from(std::env::var_os("HOME").unwrap());
        assert_eq!(expand("~/x.log"), home.join("x.log"));
        assert_eq!(expand("~"), home);
        assert_eq!(expand("~user/x"), PathBuf::from("~user/x"));
        assert_eq!(expand("logs/x.log"), PathBuf::from("logs/x.log"));
    }
}
