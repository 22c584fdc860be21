//! How a failed run is reported: a mistake of the user's (no kubeconfig, an unknown context,
//! a broken config or scenario file) is one plain sentence and what to do; anything else is a bug, and
//! gets color-eyre's full report with its location.

use std::io::IsTerminal;

use color_eyre::Report;
use quarterdeck::integrations::kube::client::ClientError;
use quarterdeck_core::config_error::ConfigError;

/// A mistake of the user's that needs no more than its message (a scenario that is no file
/// or does not parse), told apart from bugs where it is made.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UserMistake(pub String);

/// Installs color-eyre's hooks, with colour escapes only when stderr is a terminal.
pub fn install_hooks() -> color_eyre::Result<()> {
    let theme = if std::io::stderr().is_terminal() {
        color_eyre::config::Theme::dark()
    } else {
        color_eyre::config::Theme::new()
    };
    color_eyre::config::HookBuilder::default()
        .theme(theme)
        .install()
}

/// The message for the user when `report` is one of their mistakes, `None` for a bug.
pub fn user_message(report: &Report) -> Option<String> {
    if let Some(e) = report.downcast_ref::<ConfigError>() {
        let what_to_do = match e {
            ConfigError::UnknownPreset { .. } => "",
            _ => "\nfix the file (or move it aside to run with the defaults)",
        };
        return Some(format!("quarterdeck: {e}{what_to_do}"));
    }
    if let Some(e) = report.downcast_ref::<UserMistake>() {
        return Some(format!("quarterdeck: {e}"));
    }
    let e = report.downcast_ref::<ClientError>()?;
    let what_to_do = match e {
        ClientError::UnknownContext { .. } => "\npass --context with one of those names",
        ClientError::Read(_) | ClientError::Config { .. } => {
            "\ncheck the kubeconfig (kubectl config view shows what it holds)"
        }
        ClientError::NoAnswer { .. } => "\ncheck the cluster is reachable (kubectl get ns)",
        ClientError::NoKubeconfig(_) | ClientError::NoContext => "",
    };
    Some(format!("quarterdeck: {e}{what_to_do}"))
}
