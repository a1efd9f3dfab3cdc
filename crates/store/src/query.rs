//! What a read asks the store for, already parsed and clamped by the caller.

use chrono::{DateTime, NaiveDate, Utc};

use crate::model::{Permission, Principal, User, UserId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// By id: stable and what Kantata does when no order is given.
    #[default]
    Id,
    AlphabeticalAsc,
    AlphabeticalDesc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub offset: u64,
    pub limit: u64,
}

#[derive(Debug, Clone)]
pub struct UserFilter {
    pub viewer: Principal,
    /// Restrict to these ids (`only=`, or a single id for a show).
    pub ids: Option<Vec<UserId>>,
    /// Only users with a membership row on the viewer's account.
    pub on_my_account: bool,
    pub include_disabled: bool,
    /// Kantata's filters over the data portrait holds.
    pub matching: Matching,
    pub order: Order,
    pub page: Page,
}

/// Kantata's list filters that portrait can answer; each one given narrows the list, and the
/// default narrows nothing. Texts compare case-insensitively.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Matching {
    /// `account_id`: users are only ever listed from the viewer's account, so another account
    /// matches nobody.
    pub account_id: Option<i64>,
    /// `by_email_address` / `by_email_addresses`: any of these addresses, exactly.
    pub email_addresses: Option<Vec<String>>,
    /// `by_full_name`: all or part of the full name.
    pub full_name: Option<String>,
    /// `by_full_name_or_account_role`: part of the full name or of the role's name.
    pub full_name_or_role: Option<String>,
    /// `search`: part of the full name or of the email address.
    pub search: Option<String>,
    /// `account_role_ids`.
    pub role_ids: Option<Vec<i64>>,
    /// `with_users`.
    pub with_users: Option<Vec<i64>>,
    /// `without_users`.
    pub without_users: Vec<i64>,
    pub created_after: Option<DateTime<Utc>>,
    pub created_before: Option<DateTime<Utc>>,
    pub updated_after: Option<DateTime<Utc>>,
    pub updated_before: Option<DateTime<Utc>>,
    /// `is_project_lead` / `can_view_reports`: a permission at or above this rung of
    /// Kantata's ladder on the viewer's account.
    pub permission_at_least: Option<Permission>,
    /// `managers`: users who manage someone.
    pub managers: bool,
    /// `with_skills`.
    pub with_skills: Option<SkillMatch>,
    /// `without_skills`: none of these skills.
    pub without_skills: Vec<i64>,
    /// `by_custom_*_value` and `has_value_for_custom_field_ids`: every condition holds, over
    /// the custom fields the viewer may read (a field they may not read matches nobody).
    pub custom_values: Vec<CustomValueMatch>,
    /// `has_external_references`: with (true) or without (false) any.
    pub has_external_references: Option<bool>,
    /// `external_reference_*`: one reference matches every part given.
    pub external_reference: ReferenceMatch,
    /// `without_external_reference_service_name`.
    pub without_reference_service: Option<String>,
}

/// `with_skills={"6":[4,5],"7":[],"operation":"or"}`: a skill at one of the levels listed (any
/// level when none is), every skill (`and`, the default) or any of them (`or`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SkillMatch {
    pub skills: Vec<(i64, Vec<i64>)>,
    pub any: bool,
}

/// One custom field's condition: the user has a value of it that passes any of the tests (or,
/// for [`ValueTest::Blank`], has none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomValueMatch {
    pub field_id: i64,
    pub tests: Vec<ValueTest>,
}

/// How a stored value (JSON text, as a fixture gave it) is compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueTest {
    /// Any value at all.
    Any,
    /// No value (`by_custom_choice_value=7:blank`).
    Blank,
    /// The shown value, case-insensitively.
    Text(String),
    /// A number, compared as its JSON.
    Number(String),
    /// A date (`"YYYY-MM-DD"`) within these days, both included.
    Between(Option<NaiveDate>, Option<NaiveDate>),
    /// A choice id: the value is that id or a list holding it.
    Choice(i64),
    /// `[cents, "CODE"]`, the code only when given.
    Currency { cents: i64, code: Option<String> },
}

/// The `external_reference_*` filters, exact matches on one external reference.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReferenceMatch {
    pub service_name: Option<String>,
    pub service_model: Option<String>,
    /// `external_reference_service_model_ref(s)`: any of these.
    pub service_model_refs: Option<Vec<String>>,
    pub status: Option<String>,
    pub external_status: Option<String>,
    pub external_message: Option<String>,
}

impl ReferenceMatch {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct UserPage {
    /// All matches, ignoring paging.
    pub total: u64,
    pub users: Vec<User>,
}

/// The associations a request asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Includes {
    pub account_membership: bool,
    pub custom_field_values: bool,
    pub external_references: bool,
    pub manager: bool,
    pub role: bool,
    pub skill_memberships: bool,
    pub skills: bool,
    pub work_samples: bool,
}

impl Includes {
    pub const NAMES: [&'static str; 8] = [
        "account_membership",
        "custom_field_values",
        "external_references",
        "manager",
        "role",
        "skill_memberships",
        "skills",
        "work_samples",
    ];

    /// `include=a,b`: comma-separated, not trimmed, unknown names ignored.
    pub fn parse(list: &str) -> Self {
        let mut includes = Self::default();
        for name in list.split(',') {
            match name {
                "account_membership" => includes.account_membership = true,
                "custom_field_values" => includes.custom_field_values = true,
                "external_references" => includes.external_references = true,
                "manager" => includes.manager = true,
                "role" => includes.role = true,
                "skill_memberships" => includes.skill_memberships = true,
                "skills" => includes.skills = true,
                "work_samples" => includes.work_samples = true,
                _ => {}
            }
        }
        includes
    }

    pub fn all() -> Self {
        Self::parse(&Self::NAMES.join(","))
    }
}
