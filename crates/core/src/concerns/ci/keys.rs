//! Keys in the CI panes: moving between jobs, stages and gates, reading a job's log.

use crate::cursor::step;
use crate::effect::Effect;
use crate::gate::Gate;
use crate::pipeline::JobRef;
use crate::release::{Release, ReleaseId};

use super::{CiState, JobLogView, release_runs};

impl CiState {
    /// Opens the log of the job under the cursor of `release`'s pipeline and starts following
    /// it; `None` when there is no such job.
    pub(crate) fn open_job_log(&mut self, release: &Release) -> Option<Vec<Effect>> {
        let rr = release_runs(self, release)?;
        let job = rr.jobs().get(self.job_cursor).copied()?;
        let job_ref = JobRef {
            source: rr.link.source(),
            job_id: job.id,
        };
        let job_name = job.name.clone();
        let mut effects = Vec::new();
        if let Some(old) = self.log.take() {
            effects.push(Effect::StopJobLog(old.job));
        }
        self.log = Some(JobLogView::new(job_ref.clone(), job_name));
        effects.push(Effect::FollowJobLog(job_ref));
        Some(effects)
    }

    /// Stops following the job log, if one is open.
    pub(crate) fn close_job_log(&mut self) -> Option<Effect> {
        self.log.take().map(|log| Effect::StopJobLog(log.job))
    }

    /// Folds or unfolds the job log's sections.
    pub(crate) fn toggle_sections(&mut self) {
        if let Some(log) = self.log.as_mut() {
            log.expanded = !log.expanded;
        }
    }

    /// Goes back to the job log's newest line.
    pub(crate) fn follow_job_log(&mut self) {
        if let Some(log) = self.log.as_mut() {
            log.scroll = None;
        }
    }

    /// The release whose CI has `gate`.
    pub(crate) fn gate_release(&self, gate: &Gate) -> Option<ReleaseId> {
        let key = gate.release.clone()?;
        self.links
            .iter()
            .find(|(_, l)| l.key == key)
            .map(|(id, _)| id.clone())
    }

    /// The rows the Pipeline pane's cursor moves over: the shown run's jobs, then the recent
    /// runs.
    fn job_count(&self, release: Option<&Release>) -> usize {
        release
            .and_then(|r| release_runs(self, r))
            .map_or(0, |rr| rr.jobs().len() + rr.recent().len())
    }

    /// Opens the recent run under the Pipeline cursor (its jobs, then their logs) and puts
    /// the cursor on its first job; `false` when the cursor is on a job.
    pub(crate) fn open_run(&mut self, release: &Release) -> bool {
        let Some(rr) = release_runs(self, release) else {
            return false;
        };
        let Some(i) = rr.run_at(self.job_cursor) else {
            return false;
        };
        let (key, id) = (rr.link.key.clone(), rr.recent()[i].id);
        self.opened_runs.insert(key, id);
        self.job_cursor = 0;
        true
    }

    /// Moves the Pipeline pane's job cursor by `delta` jobs.
    pub(crate) fn move_job_cursor(&mut self, delta: isize, release: Option<&Release>) {
        let n = self.job_count(release);
        self.job_cursor = step(self.job_cursor, delta, n);
    }

    /// Keeps the job cursor on a job of the run `release`'s pane shows.
    pub(crate) fn clamp_job_cursor(&mut self, release: Option<&Release>) {
        let n = self.job_count(release);
        self.job_cursor = self.job_cursor.min(n.saturating_sub(1));
    }

    /// Scrolls the job log by `delta` lines (`isize::MAX`: follow; `isize::MIN`: the top).
    pub(crate) fn scroll_job_log(&mut self, delta: isize) {
        if let Some(log) = self.log.as_mut() {
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

    /// Moves the job cursor to the first job of the next (or previous) stage.
    pub(crate) fn next_stage(&mut self, release: &Release, forward: bool) {
        let Some(run) = release_runs(self, release).and_then(|rr| rr.shown_run()) else {
            return;
        };
        // Index of each stage's first job in the flat list.
        let mut starts = Vec::new();
        let mut at = 0;
        for s in run.stages.iter().filter(|s| !s.jobs.is_empty()) {
            starts.push(at);
            at += s.jobs.len();
        }
        let cur = self.job_cursor;
        let current_stage = starts.iter().rposition(|s| *s <= cur).unwrap_or(0);
        let target = if forward {
            (current_stage + 1).min(starts.len().saturating_sub(1))
        } else {
            current_stage.saturating_sub(1)
        };
        if let Some(s) = starts.get(target) {
            self.job_cursor = *s;
        }
    }
}
