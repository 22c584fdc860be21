//! Navigation, in one place: which pane has the keyboard, the keyboard's mode, the `/` and `:`
//! prompt being typed, an unfinished chord, and the overlays (help, Quarterdeck's own log).

use crate::key::KeyPress;
use crate::keymap::Mode;

/// The panes that can take the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    /// The list of releases.
    Releases,
    /// The selected release's pods.
    Pods,
    /// The selected release's logs.
    Logs,
    /// The selected release's events.
    Events,
    /// The selected release's CI pipeline.
    Pipeline,
    /// One CI job's log (opened from the Pipeline pane).
    JobLog,
    /// Every CI gate waiting on a human, across releases.
    Gates,
    /// The selected release's canary analysis: canary beside stable, triggers, AnalysisRuns.
    Analysis,
}

impl Pane {
    /// Focus order for tab / shift-tab.
    pub(crate) const ORDER: [Pane; 4] = [Pane::Releases, Pane::Pods, Pane::Logs, Pane::Events];

    /// The pane's title.
    pub fn title(self) -> &'static str {
        match self {
            Pane::Releases => "Releases",
            Pane::Pods => "Pods",
            Pane::Logs => "Logs",
            Pane::Events => "Events",
            Pane::Pipeline => "Pipeline",
            Pane::JobLog => "Job log",
            Pane::Gates => "Gates",
            Pane::Analysis => "Analysis",
        }
    }

    /// Whether this is one of the CI panes (they share the lower part of the screen).
    pub fn is_ci(self) -> bool {
        matches!(self, Pane::Pipeline | Pane::JobLog | Pane::Gates)
    }
}

/// Where the keyboard is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nav {
    /// The focused pane.
    pub focus: Pane,
    /// Keyboard mode.
    pub mode: Mode,
    /// Text being typed at the `/` or `:` prompt.
    pub input: String,
    /// Keys of an unfinished chord.
    pub pending_keys: Vec<KeyPress>,
    /// Scroll offset of the help overlay.
    pub help_scroll: usize,
    /// The help overlay's search text.
    pub help_query: String,
    /// Whether keys are typed into the help search rather than bound to actions.
    pub help_typing: bool,
    /// Whether Quarterdeck's own log is shown.
    pub show_app_log: bool,
}

impl Default for Nav {
    fn default() -> Self {
        Self {
            focus: Pane::Releases,
            mode: Mode::Normal,
            input: String::new(),
            pending_keys: Vec::new(),
            help_scroll: 0,
            help_query: String::new(),
            help_typing: false,
            show_app_log: false,
        }
    }
}

impl Nav {
    /// The next (or previous) pane of the tab order.
    pub(crate) fn next_pane(&self, forward: bool) -> Pane {
        let order = Pane::ORDER;
        let n = order.len();
        let i = order.iter().position(|p| *p == self.focus).unwrap_or(0);
        order[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }]
    }

    /// Opens the `/` or `:` prompt with `text` already typed.
    pub(crate) fn prompt(&mut self, mode: Mode, text: String) {
        self.mode = mode;
        self.input = text;
    }

    /// Opens the help overlay at its top.
    pub(crate) fn open_help(&mut self) {
        self.mode = Mode::Help;
        self.help_scroll = 0;
        self.help_query.clear();
        self.help_typing = false;
    }

    /// Scrolls the help overlay by `delta` rows (`isize::MIN`/`MAX` for the ends).
    pub(crate) fn scroll_help(&mut self, delta: isize) {
        self.help_scroll = match delta {
            isize::MIN => 0,
            isize::MAX => usize::MAX / 2,
            d if d < 0 => self.help_scroll.saturating_sub(d.unsigned_abs()),
            d => self.help_scroll + d.unsigned_abs(),
        };
    }
}
