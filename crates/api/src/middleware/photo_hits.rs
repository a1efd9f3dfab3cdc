//! Photo GETs whose rendition is in memory, answered before the rest of the stack.
//!
//! A cached rendition GET is the commonest request a profile-photo server gets (every page
//! that shows a face), and the general stack (routing, trace span, request-id layers, six
//! header layers, panic catcher) was a third of its cost. The answer made here is the one the
//! full path gives, byte for byte in body and headers (tests/reads.rs compares them), and it is
//! counted and logged as the full path would; it only skips the per-request trace span. Everything else (misses, `If-None-Match`, bad sizes, other
//! methods and paths) goes down the full stack.

use std::convert::Infallible;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::extract::Request;
use axum::http::{header, Method, StatusCode};
use axum::response::Response;
use futures::future::{ready, Either, Ready};
use tower::Service;
use tower_http::request_id::MakeRequestId;

use crate::middleware::request_id::SequentialRequestIds;
use crate::middleware::security_headers;
use portrait_photos::keys::{photo_of_file, Variant};
use portrait_photos::Encoding;

use crate::params::QueryPairs;
use crate::routes::photos::{image_response, photo_etag};
use crate::state::AppState;
use crate::telemetry::{Finished, RequestSeries};

const X_REQUEST_ID: &str = "x-request-id";
/// The template of the route the full stack would have answered on.
const SERVE_ROUTE: &str = "/photos/{file}";

#[derive(Clone)]
pub struct PhotoHits<S> {
    inner: S,
    state: AppState,
    ids: SequentialRequestIds,
    series: RequestSeries,
}

impl<S> PhotoHits<S> {
    /// `ids` should be the maker the full stack uses, so ids stay one sequence.
    pub fn new(inner: S, state: AppState, ids: SequentialRequestIds) -> Self {
        let series = RequestSeries::new(&Method::GET, SERVE_ROUTE, StatusCode::OK);
        Self {
            inner,
            state,
            ids,
            series,
        }
    }
}

impl<S> Service<Request> for PhotoHits<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Either<Ready<Result<Response, Infallible>>, S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        match cached(&self.state, &mut self.ids, &self.series, &request) {
            Some(response) => Either::Left(ready(Ok(response))),
            None => Either::Right(self.inner.call(request)),
        }
    }
}

fn cached(
    state: &AppState,
    ids: &mut SequentialRequestIds,
    series: &RequestSeries,
    request: &Request,
) -> Option<Response> {
    if request.method() != Method::GET || request.headers().contains_key(header::IF_NONE_MATCH) {
        return None;
    }
    let started = Instant::now();
    let (photo, encoding) = photo_of_file(request.uri().path().strip_prefix("/photos/")?)?;
    // A negotiated `photo_path` depends on `Accept`: the full path decides.
    if encoding == Encoding::Jpeg && state.config.http.negotiate_photo_formats {
        return None;
    }
    let query = QueryPairs::parse(request.uri().query());
    let variant = Variant::from_size(query.get("size"), state.photos.square_sizes())?;
    let bytes = state.photos.cached_rendition(&photo, variant, encoding)?;

    let etag = photo_etag(&photo, variant, encoding);
    let mut response = image_response(&etag, encoding.media_type(), Some(bytes));
    let headers = response.headers_mut();
    security_headers::add_missing(headers);
    // As SetRequestId + PropagateRequestId do: the client's id if it sent one, else a new one.
    let id = match request.headers().get(X_REQUEST_ID) {
        Some(given) => given.clone(),
        None => ids.make_request_id(request)?.into_header_value(),
    };
    headers.insert(X_REQUEST_ID, id.clone());
    let latency = started.elapsed();
    series.record(latency);
    Finished {
        request_id: id.to_str().unwrap_or("-"),
        method: request.method(),
        route: SERVE_ROUTE,
        status: StatusCode::OK,
        latency,
        user_id: None,
    }
    .log();
    Some(response)
}
