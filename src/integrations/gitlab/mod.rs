//! GitLab CI: the REST v4 client, conversion of pipelines, jobs and deployments to model
//! types, the poller that reports them, and trace tailing.

pub mod client;
pub mod convert;
pub mod gates;
pub mod logs;
pub mod poll;
pub mod trace;

pub use client::{DEFAULT_BASE, GitLabClient, TOKEN_VARS};
pub use logs::follow_job_log;
pub use poll::{GitlabWatch, PollOptions, poll};
