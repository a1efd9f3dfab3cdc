//! Renditions a stored photo lacks, made from what it has: a square of a size added to the
//! ladder after the upload, from the smallest larger square; a WebP of a photo that predates
//! WebP, or a Full WebP asked for before the background made it, from the same rendition's
//! JPEG (the only stored copy that keeps the squares' framing, so it carries the JPEG's own
//! losses). On first request, or for every photo by `portrait backfill`. Each is stored once
//! made, so it is made once; two instances making the same one at once write the same bytes
//! (the pipeline is deterministic).
//!
//! An AVIF takes too long to make while a request waits: one asked for before it exists is
//! offered to the background ([`crate::background`]) and the request is answered
//! [`PhotoError::NotYet`]. Only a server without background threads makes it there and then.
//!
//! The backfill also gives such photos their ThumbHash placeholder, read from their smallest
//! square.

use std::collections::HashSet;

use bytes::Bytes;
use portrait_store::PhotoId;

use crate::background::Offer;
use crate::error::PhotoError;
use crate::keys::{blob_key, Encoding, Variant, PREFIX};
use crate::Photos;

/// What [`Photos::backfill`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct BackfillReport {
    pub photos: usize,
    /// Renditions made and stored.
    pub made: usize,
    /// Renditions that could not be made: the photo has nothing stored to make them from.
    pub unmakeable: usize,
    /// ThumbHash placeholders made and stored.
    pub thumbhashes: usize,
}

impl Photos {
    /// Makes and stores a rendition `photo` lacks; `None` when it cannot be made (no such
    /// photo, one that lost its blobs, or an encoding switched off). An AVIF is left to the
    /// background unless `wait`.
    pub(crate) async fn make_missing(
        &self,
        photo: &PhotoId,
        variant: Variant,
        encoding: Encoding,
        wait: bool,
    ) -> Result<Option<Bytes>, PhotoError> {
        match encoding {
            Encoding::Jpeg => self.make_jpeg(photo, variant).await,
            Encoding::Webp => self.make_webp(photo, variant).await,
            Encoding::Avif => self.make_avif(photo, variant, wait).await,
        }
    }

    /// A square JPEG from a larger one; a lost Full JPEG cannot be made again.
    async fn make_jpeg(
        &self,
        photo: &PhotoId,
        variant: Variant,
    ) -> Result<Option<Bytes>, PhotoError> {
        match variant {
            Variant::Square(side) => self.make_square(photo, side).await,
            Variant::Full => Ok(None),
        }
    }

    async fn make_webp(
        &self,
        photo: &PhotoId,
        variant: Variant,
    ) -> Result<Option<Bytes>, PhotoError> {
        if !self.imaging.webp {
            return Ok(None);
        }
        let Some(jpeg) = self.stored_or_made_jpeg(photo, variant).await? else {
            return Ok(None);
        };
        let webp = self.queue.webp_of_rendition(jpeg).await?;
        self.store_made(photo, variant, Encoding::Webp, webp).await
    }

    async fn make_avif(
        &self,
        photo: &PhotoId,
        variant: Variant,
        wait: bool,
    ) -> Result<Option<Bytes>, PhotoError> {
        if !self.imaging.avif {
            return Ok(None);
        }
        let Some(jpeg) = self.stored_or_made_jpeg(photo, variant).await? else {
            return Ok(None);
        };
        if !wait && self.background.offer(photo, None) != Offer::Off {
            return Err(PhotoError::NotYet);
        }
        let avif = self.queue.avif_of_rendition(jpeg).await?;
        self.store_made(photo, variant, Encoding::Avif, avif).await
    }

    /// Stores a sibling made on request and hands it back for serving.
    async fn store_made(
        &self,
        photo: &PhotoId,
        variant: Variant,
        encoding: Encoding,
        made: Vec<u8>,
    ) -> Result<Option<Bytes>, PhotoError> {
        let made = Bytes::from(made);
        let key = blob_key(photo, variant, encoding);
        self.blobs.put(&key, made.clone()).await?;
        let encoding = encoding.extension();
        tracing::info!(%photo, variant = variant.name(), encoding, "made a missing rendition");
        Ok(Some(made))
    }

