//! Keys in the CI panes: moving between jobs and gates, opening a job's log, jumping from a
//! gate to its pipeline.

use super::ci::{JobLogView, release_runs};
use super::effect::Effect;
use super::input::step;
use super::pipeline::JobRef;
use super::update::{focus, select_release};
use super::{Model, Notice, Pane};

/// Opens the selected release's pipeline.
pub fn open_pipeline(model: &mut Model) {
    if model.selected.is_none() {
        model.notice = Some(Notice {
            text: "no release selected".into(),
            error: true,
        });
        return;
    }
    focus(model, Pane::Pipeline);
}

/// Opens the log of the job under the cursor and starts following it.
pub fn open_job_log(model: &mut Model) -> Vec<Effect> {
    let Some(release) = model.selected_release() else {
        return Vec::new();
    };
    let Some(rr) = release_runs(&model.ci, release) else {
        return Vec::new();
    };
    let Some(job) = rr.jobs().get(model.ci.job_cursor).copied() else {
        return Vec::new();
    };
    let job_ref = JobRef {
        source: rr.link.source(),
        job_id: job.id,
    };
    let job_name = job.name.clone();
    let mut effects = Vec::new();
    if let Some(old) = model.ci.log.take() {
        effects.push(Effect::StopJobLog(old.job));
    }
    model.ci.log = Some(JobLogView::new(job_ref.clone(), job_name));
    focus(model, Pane::JobLog);
    effects.push(Effect::FollowJobLog(job_ref));
    effects
}

/// Selects the release of the gate under the cursor and shows its pipeline.
pub fn open_gate(model: &mut Model) -> Vec<Effect> {
    let gates = model.ci.all_gates();
    let Some(key) = gates
        .get(model.ci.gate_cursor)
        .and_then(|g| g.release.clone())
    else {
        return Vec::new();
    };
    let Some(id) = model
        .ci
        .links
        .iter()
        .find(|(_, l)| l.key == key)
        .map(|(id, _)| id.clone())
    else {
        return Vec::new();
    };
    // The release list may be filtered; the gate's release must stay reachable.
    model.release_filter.clear();
    let effects = select_release(model, Some(id));
    focus(model, Pane::Pipeline);
    effects
}

/// Moves the focused CI pane's cursor.
pub fn move_cursor(model: &mut Model, delta: isize) {
    match model.focus {
        Pane::Pipeline => {
            let n = model
                .selected_release()
                .and_then(|r| release_runs(&model.ci, r))
                .map_or(0, |rr| rr.jobs().len());
            model.ci.job_cursor = step(model.ci.job_cursor, delta, n);
        }
        Pane::Gates => {
            let n = model.ci.all_gates().len();
            model.ci.gate_cursor = step(model.ci.gate_cursor, delta, n);
        }
        Pane::JobLog => {
            if let Some(log) = model.ci.log.as_mut() {
                log.scroll = match delta {
                    isize::MAX => None,
                    isize::MIN => Some(usize::MAX / 2),
                    d if d < 0 => Some(log.scroll.unwrap_or(0) + d.unsigned_abs()),
                    d => log
                        .scroll
                        .and_then(|s| s.checked_sub(d.unsigned_abs()))
                        .filter(|s| *s > 0),
                };
            }
        }
        _ => {}
    }
}

/// Moves the job cursor to the first job of the next (or previous) stage.
pub fn next_stage(model: &mut Model, forward: bool) {
    let Some(run) = model
        .selected_release()
        .and_then(|r| release_runs(&model.ci, r))
        .and_then(|rr| rr.shown_run())
    else {
        return;
    };
    // Index of each stage's first job in the flat list.
    let mut starts = Vec::new();
    let mut at = 0;
    for s in run.stages.iter().filter(|s| !s.jobs.is_empty()) {
        starts.push(at);
        at += s.jobs.len();
    }
    let cur = model.ci.job_cursor;
    let current_stage = starts.iter().rposition(|s| *s <= cur).unwrap_or(0);
    let target = if forward {
        (current_stage + 1).min(starts.len().saturating_sub(1))
    } else {
        current_stage.saturating_sub(1)
    };
    if let Some(s) = starts.get(target) {
        model.ci.job_cursor = *s;
    }
}
