//! Switching the kubeconfig context (`:ctx NAME`) without ever showing one context's data under
//! another's name.
//!
//! A switch is two steps. `:ctx NAME` only asks the driver to connect; the model keeps showing
//! the current context, which keeps working. When the new context has answered, its
//! `Connected` makes the switch: the model forgets what it knew and the driver replaces every
//! watch and stream. A failure leaves everything as it was and says why.
//!
//! Every context the driver watches gets a generation number (the epoch). Its sources wrap
//! what they send in [`ContextMsg::From`] with that number, and the model drops whatever carries
//! another than its own: messages of the old context still queued when the switch happens
//! cannot reach the new one.

use crate::effect::Effect;
use crate::flow;
use crate::model::{Model, Notice};

/// `:ctx NAME`: asks for a connection to `name`; nothing changes until it answers.
pub(crate) fn request(model: &mut Model, name: &str) -> Vec<Effect> {
    if !model.target.contexts.iter().any(|c| c == name) {
        model.notice = Some(Notice {
            text: format!("no context {name:?} in the kubeconfig"),
            error: true,
        });
        return Vec::new();
    }
    if name == model.target.context {
        // Asking for the current context again cancels a switch under way.
        model.context.cancel();
        return Vec::new();
    }
    if model.context.is_pending(name) {
        return Vec::new();
    }
    let epoch = model.context.begin(name);
    model.notice = Some(Notice {
        text: format!("connecting to context {name}…"),
        error: false,
    });
    vec![Effect::ConnectContext {
        name: name.to_string(),
        epoch,
    }]
}

/// The context asked for answered: switch to it, unless a later `:ctx` superseded it.
pub(crate) fn connected(
    model: &mut Model,
    name: String,
    epoch: u64,
    server: String,
) -> Vec<Effect> {
    if model.context.take_pending(epoch).is_none() {
        return Vec::new();
    }
    model.context.epoch = epoch;
    model.target.context = name.clone();
    model.target.server = server;
    let effects = flow::restart(model, Effect::SwitchContext { epoch });
    model.notice = Some(Notice {
        text: format!("switched to context {name}"),
        error: false,
    });
    model.mark_dirty();
    effects
}

