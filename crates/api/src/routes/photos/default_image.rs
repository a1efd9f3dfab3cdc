use std::sync::LazyLock;

use axum::extract::Request;
use axum::response::Response;
use bytes::Bytes;
use sha2::{Digest, Sha256};

use crate::routes::photos::{etag_matches, image_response};

static DEFAULT_PNG: &[u8] = include_bytes!("../../../assets/default_profile_photo.png");
static DEFAULT_ETAG: LazyLock<String> =
    LazyLock::new(|| format!("\"{}\"", &hex::encode(Sha256::digest(DEFAULT_PNG))[..32]));

/// The photo of users who have none (Kantata's path).
#[utoipa::path(
    get,
    path = crate::photo_urls::DEFAULT_PHOTO_PATH,
    tag = "Photos",
    responses(
        (status = 200, description = "The default profile photo", content_type = "image/png"),
        (status = 304, description = "Not modified (If-None-Match)"),
    )
)]
pub async fn default_image(request: Request) -> Response {
    let body =
        (!etag_matches(request.headers(), &DEFAULT_ETAG)).then(|| Bytes::from_static(DEFAULT_PNG));
    image_response(&DEFAULT_ETAG, "image/png", body)
}
