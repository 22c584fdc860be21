//! The control API under `/sim/`.

use std::sync::Arc;

use axum::Router;

use super::Sim;

/// Routes of the control API.
pub fn router() -> Router<Arc<Sim>> {
    Router::new()
}
