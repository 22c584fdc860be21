//! Pod log streams: `timestamps=true`, split into lines at the byte level (an invalid byte
//! is replaced, it never ends a stream), parsed and sanitised here on the stream's task and
//! sent in batches; after a disconnect a resume from the last second with `sinceTime` skips
//! exactly the lines already delivered.

mod queue;
mod resume;
mod split;

pub use queue::{LineBudget, LineQueue, QueuedBatch, StreamKey, StreamNews, budget};
pub use resume::Resume;
pub use split::LineSplitter;

use std::time::Duration;

use futures::AsyncBufReadExt;
use k8s_openapi::api::core::v1::Pod;
use kube::Client;
use kube::api::{Api, LogParams};
use tokio::task::JoinHandle;

use super::sender::ContextSender;
use quarterdeck_core::logs::MAX_LINE_BYTES;
use quarterdeck_core::{LogStreamSpec, Msg, RawLogLine, StreamState};

/// Lines in one batch at most: past it, reading waits until the batch is taken.
const BATCH: usize = 2_000;
/// Longest raw line read: the sanitised cap plus room for the timestamp prefix.
const MAX_RAW_LINE: usize = MAX_LINE_BYTES + 64;

/// Where a stream's lines go.
#[derive(Debug, Clone)]
pub enum LineSink {
    /// As `Msg::LogLines` on the context's channel (the headless commands).
    Messages,
    /// On the bounded queue and within the budget all streams share: while either is
    /// full the stream stops reading, and the connection's flow control holds the rest on the
    /// server.
    Queue(LineQueue),
}

impl LineSink {
    /// Hands `batch` on (waiting for room in a queue); false once nobody listens.
    async fn deliver(&self, id: u64, batch: &mut Vec<RawLogLine>, tx: &ContextSender) -> bool {
        match self {
            LineSink::Messages => tx.send(Msg::LogLines {
                stream: id,
                lines: std::mem::take(batch),
            }),
            LineSink::Queue(queue) => queue.send(batch).await,
        }
    }
}

/// Starts streaming one container's log into `tx` as `Msg::LogLines`.
pub fn spawn(client: Client, spec: LogStreamSpec, tx: ContextSender) -> JoinHandle<()> {
    spawn_into(client, spec, tx, LineSink::Messages)
}

/// Starts streaming one container's log: lines into `sink`, stream states into `tx`.
pub fn spawn_into(
    client: Client,
    spec: LogStreamSpec,
    tx: ContextSender,
    sink: LineSink,
) -> JoinHandle<()> {
    tokio::spawn(run(client, spec, tx, sink))
}

async fn run(client: Client, spec: LogStreamSpec, tx: ContextSender, sink: LineSink) {
    let api: Api<Pod> = Api::namespaced(client, &spec.namespace);
    let mut resume = Resume::default();
    let mut backoff = Duration::from_millis(500);
    let state = |state: StreamState| {
        tx.send(Msg::LogStream {
            stream: spec.id,
            state,
        })
    };
    loop {
        let params = LogParams {
            container: Some(spec.container.clone()),
            follow: !spec.previous,
            previous: spec.previous,
            timestamps: true,
            since_time: resume.since(),
            // `--since` applies to the first request only; a resume asks from its own time.
            since_seconds: spec.since_seconds.filter(|_| !resume.started()),
            tail_lines: if resume.started() {
                None
            } else {
                Some(spec.tail_lines).filter(|n| *n >= 0)
            },
            ..LogParams::default()
        };
        let outcome = match api.log_stream(&spec.pod, &params).await {
            Ok(reader) => {
                if !state(StreamState::Streaming) {
                    return;
                }
                backoff = Duration::from_millis(500);
                let out = Out {
                    id: spec.id,
                    tx: &tx,
                    sink: &sink,
                };
                pump(reader, &mut resume, out).await
            }
            Err(kube::Error::Api(status)) if matches!(status.code, 400 | 404) => {
                // The container has not started, has no previous instance, or the pod is gone.
                let _ = state(StreamState::Failed(status.message.clone()));
                if spec.previous || status.code == 404 {
                    return;
                }
                Err(status.message.clone())
            }
            Err(e) => Err(e.to_string()),
        };
        if tx.is_closed() {
            return;
        }
        match outcome {
            Ok(()) if spec.previous => {
                let _ = state(StreamState::Ended);
                return;
            }
            Ok(()) => {
                if !state(StreamState::Retrying("stream ended".into())) {
                    return;
                }
            }
            Err(message) => {
                tracing::debug!(pod = %spec.pod, %message, "log stream interrupted");
                if !state(StreamState::Retrying(message)) {
                    return;
                }
            }
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(15));
    }
}

