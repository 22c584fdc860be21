//! `quarterdeck completions SHELL` and `quarterdeck man`, generated from the clap definitions
//! so they never drift from what the binary accepts.

use std::io::Write;

use clap::CommandFactory;
use clap_complete::Shell;

use super::Outcome;
use super::exit::{Exit, Failure};
use crate::cli::{Cli, CompletionShell, CompletionsArgs};

/// Prints the completion script.
pub fn completions(args: &CompletionsArgs) -> Outcome {
    let shell = match args.shell {
        CompletionShell::Bash => Shell::Bash,
        CompletionShell::Zsh => Shell::Zsh,
        CompletionShell::Fish => Shell::Fish,
    };
    let mut command = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "quarterdeck", &mut out);
    emit(&out)
}

/// Prints the manual page.
pub fn man() -> Outcome {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut out)
        .map_err(|e| Failure::new(Exit::Error, format!("cannot render the manual page: {e}")))?;
    emit(&out)
}

fn emit(bytes: &[u8]) -> Outcome {
    std::io::stdout()
        .write_all(bytes)
        .map_err(|e| Failure::new(Exit::Error, format!("cannot write to stdout: {e}")))?;
    Ok(Exit::Ok)
}
