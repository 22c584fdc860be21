//! `[notify] webhook = "URL"`: each action and its result posted as Slack-compatible
//! incoming-webhook JSON (`{"text": …}`). Fire and forget: a slow or failing webhook never
//! blocks or fails the action, it is only logged.

use std::time::Duration;

use quarterdeck_core::control::{JournalEntry, JournalResult};
use serde_json::json;

/// How long a post may take before it is given up.
const TIMEOUT: Duration = Duration::from_secs(5);

/// Posts journal entries to one URL.
#[derive(Debug, Clone)]
pub struct Webhook {
    url: String,
    http: reqwest::Client,
}

impl Webhook {
    /// A webhook for `url`, or why it cannot be used.
    pub fn new(url: &str) -> Result<Self, String> {
        let parsed = reqwest::Url::parse(url).map_err(|e| format!("[notify] webhook: {e}"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err("[notify] webhook: only http and https URLs".into());
        }
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .build()
            .map_err(|e| format!("[notify] webhook: {e}"))?;
        Ok(Self {
            url: url.to_string(),
            http,
        })
    }

    /// Posts `entry` in the background; never waits for the answer.
    pub fn post(&self, entry: &JournalEntry) {
        tokio::spawn(self.send(entry));
    }

    /// Posts `entry` and waits for the answer (within the timeout): a command must not exit
    /// before its post has left. Failures are only logged, as for [`Webhook::post`].
    pub fn send(&self, entry: &JournalEntry) -> impl Future<Output = ()> + Send + 'static {
        let request = self.http.post(&self.url).json(&payload(entry));
        async move {
            match request.send().await {
                Ok(r) if r.status().is_success() => {}
                Ok(r) => tracing::warn!(status = %r.status(), "webhook answered with an error"),
                Err(e) => tracing::warn!(error = %without_url(&e), "webhook post failed"),
            }
        }
    }
}

/// reqwest's error text names the URL, which may embed a secret path (Slack's does).
fn without_url(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    if let Some(url) = e.url() {
        s = s.replace(url.as_str(), "<webhook>");
    }
    s
}

/// The Slack-compatible body: a one-line `text`, plus the entry for other receivers.
pub fn payload(entry: &JournalEntry) -> serde_json::Value {
    let result = match entry.result {
        JournalResult::Done => "done",
        JournalResult::Failed => "FAILED",
        JournalResult::Refused => "refused",
        JournalResult::Cancelled => "cancelled",
        JournalResult::DryRun => "dry run",
    };
    let mut text = format!(
        "{}: {} {} (context {}) — {result}",
        entry.user, entry.action, entry.target, entry.context
    );
    if entry.by != "user" {
        text.push_str(&format!(" (by the {})", entry.by));
    }
    if let Some(e) = &entry.error {
        text.push_str(&format!(": {e}"));
    } else if !entry.after.is_empty() {
        text.push_str(&format!(": {}", entry.after));
    }
    json!({"text": text, "quarterdeck": entry})
}
