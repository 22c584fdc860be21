//! Every log stream's lines on their way to the event loop: each stream has a small bounded
//! queue of its own, the lines that arrive within a short window are merged by timestamp, and
//! the merged batches wait in a bounded queue the event loop takes from after its other
//! messages — so a key press never waits behind log lines, and a dashboard that cannot keep up
//! slows the streams down instead of piling their lines up in memory.

use std::collections::HashMap;
use std::time::Duration;

use futures::StreamExt;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_stream::StreamMap;
use tokio_stream::wrappers::ReceiverStream;

use crate::integrations::kube::logs::{LineBudget, LineQueue, QueuedBatch, budget};
use quarterdeck_core::msg::{ContextMsg, StreamId};
use quarterdeck_core::{Msg, RawLogLine};

/// Batches a stream may have waiting before it stops reading.
const STREAM_QUEUE: usize = 8;
/// Lines waiting in all the streams' queues together: a hundred pods streamed hold no more
/// than one busy pod may.
const IN_FLIGHT: usize = 32_000;
/// How long lines are gathered before they are merged by timestamp and handed on: shorter
/// than a frame, so merging costs no frame.
const WINDOW: Duration = Duration::from_millis(6);
/// Merged batches waiting for the event loop.
const OUT_QUEUE: usize = 2;
/// Lines gathered at most; past it no stream is read until the gathered lines are handed on.
const GATHER_MAX: usize = 25_000;

/// A stream's queue, registered with the merger.
type Registration = (StreamId, u64, mpsc::Receiver<QueuedBatch>);

/// The merger's handle: hands out stream queues; its task ends when the handle is dropped.
#[derive(Debug)]
pub struct LogMerge {
    register: mpsc::UnboundedSender<Registration>,
    budget: LineBudget,
    task: JoinHandle<()>,
}

impl LogMerge {
    /// Starts the merger; the event loop reads the merged batches from the receiver.
    pub fn start() -> (Self, mpsc::Receiver<Vec<Msg>>) {
        let (register, registrations) = mpsc::unbounded_channel();
        let (out, batches) = mpsc::channel(OUT_QUEUE);
        let task = tokio::spawn(run(registrations, out));
        let budget = budget(IN_FLIGHT);
        (
            Self {
                register,
                budget,
                task,
            },
            batches,
        )
    }

    /// A queue for stream `id` of context generation `epoch`; the stream ends its part by
    /// dropping the sender.
    pub fn queue(&self, id: StreamId, epoch: u64) -> LineQueue {
        let (tx, rx) = mpsc::channel(STREAM_QUEUE);
        // The merger only stops with the driver, which owns this handle.
        let _ = self.register.send((id, epoch, rx));
        LineQueue::new(tx, self.budget.clone(), IN_FLIGHT)
    }
}

