//! Times every request the router answers (including those the rate limiter refuses) and
//! hands it to [`Finished::record`], labelled by its route template.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;

use crate::telemetry::{Finished, UNMATCHED_ROUTE};

/// Where authentication leaves the caller's user id for the log line.
#[derive(Debug, Clone, Default)]
pub struct CallerSlot(Arc<OnceLock<i64>>);

impl CallerSlot {
    pub fn set(&self, user_id: i64) {
        let _ = self.0.set(user_id);
    }
}

pub async fn observe(mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_owned());
    let method = request.method().clone();
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_owned();
    let caller = CallerSlot::default();
    request.extensions_mut().insert(caller.clone());
    let response = next.run(request).await;
    Finished {
        request_id: &request_id,
        method: &method,
        route: route.as_deref().unwrap_or(UNMATCHED_ROUTE),
        status: response.status(),
        latency: started.elapsed(),
        user_id: caller.0.get().copied(),
    }
    .record();
    response
}
