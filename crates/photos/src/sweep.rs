//! The sweep: deletes photo blobs that no user points at once they are older than a grace
//! period. Uploads that died between writing blobs and the swap, and old photos whose deletion
//! failed, end here. The grace period protects uploads still in flight.

use std::time::Duration;

use portrait_blobs::BlobStore;
use portrait_store::MetadataStore;

use crate::error::PhotoError;
use crate::keys::{photo_of, PREFIX};

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SweepReport {
    pub blobs_seen: usize,
    pub deleted: usize,
    /// Unreferenced but younger than the grace period.
    pub kept_young: usize,
}

pub async fn sweep(
    store: &dyn MetadataStore,
    blobs: &dyn BlobStore,
    grace: Duration,
) -> Result<SweepReport, PhotoError> {
    // Blobs first, references second: a photo swapped in between is then either referenced
    // or younger than the grace period, never deleted.
    let listed = blobs.list(PREFIX).await?;
    let referenced = store.referenced_photos().await?;
    // A grace period too long to represent protects everything.
    let grace = chrono::Duration::from_std(grace).unwrap_or(chrono::TimeDelta::MAX);
    let cutoff = chrono::Utc::now()
        .checked_sub_signed(grace)
        .unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC);
    let mut report = SweepReport {
        blobs_seen: listed.len(),
        ..SweepReport::default()
    };
    for blob in listed {
        let Some(photo) = photo_of(&blob.key) else {
            continue;
        };
        if referenced.contains(&photo) {
            continue;
        }
        if blob.last_modified > cutoff {
            report.kept_young += 1;
            continue;
        }
        blobs.delete(&blob.key).await?;
        report.deleted += 1;
    }
    Ok(report)
}
