use portrait_store as store;
use serde::Serialize;
use utoipa::ToSchema;

use super::{Id, Time};

/// A skill some returned user has.
#[derive(Serialize, ToSchema)]
pub struct Skill<'a> {
    pub name: &'a str,
    #[schema(required = true)]
    pub description: Option<&'a str>,
    /// A string here, unlike a skill membership's `max_level`, as in Kantata.
    pub max_level: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Time,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Time,
    #[schema(value_type = String)]
    pub id: Id,
}

impl<'a> Skill<'a> {
    pub fn new(s: &'a store::UserSkill) -> Self {
        Self {
            name: &s.name,
            description: s.description.as_deref(),
            max_level: s.max_level.to_string(),
            created_at: Time(s.created_at),
            updated_at: Time(s.updated_at),
            id: Id(s.id),
        }
    }
}
