use axum::extract::{Path, RawQuery, State};
use axum::response::Response;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::params::{self, QueryPairs};
use crate::routes::users::{find_visible, present_one};
use crate::state::AppState;

/// Fetch one user of the caller's account.
#[utoipa::path(
    get,
    path = "/api/v1/users/{id}",
    tag = "Users",
    params(
        ("id" = i64, Path, description = "The user's id"),
        crate::openapi::IncludeParam,
        crate::openapi::OptionalFieldsParam,
    ),
    responses(
        (status = 200, description = "The user, in the Kantata envelope", body = crate::views::UsersEnvelope),
        (status = 401, description = "Missing, unknown or revoked token", body = crate::views::Errors),
        (status = 404, description = "No such user, or not visible to the caller", body = crate::views::Errors),
    ),
    security(("bearer" = []))
)]
pub async fn show(
    State(state): State<AppState>,
    Caller(viewer): Caller,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let id = params::user_id(&id)?;
    let query = QueryPairs::parse(query.as_deref());
    let user = find_visible(&state, &viewer, id).await?;
    present_one(&state, &viewer, user, &query).await
}
