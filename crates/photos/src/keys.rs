//! Blob keys of a photo: `photos/<photo id>/<variant>.<jpg|webp|avif>`, one per rendition and
//! encoding.

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

/// How a rendition is encoded. Every rendition has a JPEG, the format Kantata's clients expect
/// at `photo_path`; WebP and AVIF siblings of the same pixels sit beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    Jpeg,
    Webp,
    Avif,
}

impl Encoding {
    pub const ALL: [Encoding; 3] = [Encoding::Jpeg, Encoding::Webp, Encoding::Avif];

    /// The extension of its served file and of its blob.
    pub fn extension(self) -> &'static str {
        match self {
            Encoding::Jpeg => "jpg",
            Encoding::Webp => "webp",
            Encoding::Avif => "avif",
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            Encoding::Jpeg => "image/jpeg",
            Encoding::Webp => "image/webp",
            Encoding::Avif => "image/avif",
        }
    }
}

pub fn blob_key(photo: &PhotoId, variant: Variant, encoding: Encoding) -> BlobKey {
    // A photo id is 64 hex digits and a variant is digits or "full": always a valid key.
    let extension = encoding.extension();
    BlobKey::parse(&format!("{PREFIX}{photo}/{}.{extension}", variant.name()))
        .unwrap_or_else(|_| unreachable!("photo keys are valid by construction"))
}

/// The photo and encoding a served file name (`<photo id>.jpg`, `.webp` or `.avif`, the last
/// segment of a photo URL) names.
pub fn photo_of_file(file: &str) -> Option<(PhotoId, Encoding)> {
    let (id, extension) = file.split_once('.')?;
    let encoding = Encoding::ALL
        .into_iter()
        .find(|e| e.extension() == extension)?;
    Some((PhotoId::parse(id)?, encoding))
}

/// The photo a blob key belongs to, if it is a photo key at all.
pub fn photo_of(key: &BlobKey) -> Option<PhotoId> {
    let rest = key.as_str().strip_prefix(PREFIX)?;
    let (id, _) = rest.split_once('/')?;
    PhotoId::parse(id)
}
