//! One module per resource, one file per action.

pub mod health;
pub mod metrics;
pub mod photos;
pub mod profile_photo;
pub mod users;

use std::sync::Arc;

use axum::http::Method;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::ApiError;
use crate::openapi::ApiDoc;
use crate::state::AppState;

/// Served at `OPENAPI_PATH`; `.json` is its name there, not a suffix to strip.
pub const OPENAPI_PATH: &str = "/api/v1/openapi.json";

pub fn router(state: AppState) -> Router {
    let (router, document) = api().split_for_parts();
    let document = Arc::new(document);
    // Moved to a listener of its own when the operator asks (see `metrics::router`).
    let router = if state.config.http.metrics_listen.is_none() {
        router.route(metrics::PATH, get(metrics::metrics))
    } else {
        router
    };
    router
        .route(
            OPENAPI_PATH,
            get(move || {
                let document = Arc::clone(&document);
                async move { Json(&*document).into_response() }
            }),
        )
        // The page people use; not part of the API, so not in its document.
        .merge(crate::page::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
}

/// Every documented route, listed once: each handler's `#[utoipa::path]` gives both its place
/// in the router and its operation in the OpenAPI document.
fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(users::index::index))
        .routes(routes!(users::me::me))
        .routes(routes!(users::show::show, users::update::update))
        .routes(routes!(
            profile_photo::update::update,
            profile_photo::reset::reset
        ))
        .routes(routes!(photos::serve::serve))
        .routes(routes!(photos::default_image::default_image))
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
}

async fn not_found() -> ApiError {
    ApiError::NotFound
}

async fn method_not_allowed(method: Method) -> ApiError {
    ApiError::MethodNotAllowed(format!("Method {method} is not allowed on this route"))
}