/// The context asked for could not be reached: say why and stay where we are.
pub(crate) fn failed(model: &mut Model, name: &str, epoch: u64, error: &str) {
    if model.context.take_pending(epoch).is_none() {
        return;
    }
    model.notice = Some(Notice {
        text: format!(
            "cannot switch to context {name}: {error} (still on {})",
            model.target.context
        ),
        error: true,
    });
    model.mark_dirty();
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::cluster::Kind;
    use crate::key::KeyPress;
    use crate::msg::{Connection, WatchEvent};
    use crate::msg::{ContextMsg, Msg};
    use crate::sample;
    use crate::update;

    fn command(model: &mut Model, line: &str) -> Vec<Effect> {
        let mut effects = update(model, Msg::Key(KeyPress::parse(":").unwrap()));
        for c in line.chars() {
            let k = if c == ' ' {
                "space".to_string()
            } else {
                c.to_string()
            };
            effects.extend(update(model, Msg::Key(KeyPress::parse(&k).unwrap())));
        }
        effects.extend(update(model, Msg::Key(KeyPress::parse("enter").unwrap())));
        effects
    }

    fn showcase() -> Model {
        sample::model_with(sample::showcase_objects(), 200, 60).0
    }

    /// A deployment of the old context arriving through its (generation 0) watch.
    fn old_watch_event() -> Msg {
        ContextMsg::from_source(
            0,
            Msg::Watch(WatchEvent::Apply(crate::cluster::Object::Deployment(
                sample::deployment("old", "leftover", 1, 1, 1),
            ))),
        )
    }

    /// The driver's answer that context `name` is connected for `epoch`.
    fn connected_msg(name: &str, epoch: u64, server: &str) -> Msg {
        Msg::Context(ContextMsg::Connected {
            name: name.into(),
            epoch,
            server: server.into(),
        })
    }

    fn has_release(model: &Model, name: &str) -> bool {
        model.releases.rows.iter().any(|r| r.id.key.name == name)
    }

    fn notice(model: &Model) -> &Notice {
        model.notice.as_ref().unwrap()
    }

    #[test]
    fn ctx_only_asks_to_connect_and_keeps_showing_the_current_context() {
        let mut model = showcase();
        let releases = model.releases.rows.len();
        let effects = command(&mut model, "ctx staging");
        assert_eq!(
            effects,
            vec![Effect::ConnectContext {
                name: "staging".into(),
                epoch: 1
            }]
        );
        assert_eq!(model.target.context, "prod-eu-west");
        assert_eq!(model.releases.rows.len(), releases);
        assert_eq!(*model.connection(Kind::Pods), Connection::Live);
        assert!(
            notice(&model)
                .text
                .contains("connecting to context staging")
        );
        // The current context's sources still count while the switch is under way.
        update(&mut model, old_watch_event());
        assert!(has_release(&model, "leftover"));
    }

    #[test]
    fn connected_switches_and_drops_what_the_old_context_still_sends() {
        let mut model = showcase();
        command(&mut model, "ctx staging");
        let effects = update(
            &mut model,
            connected_msg("staging", 1, "https://10.0.0.2:6443"),
        );
        assert!(effects.contains(&Effect::SwitchContext { epoch: 1 }));
        assert_eq!(model.target.context, "staging");
        assert_eq!(model.target.server, "https://10.0.0.2:6443");
        assert_eq!(model.context.epoch, 1);
        assert!(model.releases.rows.is_empty());
        assert_eq!(*model.connection(Kind::Pods), Connection::Connecting);
        assert!(notice(&model).text.contains("switched to context staging"));

        // Still queued from the old context: dropped.
        update(&mut model, old_watch_event());
        update(
            &mut model,
            ContextMsg::from_source(
                0,
                Msg::Connection {
                    kind: Kind::Pods,
                    state: Connection::Live,
                    at_ms: sample::NOW_MS,
                },
            ),
        );
        assert!(model.releases.rows.is_empty());
        assert!(model.cluster.deployments.is_empty());
        assert_eq!(*model.connection(Kind::Pods), Connection::Connecting);

        // The new context's sources count.
        update(
            &mut model,
            ContextMsg::from_source(
                1,
                Msg::Watch(WatchEvent::Apply(crate::cluster::Object::Deployment(
                    sample::deployment("new", "fresh", 1, 1, 1),
                ))),
            ),
        );
        let names: Vec<&str> = model
            .releases
            .rows
            .iter()
            .map(|r| r.id.key.name.as_str())
            .collect();
        assert_eq!(names, vec!["fresh"]);
    }

    #[test]
    fn a_failed_switch_names_the_context_and_leaves_everything_as_it_was() {
        let mut model = showcase();
        let releases = model.releases.rows.clone();
        command(&mut model, "ctx staging");
        let effects = update(
            &mut model,
            Msg::Context(ContextMsg::Failed {
                name: "staging".into(),
                epoch: 1,
                error: "connection refused".into(),
            }),
        );
        assert!(effects.is_empty());
        let n = notice(&model);
        assert!(n.error);
        assert!(n.text.contains("staging"), "{}", n.text);
        assert!(n.text.contains("connection refused"), "{}", n.text);
        assert!(n.text.contains("still on prod-eu-west"), "{}", n.text);
        assert_eq!(model.target.context, "prod-eu-west");
        assert_eq!(model.context.epoch, 0);
        assert!(model.context.pending.is_none());
        assert_eq!(model.releases.rows, releases);
        // The old context keeps updating the model.
        update(&mut model, old_watch_event());
        assert!(has_release(&model, "leftover"));
    }

    #[test]
    fn a_superseded_or_cancelled_switch_is_ignored_when_it_answers() {
        let mut model = showcase();
        model.target.contexts.push("dev".into());
        command(&mut model, "ctx staging");
        let effects = command(&mut model, "ctx dev");
        assert_eq!(
            effects,
            vec![Effect::ConnectContext {
                name: "dev".into(),
                epoch: 2
            }]
        );
        let late = update(
            &mut model,
            connected_msg("staging", 1, "https://10.0.0.2:6443"),
        );
        assert!(late.is_empty());
        assert_eq!(model.target.context, "prod-eu-west");
        assert_eq!(model.context.pending.as_ref().unwrap().name, "dev");

        // `:ctx` back to the current one cancels; the answer changes nothing.
        assert!(command(&mut model, "ctx prod-eu-west").is_empty());
        assert!(model.context.pending.is_none());
        update(&mut model, connected_msg("dev", 2, "https://10.0.0.3:6443"));
        assert_eq!(model.target.context, "prod-eu-west");
        assert_eq!(model.context.epoch, 0);
    }

    #[test]
    fn asking_twice_for_the_same_context_connects_once() {
        let mut model = showcase();
        assert_eq!(command(&mut model, "ctx staging").len(), 1);
        assert!(command(&mut model, "ctx staging").is_empty());
    }
}
