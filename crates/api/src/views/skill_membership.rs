use portrait_store as store;
use serde::Serialize;
use utoipa::ToSchema;

use super::{Id, Time};

/// A user's level in one skill.
#[derive(Serialize, ToSchema)]
pub struct SkillMembership<'a> {
    #[schema(value_type = String)]
    pub user_id: Id,
    #[schema(value_type = String)]
    pub skill_id: Id,
    /// 1 to 5.
    #[schema(required = true)]
    pub level: Option<i32>,
    pub max_level: i32,
    pub cached_skill_name: &'a str,
    #[schema(value_type = Option<String>, required = true)]
    pub creator_id: Option<Id>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Time,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Time,
    #[schema(value_type = String)]
    pub id: Id,
}

impl<'a> SkillMembership<'a> {
    pub fn new(m: &'a store::SkillMembership) -> Self {
        Self {
            user_id: Id(m.user_id),
            skill_id: Id(m.skill_id),
            level: m.level,
            max_level: m.max_level,
            cached_skill_name: &m.cached_skill_name,
            creator_id: m.creator_id.map(Id),
            created_at: Time(m.created_at),
            updated_at: Time(m.updated_at),
            id: Id(m.id),
        }
    }
}
