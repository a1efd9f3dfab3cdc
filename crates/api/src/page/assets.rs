//! The page's files, embedded in the binary.

use std::sync::OnceLock;

use sha2::{Digest, Sha256};

/// One embedded file and its strong ETag (a hash of its bytes, computed once).
pub struct Asset {
    pub name: &'static str,
    pub media_type: &'static str,
    pub body: &'static [u8],
    etag: OnceLock<String>,
}

impl Asset {
    const fn new(name: &'static str, media_type: &'static str, body: &'static [u8]) -> Self {
        Self {
            name,
            media_type,
            body,
            etag: OnceLock::new(),
        }
    }

    pub fn etag(&self) -> &str {
        self.etag
            .get_or_init(|| format!("\"{}\"", &hex::encode(Sha256::digest(self.body))[..32]))
    }
}

pub static INDEX: Asset = Asset::new(
    "index.html",
    "text/html; charset=utf-8",
    include_bytes!("assets/index.html"),
);

/// What `/assets/{name}` serves; anything else there is a 404.
static FILES: [Asset; 3] = [
    Asset::new(
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("assets/app.js"),
    ),
    Asset::new(
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("assets/app.css"),
    ),
    Asset::new(
        "icon.svg",
        "image/svg+xml",
        include_bytes!("assets/icon.svg"),
    ),
];

pub fn find(name: &str) -> Option<&'static Asset> {
    FILES.iter().find(|asset| asset.name == name)
}
