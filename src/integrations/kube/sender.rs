//! The channel a context's sources send on: every message is tagged with the context
//! generation, so the model can drop what an old context still sends after a switch.

use tokio::sync::mpsc::UnboundedSender;

use quarterdeck_core::Msg;
use quarterdeck_core::msg::ContextMsg;

/// Sends `Msg`s on behalf of one context generation.
#[derive(Debug, Clone)]
pub struct ContextSender {
    epoch: u64,
    tx: UnboundedSender<Msg>,
}

impl ContextSender {
    /// A sender for the sources of context generation `epoch`.
    pub fn new(epoch: u64, tx: UnboundedSender<Msg>) -> Self {
        Self { epoch, tx }
    }

    /// Sends `msg` tagged with the generation; false once the receiver is gone.
    pub fn send(&self, msg: Msg) -> bool {
        self.tx
            .send(ContextMsg::from_source(self.epoch, msg))
            .is_ok()
    }

    /// The context generation this sender tags messages with.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// Whether the receiver is gone.
    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }
}
