use std::sync::Arc;

use portrait_photos::Photos;
use portrait_store::MetadataStore;

use crate::config::Config;
use crate::photo_urls::PhotoUrls;
use crate::routes::health::Readiness;

/// What every handler can reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn MetadataStore>,
    pub photos: Arc<Photos>,
    pub config: Arc<Config>,
    pub urls: Arc<PhotoUrls>,
    pub readiness: Arc<Readiness>,
}
