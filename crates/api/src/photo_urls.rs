//! Where photos live on the web: immutable URLs with the photo id in the path.

use portrait_photos::Encoding;
use portrait_store::PhotoId;

pub const DEFAULT_PHOTO_PATH: &str = "/images/default_profile_photo/default.png";

/// Builds absolute photo URLs under the public base URL.
#[derive(Debug, Clone)]
pub struct PhotoUrls {
    base: String,
    /// The square ladder, smallest first.
    squares: Vec<u32>,
    /// Whether photos have WebP and AVIF siblings.
    webp: bool,
    avif: bool,
}

impl PhotoUrls {
    pub fn new(base: &str, squares: &[u32], webp: bool, avif: bool) -> Self {
        let mut squares = squares.to_vec();
        squares.sort_unstable();
        squares.dedup();
        Self {
            base: base.trim_end_matches('/').to_owned(),
            squares,
            webp,
            avif,
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// The full-size photo; `?size=N` on it asks for an N×N square.
    pub fn photo_path(&self, photo: Option<&PhotoId>) -> String {
        match photo {
            Some(id) => self.file(id, Encoding::Jpeg),
            None => format!("{}{DEFAULT_PHOTO_PATH}", self.base),
        }
    }

    fn file(&self, photo: &PhotoId, encoding: Encoding) -> String {
        format!("{}/photos/{photo}.{}", self.base, encoding.extension())
    }

    /// Every rendition of an uploaded photo, by format and then by size (the squares smallest
    /// first, then `full`), for `srcset` and `<picture>`; `None` for the default image.
    pub fn renditions(&self, photo: Option<&PhotoId>) -> Option<Renditions> {
        let photo = photo?;
        let ladder = |encoding| {
            let full = self.file(photo, encoding);
            let squares = self.squares.iter();
            let mut sizes: Vec<(String, String)> = squares
                .map(|side| (side.to_string(), format!("{full}?size={side}")))
                .collect();
            sizes.push(("full".to_owned(), full));
            sizes
        };
        Some(Renditions {
            jpeg: ladder(Encoding::Jpeg),
            webp: self.webp.then(|| ladder(Encoding::Webp)),
            avif: self.avif.then(|| ladder(Encoding::Avif)),
        })
    }
}

/// What [`PhotoUrls::renditions`] lists: size name and URL, in order, per format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Renditions {
    pub jpeg: Vec<(String, String)>,
    pub webp: Option<Vec<(String, String)>>,
    pub avif: Option<Vec<(String, String)>>,
}
