//! GitLab CI: the REST v4 client, conversion of pipelines, jobs and deployments to model
//! types, the poller that reports them, trace tailing, and the actions that change pipelines.

pub(crate) mod actions;
pub(crate) mod client;
pub(crate) mod convert;
pub(crate) mod gates;
pub(crate) mod logs;
pub(crate) mod poll;
pub(crate) mod project;
pub(crate) mod trace;

pub use client::{DEFAULT_BASE, GitLabClient, TOKEN_VARS};
pub use logs::follow_job_log;
pub use poll::{GitlabWatch, PollOptions, poll};
