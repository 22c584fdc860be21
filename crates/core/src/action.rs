//! What a key can mean. Keymap files bind keys to these names (snake_case), and the help
//! overlay describes them with [`Action::describe`].

use serde::{Deserialize, Serialize};
use std::fmt;

/// A user intent, independent of which key triggered it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Leave the program.
    Quit,
    /// Show the key help overlay.
    Help,
    /// Open the `:` command line.
    CommandLine,
    /// Open the `/` filter prompt for the focused pane.
    Filter,
    /// Close the overlay or prompt, or go back one level.
    Back,
    /// Focus the next pane.
    NextPane,
    /// Focus the previous pane.
    PrevPane,
    /// Move the selection up.
    Up,
    /// Move the selection down.
    Down,
    /// Scroll left (long log lines without wrap).
    Left,
    /// Scroll right (long log lines without wrap).
    Right,
    /// Move one page up.
    PageUp,
    /// Move one page down.
    PageDown,
    /// Jump to the first row.
    Top,
    /// Jump to the last row.
    Bottom,
    /// Drill into the selected row.
    Select,
    /// Focus the releases pane.
    FocusReleases,
    /// Focus the pods pane.
    FocusPods,
    /// Focus the logs pane.
    FocusLogs,
    /// Focus the events pane.
    FocusEvents,
    /// Follow the end of the log (autoscroll) or stop following.
    ToggleFollow,
    /// Wrap long log lines or cut them.
    ToggleWrap,
    /// Show or hide log timestamps.
    ToggleTimestamps,
    /// Split the logs into canary | stable side by side, or join them again.
    SplitLogs,
    /// Show the previous (crashed) container's log.
    PreviousLogs,
    /// Switch between the selected pod's log and all pods of the release.
    PodLogs,
    /// Remove the active filter.
    ClearFilter,
    /// Logs pane: hide lines matching a regex; elsewhere Quarterdeck's own log.
    Exclude,
    /// Logs pane: mark lines matching a regex.
    Highlight,
    /// Logs pane: JSON lines as written or as `level msg key=value`.
    ToggleRaw,
    /// Logs pane: the next (newer) match of the highlight or filter.
    NextMatch,
    /// Logs pane: the previous (older) match.
    PrevMatch,
    /// Show Quarterdeck's own log.
    AppLog,
    /// Open the selected release's CI pipeline.
    Pipeline,
    /// Open the inbox of CI gates waiting on a human.
    Gates,
    /// The actions menu for the focused row: what can be done now.
    ActionsMenu,
    /// Approve the gate (GitHub/GitLab) or play the manual job; on a rollout pause, promote.
    Approve,
    /// Reject the gate.
    Reject,
    /// Promote the rollout one step (blue-green: the preview becomes active).
    Promote,
    /// Promote the rollout fully, skipping the remaining steps.
    PromoteFull,
    /// Abort the rollout.
    Abort,
    /// Retry an aborted rollout; re-run failed CI jobs.
    Retry,
    /// Roll back: pick a revision (cluster undo or CI redeploy).
    Undo,
    /// Pause or resume the workload.
    PauseResume,
    /// Restart the workload's pods.
    Restart,
    /// Cancel the CI run or pipeline.
    CancelRun,
    /// Open the selected release's canary analysis.
    Analysis,
    /// Roll back as the rollback guard proposes (opens the confirmation).
    GuardRollback,
    /// Give the terminal back and stop until the shell continues us (ctrl-z).
    Suspend,
    /// Bound to nothing: binding a key to `noop` removes a default binding.
    Noop,
}

