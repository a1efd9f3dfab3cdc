//! Blob keys of a photo: `photos/<photo id>/<variant>.jpg`, one per rendition.

use portrait_blobs::BlobKey;
use portrait_imaging::RenditionKind;
use portrait_store::PhotoId;

pub const PREFIX: &str = "photos/";

/// Which rendition of a photo: `full`, or the side of a square.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Full,
    Square(u32),
}

impl Variant {
    pub fn of(kind: RenditionKind) -> Self {
        match kind {
            RenditionKind::Full => Variant::Full,
            RenditionKind::Square(side) => Variant::Square(side),
        }
    }

    /// `?size=` of a photo URL: absent or `full`, or one of the configured square sizes.
    pub fn from_size(size: Option<&str>, squares: &[u32]) -> Option<Self> {
        match size {
            None | Some("full") => Some(Variant::Full),
            Some(n) => n
                .parse()
                .ok()
                .filter(|side| squares.contains(side))
                .map(Variant::Square),
        }
    }

    pub fn name(self) -> String {
        match self {
            Variant::Full => "full".to_owned(),
            Variant::Square(side) => side.to_string(),
        }
    }
}

pub fn blob_key(photo: &PhotoId, variant: Variant) -> BlobKey {
    // A photo id is 64 hex digits and a variant is digits or "full": always a valid key.
    BlobKey::parse(&format!("{PREFIX}{photo}/{}.jpg", variant.name()))
        .unwrap_or_else(|_| unreachable!("photo keys are valid by construction"))
}

/// The photo a served file name (`<photo id>.jpg`, the last segment of a photo URL) names.
pub fn photo_of_file(file: &str) -> Option<PhotoId> {
    file.strip_suffix(".jpg").and_then(PhotoId::parse)
}

/// The photo a blob key belongs to, if it is a photo key at all.
pub fn photo_of(key: &BlobKey) -> Option<PhotoId> {
    let rest = key.as_str().strip_prefix(PREFIX)?;
    let (id, _) = rest.split_once('/')?;
    PhotoId::parse(id)
}
