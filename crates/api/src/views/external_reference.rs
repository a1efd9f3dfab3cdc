use portrait_store as store;
use serde::Serialize;
use utoipa::ToSchema;

use super::{Id, Time};

/// A link between the user and a record in another system.
#[derive(Serialize, ToSchema)]
pub struct ExternalReference<'a> {
    pub service_name: &'a str,
    pub service_model: &'a str,
    pub service_model_ref: &'a str,
    pub subject_type: &'a str,
    pub subject_id: i64,
    /// `pending`, `successful` or `failed`.
    pub status: &'a str,
    #[schema(required = true)]
    pub external_link: Option<&'a str>,
    #[schema(required = true)]
    pub external_message: Option<&'a str>,
    #[schema(required = true)]
    pub external_status: Option<&'a str>,
    pub locked: bool,
    #[schema(value_type = Option<String>, format = DateTime, required = true)]
    pub last_synced_at: Option<Time>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Time,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Time,
    #[schema(value_type = String)]
    pub id: Id,
}

impl<'a> ExternalReference<'a> {
    pub fn new(r: &'a store::ExternalReference) -> Self {
        Self {
            service_name: &r.service_name,
            service_model: &r.service_model,
            service_model_ref: &r.service_model_ref,
            subject_type: &r.subject_type,
            subject_id: r.subject_id,
            status: &r.status,
            external_link: r.external_link.as_deref(),
            external_message: r.external_message.as_deref(),
            external_status: r.external_status.as_deref(),
            locked: r.locked,
            last_synced_at: r.last_synced_at.map(Time),
            created_at: Time(r.created_at),
            updated_at: Time(r.updated_at),
            id: Id(r.id),
        }
    }
}
