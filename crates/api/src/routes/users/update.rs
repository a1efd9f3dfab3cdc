use axum::extract::{Path, RawQuery, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::Response;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::params::{self, QueryPairs};
use crate::routes::users::{find_visible, present_one};
use crate::state::AppState;
use crate::user_update::{self, Encoding};

/// Update a user: `full_name`, `headline`, `email_address` and one `external_reference`.
///
/// The user themself or an administrator of the user's account may. Everything is checked
/// before anything is written, and all of it is written in one transaction: a 422 changes
/// nothing. A new email address is applied at once (Kantata asks the user to verify it, which
/// is outside portrait). Keys that are not writable (`id`, `account_id`, `photo_path`, …) are
/// ignored.
#[utoipa::path(
    put,
    path = "/api/v1/users/{id}",
    tag = "Users",
    params(
        ("id" = i64, Path, description = "The user's id"),
        crate::openapi::IncludeParam,
        crate::openapi::OptionalFieldsParam,
    ),
    request_body(
        content(
            (crate::user_update::schema::UpdateUserJson = "application/json"),
            (crate::user_update::schema::UpdateUserForm = "application/x-www-form-urlencoded"),
        ),
    ),
    responses(
        (status = 200, description = "The updated user, in the Kantata envelope", body = crate::views::UsersEnvelope),
        (status = 400, description = "A body that is not JSON, or an unsupported Content-Type", body = crate::views::Errors),
        (status = 401, description = "Missing, unknown or revoked token", body = crate::views::Errors),
        (status = 403, description = "Visible user the caller may not edit", body = crate::views::Errors),
        (status = 404, description = "No such user, or not visible", body = crate::views::Errors),
        (status = 408, description = "The body was not received in time", body = crate::views::Errors),
        (status = 413, description = "Body larger than 64 KiB", body = crate::views::Errors),
        (status = 422, description = "A value that is blank, too long, of the wrong type, an invalid or taken email address, or an incomplete external reference; `field` names it", body = crate::views::Errors),
        (status = 503, description = "Database unavailable", body = crate::views::Errors),
    ),
    security(("bearer" = []))
)]
pub async fn update(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    request: Request,
) -> Result<Response, ApiError> {
    let id = params::user_id(&id)?;
    let query = QueryPairs::parse(query.as_deref());
    let user = find_visible(&state, &caller, id).await?;
    if !caller.may_edit(&user) {
        return Err(ApiError::Forbidden(
            "You are not allowed to update this user",
        ));
    }
    let content_type = request
        .headers()
        .get(CONTENT_TYPE)
        .map(|v| v.to_str().unwrap_or("unreadable"));
    let encoding = Encoding::of(content_type)?;
    let body = user_update::read(request.into_body(), state.config.http.body_read_timeout).await?;
    let update = user_update::parse(encoding, &body)?;
    state.store.update_user(id, &update).await?;
    let user = find_visible(&state, &caller, id).await?;
    present_one(&state, &caller, user, &query).await
}
