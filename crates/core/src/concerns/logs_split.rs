//! The `split_logs` key: the Logs pane as canary | stable side by side, for a canary release
//! only (the sides are the Rollout's canary and stable pod-template hashes, the pods' roles).

use crate::model::{Model, Notice};

/// Whether the selected release is a canary (the only kind with two sides to compare).
pub fn canary_selected(model: &Model) -> bool {
    model
        .releases
        .selected_row()
        .is_some_and(|r| r.strategy == "canary")
}

/// Whether the Logs pane shows the split now: asked for, and the selected release a canary.
pub fn shown(model: &Model) -> bool {
    model.logs.split.on && canary_selected(model)
}

/// Turns the split on or off; outside a canary it stays off and says why.
pub(crate) fn toggle(model: &mut Model) {
    if !model.logs.split.on && !canary_selected(model) {
        let name = model
            .releases
            .selected_row()
            .map_or_else(|| "no release".to_string(), |r| r.id.key.name.clone());
        model.notice = Some(Notice {
            text: format!("{name} is not a canary: the canary | stable split needs one"),
            error: false,
        });
        return;
    }
    model.logs.split.on = !model.logs.split.on;
}
