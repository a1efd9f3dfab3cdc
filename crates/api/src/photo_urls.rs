//! Where photos live on the web: immutable URLs with the photo id in the path.

use portrait_store::PhotoId;

pub const DEFAULT_PHOTO_PATH: &str = "/images/default_profile_photo/default.png";

/// Builds absolute photo URLs under the public base URL.
#[derive(Debug, Clone)]
pub struct PhotoUrls {
    base: String,
    /// The square ladder, smallest first.
    squares: Vec<u32>,
}

impl PhotoUrls {
    pub fn new(base: &str, squares: &[u32]) -> Self {
        let mut squares = squares.to_vec();
        squares.sort_unstable();
        squares.dedup();
        Self {
            base: base.trim_end_matches('/').to_owned(),
            squares,
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

    /// Every rendition of an uploaded photo, by format and then by size (the squares smallest
    /// first, then `full`), for `srcset` and `<picture>`; `None` for the default image.
    pub fn renditions(&self, photo: Option<&PhotoId>) -> Option<Renditions> {
        let full = self.photo_path(Some(photo?));
        let mut jpeg: Vec<(String, String)> = self
            .squares
            .iter()
            .map(|side| (side.to_string(), format!("{full}?size={side}")))
            .collect();
        jpeg.push(("full".to_owned(), full));
        Some(Renditions { jpeg })
    }
}

/// What [`PhotoUrls::renditions`] lists: size name and URL, in order, per format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Renditions {
    pub jpeg: Vec<(String, String)>,
}
