use axum::extract::{RawQuery, State};
use axum::response::Response;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::params::QueryPairs;
use crate::routes::users::{find_visible, present_one};
use crate::state::AppState;

/// Fetch the caller's own user.
#[utoipa::path(
    get,
    path = "/api/v1/users/me",
    tag = "Users",
    params(crate::openapi::IncludeParam, crate::openapi::OptionalFieldsParam),
    responses(
        (status = 200, description = "The caller, in the Kantata envelope", body = crate::views::UsersEnvelope),
        (status = 401, description = "Missing, unknown or revoked token", body = crate::views::Errors),
    ),
    security(("bearer" = []))
)]
pub async fn me(
    State(state): State<AppState>,
    Caller(viewer): Caller,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let query = QueryPairs::parse(query.as_deref());
    let user = find_visible(&state, &viewer, viewer.user_id).await?;
    present_one(&state, &viewer, user, &query).await
}
