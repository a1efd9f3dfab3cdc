//! The page at `/`: a small app for people to pick, crop and upload their profile photo,
//! served by portrait itself. Its files are embedded at build time (no build step, no CDN);
//! it talks to the API like any other client, with the bearer token the user gives it.

mod assets;
mod csp;

use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::error::ApiError;
use crate::routes::photos::etag_matches;
use crate::state::AppState;

use assets::Asset;
use csp::page_csp;

/// The page's routes; they are not part of the API, so not in the OpenAPI document.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        .route("/assets/{name}", get(asset))
}

async fn index(State(state): State<AppState>, request: Request) -> Response {
    respond(&state, &assets::INDEX, &request)
}

async fn asset(
    State(state): State<AppState>,
    Path(name): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let asset = assets::find(&name).ok_or(ApiError::NotFound)?;
    Ok(respond(&state, asset, &request))
}

/// An asset with its own CSP (the API's `default-src 'none'` would stop the page) and an ETag,
/// revalidated on every use: names carry no hash, so a new release must be seen at once.
fn respond(state: &AppState, asset: &'static Asset, request: &Request) -> Response {
    let fresh = etag_matches(request.headers(), asset.etag());
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut ok = asset.body.into_response();
        ok.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(asset.media_type),
        );
        ok
    };
    let headers = response.headers_mut();
    if let Ok(etag) = HeaderValue::from_str(asset.etag()) {
        headers.insert(header::ETAG, etag);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(csp) = HeaderValue::from_str(&page_csp(state.urls.base())) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    response
}
