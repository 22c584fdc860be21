//! Pod logs: `GET …/pods/{name}/log` as `text/plain`, with the PodLogOptions kubectl and
//! kube-rs send. `follow` streams lines appended after the snapshot, which is taken under the
//! same world lock as the subscription so nothing is lost or repeated.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use serde_json::Value;
use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::ReceiverStream;

use super::super::Sim;
use super::super::logs::{Appended, LogKey, LogLine};
use super::super::resources::ids;
use super::super::status::ApiError;
use super::super::store::{Change, ChangeKind};
use super::super::world::{fmt_time_nanos, parse_time};
use super::Call;

/// How often a follower checks whether its pod's stream is stalled by a fault.
const STALL_CHECK: Duration = Duration::from_millis(100);

/// The options of one log request.
struct Options {
    container: String,
    follow: bool,
    previous: bool,
    timestamps: bool,
    tail: Option<usize>,
    since_ms: Option<i64>,
    limit_bytes: Option<usize>,
}

/// `GET …/pods/{name}/log`.
pub(crate) fn serve(call: &Call) -> Result<Response, ApiError> {
    let t = &call.target;
    let name = t.name.as_deref().unwrap_or_default();
    let q = &call.query;
    let world = call.sim.world();
    let pod = world
        .store
        .get(ids::PODS, t.ns(), name)
        .ok_or_else(|| ApiError::not_found("", "pods", name))?;
    let container = pick_container(pod, name, q.non_empty("container"))?;
    let since_seconds = q.int("sinceSeconds")?;
    let since_time = q.non_empty("sinceTime");
    if since_seconds.is_some() && since_time.is_some() {
        return Err(ApiError::invalid(format!(
            "PodLogOptions \"{name}\" is invalid: []: Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified"
        )));
    }
    let since_ms = match (since_seconds, since_time) {
        (Some(s), _) => Some(world.clock.now_ms - s * 1000),
        (_, Some(ts)) => Some(parse_time(ts).ok_or_else(|| {
            ApiError::bad_request(format!("invalid sinceTime {ts:?}: want RFC 3339"))
        })?),
        _ => None,
    };
    let opts = Options {
        container,
        follow: q.flag("follow"),
        previous: q.flag("previous"),
        timestamps: q.flag("timestamps"),
        tail: q.int("tailLines")?.filter(|n| *n >= 0).map(|n| n as usize),
        since_ms,
        limit_bytes: q.int("limitBytes")?.filter(|n| *n > 0).map(|n| n as usize),
    };
    let key = LogKey {
        namespace: t.ns().to_string(),
        pod: name.to_string(),
        container: opts.container.clone(),
    };
    let status = container_status(pod, &opts.container);
    let restarts = status["restartCount"].as_i64().unwrap_or(0);
    let lines: Vec<LogLine> = if opts.previous {
        world
            .logs
            .previous(&key)
            .ok_or_else(|| {
                ApiError::bad_request(format!(
                    "previous terminated container \"{}\" in pod \"{name}\" not found",
                    opts.container
                ))
            })?
            .to_vec()
    } else {
        let lines = world.logs.lines(&key);
        let waiting = status["state"]["waiting"]["reason"].as_str();
        if let Some(reason) = waiting.filter(|_| lines.is_empty() && restarts == 0) {
            return Err(ApiError::bad_request(format!(
                "container \"{}\" in pod \"{name}\" is waiting to start: {reason}",
                opts.container
            )));
        }
        lines
    };
    let mut text = render(&lines, &opts);
    let mut budget = opts.limit_bytes;
    if let Some(limit) = budget {
        text.truncate(limit.min(text.len()));
        budget = Some(limit - text.len());
    }
    if !opts.follow || opts.previous || budget == Some(0) {
        drop(world);
        return Ok(plain(Body::from(text)));
    }
    let logs = world.logs.subscribe();
    let cuts = world.logs.cuts();
    let changes = world.store.subscribe();
    drop(world);
    let (tx, rx) = mpsc::channel::<Bytes>(1024);
    let follower = Follower {
        sim: call.sim.clone(),
        key,
        timestamps: opts.timestamps,
        budget,
        restarts,
        cuts,
    };
    tokio::spawn(follower.run(tx, Bytes::from(text), logs, changes));
    Ok(plain(Body::from_stream(
        ReceiverStream::new(rx).map(Ok::<_, Infallible>),
    )))
}