impl Drop for LogMerge {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One gathered line: its sort key, then where it came from.
struct Gathered {
    time: i64,
    arrival: u64,
    stream: StreamId,
    epoch: u64,
    line: RawLogLine,
}

async fn run(
    mut registrations: mpsc::UnboundedReceiver<Registration>,
    out: mpsc::Sender<Vec<Msg>>,
) {
    let mut streams: StreamMap<(StreamId, u64), ReceiverStream<QueuedBatch>> = StreamMap::new();
    let mut gathered: Vec<Gathered> = Vec::new();
    let mut arrival = 0u64;
    // A line without a timestamp sorts with its stream's previous line.
    let mut last_time: HashMap<StreamId, i64> = HashMap::new();
    let mut hand_on: Option<Instant> = None;
    loop {
        tokio::select! {
            biased;
            reg = registrations.recv() => match reg {
                Some((id, epoch, rx)) => {
                    streams.insert((id, epoch), ReceiverStream::new(rx));
                }
                None => return,
            },
            Some(((stream, epoch), batch)) = streams.next(), if gathered.len() < GATHER_MAX => {
                let last = last_time.entry(stream).or_insert(i64::MIN);
                // Taken: the batch's share of the budget goes back as it is dropped here.
                for line in batch.lines {
                    let time = line.time_ns.unwrap_or(*last);
                    *last = time;
                    arrival += 1;
                    gathered.push(Gathered { time, arrival, stream, epoch, line });
                }
                hand_on.get_or_insert_with(|| Instant::now() + WINDOW);
            }
            () = sleep_until(hand_on), if hand_on.is_some() => {
                let Ok(permit) = out.reserve().await else {
                    return;
                };
                let newest = gathered.iter().map(|g| g.time).max();
                crate::frame_trace::stage("merged", newest, gathered.len());
                permit.send(merge(std::mem::take(&mut gathered)));
                hand_on = None;
                last_time.retain(|id, _| streams.keys().any(|(s, _)| s == id));
            }
        }
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Orders gathered lines by timestamp (arrival breaks ties, so one stream's order holds) and
/// cuts them into one message per run of a stream.
fn merge(mut gathered: Vec<Gathered>) -> Vec<Msg> {
    gathered.sort_unstable_by_key(|g| (g.time, g.arrival));
    let mut msgs = Vec::new();
    let mut run: Option<(StreamId, u64, Vec<RawLogLine>)> = None;
    for g in gathered {
        match &mut run {
            Some((stream, epoch, lines)) if *stream == g.stream && *epoch == g.epoch => {
                lines.push(g.line);
            }
            _ => {
                if let Some(done) = run.take() {
                    msgs.push(message(done));
                }
                run = Some((g.stream, g.epoch, vec![g.line]));
            }
        }
    }
    if let Some(done) = run {
        msgs.push(message(done));
    }
    msgs
}

fn message((stream, epoch, lines): (StreamId, u64, Vec<RawLogLine>)) -> Msg {
    ContextMsg::from_source(epoch, Msg::LogLines { stream, lines })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn line(ns: i64, text: &str) -> RawLogLine {
        RawLogLine {
            time_ns: Some(ns),
            text: quarterdeck_core::logs::StyledText::plain(text),
        }
    }

    fn unwrap(msgs: Vec<Msg>) -> Vec<(StreamId, Vec<String>)> {
        msgs.into_iter()
            .map(|m| match m {
                Msg::Context(ContextMsg::From { msg, .. }) => match *msg {
                    Msg::LogLines { stream, lines } => {
                        (stream, lines.into_iter().map(|l| l.text.text).collect())
                    }
                    other => panic!("unexpected {other:?}"),
                },
                other => panic!("unexpected {other:?}"),
            })
            .collect()
    }

    #[test]
    fn lines_gathered_together_are_merged_by_timestamp() {
        let gathered = [
            (1, 10, "a10"),
            (1, 30, "a30"),
            (1, 30, "a30 again"),
            (2, 20, "b20"),
            (2, 30, "b30"),
        ];
        let gathered = gathered
            .iter()
            .enumerate()
            .map(|(i, (stream, time, text))| Gathered {
                time: *time,
                arrival: i as u64,
                stream: *stream,
                epoch: 0,
                line: line(*time, text),
            })
            .collect();
        let got = unwrap(merge(gathered));
        let order: Vec<String> = got.iter().flat_map(|(_, l)| l.clone()).collect();
        assert_eq!(order, ["a10", "b20", "a30", "a30 again", "b30"]);
        let streams: Vec<u64> = got.iter().map(|(s, _)| *s).collect();
        assert_eq!(streams, [1, 2, 1, 2], "one message per run of a stream");
    }

    /// Lines a dashboard that does not read lets `streams` streams queue, sending batches of
    /// 1,000 round-robin until none finds room within a second.
    async fn accepted_without_a_reader(streams: u64) -> usize {
        let (merge, _batches) = LogMerge::start();
        let queues: Vec<LineQueue> = (1..=streams).map(|id| merge.queue(id, 0)).collect();
        let mut sent = 0usize;
        loop {
            let mut any = false;
            for q in &queues {
                let mut batch: Vec<RawLogLine> = (0..1_000).map(|i| line(i, "x")).collect();
                if tokio::time::timeout(Duration::from_millis(20), q.send(&mut batch))
                    .await
                    .is_ok_and(|sent| sent)
                {
                    sent += 1_000;
                    any = true;
                }
            }
            if !any {
                return sent;
            }
        }
    }

    #[tokio::test]
    async fn a_dashboard_that_does_not_read_stops_the_streams() {
        // Without a reader, room runs out once the merged queue, the gathering and the
        // queues are full: a bounded number of lines.
        let one = accepted_without_a_reader(1).await;
        assert!((1_000..200_000).contains(&one), "{one}");
        // A hundred streams share one budget: they hold no more than a few streams would.
        let hundred = accepted_without_a_reader(100).await;
        let bound = IN_FLIGHT + GATHER_MAX + OUT_QUEUE * GATHER_MAX + 100 * 1_000;
        assert!(hundred <= bound, "{hundred} lines held by 100 streams");
    }
}
