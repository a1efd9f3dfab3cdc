use std::time::Instant;

use axum::extract::{Path, RawQuery, Request, State};
use axum::response::Response;
use portrait_photos::telemetry::{self, Stage};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::params::{self, QueryPairs};
use crate::routes::profile_photo::editable_user;
use crate::routes::users::{find_visible, present_one};
use crate::state::AppState;
use crate::upload::{self, UploadHead};

/// Update the profile photo for the specified user.
///
/// The file comes in the multipart part `user[profile_photo_attachment_file]`, or base64 (or a
/// `data:` URL) in the JSON body `{"user": {"profile_photo_attachment_file": "…"}}`. An
/// optional square crop box `crop_x`, `crop_y`, `crop_w` (pixels of the upright image) may be
/// given as query parameters or form fields; without it the square is framed on the faces found,
/// else on the most salient region, else Kantata's rule (top of a tall photo, centre of a wide one).
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
    let head = UploadHead::of(&request, state.photos.limits().max_upload_bytes)?;
    // A body declared too large is refused before it takes a place in the queue, and a full
    // queue sheds uploads before their body costs memory.
    let admission = match head.declared_too_large() {
        Some(too_large) => Err(ApiError::from(too_large)),
        None => state
            .photos
            .admit(head.expected_bytes())
            .map_err(ApiError::from),
    };
    let admission = match admission {
        Ok(admission) => admission,
        Err(refused) => {
            upload::linger(&mut request.into_body().into_data_stream()).await;
            return Err(refused);
        }
    };
    let read_timeout = state.config.http.body_read_timeout;
    let reading = Instant::now();
    let upload = upload::read_upload(request, head, read_timeout, &query).await;
    telemetry::record_stage(Stage::BodyRead, reading.elapsed());
    let upload = upload?;
    state
        .photos
        .upload(admission, id, upload.file, upload.crop)
        .await?;
    let user = find_visible(&state, &caller, id).await?;
    present_one(&state, &caller, user, &query).await
}
