//! `journal.jsonl` in the state directory: one JSON line per action — done, failed, refused
//! or cancelled — appended, never rewritten. Entries carry no token: the core never holds
//! one, and error texts reach it already stripped of them.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use quarterdeck_core::control::JournalEntry;

/// The journal's file name inside the state directory.
pub const FILE: &str = "journal.jsonl";

/// The journal file.
#[derive(Debug, Clone)]
pub struct Journal {
    path: PathBuf,
}

impl Journal {
    /// The journal inside `state_dir`.
    pub fn in_dir(state_dir: &Path) -> Self {
        Self {
            path: state_dir.join(FILE),
        }
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one entry as one line (one `write` call, so concurrent Quarterdecks sharing a
    /// state directory do not interleave within a line).
    pub fn append(&self, entry: &JournalEntry) -> io::Result<()> {
        if let Some(dir) = self.path.parent() {
            fs::create_dir_all(dir)?;
        }
        let mut line = serde_json::to_string(entry).map_err(io::Error::other)?;
        line.push('\n');
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        file.write_all(line.as_bytes())
    }

    /// Every entry, oldest first; a line that does not parse is reported, not dropped silently.
    pub fn read(&self) -> Result<Vec<JournalEntry>, String> {
        let text = match fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(format!("cannot read {}: {e}", self.path.display())),
        };
        text.lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| {
                serde_json::from_str(l)
                    .map_err(|e| format!("{}:{}: {e}", self.path.display(), i + 1))
            })
            .collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use quarterdeck_core::control::JournalResult;

    fn entry(action: &str) -> JournalEntry {
        JournalEntry {
            time: "2026-11-29T10:00:00.000Z".into(),
            user: "admin@kind-quarterdeck".into(),
            context: "kind-quarterdeck".into(),
            target: "rollout/orders-api in orders".into(),
            action: action.into(),
            before: "revision 4".into(),
            after: String::new(),
            confirmation: vec!["from: step 3/8".into()],
            result: JournalResult::Cancelled,
            error: None,
            by: "user".into(),
        }
    }

    #[test]
    fn appends_one_line_per_entry_and_reads_them_back() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::in_dir(&dir.path().join("nested"));
        assert_eq!(j.read().unwrap(), Vec::new());
        j.append(&entry("promote")).unwrap();
        j.append(&entry("abort")).unwrap();
        let text = fs::read_to_string(j.path()).unwrap();
        assert_eq!(text.lines().count(), 2);
        assert!(text.contains("\"result\":\"cancelled\""));
        let back = j.read().unwrap();
        assert_eq!(back[1].action, "abort");
        fs::write(j.path(), "{not json}\n").unwrap();
        assert!(j.read().unwrap_err().contains("journal.jsonl:1"));
    }
}
