//! Release control's local side: the journal file and the optional webhook.

pub mod journal;
pub mod webhook;
