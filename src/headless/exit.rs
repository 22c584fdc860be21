//! Exit codes of the commands, as the README documents them, and the failure a command ends
//! with.

use std::fmt;

/// How a command ended, as its process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Done, or healthy.
    Ok = 0,
    /// An error (API unreachable, bad answer, I/O).
    Error = 1,
    /// The command line was wrong (unknown release, bad duration …).
    Usage = 2,
    /// Refused: read-only, not permitted, stale, protected without confirmation, no `--yes`.
    Refused = 3,
    /// The credentials were rejected (401).
    Auth = 4,
    /// The thing watched failed: Degraded, aborted, the run failed.
    Failed = 5,
    /// `--timeout` passed.
    Timeout = 6,
    /// Still pending (`status` without `--wait`).
    Pending = 8,
    /// Interrupted (ctrl-c).
    Interrupted = 130,
}

impl Exit {
    /// The process exit code.
    pub fn code(self) -> i32 {
        self as i32
    }
}

/// A command that did not end well: the code and one message for stderr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The exit code.
    pub exit: Exit,
    /// What to tell the user (and what to do).
    pub message: String,
}

impl Failure {
    /// A failure with `exit` and `message`.
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        Self {
            exit,
            message: message.into(),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
