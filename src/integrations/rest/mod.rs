//! HTTP plumbing the CI clients share: tokens that never print, conditional requests with an
//! entity-tag cache, pagination headers, rate-limit tracking and the pause it forces, failures
//! in words for the user, the server's clock as its answers tell it, the adaptive polling
//! interval, the loop both pollers run, and what a refused write answers.

mod act;
mod api;
mod client;
mod clock;
mod error;
mod etag;
mod limits;
mod pacing;
mod pages;
mod report;
mod secret;

pub use act::{ActError, Candidate, Redeploy};
pub(crate) use act::{deployed_image, image_tag};
pub(crate) use api::{Api, Dialect, Subject};
pub(crate) use client::{RestClient, RestError, Scheme};
pub use clock::{Clock, ServerClock, SystemClock};
pub(crate) use error::CiError;
pub use pacing::Pacing;
pub(crate) use pacing::within_budget_ms;
pub(crate) use pages::encode_component;
pub(crate) use report::{
    Cycle, Reporter, Snapshot, Watched, paused, poll_rounds, send_all, wait_turn,
};
pub use secret::Token;
