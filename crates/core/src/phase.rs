//! The health of a workload, shared by Deployments, Rollouts and the release rows.

/// The health of a release in the words Argo Rollouts uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Phase {
    /// Fully rolled out and available.
    Healthy,
    /// Moving towards a new revision.
    Progressing,
    /// Waiting (a canary pause, a blue-green preview, a paused Deployment).
    Paused,
    /// Failed, aborted or past its progress deadline.
    Degraded,
    /// Not known yet.
    #[default]
    Unknown,
}

impl Phase {
    /// The symbol that goes with the colour, so status never relies on colour alone.
    pub fn symbol(self) -> &'static str {
        match self {
            Phase::Healthy => "●",
            Phase::Progressing => "◐",
            Phase::Paused => "‖",
            Phase::Degraded => "✖",
            Phase::Unknown => "?",
        }
    }

    /// The word shown next to the symbol.
    pub fn word(self) -> &'static str {
        match self {
            Phase::Healthy => "Healthy",
            Phase::Progressing => "Progressing",
            Phase::Paused => "Paused",
            Phase::Degraded => "Degraded",
            Phase::Unknown => "Unknown",
        }
    }
}
