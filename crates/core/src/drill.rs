//! A rollback drill under way (`quarterdeck drill NAME`): what its bar shows, and what the
//! operator looks at. The drill itself — incidents, judging, scorecard — runs outside the
//! core and sends the bar in `Msg::Drill`; the core answers each new look at a release with
//! `Effect::DrillLook`, so detection is judged on what the screen really showed.

use crate::effect::Effect;
use crate::model::Model;
use crate::nav::Pane;

/// What the drill bar shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DrillBar {
    /// The drill's name.
    pub name: String,
    /// Simulated seconds since the drill started.
    pub elapsed_s: u64,
    /// The time limit, seconds.
    pub limit_s: u64,
    /// A hint (only with `--hints`).
    pub hint: Option<String>,
    /// The scorecard, once the drill is over: drawn over the dashboard.
    pub scorecard: Option<Vec<String>>,
}

/// How the operator is looking at a release.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LookKind {
    /// The release is selected.
    Selected,
    /// Its logs are in focus.
    Logs,
    /// Its analysis is in focus.
    Analysis,
}

/// The drill's state in the model.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DrillState {
    /// The bar as last sent.
    pub bar: DrillBar,
    last_look: Option<(String, LookKind)>,
}

/// The release (`namespace/name`) in view and how, when it changed since the last call.
pub(crate) fn look(model: &mut Model) -> Option<Effect> {
    let selected = model.releases.selected.as_ref()?;
    let release = format!("{}/{}", selected.key.namespace, selected.key.name);
    let how = match model.nav.focus {
        Pane::Logs => LookKind::Logs,
        Pane::Analysis => LookKind::Analysis,
        _ => LookKind::Selected,
    };
    let drill = model.drill.as_mut()?;
    let now = Some((release.clone(), how));
    if drill.last_look == now {
        return None;
    }
    drill.last_look = now;
    Some(Effect::DrillLook { release, how })
}

/// A new bar from the drill.
pub(crate) fn on_bar(model: &mut Model, bar: DrillBar) {
    let state = model.drill.get_or_insert_with(DrillState::default);
    if state.bar != bar {
        state.bar = bar;
        model.mark_dirty();
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::action::Action;
    use crate::msg::Msg;
    use crate::sample;
    use crate::update::update;

    fn looks(effects: &[Effect]) -> Vec<(String, LookKind)> {
        effects
            .iter()
            .filter_map(|e| match e {
                Effect::DrillLook { release, how } => Some((release.clone(), *how)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn without_a_drill_nothing_is_reported() {
        let (mut model, _) = sample::model_with(sample::showcase_objects(), 200, 60);
        let effects = crate::actions::on_action(&mut model, Action::Down);
        assert!(looks(&effects).is_empty());
        assert!(looks(&update(&mut model, Msg::Redraw)).is_empty());
    }

    #[test]
    fn each_new_look_is_reported_once() {
        let (mut model, _) = sample::model_with(sample::showcase_objects(), 200, 60);
        let bar = DrillBar {
            name: "orders-canary".into(),
            ..DrillBar::default()
        };
        let first = looks(&update(&mut model, Msg::Drill(bar.clone())));
        let selected = model.releases.selected.clone().unwrap();
        let name = format!("{}/{}", selected.key.namespace, selected.key.name);
        assert_eq!(first, vec![(name.clone(), LookKind::Selected)]);
        // The same look again says nothing.
        assert!(looks(&update(&mut model, Msg::Drill(bar))).is_empty());
        model.nav.focus = Pane::Analysis;
        let opened = looks(&update(&mut model, Msg::Redraw));
        assert_eq!(opened, vec![(name, LookKind::Analysis)]);
    }

    #[test]
    fn a_new_bar_is_drawn_and_the_same_bar_is_not() {
        let (mut model, _) = sample::model_with(sample::showcase_objects(), 200, 60);
        model.take_dirty();
        let bar = DrillBar {
            name: "d".into(),
            elapsed_s: 3,
            ..DrillBar::default()
        };
        update(&mut model, Msg::Drill(bar.clone()));
        assert!(model.take_dirty());
        update(&mut model, Msg::Drill(bar));
        assert!(!model.take_dirty());
    }
}
