//! The rollback guard: when a trigger fires on a release, one incident per (release, canary
//! hash); it proposes the rollback behind the usual confirmation, or performs it itself.

use crate::effect::Effect;
use crate::model::{Model, Notice};

/// The proposal key: opens the usual confirmation with the proposed rollback.
pub(crate) fn open_proposal(model: &mut Model) -> Vec<Effect> {
    if model.analysis.proposal.is_none() {
        model.notice = Some(Notice {
            text: "the rollback guard proposes nothing now".into(),
            error: false,
        });
    }
    Vec::new()
}
