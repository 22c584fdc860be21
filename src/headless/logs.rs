//! `quarterdeck logs RELEASE [-f] [--since DUR] [--role canary|stable]`: the logs of the
//! release's pods (the core's roles), each line sanitised as the dashboard does and prefixed
//! with its pod. Without `-f`, what is there, merged by time; with `-f`, the dashboard's log
//! streams (resumed after a disconnect) until every stream has ended or ctrl-c.

use std::io::Write;
use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, LogParams};
use tokio::sync::mpsc;

use super::Outcome;
use super::exit::{Exit, Failure};
use super::session::{Session, api_failure, resolve};
use crate::cli::{DashboardArgs, LogRole, LogsArgs};
use crate::integrations::kube::logs;
use crate::integrations::kube::sender::ContextSender;
use quarterdeck_core::logs::{parse_timestamp_prefix, sanitize};
use quarterdeck_core::msg::ContextMsg;
use quarterdeck_core::pod::PodRole;
use quarterdeck_core::release::pods_of;
use quarterdeck_core::{LogStreamSpec, Msg, StreamState};

/// Lines of history each followed stream starts with, as the dashboard's release view.
const TAIL: i64 = 100;
/// Lines of history a followed stream starts with when `--since` bounds them by time instead.
const TAIL_SINCE: i64 = 10_000;

/// One container to read.
struct Source {
    namespace: String,
    pod: String,
    container: String,
    /// What its lines are prefixed with: the pod, and the container when there are several.
    label: String,
}

/// Prints the logs.
pub async fn run(args: LogsArgs, global: &DashboardArgs) -> Outcome {
    let since = args
        .since
        .as_deref()
        .map(super::status::duration)
        .transpose()?;
    let session = Session::open(global).await?;
    let scope = session.scope_for(&args.release);
    let model = session
        .snapshot(&scope, chrono::Utc::now().timestamp_millis())
        .await?;
    let id = resolve(&model, &args.release)?;
    let sources: Vec<Source> = pods_of(&model.cluster, &id)
        .into_iter()
        .filter(|(_, role)| wanted(args.role, *role))
        .flat_map(|(pod, _)| {
            let multi = pod.containers.len() > 1;
            pod.containers.iter().map(move |c| Source {
                namespace: pod.key.namespace.clone(),
                pod: pod.key.name.clone(),
                container: c.clone(),
                label: if multi {
                    format!("{}/{c}", pod.key.name)
                } else {
                    pod.key.name.clone()
                },
            })
        })
        .collect();
    if sources.is_empty() {
        let role = match args.role {
            Some(LogRole::Canary) => "canary ",
            Some(LogRole::Stable) => "stable ",
            None => "",
        };
        eprintln!("quarterdeck: {} has no {role}pods to read", args.release);
        return Ok(Exit::Ok);
    }
    if args.follow {
        follow(&session, &sources, since).await
    } else {
        dump(&session, &sources, since).await
    }
}

/// Whether a pod of `role` is read: blue-green's preview counts as the canary, its active
/// side as stable.
fn wanted(filter: Option<LogRole>, role: PodRole) -> bool {
    match filter {
        None => true,
        Some(LogRole::Canary) => matches!(role, PodRole::Canary | PodRole::Preview),
        Some(LogRole::Stable) => matches!(role, PodRole::Stable | PodRole::Active),
    }
}

/// `label text`, the text sanitised: a pod must not drive the reader's terminal.
fn line(label: &str, raw: &str) -> String {
    format!("{label} {}", sanitize(raw).text)
}

