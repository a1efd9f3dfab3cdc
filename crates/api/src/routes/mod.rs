//! One module per resource, one file per action.

pub mod health;
pub mod photos;
pub mod profile_photo;
pub mod users;

use axum::http::Method;
use axum::routing::get;
use axum::{Json, Router};
use utoipa::OpenApi;

use crate::error::ApiError;
use crate::openapi::ApiDoc;
use crate::photo_urls::DEFAULT_PHOTO_PATH;
use crate::state::AppState;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/v1/users", get(users::index::index))
        .route("/api/v1/users/me", get(users::me::me))
        .route("/api/v1/users/{id}", get(users::show::show))
        .route(
            "/api/v1/users/{id}/profile_photo",
            axum::routing::post(profile_photo::update::update).delete(profile_photo::reset::reset),
        )
        .route("/api/v1/openapi.json", get(openapi))
        .route("/photos/{file}", get(photos::serve::serve))
        .route(
            DEFAULT_PHOTO_PATH,
            get(photos::default_image::default_image),
        )
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

async fn not_found() -> ApiError {
    ApiError::NotFound
}

async fn method_not_allowed(method: Method) -> ApiError {
    ApiError::MethodNotAllowed(format!("Method {method} is not allowed on this route"))
}
