//! Where photos live on the web: immutable URLs with the photo id in the path.

use portrait_store::PhotoId;

pub const DEFAULT_PHOTO_PATH: &str = "/images/default_profile_photo/default.png";

/// Builds absolute photo URLs under the public base URL.
#[derive(Debug, Clone)]
pub struct PhotoUrls {
    base: String,
}

impl PhotoUrls {
    pub fn new(base: &str) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// The full-size photo; `?size=N` on it asks for an N×N square.
    pub fn photo_path(&self, photo: Option<&PhotoId>) -> String {
        match photo {
            Some(id) => format!("{}/photos/{id}.jpg", self.base),
            None => format!("{}{DEFAULT_PHOTO_PATH}", self.base),
        }
    }
}
