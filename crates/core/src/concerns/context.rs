//! The kubeconfig context shown, by generation, and a switch waiting for its connection.

/// Which context generation the model shows, and the switch waiting for its connection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContextState {
    /// The generation whose sources may change the model (0 for the context started with).
    pub epoch: u64,
    /// The highest generation handed out so far.
    issued: u64,
    /// The context being connected to, if a switch is under way.
    pub pending: Option<PendingSwitch>,
}

/// A `:ctx NAME` waiting for its context to connect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingSwitch {
    /// The context asked for.
    pub name: String,
    /// The generation it will have.
    pub epoch: u64,
}

impl ContextState {
    /// Whether a source of generation `epoch` may change the model.
    pub(crate) fn accepts(&self, epoch: u64) -> bool {
        epoch == self.epoch
    }

    /// Whether a switch to `name` is already under way.
    pub(crate) fn is_pending(&self, name: &str) -> bool {
        self.pending.as_ref().is_some_and(|p| p.name == name)
    }

    /// Starts a switch to `name`; returns the generation it will have.
    pub(crate) fn begin(&mut self, name: &str) -> u64 {
        self.issued += 1;
        self.pending = Some(PendingSwitch {
            name: name.to_string(),
            epoch: self.issued,
        });
        self.issued
    }

    /// Forgets a switch under way (its answer will be ignored).
    pub(crate) fn cancel(&mut self) {
        self.pending = None;
    }

    /// The switch waiting for `epoch`, if it is the one under way (a later `:ctx` supersedes
    /// it).
    pub(crate) fn take_pending(&mut self, epoch: u64) -> Option<PendingSwitch> {
        if self.pending.as_ref()?.epoch != epoch {
            return None;
        }
        self.pending.take()
    }
}
