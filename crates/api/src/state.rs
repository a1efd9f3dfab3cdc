use std::sync::Arc;

use portrait_blobs::BlobStore;
use portrait_store::MetadataStore;

use crate::config::Config;
use crate::photo_urls::PhotoUrls;
use crate::photos::cache::RenditionCache;
use crate::photos::queue::ProcessingQueue;

/// What every handler can reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn MetadataStore>,
    pub blobs: Arc<dyn BlobStore>,
    pub config: Arc<Config>,
    pub urls: Arc<PhotoUrls>,
    pub queue: Arc<ProcessingQueue>,
    pub renditions: Arc<RenditionCache>,
}
