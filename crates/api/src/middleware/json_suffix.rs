//! Every API route also answers with a `.json` suffix (`/api/v1/users/5.json`): strip it before
//! routing so that each route is declared once.

use axum::extract::Request;
use axum::http::Uri;

// The document's own name ends in `.json`; it is a route, not a suffix.
use crate::routes::OPENAPI_PATH;

const API_PREFIX: &str = "/api/v1/";

pub fn strip_json_suffix(mut request: Request) -> Request {
    let path = request.uri().path();
    if !path.starts_with(API_PREFIX) || path == OPENAPI_PATH {
        return request;
    }
    let Some(stripped) = path.strip_suffix(".json") else {
        return request;
    };
    let rewritten = match request.uri().query() {
        Some(query) => format!("{stripped}?{query}"),
        None => stripped.to_owned(),
    };
    if let Ok(uri) = rewritten.parse::<Uri>() {
        *request.uri_mut() = uri;
    }
    request
}
