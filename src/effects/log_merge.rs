//! Every log stream's lines on their way to the event loop: the streams share one bounded
//! queue, lines are merged by timestamp and handed on as soon as every open stream
//! has delivered past them (or their short window closed, when a stream lags or is quiet), and
//! the merged batches wait in a bounded queue the event loop takes from after its other
//! messages — so a key press never waits behind log lines, and a dashboard that cannot keep up
//! slows the streams down instead of piling their lines up in memory.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::integrations::kube::logs::{
    LineBudget, LineQueue, QueuedBatch, StreamKey, StreamNews, budget,
};
use quarterdeck_core::msg::{ContextMsg, StreamId};
use quarterdeck_core::{Msg, RawLogLine};

/// Batches of all streams waiting for the merger before the next one stops reading.
const QUEUED: usize = 64;
/// Lines waiting in all the streams' queues together: a hundred pods streamed hold no more
/// than one busy pod may.
const IN_FLIGHT: usize = 32_000;
/// How long a line waits at most for a stream behind it before it is handed on: shorter than
/// a frame, so merging costs no frame.
const WINDOW: Duration = Duration::from_millis(6);
/// Shortest time between two hand-ons: the event loop is woken a few hundred times a second at
/// most, not once per chunk read, and a line waits at most this long for the lines after it.
const PACE: Duration = Duration::from_millis(2);
/// Merged batches waiting for the event loop.
const OUT_QUEUE: usize = 2;
/// Lines gathered at most; past it no stream is read until the gathered lines are handed on.
const GATHER_MAX: usize = 25_000;

/// The merger's handle: hands out stream queues; its task ends when the handle is dropped.
#[derive(Debug)]
pub struct LogMerge {
    news: mpsc::UnboundedSender<StreamNews>,
    lines: mpsc::Sender<QueuedBatch>,
    budget: LineBudget,
    task: JoinHandle<()>,
}

impl LogMerge {
    /// Starts the merger; the event loop reads the merged batches from the receiver.
    pub fn start() -> (Self, mpsc::Receiver<Vec<Msg>>) {
        let (news, heard) = mpsc::unbounded_channel();
        let (lines, queued) = mpsc::channel(QUEUED);
        let (out, batches) = mpsc::channel(OUT_QUEUE);
        let task = tokio::spawn(run(heard, queued, out));
        let budget = budget(IN_FLIGHT);
        (
            Self {
                news,
                lines,
                budget,
                task,
            },
            batches,
        )
    }

    /// A queue for stream `id` of context generation `epoch`; the stream ends its part by
    /// dropping it.
    pub fn queue(&self, id: StreamId, epoch: u64) -> LineQueue {
        LineQueue::open(
            (id, epoch),
            self.lines.clone(),
            self.news.clone(),
            self.budget.clone(),
            IN_FLIGHT,
        )
    }
}

impl Drop for LogMerge {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One gathered line: its sort key, then where it came from and when it came.
struct Gathered {
    time: i64,
    arrival: u64,
    stream: StreamId,
    epoch: u64,
    line: RawLogLine,
    at: Instant,
}

/// The lines gathered and not yet handed on, and how far each open stream has delivered.
#[derive(Default)]
struct Gathering {
    lines: Vec<Gathered>,
    arrival: u64,
    /// Per stream: the newest timestamp it delivered.
    seen: HashMap<StreamKey, i64>,
    /// A line without a timestamp sorts with its stream's previous line.
    last_time: HashMap<StreamKey, i64>,
    /// Earliest timestamp among `lines`.
    oldest: Option<i64>,
    /// When the window of the longest-waiting line closes.
    deadline: Option<Instant>,
}

impl Gathering {
    fn take(&mut self, (stream, epoch): StreamKey, lines: Vec<RawLogLine>, at: Instant) {
        let last = self.last_time.entry((stream, epoch)).or_insert(i64::MIN);
        for line in lines {
            let time = line.time_ns.unwrap_or(*last);
            *last = time;
            self.arrival += 1;
            self.oldest = Some(self.oldest.map_or(time, |o| o.min(time)));
            self.lines.push(Gathered {
                time,
                arrival: self.arrival,
                stream,
                epoch,
                line,
                at,
            });
        }
        let seen = self.seen.entry((stream, epoch)).or_insert(i64::MIN);
        *seen = (*seen).max(*last);
        self.deadline.get_or_insert(at + WINDOW);
    }

