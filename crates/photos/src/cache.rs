//! Recently served and freshly uploaded renditions, kept in memory.
//!
//! A rendition's blob is written once under a name no other upload shares, so a cached copy
//! can only go stale by its photo being removed. Removals made by this instance, and those
//! other instances announce (PostgreSQL), mark the photo removed at once; anything else (a
//! store that cannot announce, announcements lost while disconnected) is bounded by `ttl`,
//! after which an entry is fetched again.

use std::time::Instant;

use bytes::Bytes;
use portrait_blobs::BlobKey;
use portrait_store::PhotoId;
use quick_cache::sync::Cache;
use quick_cache::Weighter;

use crate::limits::CacheLimits;

/// Removal marks kept (about 100 bytes each); the oldest go first, by when their blobs are
/// long deleted.
const REMEMBERED_REMOVALS: usize = 100_000;

#[derive(Clone)]
struct Entry {
    bytes: Bytes,
    stored: Instant,
}

#[derive(Clone)]
struct ByLength;

impl Weighter<String, Entry> for ByLength {
    fn weight(&self, key: &String, entry: &Entry) -> u64 {
        // Counting the key and bookkeeping keeps many tiny entries from exceeding the bound.
        (entry.bytes.len() + key.len() + 64) as u64
    }
}

pub struct RenditionCache {
    entries: Option<Cache<String, Entry, ByLength>>,
    /// Photos removed lately. Their blobs may outlive the removal by a moment (they are
    /// deleted after the swap, perhaps by another instance) or longer (left to the sweep);
    /// this keeps a GET in that moment from serving, and caching, them again.
    removed: Cache<PhotoId, ()>,
    limits: CacheLimits,
}

impl std::fmt::Debug for RenditionCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RenditionCache")
            .field("limits", &self.limits)
            .field("len", &self.entries.as_ref().map_or(0, Cache::len))
            .finish()
    }
}

impl RenditionCache {
    pub fn new(limits: CacheLimits) -> Self {
        // quick_cache wants an item-count estimate to size its tables; ~16 KB per rendition.
        let entries = (limits.bytes > 0).then(|| {
            let estimate = usize::try_from(limits.bytes / 16_384).unwrap_or(usize::MAX);
            Cache::with_weighter(estimate.max(16), limits.bytes, ByLength)
        });
        Self {
            entries,
            removed: Cache::new(REMEMBERED_REMOVALS),
            limits,
        }
    }

    pub fn get(&self, key: &BlobKey) -> Option<Bytes> {
        let entries = self.entries.as_ref()?;
        let entry = entries.get(key.as_str())?;
        if entry.stored.elapsed() > self.limits.ttl {
            entries.remove(key.as_str());
            return None;
        }
        Some(entry.bytes)
    }

    pub fn insert(&self, key: &BlobKey, bytes: Bytes) {
        let Some(entries) = &self.entries else { return };
        if bytes.len() as u64 > self.limits.max_item_bytes {
            return;
        }
        let entry = Entry {
            bytes,
            stored: Instant::now(),
        };
        entries.insert(key.as_str().to_owned(), entry);
    }

    pub fn remove(&self, key: &BlobKey) {
        if let Some(entries) = &self.entries {
            entries.remove(key.as_str());
        }
    }

    /// Marks `photo` removed and forgets its renditions `keys`.
    pub fn remove_photo(&self, photo: &PhotoId, keys: impl IntoIterator<Item = BlobKey>) {
        self.removed.insert(photo.clone(), ());
        for key in keys {
            self.remove(&key);
        }
    }

    pub fn is_removed(&self, photo: &PhotoId) -> bool {
        self.removed.contains_key(photo)
    }

    /// Forgets every rendition (the removal marks stay: they are never wrong).
    pub fn clear(&self) {
        if let Some(entries) = &self.entries {
            entries.clear();
        }
    }

    /// Rendition bytes held now.
    pub fn weight(&self) -> u64 {
        self.entries.as_ref().map_or(0, Cache::weight)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn key(name: &str) -> BlobKey {
        BlobKey::parse(&format!("photos/{name}.jpg")).expect("valid key")
    }

    #[test]
    fn returns_what_was_inserted_and_forgets_removed() {
        let cache = RenditionCache::new(CacheLimits::default());
        cache.insert(&key("a"), Bytes::from_static(b"jpeg a"));
        assert_eq!(cache.get(&key("a")).as_deref(), Some(&b"jpeg a"[..]));
        assert_eq!(cache.get(&key("b")), None);
        cache.remove(&key("a"));
        assert_eq!(cache.get(&key("a")), None);
    }

    #[test]
    fn stays_within_its_byte_bound() {
        let limits = CacheLimits {
            bytes: 64 * 1024,
            ..CacheLimits::default()
        };
        let cache = RenditionCache::new(limits);
        for i in 0..100 {
            cache.insert(&key(&i.to_string()), Bytes::from(vec![0u8; 4096]));
        }
        assert!(cache.weight() <= limits.bytes, "weight {}", cache.weight());
        assert!(
            cache.weight() > limits.bytes / 2,
            "weight {}",
            cache.weight()
        );
    }

    #[test]
    fn skips_items_over_the_item_bound_and_everything_when_off() {
        let cache = RenditionCache::new(CacheLimits {
            max_item_bytes: 10,
            ..CacheLimits::default()
        });
        cache.insert(&key("big"), Bytes::from(vec![0u8; 11]));
        assert_eq!(cache.get(&key("big")), None);

        let off = RenditionCache::new(CacheLimits {
            bytes: 0,
            ..CacheLimits::default()
        });
        off.insert(&key("a"), Bytes::from_static(b"x"));
        assert_eq!(off.get(&key("a")), None);
    }

    #[test]
    fn expires_entries_after_the_ttl() {
        let cache = RenditionCache::new(CacheLimits {
            ttl: Duration::from_millis(20),
            ..CacheLimits::default()
        });
        cache.insert(&key("a"), Bytes::from_static(b"x"));
        assert!(cache.get(&key("a")).is_some());
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(cache.get(&key("a")), None);
    }
}
