//! Kubernetes and Argo Rollouts through kube-rs: building the client, converting objects,
//! watching, streaming logs, and the actions of release control.

pub mod actions;
pub mod client;
pub(crate) mod convert;
pub mod logs;
mod retry;
pub mod sender;
pub(crate) mod watch;