    /// The newest timestamp up to which every open stream has delivered: a stream's lines
    /// come in timestamp order, so no line older than it is still to come. `None` while some
    /// stream has delivered nothing.
    fn caught_up<'a>(&self, open: impl Iterator<Item = &'a StreamKey>) -> Option<i64> {
        open.map(|key| self.seen.get(key).copied())
            .try_fold(i64::MAX, |low, seen| Some(low.min(seen?)))
    }

    /// The timestamp up to which gathered lines may go on now: all of them once the window
    /// closed, else those no open stream can still precede.
    fn ready_up_to(&self, caught_up: Option<i64>, now: Instant) -> Option<i64> {
        if self.deadline.is_some_and(|d| now >= d) {
            return Some(i64::MAX);
        }
        caught_up.filter(|up_to| self.oldest.is_some_and(|o| o <= *up_to))
    }

    /// Takes the lines stamped up to `up_to`, the rest waiting out their window.
    fn hand_on(&mut self, up_to: i64) -> Vec<Gathered> {
        let (ready, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut self.lines)
            .into_iter()
            .partition(|g| g.time <= up_to);
        self.oldest = rest.iter().map(|g| g.time).min();
        self.deadline = rest.iter().map(|g| g.at).min().map(|at| at + WINDOW);
        self.lines = rest;
        ready
    }

    /// Forgets the streams that ended (and a batch that came after its stream's end).
    fn forget_ended(&mut self, open: &HashSet<StreamKey>) {
        self.seen.retain(|key, _| open.contains(key));
        self.last_time.retain(|key, _| open.contains(key));
    }
}

