use portrait_store as store;
use serde::Serialize;
use utoipa::ToSchema;

use super::Id;

/// An example of a user's work.
#[derive(Serialize, ToSchema)]
pub struct WorkSample<'a> {
    pub title: &'a str,
    #[schema(required = true)]
    pub description: Option<&'a str>,
    #[schema(required = true)]
    pub website_url: Option<&'a str>,
    #[schema(required = true)]
    pub trapped_website_url: Option<&'a str>,
    #[schema(value_type = Option<String>, required = true)]
    pub attachment_id: Option<Id>,
    #[schema(required = true)]
    pub attachment_filename: Option<&'a str>,
    #[schema(value_type = String)]
    pub id: Id,
}

impl<'a> WorkSample<'a> {
    pub fn new(w: &'a store::WorkSample) -> Self {
        Self {
            title: &w.title,
            description: w.description.as_deref(),
            website_url: w.website_url.as_deref(),
            trapped_website_url: w.trapped_website_url.as_deref(),
            attachment_id: w.attachment_id.map(Id),
            attachment_filename: w.attachment_filename.as_deref(),
            id: Id(w.id),
        }
    }
}
