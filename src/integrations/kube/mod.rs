//! Kubernetes and Argo Rollouts through kube-rs: building the client, converting objects,
//! watching, and streaming logs.

pub mod client;
pub mod convert;
pub mod logs;
pub mod sender;
pub mod watch;
