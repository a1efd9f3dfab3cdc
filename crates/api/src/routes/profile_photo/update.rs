use axum::extract::{Path, RawQuery, Request, State};
use axum::response::Response;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::params::{self, QueryPairs};
use crate::photos;
use crate::routes::profile_photo::{body, editable_user};
use crate::routes::users::{find_visible, present_one};
use crate::state::AppState;

/// Update the profile photo for the specified user.
///
/// The file comes in the multipart part `user[profile_photo_attachment_file]`, or base64 (or a
/// `data:` URL) in the JSON body `{"user": {"profile_photo_attachment_file": "…"}}`. An
/// optional square crop box `crop_x`, `crop_y`, `crop_w` (pixels of the upright image) may be
/// given as query parameters or form fields; without it the centre square is used.
#[utoipa::path(
    post,
    path = "/api/v1/users/{id}/profile_photo",
    tag = "Users",
    params(
        ("id" = i64, Path, description = "The user's id"),
        crate::openapi::IncludeParam,
        crate::openapi::OptionalFieldsParam,
        crate::openapi::CropParams,
    ),
    request_body(
        content(
            (crate::openapi::PhotoUploadForm = "multipart/form-data"),
            (crate::openapi::PhotoUploadJson = "application/json"),
        ),
    ),
    responses(
        (status = 200, description = "The user with the new photo_path", body = crate::views::UsersEnvelope),
        (status = 400, description = "Malformed multipart or JSON body", body = crate::views::Errors),
        (status = 401, description = "Missing, unknown or revoked token", body = crate::views::Errors),
        (status = 403, description = "Visible user the caller may not edit", body = crate::views::Errors),
        (status = 404, description = "No such user, or not visible", body = crate::views::Errors),
        (status = 413, description = "Body larger than the upload limit", body = crate::views::Errors),
        (status = 422, description = "Missing, empty, unsupported, oversized or corrupt image", body = crate::views::Errors),
        (status = 503, description = "Database, photo storage or processing queue unavailable", body = crate::views::Errors),
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
    editable_user(&state, &caller, id).await?;
    let head = body::UploadHead::of(&request, &state.config.limits)?;
    // A body declared too large is refused before it takes a place in the queue, and a full
    // queue sheds uploads before their body costs memory.
    let admission = match head.declared_too_large() {
        Some(too_large) => Err(too_large),
        None => state.queue.admit(head.expected_bytes()),
    };
    let admission = match admission {
        Ok(admission) => admission,
        Err(refused) => {
            body::linger(&mut request.into_body().into_data_stream()).await;
            return Err(refused);
        }
    };
    let upload = body::read_upload(request, head, &state.config.limits, &query).await?;
    let processed = state
        .queue
        .process(admission, upload.file, upload.crop)
        .await?;
    photos::update::replace(&state, id, processed).await?;
    let user = find_visible(&state, &caller, id).await?;
    present_one(&state, &caller, user, &query).await
}