fn plain(body: Body) -> Response {
    let mut resp = (StatusCode::OK, body).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    resp
}

/// The container a request means, with the real server's messages when it cannot tell.
fn pick_container(pod: &Value, name: &str, asked: Option<&str>) -> Result<String, ApiError> {
    let names = |field: &str| -> Vec<String> {
        pod["spec"][field]
            .as_array()
            .map(|cs| {
                cs.iter()
                    .filter_map(|c| c["name"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let containers = names("containers");
    let init = names("initContainers");
    match asked {
        Some(c) if containers.iter().chain(&init).any(|n| n == c) => Ok(c.to_string()),
        Some(c) => Err(ApiError::bad_request(format!(
            "container {c} is not valid for pod {name}"
        ))),
        None if containers.len() == 1 => Ok(containers[0].clone()),
        None => {
            let mut msg = format!(
                "a container name must be specified for pod {name}, choose one of: [{}]",
                containers.join(" ")
            );
            if !init.is_empty() {
                msg.push_str(&format!(
                    " or one of the init containers: [{}]",
                    init.join(" ")
                ));
            }
            Err(ApiError::bad_request(msg))
        }
    }
}

fn container_status<'a>(pod: &'a Value, container: &str) -> &'a Value {
    ["containerStatuses", "initContainerStatuses"]
        .iter()
        .filter_map(|f| pod["status"][f].as_array())
        .flatten()
        .find(|s| s["name"].as_str() == Some(container))
        .unwrap_or(&Value::Null)
}

fn format_line(out: &mut Vec<u8>, line: &LogLine, timestamps: bool) {
    if timestamps {
        out.extend_from_slice(fmt_time_nanos(line.time_ms).as_bytes());
        out.push(b' ');
    }
    out.extend_from_slice(&line.text);
    out.push(b'\n');
}

fn render(lines: &[LogLine], opts: &Options) -> Vec<u8> {
    let recent: Vec<&LogLine> = lines
        .iter()
        .filter(|l| opts.since_ms.is_none_or(|since| l.time_ms >= since))
        .collect();
    let skip = opts.tail.map_or(0, |n| recent.len().saturating_sub(n));
    let mut out = Vec::new();
    for l in &recent[skip..] {
        format_line(&mut out, l, opts.timestamps);
    }
    out
}

struct Follower {
    sim: Arc<Sim>,
    key: LogKey,
    timestamps: bool,
    budget: Option<usize>,
    restarts: i64,
    /// Changes when the connection is to be dropped (`/sim/logs/cut`).
    cuts: tokio::sync::watch::Receiver<u64>,
}

impl Follower {
    async fn run(
        mut self,
        tx: mpsc::Sender<Bytes>,
        first: Bytes,
        mut logs: broadcast::Receiver<Arc<Appended>>,
        mut changes: broadcast::Receiver<Arc<Change>>,
    ) {
        if !first.is_empty() && tx.send(first).await.is_err() {
            return;
        }
        let pod = (self.key.namespace.clone(), self.key.pod.clone());
        let mut stalled = self.sim.world().faults.stalled_logs.contains(&pod);
        let mut held: Vec<LogLine> = Vec::new();
        let mut check = tokio::time::interval(STALL_CHECK);
        loop {
            let out = tokio::select! {
                _ = tx.closed() => return,
                _ = self.cuts.changed() => return,
                _ = check.tick() => {
                    stalled = self.sim.world().faults.stalled_logs.contains(&pod);
                    if stalled || held.is_empty() {
                        None
                    } else {
                        Some(std::mem::take(&mut held))
                    }
                }
                msg = logs.recv() => {
                    // Every line already appended goes out in one write, as a kubelet
                    // copies what its log file holds, not one write per line.
                    let mut lines = Vec::new();
                    let mut next = msg.map_err(|_| ());
                    loop {
                        match next {
                            Ok(a) if a.key == self.key => lines.push(a.line.clone()),
                            Ok(_) => {}
                            // A follower that fell behind ends; clients resume with sinceTime.
                            Err(()) => return,
                        }
                        next = match logs.try_recv() {
                            Err(broadcast::error::TryRecvError::Empty) => break,
                            other => other.map_err(|_| ()),
                        };
                    }
                    if stalled {
                        held.append(&mut lines);
                        None
                    } else {
                        Some(lines).filter(|l| !l.is_empty())
                    }
                }
                msg = changes.recv() => match msg {
                    Ok(c) if self.ends_stream(&c) => return,
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => None,
                    Err(broadcast::error::RecvError::Closed) => return,
                },
            };
            let Some(lines) = out else { continue };
            let mut text = Vec::new();
            for l in &lines {
                format_line(&mut text, l, self.timestamps);
            }
            let mut last = false;
            if let Some(left) = self.budget {
                text.truncate(left.min(text.len()));
                self.budget = Some(left - text.len());
                last = self.budget == Some(0);
            }
            if tx.send(Bytes::from(text)).await.is_err() || last {
                return;
            }
        }
    }

    /// The pod was deleted or the followed container restarted.
    fn ends_stream(&self, c: &Change) -> bool {
        if c.res != ids::PODS {
            return false;
        }
        let meta = &c.object["metadata"];
        if meta["namespace"].as_str() != Some(self.key.namespace.as_str())
            || meta["name"].as_str() != Some(self.key.pod.as_str())
        {
            return false;
        }
        if c.kind == ChangeKind::Deleted {
            return true;
        }
        let restarts = container_status(&c.object, &self.key.container)["restartCount"]
            .as_i64()
            .unwrap_or(0);
        restarts > self.restarts
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn opts(tail: Option<usize>, since_ms: Option<i64>, timestamps: bool) -> Options {
        Options {
            container: "app".into(),
            follow: false,
            previous: false,
            timestamps,
            tail,
            since_ms,
            limit_bytes: None,
        }
    }

    fn lines() -> Vec<LogLine> {
        (0..5)
            .map(|i| LogLine {
                time_ms: 1_767_225_600_000 + i * 1000,
                text: format!("line {i}").into(),
            })
            .collect()
    }

    #[test]
    fn tail_since_and_timestamps() {
        assert_eq!(
            render(&lines(), &opts(Some(2), None, false)),
            b"line 3\nline 4\n"
        );
        assert_eq!(
            render(&lines(), &opts(None, Some(1_767_225_603_000), false)),
            b"line 3\nline 4\n"
        );
        assert_eq!(
            render(&lines(), &opts(Some(1), None, true)),
            b"2026-01-01T00:00:04.000000000Z line 4\n"
        );
        assert_eq!(render(&lines(), &opts(Some(0), None, false)), b"");
    }

    #[test]
    fn container_choice_messages() {
        let pod = json!({"spec": {"containers": [{"name": "a"}, {"name": "b"}], "initContainers": [{"name": "i"}]}});
        let err = pick_container(&pod, "p", None).err().map(|e| e.message);
        assert_eq!(
            err.as_deref(),
            Some(
                "a container name must be specified for pod p, choose one of: [a b] or one of the init containers: [i]"
            )
        );
        assert_eq!(pick_container(&pod, "p", Some("i")), Ok("i".to_string()));
        let err = pick_container(&pod, "p", Some("z")).err().map(|e| e.code);
        assert_eq!(err, Some(400));
        let single = json!({"spec": {"containers": [{"name": "a"}]}});
        assert_eq!(pick_container(&single, "p", None), Ok("a".to_string()));
    }
}
