//! GitHub Actions: the REST client, conversion of runs, jobs and pending deployments to model
//! types, the poller that reports them, job logs, and the actions that change runs.

pub(crate) mod actions;
pub(crate) mod asked;
pub(crate) mod client;
pub(crate) mod columns;
pub(crate) mod convert;
pub(crate) mod gates;
pub(crate) mod logs;
pub(crate) mod poll;

pub use actions::{ENVIRONMENT_INPUT, IMAGE_TAG_INPUT};
pub use client::{DEFAULT_BASE, GitHubClient, TOKEN_VARS};
pub use logs::{NOT_YET, follow_job_log};
pub use poll::{GithubWatch, PollOptions, poll};
