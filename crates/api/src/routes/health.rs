use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};

use crate::state::AppState;

/// 200 while the process is up.
#[utoipa::path(get, path = "/healthz", tag = "Operations", responses((status = 200, description = "Up")))]
pub async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// 200 only when the database and the blob store both answer in time.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "Operations",
    responses((status = 200, description = "Ready"), (status = 503, description = "A dependency is down"))
)]
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let wait = state.config.http.readiness_timeout;
    let (database, blobs) = tokio::join!(
        tokio::time::timeout(wait, state.store.ping()),
        tokio::time::timeout(wait, state.photos.ping_blobs()),
    );
    let database_ok = matches!(database, Ok(Ok(())));
    let blobs_ok = matches!(blobs, Ok(Ok(())));
    let word = |ok: bool| if ok { "ok" } else { "unavailable" };
    let status = if database_ok && blobs_ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({"database": word(database_ok), "blob_store": word(blobs_ok)});
    (status, Json(body))
}
