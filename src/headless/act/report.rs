//! How a changing command ends: the journal line and the webhook post (as the dashboard
//! writes them), the result on stdout, and the exit code.
//!
//! `-o json` (or `-o yaml`) prints one document: `{"action", "target", "context", "result", "after" |
//! "error", "dry_run", "plan": [{"label", "value"}]}`; `result` is `done`, `dry_run`,
//! `refused`, `failed` or `cancelled`. The table format prints one line.

use std::time::Duration;

use serde_json::{Value, json};

use super::super::Outcome as Ended;
use super::super::exit::{Exit, Failure};
use super::super::session::Session;
use crate::cli::OutputFormat;
use crate::control::webhook::Webhook;
use quarterdeck_core::control::{JournalResult, Outcome, Request, journal_line};

/// How long the command waits for the webhook post before it exits anyway.
const WEBHOOK_WAIT: Duration = Duration::from_secs(3);

/// An action at its end.
pub struct End {
    /// The request (as confirmed, or as it would have been).
    pub request: Request,
    /// The plan's lines; empty when refused before a plan was made.
    pub plan: Vec<(String, String)>,
    /// The target before.
    pub before: String,
    /// How it ended; `None`: cancelled at the prompt.
    pub outcome: Option<Outcome>,
    /// Nothing was meant to change.
    pub dry_run: bool,
    /// It failed on rejected credentials (401).
    pub auth: bool,
}

/// Prints the plan as the dashboard's confirmation lists it (stderr: stdout carries the
/// result). With `-o json` the plan goes into the result document instead.
pub fn show_plan(plan: &[(String, String)], format: OutputFormat) {
    if format != OutputFormat::Table {
        return;
    }
    let width = plan
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    for (k, v) in plan {
        eprintln!(" {k:<width$}  {v}");
    }
}

/// Journals the end (a dry run as one), posts it to the webhook (not a dry run), prints the
/// result, and answers the exit.
pub async fn finish(session: &Session, end: End, format: OutputFormat) -> Ended {
    journal(session, &end).await;
    let (result, exit, detail) = match &end.outcome {
        Some(Outcome::Done { after }) if end.dry_run => ("dry_run", Exit::Ok, after.clone()),
        Some(Outcome::Done { after }) => ("done", Exit::Ok, after.clone()),
        Some(Outcome::Refused { why }) => ("refused", Exit::Refused, why.clone()),
        Some(Outcome::Failed { error }) if end.auth => ("failed", Exit::Auth, error.clone()),
        Some(Outcome::Failed { error }) => ("failed", Exit::Error, error.clone()),
        None => (
            "cancelled",
            Exit::Refused,
            format!("{} cancelled; nothing was done", end.request.op.verb()),
        ),
    };
    match format {
        OutputFormat::Table => println!("{}", line(&end, result, &detail)),
        OutputFormat::Json => println!("{}", document(&end, result, &detail)),
        OutputFormat::Yaml => match serde_saphyr::to_string(&document(&end, result, &detail)) {
            Ok(text) => print!("{text}"),
            Err(e) => eprintln!("quarterdeck: cannot write the output as YAML: {e}"),
        },
    }
    if exit == Exit::Ok {
        Ok(exit)
    } else {
        Err(Failure::new(exit, detail))
    }
}

/// The action as the plan words it ("play" for a manual job), else the verb.
fn action(end: &End) -> &str {
    end.plan
        .iter()
        .find(|(k, _)| k == "action")
        .map_or(end.request.op.verb(), |(_, v)| v.as_str())
}

/// The one table line: `promote rollout/x in ns: done: revision 4 …`.
fn line(end: &End, result: &str, detail: &str) -> String {
    let head = format!("{} {}", action(end), end.request.subject);
    match result {
        "done" => format!("{head}: done: {detail}"),
        "dry_run" => format!("{head}: dry run, nothing changed: would be {detail}"),
        other => format!("{head}: {other}"),
    }
}

/// The JSON document.
fn document(end: &End, result: &str, detail: &str) -> Value {
    let plan: Vec<Value> = end
        .plan
        .iter()
        .map(|(k, v)| json!({"label": k, "value": v}))
        .collect();
    let mut doc = json!({
        "action": action(end),
        "target": end.request.subject.to_string(),
        "context": end.request.context,
        "result": result,
        "dry_run": end.dry_run,
        "plan": plan,
    });
    let key = if matches!(result, "done" | "dry_run") {
        "after"
    } else {
        "error"
    };
    doc[key] = json!(detail);
    doc
}

/// Appends the journal line (who: the kubeconfig user) and waits briefly for the webhook.
async fn journal(session: &Session, end: &End) {
    let now = chrono::Utc::now().timestamp_millis();
    let mut entry = journal_line(now, &end.request, &end.before, end.outcome.as_ref());
    entry.user = session.user.clone();
    if end.dry_run {
        entry.result = JournalResult::DryRun;
    }
    match &session.journal {
        Some(j) => {
            if let Err(e) = j.append(&entry) {
                eprintln!(
                    "quarterdeck: cannot write the journal {}: {e}",
                    j.path().display()
                );
            }
        }
        None => {
            eprintln!("quarterdeck: no state directory, not journaled: set QUARTERDECK_STATE_DIR")
        }
    }
    if let Some(url) = session.control.webhook.as_ref().filter(|_| !end.dry_run) {
        match Webhook::new(url) {
            Ok(w) => {
                let _ = tokio::time::timeout(WEBHOOK_WAIT, w.send(&entry)).await;
            }
            Err(e) => eprintln!("quarterdeck: {e}"),
        }
    }
}
