//! Putting jobs into columns. GitLab names a stage for every job, so its columns are the
//! stages in the order they first appear. GitHub's REST API has no stages and does not expose
//! `needs`, so columns are derived from timing — the rule, exactly:
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

use super::{CiStatus, Job, Stage};

/// The matrix or parallel family of a job name: `test` for `test 1/3` (GitLab `parallel: N`),
/// `build` for `build (ubuntu, 20)` (GitHub matrix) and for `build: [ubuntu, 20]` (GitLab
/// `parallel:matrix`). `None` when the name is not one of those shapes.
pub fn job_group(name: &str) -> Option<String> {
    if let Some((base, rest)) = name.rsplit_once(' ')
        && let Some((i, n)) = rest.split_once('/')
        && !i.is_empty()
        && !n.is_empty()
        && i.chars().chain(n.chars()).all(|c| c.is_ascii_digit())
        && !base.is_empty()
    {
        return Some(base.to_string());
    }
    if let Some(inner) = name.strip_suffix(')')
        && let Some((base, _)) = inner.split_once(" (")
        && !base.is_empty()
    {
        return Some(base.to_string());
    }
    if let Some(inner) = name.strip_suffix(']')
        && let Some((base, _)) = inner.split_once(": [")
        && !base.is_empty()
    {
        return Some(base.to_string());
    }
    None
}

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
pub fn github_columns(mut jobs: Vec<Job>) -> Vec<Stage> {
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

/// Stages for a GitLab pipeline's jobs: in the order each stage first appears when the jobs are
/// taken by id (GitLab creates a pipeline's jobs in file order), jobs by id within a stage.
pub fn gitlab_stages(mut jobs: Vec<Job>) -> Vec<Stage> {
    jobs.sort_by_key(|j| j.id);
    let mut stages: Vec<(String, Vec<Job>)> = Vec::new();
    for job in jobs {
        match stages.iter_mut().find(|(name, _)| *name == job.stage) {
            Some((_, list)) => list.push(job),
            None => stages.push((job.stage.clone(), vec![job])),
        }
    }
    stages
        .into_iter()
        .map(|(name, jobs)| Stage::new(name, jobs))
        .collect()
}
