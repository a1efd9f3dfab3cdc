//! Building and running the server: `Application::build` binds (port 0 in tests) and wires
//! the store, the blob store and the router; `run_until_stopped` serves until told to stop.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::Request;
use portrait_photos::Photos;
use tower::util::MapRequestLayer;
use tower::{Layer, ServiceBuilder};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::config::Config;
use crate::middleware::photo_hits::PhotoHits;
use crate::middleware::request_id::SequentialRequestIds;
use crate::middleware::{json_suffix, observe, panic, rate_limit, security_headers};
use crate::photo_urls::PhotoUrls;
use crate::routes;
use crate::serving::{self, Listeners};
use crate::state::AppState;
use crate::telemetry;

pub struct Application {
    listeners: Listeners,
    /// Set when `/metrics` has a listener of its own (`http.metrics_listen`).
    metrics_listener: Option<std::net::TcpListener>,
    state: AppState,
    address: SocketAddr,
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let store = portrait_store::open(&config.database_url(), &config.store).await?;
        store.migrate().await?;
        let blobs = portrait_blobs::open(&config.blob_store_url(), &config.blobs)?;
        let listeners = Listeners::bind(config.listen, config.http.connection_threads)?;
        let address = listeners.address();
        let metrics_listener = match config.http.metrics_listen {
            Some(at) => Some(bind_metrics(at)?),
            None => None,
        };
        // Installed before the first request, so nothing recorded is lost.
        telemetry::recorder();
        let base = config
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{address}"));
        let photos = Photos::new(
            Arc::clone(&store),
            blobs,
            config.photos.clone(),
            config.imaging.clone(),
        );
        let state = AppState {
            store,
            photos: Arc::new(photos),
            urls: Arc::new(PhotoUrls::new(
                &base,
                &config.imaging.square_sizes,
                config.imaging.webp,
                config.imaging.avif,
            )),
            readiness: Arc::default(),
            config: Arc::new(config),
        };
        Ok(Self {
            listeners,
            metrics_listener,
            state,
            address,
        })
    }

    /// Where `/metrics` is served when it has a listener of its own.
    pub fn metrics_address(&self) -> Option<SocketAddr> {
        self.metrics_listener.as_ref()?.local_addr().ok()
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    pub fn port(&self) -> u16 {
        self.address.port()
    }

    pub fn public_url(&self) -> &str {
        self.state.urls.base()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` resolves, then lets in-flight requests finish.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let sweeper = self.state.photos.spawn_sweeper();
        let follower = self.state.photos.spawn_follower();
        let upkeep = telemetry::spawn_upkeep();
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let metrics_server = self
            .metrics_listener
            .map(|listener| serve_metrics(listener, self.state.clone(), stopped.clone()));
        let [nosniff, frames, referrer, csp, cache, corp] = security_headers::layers();
        let request_ids = SequentialRequestIds::new();
        let mut router = routes::router(self.state.clone());
        let limit = self.state.config.http.rate_limit;
        if limit.is_on() {
            let limiter = Arc::new(rate_limit::TokenRateLimiter::new(limit));
            router = router.layer(axum::middleware::from_fn_with_state(
                limiter,
                rate_limit::limit_per_token,
            ));
        }
        // Outside the rate limiter, so that its 429s are counted and logged too.
        let router = router.layer(axum::middleware::from_fn(observe::observe));
        let app = router.layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::x_request_id(request_ids.clone()))
                .layer(TraceLayer::new_for_http().make_span_with(request_span))
                .layer(PropagateRequestIdLayer::x_request_id())
                .layer(nosniff)
                .layer(frames)
                .layer(referrer)
                .layer(csp)
                .layer(cache)
                .layer(corp)
                .layer(CatchPanicLayer::custom(panic::panic_response)),
        );
        // Rewriting the path has to happen before routing, so it wraps the router.
        let service = MapRequestLayer::new(json_suffix::strip_json_suffix).layer(app);
        let service = PhotoHits::new(service, self.state.clone(), request_ids);
        let shutdown = async move {
            shutdown.await;
            let _ = stop.send(true);
        };
        let result = serving::serve(self.listeners, service, shutdown).await;
        if let Some(server) = metrics_server {
            let _ = server.await;
        }
        for task in [sweeper, follower, upkeep].into_iter().flatten() {
            task.abort();
        }
        result
    }
}

fn bind_metrics(at: SocketAddr) -> std::io::Result<std::net::TcpListener> {
    let listener = std::net::TcpListener::bind(at)?;
    listener.set_nonblocking(true)?;
    Ok(listener)
}

/// Serves `/metrics` alone on `listener` until `stopped` turns true.
fn serve_metrics(
    listener: std::net::TcpListener,
    state: AppState,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<std::io::Result<()>> {
    tokio::spawn(async move {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        let stop = async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        };
        axum::serve(listener, routes::metrics::router(state))
            .with_graceful_shutdown(stop)
            .await
    })
}

/// The path only: headers carry tokens and never reach the log.
fn request_span(request: &Request) -> tracing::Span {
    let id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id = %id)
}
