//! Metrics in Prometheus' text format, and the one log line per request.
//!
//! The crates record through the `metrics` facade; this installs the process-wide Prometheus
//! recorder they record into (once: several applications in one process, as in the tests,
//! share it) and renders it for `GET /metrics`. Labels are route templates, operations and
//! outcomes, never raw paths or ids, so the series stay few.

use std::sync::OnceLock;
use std::time::Duration;

use axum::http::{Method, StatusCode};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use portrait_photos::Photos;

pub const REQUESTS: &str = "portrait_http_requests_total";
pub const REQUEST_SECONDS: &str = "portrait_http_request_duration_seconds";
const UPLOADS_ADMITTED: &str = "portrait_uploads_admitted";
const UPLOAD_PLACES: &str = "portrait_upload_places";
const UPLOADS_PROCESSING: &str = "portrait_uploads_processing";
const DECODE_MEMORY_RESERVED: &str = "portrait_decode_memory_reserved_bytes";
const DECODE_MEMORY_BUDGET: &str = "portrait_decode_memory_budget_bytes";
const CACHE_BYTES: &str = "portrait_rendition_cache_bytes";
const BACKGROUND_WAITING: &str = "portrait_background_photos_waiting";

/// The label of requests no route matched: their paths are the client's to choose.
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// From 0.5 ms (a photo from memory) to 30 s (the slowest upload allowed by default).
const BUCKETS_SECONDS: [f64; 16] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0,
    30.0,
];

/// How often histogram samples are folded into their buckets when nobody scrapes: without it
/// they would pile up in memory between scrapes.
pub const UPKEEP_EVERY: Duration = Duration::from_secs(5);

static RECORDER: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The process's recorder, installed on first use; `None` if another recorder was installed
/// first (by a program embedding portrait), whose owner then exposes the metrics.
pub fn recorder() -> Option<&'static PrometheusHandle> {
    RECORDER
        .get_or_init(|| {
            let builder = PrometheusBuilder::new().set_buckets(&BUCKETS_SECONDS);
            let recorder = match builder {
                Ok(builder) => builder.build_recorder(),
                Err(error) => {
                    tracing::warn!(%error, "metrics are off");
                    return None;
                }
            };
            let handle = recorder.handle();
            match metrics::set_global_recorder(recorder) {
                Ok(()) => Some(handle),
                Err(_) => {
                    tracing::warn!("another metrics recorder is installed; /metrics is empty");
                    None
                }
            }
        })
        .as_ref()
}

/// Folds pending histogram samples in every [`UPKEEP_EVERY`] until aborted.
pub fn spawn_upkeep() -> Option<tokio::task::JoinHandle<()>> {
    let handle = recorder()?;
    Some(tokio::spawn(async move {
        let mut ticks = tokio::time::interval(UPKEEP_EVERY);
        loop {
            ticks.tick().await;
            handle.run_upkeep();
        }
    }))
}

/// The exposition text, with the gauges read from `photos` now.
pub fn render(photos: &Photos) -> String {
    let load = photos.queue_load();
    metrics::gauge!(UPLOADS_ADMITTED).set(load.admitted as f64);
    metrics::gauge!(UPLOAD_PLACES).set(load.places as f64);
    metrics::gauge!(UPLOADS_PROCESSING).set(load.processing as f64);
    metrics::gauge!(DECODE_MEMORY_RESERVED).set(load.decode_memory_reserved_bytes as f64);
    metrics::gauge!(DECODE_MEMORY_BUDGET).set(load.decode_memory_budget_bytes as f64);
    metrics::gauge!(CACHE_BYTES).set(photos.cached_bytes() as f64);
    metrics::gauge!(BACKGROUND_WAITING).set(photos.background_waiting() as f64);
    recorder().map(PrometheusHandle::render).unwrap_or_default()
}

/// One finished request: its metrics and its log line. The line carries no header, query or
/// body, so no token can reach the log.
pub struct Finished<'a> {
    pub request_id: &'a str,
    pub method: &'a Method,
    pub route: &'a str,
    pub status: StatusCode,
    pub latency: Duration,
    pub user_id: Option<i64>,
}

impl Finished<'_> {
    pub fn record(&self) {
        RequestSeries::new(self.method, self.route.to_owned(), self.status).record(self.latency);
        self.log();
    }

    /// The log line alone, for callers that hold their [`RequestSeries`] already.
    pub fn log(&self) {
        tracing::info!(
            target: "portrait::access",
            request_id = self.request_id,
            method = self.method.as_str(),
            route = self.route,
            status = self.status.as_u16(),
            latency_ms = self.latency.as_secs_f64() * 1000.0,
            user_id = self.user_id,
            "request"
        );
    }
}

/// The request counter and latency histogram of one method, route and status. Looking a series
/// up builds its key (label strings, a hash); the photo fast path, where that was a noticeable
/// part of a 10 µs GET, looks its one series up once.
#[derive(Clone)]
pub struct RequestSeries {
    requests: metrics::Counter,
    latency: metrics::Histogram,
}

impl RequestSeries {
    pub fn new(
        method: &Method,
        route: impl Into<metrics::SharedString>,
        status: StatusCode,
    ) -> Self {
        let method = method.as_str().to_owned();
        let route = route.into();
        let status = status.as_str().to_owned();
        Self {
            requests: metrics::counter!(REQUESTS, "method" => method.clone(), "route" => route.clone(), "status" => status),
            latency: metrics::histogram!(REQUEST_SECONDS, "method" => method, "route" => route),
        }
    }

    pub fn record(&self, latency: Duration) {
        self.requests.increment(1);
        self.latency.record(latency.as_secs_f64());
    }
}
