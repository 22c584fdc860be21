//! GitHub Actions: the REST client, conversion of runs, jobs and pending deployments to model
//! types, the poller that reports them, and job logs.

pub mod client;
pub mod columns;
pub mod convert;
pub mod gates;
pub mod logs;
pub mod poll;

pub use client::{DEFAULT_BASE, GitHubClient, TOKEN_VARS};
pub use logs::follow_job_log;
pub use poll::{GithubWatch, PollOptions, poll};
