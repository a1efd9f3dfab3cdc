//! Per-token rate limiting: a token bucket per bearer token, answered with 429, a
//! `Retry-After` and a Kantata error body when empty.
//!
//! Requests without an `Authorization` header are not counted here: the only routes
//! they can reach successfully are the immutable photo files and the health checks,
//! which are cheap, and everything else answers 401 at once.

use std::num::NonZeroU32;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use sha2::{Digest, Sha256};

use crate::config::RateLimit;
use crate::error::ApiError;

/// Buckets idle long enough to be full again are dropped once this many exist.
const PRUNE_ABOVE: usize = 10_000;

type Key = [u8; 32];

pub struct TokenRateLimiter {
    buckets: RateLimiter<Key, DefaultKeyedStateStore<Key>, DefaultClock>,
    clock: DefaultClock,
}

impl TokenRateLimiter {
    pub fn new(limit: RateLimit) -> Self {
        let per_second = NonZeroU32::new(limit.per_second).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(limit.burst).unwrap_or(per_second);
        Self {
            buckets: RateLimiter::keyed(Quota::per_second(per_second).allow_burst(burst)),
            clock: DefaultClock::default(),
        }
    }

    /// `Err(seconds to wait)` when the bucket of `credential` is empty.
    fn check(&self, credential: &[u8]) -> Result<(), u32> {
        // Keyed by a digest: the table never holds a usable token.
        let key: Key = Sha256::digest(credential).into();
        if self.buckets.len() > PRUNE_ABOVE {
            self.buckets.retain_recent();
        }
        self.buckets.check_key(&key).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            u32::try_from(wait.as_secs_f64().ceil() as u64)
                .unwrap_or(u32::MAX)
                .max(1)
        })
    }
}

pub async fn limit_per_token(
    State(limiter): State<Arc<TokenRateLimiter>>,
    request: Request,
    next: Next,
) -> Response {
    if let Some(credential) = request.headers().get(AUTHORIZATION) {
        if let Err(retry_after) = limiter.check(credential.as_bytes()) {
            return ApiError::TooManyRequests { retry_after }.into_response();
        }
    }
    next.run(request).await
}
