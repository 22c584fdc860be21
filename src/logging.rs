//! Quarterdeck's own diagnostics: tracing goes to a log file and to the in-app log pane
//! (tui-logger), never to stderr, which the alternate screen would garble.

use crate::config::state_dir;
use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Environment variable holding a tracing filter (`info`, `quarterdeck=debug,kube=warn` ...).
pub const LOG_FILTER_ENV: &str = "QUARTERDECK_LOG";
/// The filter used when [`LOG_FILTER_ENV`] is unset.
const DEFAULT_FILTER: &str = "info";
/// Lines the in-app log pane keeps.
const PANE_LINES: usize = 2_000;
/// Events held between two [`collect`]s; more are counted as lost in the pane.
const HELD: usize = 10_000;

/// Why logging could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum LoggingError {
    /// The log file or its directory could not be created.
    #[error("cannot open log file {path}: {source}")]
    File {
        /// The log file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// `QUARTERDECK_LOG` is not a valid filter.
    #[error("{LOG_FILTER_ENV}: {0}")]
    Filter(String),
    /// A global subscriber or the tui-logger was already installed.
    #[error("logging already initialised: {0}")]
    AlreadySet(String),
}

/// `quarterdeck.log` in the state directory, if a state directory can be determined.
pub fn default_log_file() -> Option<PathBuf> {
    state_dir().map(|dir| dir.join("quarterdeck.log"))
}

/// Installs the global tracing subscriber: plain-text lines appended to `log_file` and events
/// captured for tui-logger's widget. Call once, before entering the alternate screen.
pub fn init_tracing(log_file: &Path) -> Result<(), LoggingError> {
    let file = open_log_file(log_file)?;
    let filter = match std::env::var(LOG_FILTER_ENV) {
        Ok(spec) => EnvFilter::try_new(&spec).map_err(|e| LoggingError::Filter(e.to_string()))?,
        Err(_) => EnvFilter::new(DEFAULT_FILTER),
    };
    // Not `tui_logger::init_logger`: its thread wakes every 10 ms forever to move events into
    // the pane's buffer, most of an idle dashboard's CPU. The event loop calls `collect`.
    tui_logger::set_default_level(tui_logger::LevelFilter::Trace);
    tui_logger::set_hot_buffer_depth(HELD);
    tui_logger::set_buffer_depth(PANE_LINES);
    let to_file = tracing_subscriber::fmt::layer()
        .with_ansi(false)
        .with_writer(Mutex::new(file));
    tracing_subscriber::registry()
        .with(filter)
        .with(to_file)
        .with(tui_logger::TuiTracingSubscriberLayer)
        .try_init()
        .map_err(|e| LoggingError::AlreadySet(e.to_string()))
}

/// Moves the events logged since the last call into the in-app log pane's buffer; cheap when
/// there are none. The event loop calls it before each frame.
pub fn collect() {
    tui_logger::move_events();
}

fn open_log_file(path: &Path) -> Result<File, LoggingError> {
    let error = |source| LoggingError::File {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(error)?;
    }
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(error)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn the_log_file_and_its_directory_are_created_and_appended_to() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/nested/quarterdeck.log");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, "earlier\n").unwrap();
        let mut file = open_log_file(&path).unwrap();
        io::Write::write_all(&mut file, b"later\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "earlier\nlater\n");

        let fresh = dir.path().join("a/b/c.log");
        open_log_file(&fresh).unwrap();
        assert!(fresh.exists());
    }

    #[test]
    fn an_unwritable_location_is_a_named_error() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, "").unwrap();
        let err = open_log_file(&blocker.join("x.log"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("cannot open log file "), "{err}");
        assert!(err.contains("x.log"), "{err}");
    }
}