    /// The JPEG of `variant`, stored or made now; `None` when the photo has none.
    async fn stored_or_made_jpeg(
        &self,
        photo: &PhotoId,
        variant: Variant,
    ) -> Result<Option<Bytes>, PhotoError> {
        match self
            .blobs
            .get(&blob_key(photo, variant, Encoding::Jpeg))
            .await?
        {
            Some(jpeg) => Ok(Some(jpeg)),
            None => self.make_jpeg(photo, variant).await,
        }
    }

    /// Makes and stores the `side` square of `photo` from the smallest larger square it has;
    /// `None` when it has none (no such photo, or one that lost its blobs).
    pub(crate) async fn make_square(
        &self,
        photo: &PhotoId,
        side: u32,
    ) -> Result<Option<Bytes>, PhotoError> {
        let mut larger: Vec<u32> = self
            .square_sizes()
            .iter()
            .copied()
            .filter(|&s| s > side)
            .collect();
        larger.sort_unstable();
        for source_side in larger {
            let Some(source) = self
                .blobs
                .get(&blob_key(
                    photo,
                    Variant::Square(source_side),
                    Encoding::Jpeg,
                ))
                .await?
            else {
                continue;
            };
            let made = self.queue.smaller_square(source, side).await?;
            let bytes = Bytes::from(made.jpeg);
            self.blobs
                .put(
                    &blob_key(photo, Variant::Square(side), Encoding::Jpeg),
                    bytes.clone(),
                )
                .await?;
            tracing::info!(%photo, side, from = source_side, "made a missing square rendition");
            return Ok(Some(bytes));
        }
        Ok(None)
    }

    /// Makes every configured rendition that a current photo lacks (AVIFs too: it waits for
    /// them), then every missing ThumbHash.
    pub async fn backfill(&self) -> Result<BackfillReport, PhotoError> {
        let photos = self.store.referenced_photos().await?;
        let stored: HashSet<String> = self
            .blobs
            .list(PREFIX)
            .await?
            .into_iter()
            .map(|blob| blob.key.into_string())
            .collect();
        let mut report = BackfillReport {
            photos: photos.len(),
            ..BackfillReport::default()
        };
        // Every rendition the configuration wants, but a Full JPEG: a lost one cannot be made
        // again (the sweep's business, not ours).
        let squares = self.square_sizes().iter().copied().map(Variant::Square);
        let variants: Vec<Variant> = squares.chain([Variant::Full]).collect();
        let encodings = Encoding::ALL.into_iter().filter(|&e| self.serves(e));
        let wanted: Vec<(Variant, Encoding)> = encodings
            .flat_map(|e| variants.iter().map(move |&v| (v, e)))
            .filter(|&wanted| wanted != (Variant::Full, Encoding::Jpeg))
            .collect();
        for photo in &photos {
            for &(variant, encoding) in &wanted {
                if stored.contains(blob_key(photo, variant, encoding).as_str()) {
                    continue;
                }
                match self.make_missing(photo, variant, encoding, true).await? {
                    Some(_) => report.made += 1,
                    None => report.unmakeable += 1,
                }
            }
        }
        for photo in self.store.photos_without_thumbhash().await? {
            if self.make_thumbhash(&photo).await? {
                report.thumbhashes += 1;
            }
        }
        Ok(report)
    }

    /// Stores `photo`'s ThumbHash, read from its smallest stored square; false when it has
    /// none.
    async fn make_thumbhash(&self, photo: &PhotoId) -> Result<bool, PhotoError> {
        let mut sides = self.square_sizes().to_vec();
        sides.sort_unstable();
        for side in sides {
            let key = blob_key(photo, Variant::Square(side), Encoding::Jpeg);
            let Some(square) = self.blobs.get(&key).await? else {
                continue;
            };
            let thumbhash = self.queue.thumbhash_of_square(square).await?;
            self.store.set_photo_thumbhash(photo, &thumbhash).await?;
            return Ok(true);
        }
        Ok(false)
    }
}
