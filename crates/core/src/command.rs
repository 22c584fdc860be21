//! The `:` command line: `:releases`, `:pods`, `:logs`, `:events`, `:pipeline`, `:gates`,
//! `:analysis`, `:ctx [NAME]`, `:ns NAME`, `:q`. Parsing only; `actions` carries commands out.

use crate::control::Op;
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
    /// A control action (`:promote`, `:undo 3`): the first of `ops` valid on the focused row.
    Control { ops: Vec<Op>, revision: Option<i64> },
    /// `:actions`: the actions menu.
    Actions,
    /// `:journal`.
    Journal,
    /// `:container [NAME|all]`: the Logs pane shows one container's lines, or all.
    Container(Option<String>),
    /// `:save FILE` / `:save! FILE`: write the Logs pane's shown lines to FILE.
    SaveLogs {
        /// As typed (relative to the current directory, `~` expanded by the driver).
        path: String,
        /// `:save!`: replace an existing file.
        force: bool,
    },
}

/// Parses one command line; `Ok(None)` for an empty line, `Err` with the message to show.
pub(crate) fn parse(line: &str) -> Result<Option<Command>, String> {
    let mut words = line.split_whitespace();
    let Some(cmd) = words.next() else {
        return Ok(None);
    };
    if let Some(save) = save_command(line)? {
        return Ok(Some(save));
    }
    let arg = words.clone().next();
    if let Some(command) = control_command(cmd, arg)? {
        if words.nth(1).is_some() {
            return Err(format!("too many arguments: :{}", line.trim()));
        }
        return Ok(Some(command));
    }
    let command = match (cmd, words.next()) {
        ("releases" | "rel" | "r", None) => Command::Focus(Pane::Releases),
        ("pods" | "po" | "p", None) => Command::Focus(Pane::Pods),
        ("logs" | "log" | "l", None) => Command::Focus(Pane::Logs),
        ("events" | "ev" | "e", None) => Command::Focus(Pane::Events),
        ("pipeline" | "pipelines" | "ci", None) => Command::Pipeline,
        ("gates" | "gate", None) => Command::Focus(Pane::Gates),
        ("analysis" | "an", None) => Command::Focus(Pane::Analysis),
        ("q" | "quit", None) => Command::Quit,
        ("container" | "co", name) => Command::Container(name.map(str::to_string)),
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
                "unknown command :{}; try :releases :gates :pipeline :ctx :ns :actions :undo :journal",
                line.trim()
            ));
        }
    };
    Ok(Some(command))
}

/// `:save FILE` and `:save! FILE` (the file name is the rest of the line, spaces and all);
/// `Ok(None)` for other commands.
fn save_command(line: &str) -> Result<Option<Command>, String> {
    let line = line.trim();
    let (force, rest) = if let Some(rest) = line.strip_prefix("save!") {
        (true, rest)
    } else if let Some(rest) = line.strip_prefix("save") {
        (false, rest)
    } else {
        return Ok(None);
    };
    if !rest.is_empty() && !rest.starts_with(char::is_whitespace) {
        return Ok(None);
    }
    let path = rest.trim();
    if path.is_empty() {
        return Err(":save needs a file name: :save FILE (:save! FILE overwrites)".to_string());
    }
    Ok(Some(Command::SaveLogs {
        path: path.to_string(),
        force,
    }))
}

/// The control commands; `Ok(None)` when `cmd` is not one.
fn control_command(cmd: &str, arg: Option<&str>) -> Result<Option<Command>, String> {
    let ops = match (cmd, arg) {
        ("journal", None) => return Ok(Some(Command::Journal)),
        ("actions" | "menu", None) => return Ok(Some(Command::Actions)),
        ("undo" | "rollback", Some(n)) => {
            let n: i64 = n
                .parse()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| format!(":{cmd} takes a revision number, not {n:?}"))?;
            return Ok(Some(Command::Control {
                ops: vec![Op::Undo],
                revision: Some(n),
            }));
        }
        ("approve" | "play", None) => vec![Op::Approve],
        ("reject", None) => vec![Op::Reject],
        ("promote", None) => vec![Op::Promote],
        ("promote", Some("--full")) | ("promote-full", None) => vec![Op::PromoteFull],
        ("abort", None) => vec![Op::Abort],
        ("retry", None) => vec![Op::Retry, Op::RetryJob, Op::RerunFailed],
        ("rerun", None) => vec![Op::RerunFailed],
        ("undo" | "rollback", None) => vec![Op::Undo],
        ("switchback" | "switch-back", None) => vec![Op::SwitchBack],
        ("redeploy", None) => vec![Op::Redeploy],
        ("pause", None) => vec![Op::Pause],
        ("resume", None) => vec![Op::Resume],
        ("restart", None) => vec![Op::Restart],
        ("cancel", None) => vec![Op::Cancel],
        _ => return Ok(None),
    };
    Ok(Some(Command::Control {
        ops,
        revision: None,
    }))
}
