use portrait_store as store;
use serde::Serialize;
use utoipa::ToSchema;

use super::{Id, Time};

/// A user's role on the account.
#[derive(Serialize, ToSchema)]
pub struct Role<'a> {
    pub name: &'a str,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Time,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Time,
    /// Null unless the role was deleted.
    #[schema(value_type = Option<String>, format = DateTime, required = true)]
    pub deleted_at: Option<Time>,
    #[schema(value_type = String)]
    pub id: Id,
}

impl<'a> Role<'a> {
    pub fn new(r: &'a store::Role) -> Self {
        Self {
            name: &r.name,
            created_at: Time(r.created_at),
            updated_at: Time(r.updated_at),
            deleted_at: r.deleted_at.map(Time),
            id: Id(r.id),
        }
    }
}
