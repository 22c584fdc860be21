//! The `:` command line: `:releases`, `:pods`, `:logs`, `:events`, `:pipeline`, `:gates`,
//! `:ctx [NAME]`, `:ns NAME`, `:q`.

use super::effect::{Effect, Scope};
use super::update::focus;
use super::{Model, Notice, Pane};

/// Runs one command line.
pub fn run(model: &mut Model, line: &str) -> Vec<Effect> {
    let mut words = line.split_whitespace();
    let Some(cmd) = words.next() else {
        return Vec::new();
    };
    let arg = words.next();
    model.notice = None;
    match (cmd, arg) {
        ("releases" | "rel" | "r", None) => focus(model, Pane::Releases),
        ("pods" | "po" | "p", None) => focus(model, Pane::Pods),
        ("logs" | "log" | "l", None) => focus(model, Pane::Logs),
        ("events" | "ev" | "e", None) => focus(model, Pane::Events),
        ("pipeline" | "pipelines" | "ci", None) => super::ci_input::open_pipeline(model),
        ("gates" | "gate", None) => focus(model, Pane::Gates),
        ("q" | "quit", None) => return vec![Effect::Quit],
        ("ctx" | "context", None) => {
            let others: Vec<&str> = model
                .target
                .contexts
                .iter()
                .map(String::as_str)
                .filter(|c| *c != model.target.context)
                .collect();
            let text = if others.is_empty() {
                format!(
                    "context {} (the only one in the kubeconfig)",
                    model.target.context
                )
            } else {
                format!(
                    "context {}; others: {} (switch with :ctx NAME)",
                    model.target.context,
                    others.join(", ")
                )
            };
            model.notice = Some(Notice { text, error: false });
        }
        ("ctx" | "context", Some(name)) => return super::context::request(model, name),
        ("ns" | "namespace", Some(name)) => {
            let scope = if matches!(name, "all" | "-A" | "*") {
                Scope::All
            } else {
                Scope::Namespace(name.to_string())
            };
            if scope == model.target.scope {
                return Vec::new();
            }
            model.target.scope = scope.clone();
            return restart(model, Effect::SetScope(scope));
        }
        _ => {
            model.notice = Some(Notice {
                text: format!(
                    "unknown command :{}; try :releases :pods :logs :events :pipeline :gates :ctx [NAME] :ns NAME|all",
                    line.trim()
                ),
                error: true,
            });
        }
    }
    Vec::new()
}

/// Forgets everything watched so far: the next lists come from another place.
pub(crate) fn restart(model: &mut Model, effect: Effect) -> Vec<Effect> {
    let mut effects = model.logs.reset();
    model.cluster = Default::default();
    model.releases.clear();
    model.release_pods.clear();
    model.selected = None;
    model.synced.clear();
    let now = model.now_ms;
    for (c, since) in model.connections.values_mut() {
        *c = super::msg::Connection::Connecting;
        *since = now;
    }
    effects.push(effect);
    effects
}
