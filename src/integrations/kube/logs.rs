//! Pod log streams: `timestamps=true`, lines batched into `Msg::LogLines`, and after a
//! disconnect a resume from the last timestamp with `sinceTime`, skipping the lines already
//! delivered so nothing is shown twice.

use std::collections::HashSet;
use std::time::Duration;

use futures::{AsyncBufReadExt, StreamExt};
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::jiff::Timestamp;
use kube::Client;
use kube::api::{Api, LogParams};
use tokio::task::JoinHandle;

use super::sender::ContextSender;
use quarterdeck_core::logs::parse_timestamp_prefix;
use quarterdeck_core::{LogStreamSpec, Msg, RawLogLine, StreamState};

/// Lines sent in one message at most (a burst of history is split so the UI stays responsive).
const BATCH: usize = 500;
/// How long lines are collected before a batch is sent.
const FLUSH: Duration = Duration::from_millis(30);

/// Remembers what was delivered so a resumed stream can skip it.
#[derive(Debug, Default)]
pub struct Resume {
    /// Timestamp of the newest delivered line, Unix ms.
    pub last_ms: Option<i64>,
    /// Lines delivered within the last whole second before `last_ms` (the resume replays that
    /// second because `sinceTime` has second resolution).
    seen: HashSet<(i64, String)>,
}

impl Resume {
    /// `sinceTime` for the next request: the start of the second of the last line.
    pub fn since(&self) -> Option<Timestamp> {
        let secs = self.last_ms?.div_euclid(1000);
        Timestamp::from_second(secs).ok()
    }

    /// Whether a line should be delivered; records it if so.
    pub fn admit(&mut self, time_ms: Option<i64>, text: &str) -> bool {
        let Some(t) = time_ms else {
            return true;
        };
        if let Some(last) = self.last_ms {
            let floor = last.div_euclid(1000) * 1000;
            if t < floor {
                return false;
            }
            if t <= last && self.seen.contains(&(t, text.to_string())) {
                return false;
            }
            if t.div_euclid(1000) > last.div_euclid(1000) {
                self.seen.clear();
            }
        }
        self.seen.insert((t, text.to_string()));
        self.last_ms = Some(self.last_ms.map_or(t, |l| l.max(t)));
        true
    }
}

/// Starts streaming one container's log into `tx`.
pub fn spawn(client: Client, spec: LogStreamSpec, tx: ContextSender) -> JoinHandle<()> {
    tokio::spawn(run(client, spec, tx))
}

async fn run(client: Client, spec: LogStreamSpec, tx: ContextSender) {
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
            tail_lines: if resume.last_ms.is_none() {
                Some(spec.tail_lines)
            } else {
                None
            },
            ..LogParams::default()
        };
        let outcome = match api.log_stream(&spec.pod, &params).await {
            Ok(reader) => {
                if !state(StreamState::Streaming) {
                    return;
                }
                backoff = Duration::from_millis(500);
                pump(reader, spec.id, &mut resume, &tx).await
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

/// Reads lines until the stream ends, sending them in batches.
async fn pump(
    reader: impl futures::AsyncBufRead + Unpin,
    id: u64,
    resume: &mut Resume,
    tx: &ContextSender,
) -> Result<(), String> {
    let mut lines = reader.lines();
    let mut batch: Vec<RawLogLine> = Vec::new();
    let mut deadline: Option<tokio::time::Instant> = None;
    loop {
        let next = match deadline {
            Some(d) => match tokio::time::timeout_at(d, lines.next()).await {
                Ok(next) => next,
                Err(_) => {
                    flush(id, &mut batch, tx)?;
                    deadline = None;
                    continue;
                }
            },
            None => lines.next().await,
        };
        match next {
            Some(Ok(line)) => {
                let (time_ms, rest) = parse_timestamp_prefix(&line);
                if resume.admit(time_ms, rest) {
                    batch.push(RawLogLine {
                        time_ms,
                        text: rest.to_string(),
                    });
                }
                if batch.len() >= BATCH {
                    flush(id, &mut batch, tx)?;
                    deadline = None;
                } else if deadline.is_none() {
                    deadline = Some(tokio::time::Instant::now() + FLUSH);
                }
            }
            Some(Err(e)) => {
                flush(id, &mut batch, tx)?;
                return Err(e.to_string());
            }
            None => {
                flush(id, &mut batch, tx)?;
                return Ok(());
            }
        }
    }
}

fn flush(id: u64, batch: &mut Vec<RawLogLine>, tx: &ContextSender) -> Result<(), String> {
    if batch.is_empty() {
        return Ok(());
    }
    let lines = std::mem::take(batch);
    if tx.send(Msg::LogLines { stream: id, lines }) {
        Ok(())
    } else {
        Err("the dashboard is gone".to_string())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn resume_skips_lines_already_delivered_in_the_replayed_second() {
        let mut r = Resume::default();
        assert!(r.admit(Some(10_100), "a"));
        assert!(r.admit(Some(10_400), "b"));
        assert!(r.admit(Some(10_400), "c"));
        assert_eq!(r.since().unwrap().as_second(), 10);
        // The server replays from second 10.
        assert!(!r.admit(Some(10_100), "a"));
        assert!(!r.admit(Some(10_400), "b"));
        assert!(!r.admit(Some(10_400), "c"));
        assert!(r.admit(Some(10_400), "d"), "same instant, new line");
        assert!(r.admit(Some(11_000), "e"));
        assert!(!r.admit(Some(9_999), "older than the replayed second"));
        assert!(r.admit(None, "no timestamp is always shown"));
    }
}