/// Reads every container's log once and prints the lines merged by time.
async fn dump(session: &Session, sources: &[Source], since: Option<Duration>) -> Outcome {
    let mut lines: Vec<(Option<i64>, String)> = Vec::new();
    for s in sources {
        let api: Api<Pod> = Api::namespaced(session.client.clone(), &s.namespace);
        let params = LogParams {
            container: Some(s.container.clone()),
            timestamps: true,
            since_seconds: since.map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX)),
            ..LogParams::default()
        };
        match api.logs(&s.pod, &params).await {
            Ok(text) => lines.extend(text.lines().map(|l| {
                let (time, rest) = parse_timestamp_prefix(l);
                (time, line(&s.label, rest))
            })),
            // Not started yet, or gone since the snapshot: nothing to read there.
            Err(kube::Error::Api(status)) if matches!(status.code, 400 | 404) => {
                eprintln!("quarterdeck: {}: {}", s.label, status.message);
            }
            Err(e) => return Err(api_failure(&e)),
        }
    }
    lines.sort_by_key(|(time, _)| *time);
    let mut out = std::io::stdout().lock();
    for (_, text) in lines {
        // A closed pipe (`| head`) ends the output, not the command.
        if writeln!(out, "{text}").is_err() {
            break;
        }
    }
    Ok(Exit::Ok)
}

/// Follows every container's log with the dashboard's streams until all have ended or ctrl-c.
async fn follow(session: &Session, sources: &[Source], since: Option<Duration>) -> Outcome {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let sender = ContextSender::new(0, tx);
    let tasks: Vec<_> = sources
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let spec = LogStreamSpec {
                id: i as u64,
                namespace: s.namespace.clone(),
                pod: s.pod.clone(),
                container: s.container.clone(),
                previous: false,
                tail_lines: if since.is_some() { TAIL_SINCE } else { TAIL },
                since_seconds: None,
            };
            logs::spawn(session.client.clone(), spec, sender.clone())
        })
        .collect();
    // The streams hold the only senders left: the channel closes when every one has ended.
    drop(sender);
    let cutoff = since.map(|d| {
        chrono::Utc::now().timestamp_millis() - i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
    });
    let interrupt = tokio::signal::ctrl_c();
    futures::pin_mut!(interrupt);
    let out = std::io::stdout();
    let exit = loop {
        let msg = tokio::select! {
            msg = rx.recv() => msg,
            _ = &mut interrupt => break Exit::Interrupted,
        };
        let Some(msg) = msg else { break Exit::Ok };
        let msg = match msg {
            Msg::Context(ContextMsg::From { msg, .. }) => *msg,
            other => other,
        };
        match msg {
            Msg::LogLines { stream, lines } => {
                let Some(s) = usize::try_from(stream).ok().and_then(|i| sources.get(i)) else {
                    continue;
                };
                let mut out = out.lock();
                let fresh = lines
                    .iter()
                    .filter(|l| cutoff.is_none_or(|c| l.time_ms().is_none_or(|t| t >= c)));
                for l in fresh {
                    if writeln!(out, "{}", line(&s.label, &l.text.text)).is_err() {
                        break;
                    }
                }
                if out.flush().is_err() {
                    break Exit::Ok;
                }
            }
            Msg::LogStream {
                stream,
                state: StreamState::Failed(why),
            } => {
                if let Some(s) = usize::try_from(stream).ok().and_then(|i| sources.get(i)) {
                    eprintln!("quarterdeck: {}: {why}", s.label);
                }
            }
            _ => {}
        }
    };
    for task in tasks {
        task.abort();
    }
    match exit {
        Exit::Interrupted => Err(Failure::new(exit, "interrupted")),
        _ => Ok(exit),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn roles_pick_the_canary_or_the_stable_side() {
        assert!(wanted(Some(LogRole::Canary), PodRole::Preview));
        assert!(!wanted(Some(LogRole::Canary), PodRole::Stable));
        assert!(wanted(Some(LogRole::Stable), PodRole::Active));
        assert!(!wanted(Some(LogRole::Stable), PodRole::Old));
        assert!(wanted(None, PodRole::Old));
    }

    #[test]
    fn a_line_is_prefixed_and_stripped_of_control_sequences() {
        assert_eq!(
            line("web-1", "\x1b[2J\x1b]0;pwned\x07hello \x1b[31mred\x1b[0m"),
            "web-1 hello red"
        );
    }
}