async fn run(
    mut news: mpsc::UnboundedReceiver<StreamNews>,
    mut queued: mpsc::Receiver<QueuedBatch>,
    out: mpsc::Sender<Vec<Msg>>,
) {
    let mut streams: HashSet<StreamKey> = HashSet::new();
    let mut gathering = Gathering::default();
    let mut paced_until: Option<Instant> = None;
    loop {
        let now = Instant::now();
        let up_to = gathering.ready_up_to(gathering.caught_up(streams.iter()), now);
        let paced = paced_until.is_none_or(|at| now >= at);
        // What to wait for when nothing comes: the pace, or the window of a line held back.
        let wake = if up_to.is_some() {
            paced_until
        } else {
            gathering.deadline
        };
        // Lines go on as soon as the event loop has room for them; until then more gather.
        tokio::select! {
            biased;
            heard = news.recv() => match heard {
                Some(StreamNews::Opened(key)) => {
                    streams.insert(key);
                }
                Some(StreamNews::Ended(key)) => {
                    streams.remove(&key);
                    gathering.forget_ended(&streams);
                }
                None => return,
            },
            permit = out.reserve(), if up_to.is_some() && paced => {
                let Ok(permit) = permit else {
                    return;
                };
                let ready = gathering.hand_on(up_to.unwrap_or(i64::MAX));
                let newest = ready.iter().map(|g| g.time).max();
                crate::frame_trace::stage("merged", newest, ready.len());
                permit.send(merge(ready));
                paced_until = Some(Instant::now() + PACE);
            }
            Some(batch) = queued.recv(), if gathering.lines.len() < GATHER_MAX => {
                // Taken: the batch's share of the budget goes back as it is dropped here.
                gathering.take(batch.stream, batch.lines, Instant::now());
            }
            () = sleep_until(wake), if up_to.is_none() || !paced => {}
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
                at: Instant::now(),
            })
            .collect();
        let got = unwrap(merge(gathered));
        let order: Vec<String> = got.iter().flat_map(|(_, l)| l.clone()).collect();
        assert_eq!(order, ["a10", "b20", "a30", "a30 again", "b30"]);
        let streams: Vec<u64> = got.iter().map(|(s, _)| *s).collect();
        assert_eq!(streams, [1, 2, 1, 2], "one message per run of a stream");
    }

    fn lines(times: &[i64]) -> Vec<RawLogLine> {
        times.iter().map(|t| line(*t, &t.to_string())).collect()
    }

    fn texts(ready: Vec<Gathered>) -> Vec<String> {
        unwrap(merge(ready))
            .into_iter()
            .flat_map(|(_, l)| l)
            .collect()
    }

    #[test]
    fn lines_go_on_once_every_open_stream_has_delivered_past_them() {
        let start = Instant::now();
        let both = [(1, 0), (2, 0)];
        let mut g = Gathering::default();
        g.take((1, 0), lines(&[10, 20, 30]), start);
        assert_eq!(
            g.ready_up_to(g.caught_up([(1, 0)].iter()), start),
            Some(30),
            "a stream alone waits for nobody"
        );
        assert_eq!(
            g.ready_up_to(g.caught_up(both.iter()), start),
            None,
            "a stream that delivered nothing yet holds the others for the window"
        );
        g.take((2, 0), lines(&[15, 25]), start);
        let up_to = g.ready_up_to(g.caught_up(both.iter()), start);
        assert_eq!(up_to, Some(25));
        assert_eq!(texts(g.hand_on(25)), ["10", "15", "20", "25"]);
        assert_eq!(
            g.ready_up_to(g.caught_up(both.iter()), start),
            None,
            "30 may still be preceded by stream 2"
        );
        g.take((2, 0), lines(&[28]), start + WINDOW / 2);
        assert_eq!(texts(g.hand_on(28)), ["28"]);
        let up_to = g.ready_up_to(g.caught_up(both.iter()), start + WINDOW);
        assert_eq!(up_to, Some(i64::MAX), "the window closes on the line left");
        assert_eq!(texts(g.hand_on(i64::MAX)), ["30"]);
        assert_eq!(g.deadline, None);
    }

    /// A steady stream goes on in batches at most every `PACE` (not one batch per line, which
    /// woke the event loop per chunk read), and no line waits much longer than `PACE`. On
    /// tokio's paused clock, so the counts are exact.
    #[tokio::test(start_paused = true)]
    async fn a_steady_stream_goes_on_every_pace_and_no_line_waits_longer() {
        let (merge, mut batches) = LogMerge::start();
        let queue = merge.queue(1, 0);
        let start = Instant::now();
        let reader = tokio::spawn(async move {
            let mut got = Vec::new();
            while let Some(batch) = batches.recv().await {
                let waited: Vec<Duration> = unwrap(batch)
                    .into_iter()
                    .flat_map(|(_, l)| l)
                    .map(|sent_us| {
                        let sent = start + Duration::from_micros(sent_us.parse().unwrap());
                        Instant::now() - sent
                    })
                    .collect();
                got.push(waited);
            }
            got
        });
        // 200 lines, one every 250 µs: 50 ms of lines.
        for i in 0..200u64 {
            let sent_us = i * 250;
            let mut batch = vec![line(sent_us as i64 * 1_000, &sent_us.to_string())];
            assert!(queue.send(&mut batch).await);
            tokio::time::sleep_until(start + Duration::from_micros(sent_us + 250)).await;
        }
        tokio::time::sleep(WINDOW * 2).await;
        drop(queue);
        drop(merge);
        let got = reader.await.unwrap();
        let lines: usize = got.iter().map(Vec::len).sum();
        assert_eq!(lines, 200);
        // 50 ms of lines at one batch per 2 ms pace, and the first and last batch.
        let most = 50 / 2 + 2;
        assert!(
            got.len() <= most,
            "{} batches for 50 ms of lines",
            got.len()
        );
        let longest = got.iter().flatten().max().unwrap();
        // A pace, and the line or two sent while the batch before went on.
        assert!(*longest <= PACE + Duration::from_millis(1), "{longest:?}");
        assert!(
            *longest < WINDOW,
            "{longest:?}: a lone stream waits for no window"
        );
    }

    /// A stream that ended holds nobody: once its queue is dropped, another's line goes on
    /// without waiting for the window. On tokio's paused clock, so the wait is exact.
    #[tokio::test(start_paused = true)]
    async fn a_stream_that_ended_holds_the_others_no_longer() {
        let (merge, mut batches) = LogMerge::start();
        let quiet = merge.queue(2, 0);
        let busy = merge.queue(1, 0);
        let clone = quiet.clone();
        drop(quiet);
        let mut first = lines(&[10]);
        assert!(busy.send(&mut first).await);
        let start = Instant::now();
        let got = texts_of(batches.recv().await.unwrap());
        assert_eq!(got, ["10"]);
        assert_eq!(start.elapsed(), WINDOW, "a clone still open holds it");
        drop(clone);
        tokio::task::yield_now().await;
        let mut second = lines(&[20]);
        assert!(busy.send(&mut second).await);
        let start = Instant::now();
        let got = texts_of(batches.recv().await.unwrap());
        assert_eq!(got, ["20"]);
        assert!(start.elapsed() < WINDOW, "{:?}", start.elapsed());
    }

    fn texts_of(msgs: Vec<Msg>) -> Vec<String> {
        unwrap(msgs).into_iter().flat_map(|(_, l)| l).collect()
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
