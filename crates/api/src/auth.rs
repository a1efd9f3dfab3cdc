//! Bearer-token authentication: `Authorization: Bearer <token>` → the calling [`Principal`].

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use portrait_store::{PlainToken, Principal};

use crate::error::ApiError;
use crate::middleware::observe::CallerSlot;
use crate::state::AppState;

/// Longest token accepted; anything longer is malformed, not looked up.
const MAX_TOKEN_LEN: usize = 512;

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Caller(pub Principal);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer_token(parts).ok_or(ApiError::Unauthorized)?;
        let principal = state.store.authenticate(&token.hash()).await?;
        let principal = principal.ok_or(ApiError::Unauthorized)?;
        if let Some(slot) = parts.extensions.get::<CallerSlot>() {
            slot.set(principal.user_id.0);
        }
        Ok(Caller(principal))
    }
}

fn bearer_token(parts: &Parts) -> Option<PlainToken> {
    let value = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    let well_formed = scheme.eq_ignore_ascii_case("bearer")
        && !token.is_empty()
        && token.len() <= MAX_TOKEN_LEN
        && token.bytes().all(|b| b.is_ascii_graphic());
    well_formed.then(|| PlainToken::new(token))
}
