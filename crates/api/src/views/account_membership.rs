use portrait_store as store;
use serde::Serialize;
use utoipa::ToSchema;

use super::{Id, Time};

/// A user's membership of an account.
#[derive(Serialize, ToSchema)]
pub struct AccountMembership<'a> {
    #[schema(value_type = String)]
    pub account_id: Id,
    #[schema(value_type = String)]
    pub user_id: Id,
    /// Kantata's account permission: `administrator`, `reports_viewer_with_cost`,
    /// `reports_viewer`, `project_lead`, `project_creator`, `collaborator`,
    /// `external_collaborator` or `punch_clock`.
    pub permission: &'a str,
    pub is_administrator: bool,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Time,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Time,
    #[schema(value_type = String)]
    pub id: Id,
}

impl<'a> AccountMembership<'a> {
    pub fn new(m: &'a store::AccountMembership) -> Self {
        Self {
            account_id: Id(m.account_id),
            user_id: Id(m.user_id),
            permission: &m.permission,
            is_administrator: m.permission == "administrator",
            created_at: Time(m.created_at),
            updated_at: Time(m.updated_at),
            id: Id(m.id),
        }
    }
}
