use std::sync::Mutex;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

use crate::state::AppState;

/// 200 while the process is up.
#[utoipa::path(get, path = "/healthz", tag = "Operations", responses((status = 200, description = "Up")))]
pub async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// 200 only when the database and the blob store both answer in time.
///
/// The body says, per dependency, whether it answered and, when not, why and since when.
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
    let readiness = &state.readiness;
    let database = readiness.database.record(outcome(database, wait));
    let blob_store = readiness.blob_store.record(outcome(blobs, wait));
    let ready = database["status"] == "ok" && blob_store["status"] == "ok";
    let body = json!({
        "status": if ready { "ok" } else { "unavailable" },
        "database": database,
        "blob_store": blob_store,
    });
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body))
}

/// `None` when the dependency answered; else why not, in words that name no host or secret
/// (the endpoint needs no token).
fn outcome<E>(
    result: Result<Result<(), E>, tokio::time::error::Elapsed>,
    wait: Duration,
) -> Option<String> {
    match result {
        Ok(Ok(())) => None,
        Ok(Err(_)) => Some("answered with an error".to_owned()),
        Err(_) => Some(format!("did not answer within {} ms", wait.as_millis())),
    }
}

/// Since when each dependency has failed its readiness checks, across checks.
#[derive(Debug, Default)]
pub struct Readiness {
    database: DownSince,
    blob_store: DownSince,
}

#[derive(Debug, Default)]
struct DownSince(Mutex<Option<DateTime<Utc>>>);

impl DownSince {
    /// Records a check's outcome and describes the dependency for the body.
    fn record(&self, failure: Option<String>) -> Value {
        let now = Utc::now();
        let mut since = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let Some(reason) = failure else {
            *since = None;
            return json!({"status": "ok"});
        };
        let down_since = *since.get_or_insert(now);
        let down_for = (now - down_since).num_milliseconds() as f64 / 1000.0;
        json!({
            "status": "unavailable",
            "error": reason,
            "down_since": down_since.to_rfc3339_opts(SecondsFormat::Millis, true),
            "down_for_seconds": down_for,
        })
    }
}
