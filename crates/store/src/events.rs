//! What one instance tells the others through the database it shares with them.

use crate::PhotoId;

/// A change made elsewhere that an instance's caches must follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhotoEvent {
    /// The photo is nobody's any more (replaced or reset): its renditions must not be served.
    Removed(PhotoId),
    /// The listening connection was lost and is back; what was announced meanwhile is lost,
    /// so everything cached may be stale.
    Resync,
}
