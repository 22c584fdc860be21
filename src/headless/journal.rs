//! `quarterdeck journal`: the journal of actions, filtered by age and release.

use std::time::Duration;

use serde::Serialize;

use super::Outcome;
use super::duration;
use super::exit::{Exit, Failure};
use super::output::{self, Table};
use crate::cli::{DashboardArgs, JournalArgs};
use crate::config::state_dir;
use crate::control::journal::Journal;
use quarterdeck_core::control::{JournalEntry, JournalResult};

/// The JSON document: `{"entries": [...]}`, oldest first, each entry as the file holds it.
#[derive(Debug, Serialize)]
struct Document<'a> {
    entries: Vec<&'a JournalEntry>,
}

/// Prints the journal.
pub fn run(args: JournalArgs, _global: &DashboardArgs) -> Outcome {
    let since = args
        .since
        .as_deref()
        .map(duration::parse)
        .transpose()
        .map_err(|e| Failure::new(Exit::Usage, e))?;
    let Some(dir) = state_dir() else {
        return Err(Failure::new(
            Exit::Error,
            "no state directory: set QUARTERDECK_STATE_DIR or HOME",
        ));
    };
    let all = Journal::in_dir(&dir)
        .read()
        .map_err(|e| Failure::new(Exit::Error, e))?;
    let now = chrono::Utc::now();
    let entries: Vec<&JournalEntry> = all
        .iter()
        .filter(|e| since.is_none_or(|d| newer_than(e, now, d)))
        .filter(|e| args.release.as_deref().is_none_or(|r| about(e, r)))
        .collect();
    let mut table = Table::new(&["TIME", "BY", "ACTION", "TARGET", "RESULT", "ERROR"]);
    for e in &entries {
        table.push(vec![
            e.time.clone(),
            e.by.clone(),
            e.action.clone(),
            e.target.clone(),
            result_word(e.result).to_string(),
            e.error.clone().unwrap_or_default(),
        ]);
    }
    output::print(&args.out, &Document { entries }, &table)?;
    Ok(Exit::Ok)
}

/// Whether the entry was written less than `age` before `now` (an unreadable time is kept:
/// the journal is evidence, and a filter must not hide a line it cannot date).
fn newer_than(entry: &JournalEntry, now: chrono::DateTime<chrono::Utc>, age: Duration) -> bool {
    let Ok(time) = chrono::DateTime::parse_from_rfc3339(&entry.time) else {
        return true;
    };
    let age = chrono::Duration::from_std(age).unwrap_or(chrono::Duration::MAX);
    now.signed_duration_since(time) <= age
}

/// Whether the entry is about the workload `release` (`namespace/name` or `name`); targets
/// read `rollout/NAME in NAMESPACE`.
fn about(entry: &JournalEntry, release: &str) -> bool {
    let Some((workload, namespace)) = entry.target.split_once(" in ") else {
        return false;
    };
    let name = workload.split_once('/').map_or(workload, |(_, n)| n);
    match release.split_once('/') {
        Some((ns, n)) => ns == namespace && n == name,
        None => name == release,
    }
}

fn result_word(result: JournalResult) -> &'static str {
    match result {
        JournalResult::Done => "done",
        JournalResult::Failed => "failed",
        JournalResult::Refused => "refused",
        JournalResult::Cancelled => "cancelled",
        JournalResult::DryRun => "dry_run",
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn entry(time: &str, target: &str) -> JournalEntry {
        JournalEntry {
            time: time.into(),
            user: "admin".into(),
            context: "sim".into(),
            target: target.into(),
            action: "promote".into(),
            before: String::new(),
            after: String::new(),
            confirmation: Vec::new(),
            result: JournalResult::Done,
            error: None,
            by: "user".into(),
        }
    }

    #[test]
    fn release_filter_matches_name_or_namespace_and_name() {
        let e = entry("2026-11-29T10:00:00Z", "rollout/orders-api in orders");
        assert!(about(&e, "orders-api"));
        assert!(about(&e, "orders/orders-api"));
        assert!(!about(&e, "payments/orders-api"));
        assert!(!about(&e, "orders"));
        assert!(!about(
            &entry("t", "acme/orders-api run 1 → prod"),
            "orders-api"
        ));
    }

    #[test]
    fn since_keeps_only_recent_entries() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-29T12:00:00Z")
            .unwrap()
            .to_utc();
        let old = entry("2026-11-29T10:00:00Z", "x");
        let new = entry("2026-11-29T11:30:00Z", "x");
        let hour = Duration::from_secs(3_600);
        assert!(!newer_than(&old, now, hour));
        assert!(newer_than(&new, now, hour));
    }
}
