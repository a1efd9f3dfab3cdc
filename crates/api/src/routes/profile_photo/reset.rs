use axum::extract::{Path, State};
use axum::http::StatusCode;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::params;
use crate::routes::profile_photo::editable_user;
use crate::state::AppState;

/// Reset the user's profile photo to the default image.
#[utoipa::path(
    delete,
    path = "/api/v1/users/{id}/profile_photo",
    tag = "Users",
    params(("id" = i64, Path, description = "The user's id")),
    responses(
        (status = 204, description = "Photo reset; photo_path is the default image again"),
        (status = 401, description = "Missing, unknown or revoked token", body = crate::views::Errors),
        (status = 403, description = "Visible user the caller may not edit", body = crate::views::Errors),
        (status = 404, description = "No such user, or not visible", body = crate::views::Errors),
        (status = 503, description = "Database or photo storage unavailable", body = crate::views::Errors),
    ),
    security(("bearer" = []))
)]
pub async fn reset(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = params::user_id(&id)?;
    editable_user(&state, &caller, id).await?;
    state.photos.reset(id).await?;
    Ok(StatusCode::NO_CONTENT)
}
