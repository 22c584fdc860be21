//! The confirmation without a screen: on a terminal the same question as the dashboard
//! (Cancel is the default; a protected context asks for the name typed); without one,
//! `--yes`, and on a protected context also `--confirm-name NAME`.

use std::io::{BufRead, IsTerminal, Write};

use crate::cli::ActArgs;

/// What the confirmation needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ask {
    /// Go ahead: confirmed by the flags.
    Confirmed,
    /// Ask "Proceed? [y/N]" on the terminal.
    YesNo,
    /// Ask for the name typed on the terminal.
    TypeName,
    /// Refuse: the flags do not confirm and there is no terminal to ask on.
    Refused(String),
}

/// How the flags and the terminal confirm an action on `name`.
pub fn needed(args: &ActArgs, protected: bool, name: &str, terminal: bool) -> Ask {
    match (&args.confirm_name, protected) {
        (Some(given), true) if given != name => {
            return Ask::Refused(format!(
                "--confirm-name {given} does not match {name}; nothing was done"
            ));
        }
        (Some(_), true) if args.yes => return Ask::Confirmed,
        _ => {}
    }
    match (args.yes, protected, terminal) {
        (true, false, _) => Ask::Confirmed,
        (_, true, true) => Ask::TypeName,
        (false, false, true) => Ask::YesNo,
        (true, true, false) => Ask::Refused(format!(
            "the context is protected: pass --confirm-name {name} with --yes; nothing was done"
        )),
        (false, _, false) => Ask::Refused(format!(
            "no terminal to confirm on: pass --yes{}; nothing was done",
            if protected {
                format!(" --confirm-name {name}")
            } else {
                String::new()
            }
        )),
    }
}

/// Whether a person can answer: stdin and stderr are terminals.
pub fn terminal() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Asks on the terminal; `true` when the user confirmed. Anything but `y`/`yes` (or the
/// exact name) cancels.
pub async fn prompt(ask: Ask, name: String) -> bool {
    let question = match ask {
        Ask::TypeName => format!("type {name} to confirm: "),
        _ => "Proceed? [y/N] ".to_string(),
    };
    let answer = tokio::task::spawn_blocking(move || {
        let mut err = std::io::stderr();
        let _ = write!(err, "{question}");
        let _ = err.flush();
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map(|_| line)
    })
    .await;
    let Ok(Ok(line)) = answer else {
        return false;
    };
    let line = line.trim_end_matches(['\r', '\n']);
    match ask {
        Ask::TypeName => line == name,
        _ => matches!(line.trim().to_ascii_lowercase().as_str(), "y" | "yes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{OutputArgs, OutputFormat};

    fn args(yes: bool, confirm_name: Option<&str>) -> ActArgs {
        ActArgs {
            yes,
            confirm_name: confirm_name.map(str::to_string),
            dry_run: false,
            out: OutputArgs {
                output: OutputFormat::Table,
                no_headers: false,
            },
        }
    }

    #[test]
    fn without_a_terminal_only_the_flags_confirm() {
        assert!(matches!(
            needed(&args(false, None), false, "api", false),
            Ask::Refused(_)
        ));
        assert_eq!(
            needed(&args(true, None), false, "api", false),
            Ask::Confirmed
        );
        assert_eq!(
            needed(&args(true, None), true, "api", false),
            Ask::Refused(
                "the context is protected: pass --confirm-name api with --yes; nothing was done"
                    .into()
            )
        );
        assert_eq!(
            needed(&args(true, Some("api")), true, "api", false),
            Ask::Confirmed
        );
        assert!(matches!(
            needed(&args(true, Some("web")), true, "api", false),
            Ask::Refused(_)
        ));
        assert!(matches!(
            needed(&args(false, Some("api")), true, "api", false),
            Ask::Refused(_)
        ));
    }

    #[test]
    fn on_a_terminal_the_dashboards_question_is_asked() {
        assert_eq!(needed(&args(false, None), false, "api", true), Ask::YesNo);
        assert_eq!(needed(&args(false, None), true, "api", true), Ask::TypeName);
        assert_eq!(needed(&args(true, None), true, "api", true), Ask::TypeName);
        assert_eq!(
            needed(&args(true, None), false, "api", true),
            Ask::Confirmed
        );
    }
}
