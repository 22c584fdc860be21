//! GitHub Actions: the REST client, conversion of runs, jobs and pending deployments to model
//! types, the poller that reports them, and job logs.

pub(crate) mod client;
pub(crate) mod columns;
pub(crate) mod convert;
pub(crate) mod gates;
pub(crate) mod logs;
pub(crate) mod poll;

pub use client::{DEFAULT_BASE, GitHubClient, TOKEN_VARS};
pub use logs::{NOT_YET, follow_job_log};
pub use poll::{GithubWatch, PollOptions, poll};
