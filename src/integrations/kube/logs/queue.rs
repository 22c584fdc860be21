//! A stream's way to the merger: a queue of a few batches of its own, and a budget of lines
//! shared by every stream, so the lines waiting stay bounded however many pods are streamed
//! (a hundred streams wait on the same budget one would).

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};

use quarterdeck_core::RawLogLine;

/// Lines waiting in every stream's queue together.
pub type LineBudget = Arc<Semaphore>;

/// A budget of `lines` lines for all streams.
pub fn budget(lines: usize) -> LineBudget {
    Arc::new(Semaphore::new(lines))
}

/// A batch waiting for the merger, holding its share of the budget until it is taken.
#[derive(Debug)]
pub struct QueuedBatch {
    /// The lines.
    pub lines: Vec<RawLogLine>,
    _share: OwnedSemaphorePermit,
}

/// One stream's sending end.
#[derive(Debug, Clone)]
pub struct LineQueue {
    tx: mpsc::Sender<QueuedBatch>,
    budget: LineBudget,
    /// The whole budget: one batch never waits for more.
    total: usize,
}

impl LineQueue {
    /// A queue sending into `tx`, sharing `budget` of `total` lines.
    pub fn new(tx: mpsc::Sender<QueuedBatch>, budget: LineBudget, total: usize) -> Self {
        Self { tx, budget, total }
    }

    /// Waits for room in the budget and the queue, then takes `batch` into the queue; false
    /// once the merger is gone. Cancel-safe: `batch` is only taken once there is room.
    pub async fn send(&self, batch: &mut Vec<RawLogLine>) -> bool {
        let want = batch.len().clamp(1, self.total.max(1)) as u32;
        let Ok(share) = self.budget.clone().acquire_many_owned(want).await else {
            return false;
        };
        let Ok(slot) = self.tx.reserve().await else {
            return false;
        };
        slot.send(QueuedBatch {
            lines: std::mem::take(batch),
            _share: share,
        });
        true
    }
}
