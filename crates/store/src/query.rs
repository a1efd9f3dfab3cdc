//! What a read asks the store for, already parsed and clamped by the caller.

use crate::model::{Principal, User, UserId};

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
    pub order: Order,
    pub page: Page,
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
