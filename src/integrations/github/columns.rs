//! Putting a GitHub run's jobs into columns. GitHub's REST API has no stages and does not
//! expose `needs`, so columns are derived from timing — the rule, exactly:
//!
//! 1. Jobs that started are taken in start order (then id); jobs not started yet follow, in
//!    creation order (then id).
//! 2. A job joins the current column if a job of its matrix family is already there, or if any
//!    job of the current column had not finished by the time it started (it ran alongside).
//! 3. Otherwise — every job of the current column finished before it started — it opens a new
//!    column: it very likely `needs` them. A job that has not started counts as starting after
//!    everything, so it opens a column only when the current one is complete.
//!
//! A column is named after the families of its jobs (`test-unit, test-integration`).

use quarterdeck_core::pipeline::{CiStatus, Job, Stage};

fn family(job: &Job) -> &str {
    job.group.as_deref().unwrap_or(&job.name)
}

/// When a job began to run. GitHub stamps `started_at` on a job that waits for an
/// environment's reviewers or is skipped, though it never ran; such a job counts as not started,
/// or it would hold the column open and pull every later job into it.
fn ran_from(job: &Job) -> Option<i64> {
    match job.status {
        CiStatus::Waiting | CiStatus::Queued | CiStatus::Skipped | CiStatus::Manual => None,
        _ => job.started_ms,
    }
}

/// Columns for a GitHub run's jobs, by the timing rule in this module's documentation.
pub fn derive(mut jobs: Vec<Job>) -> Vec<Stage> {
    jobs.sort_by_key(|j| match ran_from(j) {
        Some(t) => (0, t, j.id),
        None => (1, j.created_ms.unwrap_or(i64::MAX), j.id),
    });
    let mut columns: Vec<Vec<Job>> = Vec::new();
    for job in jobs {
        let joins = columns.last().is_some_and(|col| {
            let same_family = col.iter().any(|j| family(j) == family(&job));
            let start = ran_from(&job).unwrap_or(i64::MAX);
            let overlaps = col
                .iter()
                .any(|j| j.finished_ms.is_none_or(|end| end > start));
            same_family || overlaps
        });
        match columns.last_mut() {
            Some(col) if joins => col.push(job),
            _ => columns.push(vec![job]),
        }
    }
    columns
        .into_iter()
        .map(|mut col| {
            let mut names: Vec<&str> = Vec::new();
            for j in &col {
                if !names.contains(&family(j)) {
                    names.push(family(j));
                }
            }
            let name = names.join(", ");
            for j in &mut col {
                j.stage.clone_from(&name);
            }
            Stage::new(name, col)
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use quarterdeck_core::sample_ci::job;

    #[test]
    fn a_job_waiting_for_reviewers_does_not_hold_its_column_open() {
        // GitHub stamps started_at on a job waiting for an environment: it must not swallow the
        // jobs that ran after the first column finished.
        let jobs = vec![
            job(1, "lint", "", CiStatus::Success, Some(20), Some(30)),
            job(2, "test (18)", "", CiStatus::Success, Some(20), Some(60)),
            job(3, "build", "", CiStatus::Success, Some(15), Some(60)),
            job(4, "deploy-staging", "", CiStatus::Waiting, Some(25), None),
        ];
        let columns = derive(jobs);
        let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["lint, test", "build", "deploy-staging"]);
        assert_eq!(columns[2].status, CiStatus::Waiting);
    }
}