impl Action {
    /// Every action, in the order the help overlay lists them.
    pub const ALL: &'static [Action] = &[
        Action::Help,
        Action::Quit,
        Action::CommandLine,
        Action::Filter,
        Action::ClearFilter,
        Action::Back,
        Action::Select,
        Action::NextPane,
        Action::PrevPane,
        Action::FocusReleases,
        Action::FocusPods,
        Action::FocusLogs,
        Action::FocusEvents,
        Action::Up,
        Action::Down,
        Action::Left,
        Action::Right,
        Action::PageUp,
        Action::PageDown,
        Action::Top,
        Action::Bottom,
        Action::ToggleFollow,
        Action::ToggleWrap,
        Action::ToggleTimestamps,
        Action::SplitLogs,
        Action::PreviousLogs,
        Action::PodLogs,
        Action::Exclude,
        Action::Highlight,
        Action::NextMatch,
        Action::PrevMatch,
        Action::ToggleRaw,
        Action::AppLog,
        Action::Pipeline,
        Action::Gates,
        Action::Analysis,
        Action::ActionsMenu,
        Action::Approve,
        Action::Reject,
        Action::Promote,
        Action::PromoteFull,
        Action::Abort,
        Action::Retry,
        Action::Undo,
        Action::PauseResume,
        Action::Restart,
        Action::CancelRun,
        Action::GuardRollback,
        Action::Suspend,
        Action::Noop,
    ];

    /// The name used in keymap files (the serde name).
    pub fn name(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Help => "help",
            Action::CommandLine => "command_line",
            Action::Filter => "filter",
            Action::Back => "back",
            Action::NextPane => "next_pane",
            Action::PrevPane => "prev_pane",
            Action::Up => "up",
            Action::Down => "down",
            Action::Left => "left",
            Action::Right => "right",
            Action::PageUp => "page_up",
            Action::PageDown => "page_down",
            Action::Top => "top",
            Action::Bottom => "bottom",
            Action::Select => "select",
            Action::FocusReleases => "focus_releases",
            Action::FocusPods => "focus_pods",
            Action::FocusLogs => "focus_logs",
            Action::FocusEvents => "focus_events",
            Action::ToggleFollow => "toggle_follow",
            Action::ToggleWrap => "toggle_wrap",
            Action::ToggleTimestamps => "toggle_timestamps",
            Action::SplitLogs => "split_logs",
            Action::PreviousLogs => "previous_logs",
            Action::PodLogs => "pod_logs",
            Action::ClearFilter => "clear_filter",
            Action::Exclude => "exclude",
            Action::Highlight => "highlight",
            Action::ToggleRaw => "toggle_raw",
            Action::NextMatch => "next_match",
            Action::PrevMatch => "prev_match",
            Action::AppLog => "app_log",
            Action::Pipeline => "pipeline",
            Action::Gates => "gates",
            Action::ActionsMenu => "actions_menu",
            Action::Approve => "approve",
            Action::Reject => "reject",
            Action::Promote => "promote",
            Action::PromoteFull => "promote_full",
            Action::Abort => "abort",
            Action::Retry => "retry",
            Action::Undo => "undo",
            Action::PauseResume => "pause_resume",
            Action::Restart => "restart",
            Action::CancelRun => "cancel_run",
            Action::Analysis => "analysis",
            Action::GuardRollback => "guard_rollback",
            Action::Suspend => "suspend",
            Action::Noop => "noop",
        }
    }

    /// Looks an action up by its keymap-file name.
    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.iter().copied().find(|a| a.name() == name)
    }

    /// One line for the help overlay.
    pub fn describe(self) -> &'static str {
        match self {
            Action::Quit => "quit Quarterdeck",
            Action::Help => "show this help",
            Action::CommandLine => "command line (:releases :pipeline :gates :ctx :ns …)",
            Action::Filter => "filter the focused pane",
            Action::Back => "back / close",
            Action::NextPane => "next pane",
            Action::PrevPane => "previous pane",
            Action::Up => "up",
            Action::Down => "down",
            Action::Left => "scroll left",
            Action::Right => "scroll right",
            Action::PageUp => "page up",
            Action::PageDown => "page down",
            Action::Top => "first row",
            Action::Bottom => "last row",
            Action::Select => "open the selected row",
            Action::FocusReleases => "releases pane",
            Action::FocusPods => "pods pane",
            Action::FocusLogs => "logs pane",
            Action::FocusEvents => "events pane",
            Action::ToggleFollow => "follow the log end on/off",
            Action::ToggleWrap => "wrap long lines on/off",
            Action::ToggleTimestamps => "log timestamps on/off",
            Action::SplitLogs => "logs split canary | stable on/off",
            Action::PreviousLogs => "previous container's log",
            Action::PodLogs => "selected pod only / all pods of the release",
            Action::ClearFilter => "clear the filter",
            Action::Exclude => "logs pane: hide lines matching a regex; else Quarterdeck's log",
            Action::Highlight => "logs: highlight a regex (n/N jump between matches)",
            Action::ToggleRaw => "logs: JSON lines raw / as level msg key=value",
            Action::NextMatch => "logs: next match (newer)",
            Action::PrevMatch => "logs: previous match (older)",
            Action::AppLog => "Quarterdeck's own log",
            Action::Pipeline => "CI pipeline of the selected release (enter: job log)",
            Action::Gates => "CI gates inbox: approvals and manual jobs waiting",
            Action::ActionsMenu => "actions for the focused row (only what is valid and permitted)",
            Action::Approve => "approve the gate / play the manual job (rollout pause: promote)",
            Action::Reject => "reject the gate",
            Action::Promote => "promote the rollout one step (blue-green: preview → active)",
            Action::PromoteFull => "promote the rollout fully (skip remaining steps)",
            Action::Abort => "abort the rollout (traffic back to stable)",
            Action::Retry => "retry: aborted rollout, failed CI jobs",
            Action::Undo => "roll back to a revision (cluster undo or CI redeploy)",
            Action::PauseResume => "pause / resume the rollout or Deployment",
            Action::Restart => "restart the pods",
            Action::CancelRun => "cancel the CI run or pipeline",
            Action::Analysis => "canary analysis of the selected release (canary vs stable)",
            Action::GuardRollback => "roll back as the rollback guard proposes",
            Action::Suspend => "suspend to the shell (fg comes back)",
            Action::Noop => "nothing (unbinds the key)",
        }
    }

    /// Whether the action changes the world (removed everywhere in read-only contexts).
    pub fn changes_world(self) -> bool {
        matches!(
            self,
            Action::ActionsMenu
                | Action::Approve
                | Action::Reject
                | Action::Promote
                | Action::PromoteFull
                | Action::Abort
                | Action::Retry
                | Action::Undo
                | Action::PauseResume
                | Action::Restart
                | Action::CancelRun
                | Action::GuardRollback
        )
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn names_match_serde_and_cover_every_variant() {
        let mut seen = std::collections::HashSet::new();
        for &action in Action::ALL {
            assert!(seen.insert(action), "{action:?} listed twice");
            let serde_name = serde_json::to_value(action).unwrap();
            assert_eq!(serde_name, serde_json::Value::from(action.name()));
            assert_eq!(Action::from_name(action.name()), Some(action));
            assert!(!action.describe().is_empty());
        }
        let json: Action = serde_json::from_str("\"app_log\"").unwrap();
        assert_eq!(json, Action::AppLog);
        assert_eq!(Action::from_name("explode"), None);
    }
}
