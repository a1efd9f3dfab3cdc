//! Swapping a user's photo without ever losing the previous one.
//!
//! Order matters: every rendition is written first; then one statement points the user at the
//! new photo; only then are the old photo's blobs removed. A failure before the swap leaves the
//! old photo in place, and blobs nobody points at are left for the sweep (see `sweep`), which
//! only deletes them after a grace period, so a swap whose outcome is unknown never loses data.

use std::time::Instant;

use bytes::Bytes;
use portrait_blobs::BlobStore;
use portrait_imaging::Processed;
use portrait_store::{PhotoId, UserId};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::error::PhotoError;
use crate::keys::{blob_key, Encoding, Variant, PREFIX};
use crate::telemetry::{self, Stage};
use crate::Photos;

impl Photos {
    /// Stores the renditions and makes them the user's photo.
    pub(crate) async fn replace(
        &self,
        user: UserId,
        processed: Processed,
    ) -> Result<PhotoId, PhotoError> {
        let photo = photo_id(&processed);
        let thumbhash = processed.thumbhash;
        let files = processed.renditions.into_iter().flat_map(|rendition| {
            let variant = Variant::of(rendition.kind);
            let webp = rendition.webp.map(|webp| (variant, Encoding::Webp, webp));
            [Some((variant, Encoding::Jpeg, rendition.jpeg)), webp]
        });
        let writes = files.flatten().map(|(variant, encoding, bytes)| {
            let key = blob_key(&photo, variant, encoding);
            let blobs = &self.blobs;
            async move {
                let bytes = Bytes::from(bytes);
                blobs.put(&key, bytes.clone()).await.map(|()| (key, bytes))
            }
        });
        let writing = Instant::now();
        let written = futures::future::try_join_all(writes).await;
        telemetry::record_stage(Stage::BlobWrites, writing.elapsed());
        let written = match written {
            Ok(written) => written,
            Err(error) => {
                self.remove(&photo).await;
                return Err(error.into());
            }
        };
        let swapping = Instant::now();
        let previous = self
            .store
            .replace_photo(user, Some(&photo), thumbhash.as_deref())
            .await;
        telemetry::record_stage(Stage::Swap, swapping.elapsed());
        let previous = previous?;
        // The first GETs of a new photo usually follow its upload at once.
        for (key, bytes) in written {
            self.cache.insert(&key, bytes);
        }
        if let Some(previous) = previous.filter(|p| *p != photo) {
            self.remove(&previous).await;
        }
        Ok(photo)
    }

    /// Deletes a photo's blobs and its cached renditions; blobs that fail here are left to the
    /// sweep.
    pub(crate) async fn remove(&self, photo: &PhotoId) {
        // Its URLs answer 404 from now on: the line an operator's CDN purge can follow.
        tracing::info!(%photo, "photo removed");
        self.forget(photo);
        remove_blobs(self.blobs.as_ref(), photo).await;
        // A GET that read a blob just before its deletion may have cached it again.
        self.forget(photo);
    }

    /// Marks the photo removed in the cache, so that it is not served from here any more.
    pub(crate) fn forget(&self, photo: &PhotoId) {
        let squares = self.imaging.square_sizes.iter().copied();
        let variants = squares.map(Variant::Square).chain([Variant::Full]);
        let keys = variants
            .flat_map(|variant| Encoding::ALL.map(|encoding| blob_key(photo, variant, encoding)));
        self.cache.remove_photo(photo, keys);
    }
}

async fn remove_blobs(blobs: &dyn BlobStore, photo: &PhotoId) {
    let listed = match blobs.list(&format!("{PREFIX}{photo}/")).await {
        Ok(listed) => listed,
        Err(error) => {
            tracing::warn!(%photo, %error, "could not list an old photo's blobs; the sweep will");
            return;
        }
    };
    for blob in listed {
        if let Err(error) = blobs.delete(&blob.key).await {
            tracing::warn!(key = blob.key.as_str(), %error, "could not delete a blob; the sweep will");
        }
    }
}

/// A SHA-256 over the rendition bytes and a per-upload salt: the name changes whenever the
/// content does, and two uploads never share blobs, so deleting one never touches another.
fn photo_id(processed: &Processed) -> PhotoId {
    let mut salt = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    let mut hash = Sha256::new();
    hash.update(salt);
    for rendition in &processed.renditions {
        hash.update(Variant::of(rendition.kind).name().as_bytes());
        hash.update((rendition.jpeg.len() as u64).to_le_bytes());
        hash.update(&rendition.jpeg);
    }
    let hex = hex::encode(hash.finalize());
    PhotoId::parse(&hex).unwrap_or_else(|| unreachable!("SHA-256 hex is a valid photo id"))
}
