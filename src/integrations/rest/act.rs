//! What a write (an approval, a play, a retry, a redeploy) answers when it did not happen, in
//! one type both CI providers and the cluster share; and the earlier versions a pipeline can
//! deploy again. Provider messages are kept verbatim; a token never appears in them (the REST
//! client redacts it before they get here).

use super::client::RestError;

/// Why an action was not carried out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActError {
    /// The target changed since the user confirmed; nothing was sent. Says what moved.
    #[error("{0}; nothing was done")]
    Moved(String),
    /// The provider refused the user (403), in its own words.
    #[error("{0}")]
    Forbidden(String),
    /// The provider refused because of the target's state (409), in its own words.
    #[error("{0}")]
    Conflict(String),
    /// Any other refusal, with the provider's message verbatim.
    #[error("{status} {message}")]
    Http {
        /// The HTTP status.
        status: u16,
        /// The provider's message.
        message: String,
    },
    /// No answer: whether the write arrived is unknown, so it is not retried (re-read first).
    #[error("no answer ({0}); re-read before trying again")]
    Network(String),
    /// The request itself was wrong (a missing comment, an unreadable answer).
    #[error("{0}")]
    Invalid(String),
}

impl From<RestError> for ActError {
    fn from(e: RestError) -> ActError {
        match e {
            RestError::Forbidden { message, .. } => ActError::Forbidden(message),
            RestError::Status {
                status: 409,
                message,
            } => ActError::Conflict(message),
            RestError::Status { status, message } => ActError::Http { status, message },
            RestError::Unauthorized { message } => ActError::Http {
                status: 401,
                message,
            },
            RestError::NotFound { message } => ActError::Http {
                status: 404,
                message,
            },
            RestError::RateLimited { message, .. } => ActError::Http {
                status: 429,
                message: if message.is_empty() {
                    "rate limited: requests are paused".into()
                } else {
                    message
                },
            },
            RestError::Network(m) => ActError::Network(m),
            RestError::Decode(m) => ActError::Invalid(format!("unreadable answer: {m}")),
        }
    }
}

/// How a pipeline deploys an earlier version again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redeploy {
    /// GitHub: dispatch the deploy workflow on `git_ref` with these inputs.
    Dispatch {
        /// The workflow file (`deploy.yml`).
        workflow: String,
        /// The branch or tag to run it on.
        git_ref: String,
        /// Input names and values (`environment`, `image_tag`).
        inputs: Vec<(String, String)>,
    },
    /// GitLab: retry the deploy job of the pipeline that built the version.
    RetryJob {
        /// The deploy job.
        job_id: u64,
    },
}

/// An earlier version a pipeline deployed successfully, which it can deploy again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// What users call the version: the image tag.
    pub version: String,
    /// The full image reference, when the deploy job's log names it.
    pub image: Option<String>,
    /// The environment it was deployed to.
    pub environment: String,
    /// The run or pipeline that deployed it.
    pub run_id: u64,
    /// When it was deployed, Unix ms.
    pub when_ms: Option<i64>,
    /// How to deploy it again.
    pub how: Redeploy,
}

/// The image a deploy job set, from its log: the last `… image updated to REPO:TAG` line.
pub(crate) fn deployed_image(log: &str) -> Option<String> {
    log.lines()
        .filter_map(|line| line.split_once("image updated to ").map(|(_, rest)| rest))
        .filter_map(|rest| rest.split_whitespace().next())
        .map(|image| image.trim_matches(|c| c == '"' || c == '\''))
        .filter(|image| image.contains(':') && !image.contains('$'))
        .map(str::to_string)
        .next_back()
}

/// The tag of an image reference (`repo:1.3.2` → `1.3.2`).
pub(crate) fn image_tag(image: &str) -> &str {
    let name = image.rsplit('/').next().unwrap_or(image);
    name.rsplit_once(':').map_or(name, |(_, tag)| tag)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn refusals_keep_the_providers_words_and_kind() {
        let forbidden = RestError::Forbidden {
            message: "403 Forbidden".into(),
            wanted: None,
        };
        assert_eq!(
            ActError::from(forbidden),
            ActError::Forbidden("403 Forbidden".into())
        );
        let conflict = RestError::Status {
            status: 409,
            message: "Cannot cancel a workflow run that is completed.".into(),
        };
        assert_eq!(
            ActError::from(conflict).to_string(),
            "Cannot cancel a workflow run that is completed."
        );
        let moved = ActError::Moved("run 4711 is no longer waiting on staging".into());
        assert_eq!(
            moved.to_string(),
            "run 4711 is no longer waiting on staging; nothing was done"
        );
    }

    #[test]
    fn the_deployed_image_is_read_from_the_log() {
        let log = "\
2026-11-22T03:20:00.0000000Z ##[group]Run kubectl set image x x=repo/x:${{ inputs.image_tag }}
Deploying…
deployment \"x\" image updated to kasbench/x:1.3.2 (namespace globeco-staging)
";
        assert_eq!(deployed_image(log).as_deref(), Some("kasbench/x:1.3.2"));
        assert_eq!(image_tag("gcr.io/a/b:e51f6b3"), "e51f6b3");
        assert_eq!(image_tag("localhost:5000/b:7"), "7");
        assert_eq!(
            deployed_image("$ kubectl argo rollouts set image a a=$R:$T"),
            None
        );
    }
}
