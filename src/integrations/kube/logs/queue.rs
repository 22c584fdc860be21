//! A stream's way to the merger: one queue all streams share, and a budget of lines shared
//! the same way, so the lines waiting stay bounded however many pods are streamed (a hundred
//! streams wait on the same budget one would), and the merger waits on one queue instead of
//! polling a hundred.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};

use quarterdeck_core::RawLogLine;
use quarterdeck_core::msg::StreamId;

/// Lines waiting in the queue together.
pub type LineBudget = Arc<Semaphore>;

/// A budget of `lines` lines for all streams.
pub fn budget(lines: usize) -> LineBudget {
    Arc::new(Semaphore::new(lines))
}

/// A stream of one context generation: its id and the generation (epoch).
pub type StreamKey = (StreamId, u64);

/// A batch waiting for the merger, holding its share of the budget until it is taken.
#[derive(Debug)]
pub struct QueuedBatch {
    /// The stream it comes from.
    pub stream: StreamKey,
    /// The lines.
    pub lines: Vec<RawLogLine>,
    _share: OwnedSemaphorePermit,
}

/// What the merger hears about a stream besides its lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamNews {
    /// The stream may send lines from now on: lines of the others wait for it.
    Opened(StreamKey),
    /// The stream sends nothing more (every handle of its queue was dropped).
    Ended(StreamKey),
}

/// Tells the merger a stream ended once the last handle of its queue is gone.
#[derive(Debug)]
struct EndNotice {
    stream: StreamKey,
    news: mpsc::UnboundedSender<StreamNews>,
}

impl Drop for EndNotice {
    fn drop(&mut self) {
        // The merger only stops with the driver; nobody is left to tell then.
        let _ = self.news.send(StreamNews::Ended(self.stream));
    }
}

/// One stream's sending end.
#[derive(Debug, Clone)]
pub struct LineQueue {
    tx: mpsc::Sender<QueuedBatch>,
    budget: LineBudget,
    /// The whole budget: one batch never waits for more.
    total: usize,
    end: Arc<EndNotice>,
}

impl LineQueue {
    /// Opens `stream`'s way into `tx`, sharing `budget` of `total` lines: the merger hears of
    /// it on `news` now, and again when the last clone of the queue is dropped.
    pub fn open(
        stream: StreamKey,
        tx: mpsc::Sender<QueuedBatch>,
        news: mpsc::UnboundedSender<StreamNews>,
        budget: LineBudget,
        total: usize,
    ) -> Self {
        let _ = news.send(StreamNews::Opened(stream));
        Self {
            tx,
            budget,
            total,
            end: Arc::new(EndNotice { stream, news }),
        }
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
            stream: self.end.stream,
            lines: std::mem::take(batch),
            _share: share,
        });
        true
    }
}
