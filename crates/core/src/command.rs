//! The `:` command line: `:releases`, `:pods`, `:logs`, `:events`, `:pipeline`, `:gates`,
//! `:ctx [NAME]`, `:ns NAME`, `:q`. Parsing only; `actions` carries commands out.

use crate::effect::Scope;
use crate::nav::Pane;

/// One parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Command {
    /// Focus a pane.
    Focus(Pane),
    /// Open the selected release's pipeline.
    Pipeline,
    /// Leave the program.
    Quit,
    /// Name the current context and the others.
    ListContexts,
    /// Switch to another kubeconfig context.
    Context(String),
    /// Watch other namespaces.
    Namespace(Scope),
}

/// Parses one command line; `Ok(None)` for an empty line, `Err` with the message to show.
pub(crate) fn parse(line: &str) -> Result<Option<Command>, String> {
    let mut words = line.split_whitespace();
    let Some(cmd) = words.next() else {
        return Ok(None);
    };
    let command = match (cmd, words.next()) {
        ("releases" | "rel" | "r", None) => Command::Focus(Pane::Releases),
        ("pods" | "po" | "p", None) => Command::Focus(Pane::Pods),
        ("logs" | "log" | "l", None) => Command::Focus(Pane::Logs),
        ("events" | "ev" | "e", None) => Command::Focus(Pane::Events),
        ("pipeline" | "pipelines" | "ci", None) => Command::Pipeline,
        ("gates" | "gate", None) => Command::Focus(Pane::Gates),
        ("q" | "quit", None) => Command::Quit,
        ("ctx" | "context", None) => Command::ListContexts,
        ("ctx" | "context", Some(name)) => Command::Context(name.to_string()),
        ("ns" | "namespace", Some(name)) => {
            Command::Namespace(if matches!(name, "all" | "-A" | "*") {
                Scope::All
            } else {
                Scope::Namespace(name.to_string())
            })
        }
        _ => {
            return Err(format!(
                "unknown command :{}; try :releases :pods :logs :events :pipeline :gates :ctx [NAME] :ns NAME|all",
                line.trim()
            ));
        }
    };
    Ok(Some(command))
}
