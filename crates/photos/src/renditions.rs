//! Renditions a stored photo lacks because it predates them (a square size added to the ladder
//! after the upload), made from a larger square it has: on first request, or for every photo
//! by `portrait backfill`. Each is stored once made, so it is made once; two instances making
//! the same one at once write the same bytes (the pipeline is deterministic).
//!
//! The backfill also gives such photos their ThumbHash placeholder, read from their smallest
//! square.

use std::collections::HashSet;

use bytes::Bytes;
use portrait_store::PhotoId;

use crate::error::PhotoError;
use crate::keys::{blob_key, Variant, PREFIX};
use crate::Photos;

/// What [`Photos::backfill`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct BackfillReport {
    pub photos: usize,
    /// Renditions made and stored.
    pub made: usize,
    /// Renditions that could not be made: the photo has no larger square to make them from.
    pub unmakeable: usize,
    /// ThumbHash placeholders made and stored.
    pub thumbhashes: usize,
}

impl Photos {
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
                .get(&blob_key(photo, Variant::Square(source_side)))
                .await?
            else {
                continue;
            };
            let made = self.queue.smaller_square(source, side).await?;
            let bytes = Bytes::from(made.jpeg);
            self.blobs
                .put(&blob_key(photo, Variant::Square(side)), bytes.clone())
                .await?;
            tracing::info!(%photo, side, from = source_side, "made a missing square rendition");
            return Ok(Some(bytes));
        }
        Ok(None)
    }

    /// Makes every configured square that a current photo lacks, then every missing ThumbHash.
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
        for photo in &photos {
            for &side in self.square_sizes() {
                let key = blob_key(photo, Variant::Square(side));
                if stored.contains(key.as_str()) {
                    continue;
                }
                match self.make_square(photo, side).await? {
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
            let key = blob_key(photo, Variant::Square(side));
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
