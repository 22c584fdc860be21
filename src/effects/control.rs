//! The control side of the effects driver: journal and webhook, permissions, Leases and the
//! actions themselves, each answered as `Msg::Control`.

use tokio::sync::mpsc::UnboundedSender;

use crate::control::journal::Journal;
use crate::control::webhook::Webhook;
use quarterdeck_core::Msg;
use quarterdeck_core::control::{ControlEffect, ControlMsg, JournalEntry, Outcome};

/// Where control writes and who it is.
#[derive(Debug, Clone)]
pub struct ControlSetup {
    /// The journal, when a state directory is known.
    pub journal: Option<Journal>,
    /// The webhook, when configured.
    pub webhook: Option<Webhook>,
    /// Who acts: kubeconfig user and CI logins, for the journal.
    pub user: String,
}

impl ControlSetup {
    /// The journal in the state directory; no webhook; the user not known yet.
    pub fn from_env() -> Self {
        Self {
            journal: crate::config::state_dir().map(|d| Journal::in_dir(&d)),
            webhook: None,
            user: String::new(),
        }
    }
}

/// Carries out control effects.
pub struct ControlDriver {
    setup: ControlSetup,
    tx: UnboundedSender<Msg>,
}

impl ControlDriver {
    /// A driver answering on `tx`.
    pub fn new(setup: ControlSetup, tx: UnboundedSender<Msg>) -> Self {
        Self { setup, tx }
    }

    fn answer(&self, msg: ControlMsg) {
        let _ = self.tx.send(Msg::Control(msg));
    }

    /// Performs one control effect.
    pub fn perform(&mut self, effect: ControlEffect) {
        match effect {
            ControlEffect::Journal(entry) => self.journal(*entry),
            ControlEffect::LoadJournal => {
                let entries = match &self.setup.journal {
                    Some(j) => j.read(),
                    None => Err("no state directory: set QUARTERDECK_STATE_DIR".into()),
                };
                self.answer(ControlMsg::Journal(entries));
            }
            ControlEffect::Act(request) => self.answer(ControlMsg::Done {
                id: request.id,
                outcome: Outcome::Refused {
                    why: "actions are not wired to the cluster yet; nothing was done".into(),
                },
            }),
            other => tracing::warn!(?other, "control effect not handled yet"),
        }
    }

    /// Appends to the journal (filling in who acted) and posts to the webhook.
    fn journal(&self, mut entry: JournalEntry) {
        entry.user = self.setup.user.clone();
        if let Some(j) = &self.setup.journal
            && let Err(e) = j.append(&entry)
        {
            tracing::error!(path = %j.path().display(), error = %e, "cannot write the journal");
        }
        if let Some(w) = &self.setup.webhook {
            w.post(&entry);
        }
    }
}
