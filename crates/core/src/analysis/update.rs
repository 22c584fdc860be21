//! The analysis concern's transitions: which releases are watched (and how urgently), what
//! the poller reports, and the triggers re-evaluated on every new series.

use std::collections::BTreeSet;

use super::guard;
use super::queries::{self, NO_PROMETHEUS, STEP_MS};
use super::series::{AnalysisMsg, AnalysisWatch, Side};
use super::state::{ReleaseAnalysis, SeriesData, TemplateTriggers, TriggerState, TriggerStatus};
use super::trigger::evaluate;
use crate::effect::Effect;
use crate::model::Model;
use crate::release::ReleaseId;

/// A message from the analysis poller.
pub(crate) fn on_msg(model: &mut Model, msg: AnalysisMsg) -> Vec<Effect> {
    match msg {
        AnalysisMsg::Series {
            release,
            key,
            points,
            at_ms,
            warnings,
        } => {
            // A release no longer watched (deselected, or its canary gone): dropped.
            let Some(ra) = model.analysis.releases.get_mut(&release) else {
                return Vec::new();
            };
            let data = SeriesData {
                points,
                at_ms,
                warnings,
            };
            let mut changed = ra.error.take().is_some();
            if ra.series.get(&key) != Some(&data) {
                ra.series.insert(key, data);
                changed = true;
            }
            if changed {
                model.mark_dirty();
            }
            reevaluate(model, &release)
        }
        AnalysisMsg::Failed {
            release, message, ..
        } => {
            if let Some(ra) = model.analysis.releases.get_mut(&release)
                && ra.error.as_ref() != Some(&message)
            {
                ra.error = Some(message);
                model.mark_dirty();
            }
            Vec::new()
        }
        AnalysisMsg::Templates {
            release,
            refs,
            triggers,
            notes,
        } => {
            let read = TemplateTriggers {
                refs,
                triggers,
                notes,
                error: None,
            };
            if model.analysis.templates.get(&release) == Some(&read) {
                return Vec::new();
            }
            model.analysis.templates.insert(release.clone(), read);
            model.mark_dirty();
            // The release's triggers may have changed: rebuild them, then judge and guard.
            let mut effects = sync(model);
            effects.extend(reevaluate(model, &release));
            effects
        }
        AnalysisMsg::TemplatesFailed {
            release,
            refs,
            message,
        } => {
            let known = model.analysis.templates.entry(release).or_default();
            if known.refs != refs {
                // Triggers read for other templates do not count for these.
                *known = TemplateTriggers {
                    refs,
                    ..TemplateTriggers::default()
                };
            }
            if known.error.as_ref() != Some(&message) {
                known.error = Some(message);
                model.mark_dirty();
            }
            Vec::new()
        }
    }
}

/// Re-evaluates a release's triggers over its canary series, then lets the guard look.
pub(crate) fn reevaluate(model: &mut Model, id: &ReleaseId) -> Vec<Effect> {
    let Some(ra) = model.analysis.releases.get_mut(id) else {
        return Vec::new();
    };
    if !evaluate_all(ra) {
        return guard::check(model, id);
    }
    model.mark_dirty();
    // A trigger that starts or stops holding changes how urgently the release is polled.
    let mut effects = sync(model);
    effects.extend(guard::check(model, id));
    effects
}

/// Evaluates every trigger of one release; whether a state changed.
pub fn evaluate_all(ra: &mut ReleaseAnalysis) -> bool {
    let mut changed = false;
    for status in &mut ra.triggers {
        let key = super::series::SeriesKey {
            side: Side::Canary,
            signal: status.trigger.signal,
        };
        let state = match ra.series.get(&key) {
            Some(s) if ra.canary_hash.is_some() => evaluate(&status.trigger, &s.points, STEP_MS),
            _ => TriggerState::NoData,
        };
        if status.state != state {
            status.state = state;
            changed = true;
        }
    }
    changed
}

/// The watches wanted now: the selected release, and every release with triggers whose new
/// revision is rolling. A release without a Prometheus gets no watch and says why.
fn wanted(model: &mut Model) -> Vec<AnalysisWatch> {
    let context = model.target.context.clone();
    let selected = model.releases.selected.clone();
    let mut out = Vec::new();
    let mut keep = Vec::new();
    for row in &model.releases.rows {
        let id = &row.id;
        let refs = queries::template_refs(&model.cluster, id);
        let triggers = queries::triggers(&model.analysis, &model.cluster, id, &context)
            .0
            .to_vec();
        let on_screen = selected.as_ref() == Some(id);
        // Without triggers or templates only the release on screen is watched: no need to
        // find its sides.
        if !on_screen && triggers.is_empty() && refs.is_empty() {
            continue;
        }
        let sides = queries::sides(&model.cluster, id);
        // Templates not read yet may hold triggers: a rolling release that names some is
        // watched, and its templates read.
        let under_trigger = sides.rolling() && (!triggers.is_empty() || !refs.is_empty());
        if !on_screen && !under_trigger {
            continue;
        }
        let url = queries::url(&model.analysis.config, id, &context);
        keep.push(id.clone());
        let ra = model.analysis.releases.entry(id.clone()).or_default();
        if ra.canary_hash != sides.canary {
            // A new canary is a new trial: its series and trigger states start afresh.
            ra.canary_hash = sides.canary.clone();
            ra.series.clear();
            for t in &mut ra.triggers {
                t.state = TriggerState::NoData;
            }
        }
        if ra.triggers.iter().map(|t| &t.trigger).ne(triggers.iter()) {
            ra.triggers = triggers
                .into_iter()
                .map(|trigger| TriggerStatus {
                    trigger,
                    state: TriggerState::NoData,
                })
                .collect();
            evaluate_all(ra);
        }
        let Some(url) = url else {
            ra.error = Some(NO_PROMETHEUS.to_string());
            continue;
        };
        if ra.error.as_deref() == Some(NO_PROMETHEUS) {
            ra.error = None;
        }
        let holding = ra
            .triggers
            .iter()
            .any(|t| matches!(t.state, TriggerState::Holding { .. }));
        out.push(AnalysisWatch {
            release: id.clone(),
            url,
            queries: queries::queries(id, &sides),
            urgent: on_screen || holding,
            templates: refs,
        });
    }
    model.analysis.releases.retain(|id, _| keep.contains(id));
    let rows: BTreeSet<&ReleaseId> = model.releases.rows.iter().map(|r| &r.id).collect();
    model.analysis.templates.retain(|id, _| rows.contains(id));
    out
}

/// Brings the analysis watches in line with the releases on screen or under a trigger; asks
/// the driver only when the set changed.
pub(crate) fn sync(model: &mut Model) -> Vec<Effect> {
    let wanted = wanted(model);
    guard::rearm(model);
    if wanted == model.analysis.watching {
        return Vec::new();
    }
    model.analysis.watching = wanted.clone();
    vec![Effect::WatchAnalysis(wanted)]
}