/// Where one stream's output goes.
struct Out<'a> {
    id: u64,
    tx: &'a ContextSender,
    sink: &'a LineSink,
}

const GONE: &str = "the dashboard is gone";

/// Reads lines until the stream ends. What has arrived is read first (the chunks already
/// received go on as one batch, not one batch per chunk); when nothing more is there, what was
/// read goes on as soon as there is room for it; while there is none, lines gather up to
/// [`BATCH`], then reading waits.
async fn pump(
    mut reader: impl futures::AsyncBufRead + Unpin,
    resume: &mut Resume,
    out: Out<'_>,
) -> Result<(), String> {
    let mut splitter = LineSplitter::new(MAX_RAW_LINE);
    let mut batch: Vec<RawLogLine> = Vec::new();
    resume.reconnect();
    loop {
        let read = if batch.is_empty() {
            reader.fill_buf().await
        } else {
            tokio::select! {
                biased;
                read = reader.fill_buf(), if batch.len() < BATCH => read,
                sent = out.sink.deliver(out.id, &mut batch, out.tx) => {
                    if !sent {
                        return Err(GONE.to_string());
                    }
                    continue;
                }
            }
        };
        let chunk = match read {
            Ok(chunk) => chunk,
            Err(e) => {
                let _ = out.sink.deliver(out.id, &mut batch, out.tx).await;
                return Err(e.to_string());
            }
        };
        let n = chunk.len();
        let before = batch.len();
        let mut take = |raw: &[u8]| {
            let line = RawLogLine::parse(raw);
            if resume.admit(line.time_ns) {
                batch.push(line);
            }
        };
        if n == 0 {
            splitter.finish(&mut take);
            if !batch.is_empty() && !out.sink.deliver(out.id, &mut batch, out.tx).await {
                return Err(GONE.to_string());
            }
            return Ok(());
        }
        splitter.feed(chunk, &mut take);
        if batch.len() > before {
            let newest = batch.last().and_then(|l| l.time_ns);
            crate::frame_trace::stage("read", newest, batch.len() - before);
        }
        reader.consume_unpin(n);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use quarterdeck_core::msg::ContextMsg;
    use tokio::sync::mpsc;

    /// A stream with an invalid byte, identical lines in one instant and a runaway line, read
    /// in awkward chunks: every line arrives, in order, the invalid byte replaced.
    #[tokio::test]
    async fn a_hostile_stream_is_read_to_the_end() {
        let mut body = Vec::new();
        body.extend_from_slice(b"2026-01-01T00:00:00.000000001Z before \xff\xfe bad bytes\n");
        for _ in 0..3 {
            body.extend_from_slice(b"2026-01-01T00:00:00.000000002Z same\n");
        }
        body.extend_from_slice(b"2026-01-01T00:00:00.000000003Z ");
        body.extend(std::iter::repeat_n(b'x', 200_000));
        body.extend_from_slice(b"\n2026-01-01T00:00:00.000000004Z after");
        let reader = futures::io::BufReader::with_capacity(7, futures::io::Cursor::new(body));
        let (raw_tx, mut rx) = mpsc::unbounded_channel();
        let tx = ContextSender::new(0, raw_tx);
        let mut resume = Resume::default();
        let sink = LineSink::Messages;
        let out = Out {
            id: 1,
            tx: &tx,
            sink: &sink,
        };
        pump(reader, &mut resume, out).await.unwrap();
        drop(tx);
        let mut lines = Vec::new();
        while let Some(msg) = rx.recv().await {
            if let Msg::Context(ContextMsg::From { msg, .. }) = msg
                && let Msg::LogLines { lines: l, .. } = *msg
            {
                lines.extend(l);
            }
        }
        let texts: Vec<&str> = lines.iter().map(|l| l.text.text.as_str()).collect();
        assert_eq!(texts.len(), 6, "{texts:?}");
        assert_eq!(texts[0], "before \u{fffd}\u{fffd} bad bytes");
        assert_eq!(texts[1..4], ["same", "same", "same"]);
        assert!(texts[4].len() <= MAX_LINE_BYTES && texts[4].starts_with("xxx"));
        assert_eq!(texts[5], "after");
        assert_eq!(lines[5].time_ns, Some(1_767_225_600_000_000_004));
    }
}
