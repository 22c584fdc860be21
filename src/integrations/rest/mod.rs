//! HTTP plumbing the CI clients share: tokens that never print, conditional requests with an
//! entity-tag cache, pagination headers, rate-limit tracking and the pause it forces, and the
//! adaptive polling interval.

mod client;
mod clock;
mod error;
mod etag;
mod limits;
mod pacing;
mod pages;
mod report;
mod secret;

pub use client::{Fetched, RestClient, RestError, Scheme, error_message};
pub use clock::{Clock, SystemClock};
pub use error::CiError;
pub(crate) use error::clock_time;
pub use etag::{Cached, EtagCache};
pub use limits::{LimitHeaders, RateLimiter, refusal_pause};
pub use pacing::{Pacing, next_delay_ms, wait};
pub use pages::{encode_component, link_next, next_page_url, set_query};
pub use report::{Reporter, Snapshot, finish_cycle, paused, send_all};
pub use secret::{Secret, Token};
