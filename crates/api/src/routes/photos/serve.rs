use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use portrait_photos::keys::{photo_of_file, Variant};
use portrait_photos::{Encoding, PhotoError};
use portrait_store::PhotoId;

use crate::params::QueryPairs;
use crate::routes::photos::{etag_matches, image_response, negotiated, photo_etag};
use crate::state::AppState;

/// A stored photo: the full upright image, or `?size=N` for an N×N square (N one of the
/// configured sizes, 48, 96, 144, 192, 288 and 648 by default), as JPEG (`<id>.jpg`, a user's
/// `photo_path`), WebP (`<id>.webp`) or AVIF (`<id>.avif`). No token needed. With
/// `http.negotiate_photo_formats` on, `<id>.jpg` is served as AVIF or WebP to clients whose
/// `Accept` names them, with `Vary: Accept`.
///
/// AVIFs are made in the background after an upload (seconds of CPU each). Until one exists,
/// its URL answers `307 Temporary Redirect` to the same rendition as WebP (JPEG when WebP is
/// off), with `Cache-Control: no-store` so that the AVIF is fetched once it is there.
#[utoipa::path(
    get,
    path = "/photos/{file}",
    tag = "Photos",
    params(
        ("file" = String, Path, description = "`<photo id>.jpg`, as in a user's photo_path, `<photo id>.webp` or `<photo id>.avif`"),
        ("size" = Option<String>, Query, description = "`full` (default) or the side of a square rendition"),
    ),
    responses(
        (status = 200, description = "The image", content(
            (Vec<u8> = "image/jpeg"),
            (Vec<u8> = "image/webp"),
            (Vec<u8> = "image/avif"),
        )),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 307, description = "An AVIF not made yet: the same rendition as WebP (or JPEG), not to be cached"),
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
    if encoding == Encoding::Jpeg && state.config.http.negotiate_photo_formats {
        let chosen = negotiated(request.headers(), &state.photos);
        let headers = request.headers();
        let mut response = negotiated_response(&state, headers, &photo, variant, chosen).await?;
        response
            .headers_mut()
            .insert(header::VARY, HeaderValue::from_static("accept"));
        return Ok(response);
    }
    let etag = photo_etag(&photo, variant, encoding);
    // Photo URLs are immutable: a revalidation needs no trip to the blob store.
    if etag_matches(request.headers(), &etag) {
        return Ok(image_response(&etag, encoding.media_type(), None));
    }
    let bytes = match state.photos.rendition(&photo, variant, encoding).await {
        Err(PhotoError::NotYet) => return Ok(not_yet(&state, &photo, variant)),
        made => made?.ok_or(ApiError::NotFound)?,
    };
    Ok(image_response(&etag, encoding.media_type(), Some(bytes)))
}

/// `photo_path` in the `chosen` encoding, or, for an AVIF not made yet, in the WebP or JPEG.
async fn negotiated_response(
    state: &AppState,
    request_headers: &HeaderMap,
    photo: &PhotoId,
    variant: Variant,
    chosen: Encoding,
) -> Result<Response, ApiError> {
    let fallback = match chosen {
        Encoding::Avif if state.photos.serves(Encoding::Webp) => Some(Encoding::Webp),
        Encoding::Avif | Encoding::Webp => Some(Encoding::Jpeg),
        Encoding::Jpeg => None,
    };
    for encoding in [Some(chosen), fallback].into_iter().flatten() {
        let etag = photo_etag(photo, variant, encoding);
        if etag_matches(request_headers, &etag) {
            return Ok(image_response(&etag, encoding.media_type(), None));
        }
        match state.photos.rendition(photo, variant, encoding).await {
            Err(PhotoError::NotYet) => continue,
            made => {
                let bytes = made?.ok_or(ApiError::NotFound)?;
                return Ok(image_response(&etag, encoding.media_type(), Some(bytes)));
            }
        }
    }
    Err(PhotoError::NotYet.into())
}

/// A redirect to the same rendition in an encoding that always exists, for this once.
fn not_yet(state: &AppState, photo: &PhotoId, variant: Variant) -> Response {
    let fallback = if state.photos.serves(Encoding::Webp) {
        Encoding::Webp
    } else {
        Encoding::Jpeg
    };
    let query = match variant {
        Variant::Full => String::new(),
        Variant::Square(side) => format!("?size={side}"),
    };
    // Relative to `/photos/<file>`, so it holds behind any prefix a proxy adds.
    let location = format!("{photo}.{}{query}", fallback.extension());
    let mut response = StatusCode::TEMPORARY_REDIRECT.into_response();
    let headers = response.headers_mut();
    if let Ok(location) = HeaderValue::from_str(&location) {
        headers.insert(header::LOCATION, location);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
