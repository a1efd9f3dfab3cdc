//! Serving photos to browsers: public (img tags send no token), immutable, cacheable.

pub mod default_image;
pub mod serve;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use portrait_photos::{Encoding, Photos, Variant};
use portrait_store::PhotoId;

const CACHE_FOREVER: &str = "public, max-age=31536000, immutable";
/// An image needs no script, style or frame; `sandbox` disarms it if opened as a document.
const IMAGE_CSP: &str = "default-src 'none'; frame-ancestors 'none'; sandbox";

/// The strong ETag of one rendition: its name, since its bytes never change. A JPEG's is the
/// one it had before WebP existed, so that browsers keep what they hold.
pub fn photo_etag(photo: &PhotoId, variant: Variant, encoding: Encoding) -> String {
    match encoding {
        Encoding::Jpeg => format!("\"{photo}-{}\"", variant.name()),
        other => format!("\"{photo}-{}-{}\"", variant.name(), other.extension()),
    }
}

/// Whether the client already holds the representation `etag` names.
pub fn etag_matches(request_headers: &HeaderMap, etag: &str) -> bool {
    request_headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|tag| {
            let tag = tag.trim();
            tag == "*" || tag == etag || tag.strip_prefix("W/") == Some(etag)
        })
}

/// An image with a strong ETag and immutable caching; `None` for the body answers 304.
pub fn image_response(etag: &str, media_type: &'static str, body: Option<Bytes>) -> Response {
    let mut response = match body {
        None => StatusCode::NOT_MODIFIED.into_response(),
        Some(bytes) => {
            let mut ok = bytes.into_response();
            ok.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
            ok
        }
    };
    let headers = response.headers_mut();
    if let Ok(etag) = HeaderValue::from_str(etag) {
        headers.insert(header::ETAG, etag);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CACHE_FOREVER),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(IMAGE_CSP),
    );
    response
}

/// The encoding to serve a `.jpg` photo URL in when formats are negotiated: AVIF, then WebP,
/// when the request's `Accept` names them (without `q=0`) and photos have them; else JPEG.
pub fn negotiated(request_headers: &HeaderMap, photos: &Photos) -> Encoding {
    let accepted = |media_type: &str| {
        let ranges = request_headers.get_all(header::ACCEPT).iter();
        let ranges = ranges
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','));
        ranges.into_iter().any(|range| {
            let mut parts = range.split(';').map(str::trim);
            let named = parts
                .next()
                .is_some_and(|t| t.eq_ignore_ascii_case(media_type));
            let refused = parts.any(|p| {
                let p = p.replace(' ', "");
                p.strip_prefix("q=").and_then(|q| q.parse::<f32>().ok()) == Some(0.0)
            });
            named && !refused
        })
    };
    [Encoding::Avif, Encoding::Webp]
        .into_iter()
        .find(|&e| photos.serves(e) && accepted(e.media_type()))
        .unwrap_or(Encoding::Jpeg)
}
