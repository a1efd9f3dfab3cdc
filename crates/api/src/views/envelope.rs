use serde::Serialize;
use utoipa::ToSchema;

use super::{
    AccountMembership, CustomFieldValue, ExternalReference, Id, Keyed, Meta, Role, Skill,
    SkillMembership, User, WorkSample,
};

/// The Kantata envelope. `users` may also hold related users (managers); each association
/// asked for in `include` gets its key after `meta`, even when empty.
#[derive(Serialize, ToSchema)]
pub struct UsersEnvelope<'a> {
    pub count: u64,
    pub results: Vec<ResultRef>,
    #[schema(value_type = BTreeMap<String, User>)]
    pub users: Keyed<User<'a>>,
    pub meta: Meta,
    /// With `include=account_membership`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = BTreeMap<String, AccountMembership>, required = false)]
    pub account_memberships: Option<Keyed<AccountMembership<'a>>>,
    /// With `include=custom_field_values`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = BTreeMap<String, CustomFieldValue>, required = false)]
    pub custom_field_values: Option<Keyed<CustomFieldValue<'a>>>,
    /// With `include=external_references`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = BTreeMap<String, ExternalReference>, required = false)]
    pub external_references: Option<Keyed<ExternalReference<'a>>>,
    /// With `include=role`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = BTreeMap<String, Role>, required = false)]
    pub roles: Option<Keyed<Role<'a>>>,
    /// With `include=skill_memberships`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = BTreeMap<String, SkillMembership>, required = false)]
    pub skill_memberships: Option<Keyed<SkillMembership<'a>>>,
    /// With `include=skills`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = BTreeMap<String, Skill>, required = false)]
    pub skills: Option<Keyed<Skill<'a>>>,
    /// With `include=work_samples`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = BTreeMap<String, WorkSample>, required = false)]
    pub work_samples: Option<Keyed<WorkSample<'a>>>,
}

/// One entry of `results`, the canonical order of the response.
#[derive(Serialize, ToSchema)]
pub struct ResultRef {
    #[schema(example = "users")]
    pub key: &'static str,
    #[schema(value_type = String, example = "42")]
    pub id: Id,
}
