use serde::Serialize;
use utoipa::ToSchema;

use super::{Id, Ids, Time};
use crate::photo_urls::Renditions;

/// A User. Optional fields and association ids appear only when asked for.
#[derive(Serialize, ToSchema)]
pub struct User<'a> {
    pub full_name: &'a str,
    /// Absolute URL of the photo; `?size=48|96|144|192|288|648` gives squares.
    pub photo_path: String,
    pub email_address: &'a str,
    /// `null` when the user has none, as in Kantata.
    #[schema(required = true)]
    pub headline: Option<&'a str>,
    #[schema(value_type = String)]
    pub account_id: Id,
    pub disabled: bool,
    pub generic: bool,

    /// With `optional_fields=bio`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, required = false)]
    pub bio: Option<Option<&'a str>>,
    /// With `optional_fields=website`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, required = false)]
    pub website: Option<Option<&'a str>>,
    /// With `optional_fields=city`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, required = false)]
    pub city: Option<Option<&'a str>>,
    /// With `optional_fields=state`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, required = false)]
    pub state: Option<Option<&'a str>>,
    /// With `optional_fields=country`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, required = false)]
    pub country: Option<Option<&'a str>>,
    /// With `optional_fields=abbreviated_timezone`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, required = false)]
    pub abbreviated_timezone: Option<Option<&'a str>>,
    /// With `optional_fields=last_site_activity`, and only for account administrators.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime, required = false)]
    pub last_site_activity: Option<Option<Time>>,
    /// With `optional_fields=classification`: `Internal` or `External`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, required = false)]
    pub classification: Option<Option<&'a str>>,
    /// With `optional_fields=photo_renditions` (portrait's own, not Kantata's): the URL of
    /// every rendition by format and size, e.g. `{"jpeg": {"48": URL, …, "648": URL,
    /// "full": URL}, "webp": {…}, "avif": {…}}`, ready for `srcset` and `<picture>`; `null` for
    /// the default image.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<PhotoRenditions>, required = false)]
    pub photo_renditions: Option<Option<PhotoRenditions>>,
    /// With `optional_fields=photo_thumbhash` (portrait's own): the photo's
    /// [ThumbHash](https://evanw.github.io/thumbhash/) in standard base64, about 36 characters
    /// a client decodes into a blurred placeholder to paint while the avatar loads; `null` for
    /// the default image, and for a photo stored before placeholders until `portrait backfill`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Byte, required = false)]
    pub photo_thumbhash: Option<Option<String>>,

    /// With `include=account_membership`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, required = false)]
    pub account_membership_id: Option<Option<Id>>,
    /// With `include=custom_field_values`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Vec<String>, required = false)]
    pub custom_field_value_ids: Option<Ids>,
    /// With `include=external_references`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Vec<String>, required = false)]
    pub external_reference_ids: Option<Ids>,
    /// With `include=manager`; null when the user has no manager the caller can see.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, required = false)]
    pub manager_id: Option<Option<Id>>,
    /// With `include=role`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, required = false)]
    pub role_id: Option<Option<Id>>,
    /// With `include=skill_memberships`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Vec<String>, required = false)]
    pub skill_membership_ids: Option<Ids>,
    /// With `include=skills`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Vec<String>, required = false)]
    pub skill_ids: Option<Ids>,
    /// With `include=work_samples`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Vec<String>, required = false)]
    pub work_sample_ids: Option<Ids>,

    #[schema(value_type = String)]
    pub id: Id,
}

/// Rendition URLs of one photo, per format; each maps a size (`48` … `648`, `full`) to its URL,
/// smallest first.
#[derive(Serialize, ToSchema)]
pub struct PhotoRenditions {
    #[schema(value_type = Object)]
    pub jpeg: serde_json::Map<String, serde_json::Value>,
    /// Absent when the server makes no WebP.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>, required = false)]
    pub webp: Option<serde_json::Map<String, serde_json::Value>>,
    /// Absent when the server makes no AVIF. An AVIF not made yet redirects to the WebP.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>, required = false)]
    pub avif: Option<serde_json::Map<String, serde_json::Value>>,
}

impl From<Renditions> for PhotoRenditions {
    fn from(renditions: Renditions) -> Self {
        let by_size = |urls: Vec<(String, String)>| {
            let urls = urls.into_iter();
            urls.map(|(size, url)| (size, url.into())).collect()
        };
        Self {
            jpeg: by_size(renditions.jpeg),
            webp: renditions.webp.map(by_size),
            avif: renditions.avif.map(by_size),
        }
    }
}
