//! GitHub job logs. A log can only be downloaded once its job completed (lines of an active
//! step are not available, API.md §3.2), so the follower says so while the job runs and
//! fetches the whole log once when it is done. `##[group]`/`##[endgroup]` lines become sections.

use std::sync::Arc;

use tokio::sync::mpsc;

use super::client::GitHubClient;
use crate::integrations::rest::{Pacing, wait_turn};
use quarterdeck_core::pipeline::{CiUpdate, JobLogState, JobRef, LogSection};

/// What the dashboard shows while a GitHub job runs.
pub const NOT_YET: &str = "log available when the job completes";

/// Sections of a GitHub log: each `##[group]NAME` line opens one (after the optional
/// timestamp prefix), the next `##[endgroup]` closes it.
pub fn sections(log: &str) -> Vec<LogSection> {
    let mut out: Vec<LogSection> = Vec::new();
    for (i, line) in log.lines().enumerate() {
        let (time_s, rest) = match line.split_once(' ') {
            Some((ts, rest)) => match chrono::DateTime::parse_from_rfc3339(ts) {
                Ok(t) => (Some(t.timestamp()), rest),
                Err(_) => (None, line),
            },
            None => (None, line),
        };
        if let Some(name) = rest.strip_prefix("##[group]") {
            out.push(LogSection {
                name: name.trim().to_string(),
                first_line: i,
                last_line: None,
                started_s: time_s.unwrap_or(0),
                duration_s: None,
                collapsed: true,
            });
        } else if rest.starts_with("##[endgroup]")
            && let Some(open) = out.iter_mut().rev().find(|s| s.last_line.is_none())
        {
            open.last_line = Some(i);
            open.duration_s = time_s.map(|t| (t - open.started_s).max(0));
        }
    }
    out
}

/// Follows one job's log until it is complete or `tx` closes: reports [`NOT_YET`] while the
/// job runs, then the whole log once.
pub async fn follow_job_log(
    client: Arc<GitHubClient>,
    job: JobRef,
    pacing: Pacing,
    tx: mpsc::Sender<CiUpdate>,
) {
    let repo = job.source.project.clone();
    let mut told_not_yet = false;
    loop {
        let update = match client.job(&repo, job.job_id).await {
            Ok(j) if j.status.is_finished() => match client.job_log(&repo, job.job_id).await {
                Ok(Some(text)) => Some(CiUpdate::JobLog {
                    job: job.clone(),
                    sections: sections(&text),
                    text,
                    reset: true,
                    state: JobLogState::Complete,
                }),
                Ok(None) => Some(CiUpdate::JobLog {
                    job: job.clone(),
                    text: String::new(),
                    reset: true,
                    sections: Vec::new(),
                    state: JobLogState::Unavailable(
                        "GitHub has no log for this job (it never ran, or the log expired)".into(),
                    ),
                }),
                Err(e) => Some(CiUpdate::SourceError {
                    source: job.source.clone(),
                    kind: e.kind,
                    message: e.message,
                }),
            },
            Ok(_) if told_not_yet => None,
            Ok(_) => {
                told_not_yet = true;
                Some(CiUpdate::JobLog {
                    job: job.clone(),
                    text: String::new(),
                    reset: true,
                    sections: Vec::new(),
                    state: JobLogState::Unavailable(NOT_YET.into()),
                })
            }
            Err(e) => Some(CiUpdate::SourceError {
                source: job.source.clone(),
                kind: e.kind,
                message: e.message,
            }),
        };
        let done = matches!(
            &update,
            Some(CiUpdate::JobLog { state, .. }) if *state != JobLogState::Unavailable(NOT_YET.into())
        );
        if let Some(u) = update
            && tx.send(u).await.is_err()
        {
            return;
        }
        if done {
            return;
        }
        if !wait_turn(client.rest(), pacing.fast_ms, &tx).await {
            return;
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn groups_fold_into_sections_with_durations() {
        let log = "2026-11-22T03:20:00.1000000Z ##[group]Run actions/checkout@v4\n\
                   2026-11-22T03:20:00.2000000Z with:\n\
                   2026-11-22T03:20:02.0000000Z ##[endgroup]\n\
                   2026-11-22T03:20:02.1000000Z Syncing repository\n\
                   2026-11-22T03:20:03.0000000Z ##[group]Run pytest\n";
        let s = sections(log);
        assert_eq!(s.len(), 2);
        assert_eq!(
            (
                s[0].name.as_str(),
                s[0].first_line,
                s[0].last_line,
                s[0].duration_s
            ),
            ("Run actions/checkout@v4", 0, Some(2), Some(2))
        );
        assert_eq!((s[1].name.as_str(), s[1].last_line), ("Run pytest", None));
    }
}
