//! Release control on the cluster: the actions on Rollouts and Deployments exactly as the Argo
//! Rollouts plugin and kubectl send them, never on stale state; permission checks; the
//! coordination Leases that tell other Quarterdecks who is acting.

mod access;
mod act;
mod event;
mod lease;
mod lease_watch;
mod patches;
mod send;
mod undo;

pub use self::access::check_access;
pub use self::act::{act, act_with, read_state};
pub use self::lease::{LEASE_SECONDS, MANAGED_BY, release, renew, take};
pub use self::lease_watch::{follow_leases, watch_leases};
