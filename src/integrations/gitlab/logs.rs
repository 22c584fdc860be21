//! Following a GitLab job's trace while it runs: fetch the whole trace, hand on the new
//! suffix, and once the job finished, the rest and a `Complete` state.

use std::sync::Arc;

use tokio::sync::mpsc;

use super::client::GitLabClient;
use super::trace::TraceTail;
use crate::integrations::rest::{Pacing, wait_turn};
use quarterdeck_core::pipeline::{CiUpdate, JobLogState, JobRef};

/// Follows one job's trace until the job finished or `tx` closes.
pub async fn follow_job_log(
    client: Arc<GitLabClient>,
    job: JobRef,
    pacing: Pacing,
    tx: mpsc::Sender<CiUpdate>,
) {
    let project = job.source.project.clone();
    let mut tail = TraceTail::new();
    let mut last_error: Option<String> = None;
    loop {
        let result = async {
            let status = client.job(&project, job.job_id).await?;
            let trace = client.trace(&project, job.job_id).await?;
            Ok::<_, crate::integrations::rest::CiError>((status, trace))
        }
        .await;
        let mut done = false;
        let update = match result {
            Ok((status, trace)) => {
                last_error = None;
                done = status.status.is_finished();
                let mut chunk = tail.feed(trace.as_deref().unwrap_or(""));
                if done && let Some(rest) = tail.finish() {
                    chunk = Some(match chunk {
                        Some(mut c) => {
                            c.text.push_str(&rest.text);
                            c
                        }
                        None => rest,
                    });
                }
                let state = if done {
                    JobLogState::Complete
                } else {
                    JobLogState::Partial
                };
                match chunk {
                    Some(c) => Some(CiUpdate::JobLog {
                        job: job.clone(),
                        text: c.text,
                        reset: c.reset,
                        sections: tail.sections().to_vec(),
                        state,
                    }),
                    None if done => Some(CiUpdate::JobLog {
                        job: job.clone(),
                        text: String::new(),
                        reset: false,
                        sections: tail.sections().to_vec(),
                        state,
                    }),
                    None => None,
                }
            }
            Err(e) if last_error.as_ref() == Some(&e.message) => None,
            Err(e) => {
                last_error = Some(e.message.clone());
                Some(CiUpdate::SourceError {
                    source: job.source.clone(),
                    kind: e.kind,
                    message: e.message,
                })
            }
        };
        if let Some(u) = update
            && tx.send(u).await.is_err()
        {
            return;
        }
        if done {
            return;
        }
        if !wait_turn(client.rest(), pacing.fast_ms, &tx).await {
            return;
        }
    }
}
