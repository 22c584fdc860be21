//! The Kubernetes API surface.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};

use super::Sim;
use super::status::ApiError;

/// Answers every Kubernetes request.
pub async fn handle(State(_sim): State<Arc<Sim>>, _req: Request) -> Response {
    ApiError::no_route().into_response()
}
