//! `GET /metrics`: Prometheus' text format, no token needed. Not part of the API document: it
//! is for the operator's scraper, not for Kantata clients.

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::state::AppState;
use crate::telemetry;

pub const PATH: &str = "/metrics";

const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

pub async fn metrics(State(state): State<AppState>) -> Response {
    let mut response = telemetry::render(&state.photos).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    response
}

/// What `http.metrics_listen` serves: the metrics and nothing else.
pub fn router(state: AppState) -> Router {
    Router::new().route(PATH, get(metrics)).with_state(state)
}
