use axum::extract::{Path, RawQuery, Request, State};
use axum::response::Response;

use crate::error::ApiError;
use portrait_photos::keys::{photo_of_file, Variant};

use crate::params::QueryPairs;
use crate::routes::photos::{etag_matches, image_response, photo_etag};
use crate::state::AppState;

/// A stored photo: the full upright image, or `?size=N` for an N×N square (N one of the
/// configured sizes, 48, 96, 144, 192, 288 and 648 by default), as JPEG (`<id>.jpg`, a user's
/// `photo_path`) or WebP (`<id>.webp`). No token needed.
#[utoipa::path(
    get,
    path = "/photos/{file}",
    tag = "Photos",
    params(
        ("file" = String, Path, description = "`<photo id>.jpg`, as in a user's photo_path, or `<photo id>.webp`"),
        ("size" = Option<String>, Query, description = "`full` (default) or the side of a square rendition"),
    ),
    responses(
        (status = 200, description = "The image", content(
            (Vec<u8> = "image/jpeg"),
            (Vec<u8> = "image/webp"),
        )),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 400, description = "Unknown size", body = crate::views::Errors),
        (status = 404, description = "No such photo", body = crate::views::Errors),
    )
)]
pub async fn serve(
    State(state): State<AppState>,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
    // The whole request rather than `HeaderMap`, which would copy every header.
    request: Request,
) -> Result<Response, ApiError> {
    let (photo, encoding) = photo_of_file(&file).ok_or(ApiError::NotFound)?;
    let query = QueryPairs::parse(query.as_deref());
    let squares = state.photos.square_sizes();
    let variant = Variant::from_size(query.get("size"), squares).ok_or_else(|| {
        let sizes: Vec<String> = squares.iter().map(u32::to_string).collect();
        ApiError::BadParameter(format!("size must be full or one of {}", sizes.join(", ")))
    })?;
    let etag = photo_etag(&photo, variant, encoding);
    let media_type = encoding.media_type();
    // Photo URLs are immutable: a revalidation needs no trip to the blob store.
    if etag_matches(request.headers(), &etag) {
        return Ok(image_response(&etag, media_type, None));
    }
    let bytes = state
        .photos
        .rendition(&photo, variant, encoding)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(image_response(&etag, media_type, Some(bytes)))
}
