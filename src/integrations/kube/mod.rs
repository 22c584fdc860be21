//! Kubernetes and Argo Rollouts through kube-rs: building the client, converting objects,
//! watching, and streaming logs.

pub mod client;
pub(crate) mod convert;
pub(crate) mod logs;
pub(crate) mod sender;
pub(crate) mod watch;
