//! The fixture format of `portrait import` (see operations.md), and its validation.
//!
//! Validation is pure: it checks a fixture against itself and against the ids already stored,
//! so a bad fixture is refused with a message naming the entry before anything is written.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::model::Permission;

/// The built-in demo: two accounts, users with every association filled, an administrator.
/// It carries no tokens; `serve --demo` mints fresh ones.
pub const DEMO: &str = include_str!("../fixtures/demo.json");

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fixture {
    #[serde(default)]
    pub accounts: Vec<AccountEntry>,
    #[serde(default)]
    pub roles: Vec<RoleEntry>,
    #[serde(default)]
    pub users: Vec<UserEntry>,
    #[serde(default)]
    pub account_memberships: Vec<AccountMembershipEntry>,
    #[serde(default)]
    pub skills: Vec<SkillEntry>,
    #[serde(default)]
    pub skill_memberships: Vec<SkillMembershipEntry>,
    #[serde(default)]
    pub work_samples: Vec<WorkSampleEntry>,
    #[serde(default)]
    pub custom_fields: Vec<CustomFieldEntry>,
    #[serde(default)]
    pub custom_field_values: Vec<CustomFieldValueEntry>,
    #[serde(default)]
    pub external_references: Vec<ExternalReferenceEntry>,
    #[serde(default)]
    pub tokens: Vec<TokenEntry>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountEntry {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleEntry {
    pub id: i64,
    pub account_id: i64,
    pub name: String,
    #[serde(default)]
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserEntry {
    pub id: i64,
    pub account_id: i64,
    pub full_name: String,
    pub email_address: String,
    #[serde(default)]
    pub headline: String,
    #[serde(default)]
    pub bio: Option<String>,
    #[serde(default)]
    pub website: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default)]
    pub abbreviated_timezone: Option<String>,
    #[serde(default)]
    pub classification: Option<String>,
    #[serde(default)]
    pub last_site_activity: Option<DateTime<Utc>>,
    #[serde(default)]
    pub disabled: bool,
    #[serde(default)]
    pub generic: bool,
    #[serde(default)]
    pub manager_id: Option<i64>,
    #[serde(default)]
    pub role_id: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountMembershipEntry {
    pub id: i64,
    pub account_id: i64,
    pub user_id: i64,
    pub permission: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkillEntry {
    pub id: i64,
    pub account_id: i64,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default = "default_max_level")]
    pub max_level: i32,
}

fn default_max_level() -> i32 {
    5
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkillMembershipEntry {
    pub id: i64,
    pub user_id: i64,
    pub skill_id: i64,
    #[serde(default)]
    pub level: Option<i32>,
    #[serde(default)]
    pub creator_id: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkSampleEntry {
    pub id: i64,
    pub user_id: i64,
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub website_url: Option<String>,
    #[serde(default)]
    pub trapped_website_url: Option<String>,
    #[serde(default)]
    pub attachment_id: Option<i64>,
    #[serde(default)]
    pub attachment_filename: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomFieldEntry {
    pub id: i64,
    pub account_id: i64,
    pub name: String,
    #[serde(rename = "type")]
    pub field_type: String,
    #[serde(default = "default_read_access")]
    pub read_access: String,
}

fn default_read_access() -> String {
    "account_collaboration".to_owned()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomFieldValueEntry {
    pub id: i64,
    pub custom_field_id: i64,
    #[serde(default = "default_subject_type")]
    pub subject_type: String,
    pub subject_id: i64,
    pub value: serde_json::Value,
    #[serde(default)]
    pub display_value: Option<String>,
    #[serde(default)]
    pub setter_id: Option<i64>,
}

fn default_subject_type() -> String {
    "User".to_owned()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExternalReferenceEntry {
    pub id: i64,
    #[serde(default = "default_subject_type")]
    pub subject_type: String,
    pub subject_id: i64,
    pub service_name: String,
    pub service_model: String,
    pub service_model_ref: String,
    #[serde(default = "default_status")]
    pub status: String,
    #[serde(default)]
    pub external_link: Option<String>,
    #[serde(default)]
    pub external_message: Option<String>,
    #[serde(default)]
    pub external_status: Option<String>,
    #[serde(default)]
    pub locked: bool,
    #[serde(default)]
    pub last_synced_at: Option<DateTime<Utc>>,
}

fn default_status() -> String {
    "successful".to_owned()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenEntry {
    pub user_id: i64,
    pub token: String,
}

/// What an import wrote, by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub accounts: usize,
    pub users: usize,
    pub tokens: usize,
    pub other_rows: usize,
}

/// Why a fixture was refused; the message names the offending entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FixtureError {
    #[error("not valid fixture JSON: {0}")]
    Json(String),
    #[error("{entry}: {problem}")]
    Entry { entry: String, problem: String },
}

/// Ids already in the database, which a fixture may reference without repeating.
#[derive(Debug, Clone, Default)]
pub struct ExistingIds {
    pub accounts: HashSet<i64>,
    pub roles: HashSet<i64>,
    pub users: HashSet<i64>,
    pub skills: HashSet<i64>,
    pub custom_fields: HashSet<i64>,
}

impl Fixture {
    pub fn from_json(text: &str) -> Result<Self, FixtureError> {
        serde_json::from_str(text).map_err(|e| FixtureError::Json(e.to_string()))
    }

    pub fn validate(&self, existing: &ExistingIds) -> Result<(), FixtureError> {
        let accounts = ids(
            "accounts",
            self.accounts.iter().map(|e| e.id),
            &existing.accounts,
        )?;
        let roles = ids("roles", self.roles.iter().map(|e| e.id), &existing.roles)?;
        let users = ids("users", self.users.iter().map(|e| e.id), &existing.users)?;
        let skills = ids("skills", self.skills.iter().map(|e| e.id), &existing.skills)?;
        let fields = ids(
            "custom_fields",
            self.custom_fields.iter().map(|e| e.id),
            &existing.custom_fields,
        )?;
        let none = HashSet::new();
        ids(
            "account_memberships",
            self.account_memberships.iter().map(|e| e.id),
            &none,
        )?;
        ids(
            "skill_memberships",
            self.skill_memberships.iter().map(|e| e.id),
            &none,
        )?;
        ids(
            "work_samples",
            self.work_samples.iter().map(|e| e.id),
            &none,
        )?;
        ids(
            "custom_field_values",
            self.custom_field_values.iter().map(|e| e.id),
            &none,
        )?;
        ids(
            "external_references",
            self.external_references.iter().map(|e| e.id),
            &none,
        )?;

        for (i, e) in self.roles.iter().enumerate() {
            let at = || format!("roles[{i}] (id {})", e.id);
            refers(at, "account_id", e.account_id, &accounts, "account")?;
        }
        for (i, e) in self.users.iter().enumerate() {
            let at = || format!("users[{i}] (id {})", e.id);
            refers(at, "account_id", e.account_id, &accounts, "account")?;
            if let Some(manager) = e.manager_id {
                refers(at, "manager_id", manager, &users, "user")?;
            }
            if let Some(role) = e.role_id {
                refers(at, "role_id", role, &roles, "role")?;
            }
            if let Some(c) = &e.classification {
                one_of(at, "classification", c, &["Internal", "External"])?;
            }
            if e.full_name.trim().is_empty() {
                return Err(problem(at(), "full_name is empty"));
            }
        }
        let mut memberships = HashSet::new();
        for (i, e) in self.account_memberships.iter().enumerate() {
            let at = || format!("account_memberships[{i}] (id {})", e.id);
            refers(at, "account_id", e.account_id, &accounts, "account")?;
            refers(at, "user_id", e.user_id, &users, "user")?;
            if Permission::parse(&e.permission).is_none() {
                let names: Vec<_> = Permission::ALL.iter().map(|p| p.as_str()).collect();
                one_of(at, "permission", &e.permission, &names)?;
            }
            if !memberships.insert((e.account_id, e.user_id)) {
                return Err(problem(
                    at(),
                    "a second membership of this user on this account",
                ));
            }
        }
        for (i, e) in self.skills.iter().enumerate() {
            let at = || format!("skills[{i}] (id {})", e.id);
            refers(at, "account_id", e.account_id, &accounts, "account")?;
            if !(1..=5).contains(&e.max_level) {
                return Err(problem(at(), "max_level must be between 1 and 5"));
            }
        }
        for (i, e) in self.skill_memberships.iter().enumerate() {
            let at = || format!("skill_memberships[{i}] (id {})", e.id);
            refers(at, "user_id", e.user_id, &users, "user")?;
            refers(at, "skill_id", e.skill_id, &skills, "skill")?;
            if let Some(creator) = e.creator_id {
                refers(at, "creator_id", creator, &users, "user")?;
            }
            if e.level.is_some_and(|l| !(1..=5).contains(&l)) {
                return Err(problem(at(), "level must be between 1 and 5"));
            }
        }
        for (i, e) in self.work_samples.iter().enumerate() {
            let at = || format!("work_samples[{i}] (id {})", e.id);
            refers(at, "user_id", e.user_id, &users, "user")?;
        }
        for (i, e) in self.custom_fields.iter().enumerate() {
            let at = || format!("custom_fields[{i}] (id {})", e.id);
            refers(at, "account_id", e.account_id, &accounts, "account")?;
            let types = ["string", "date", "number", "currency", "single", "multi"];
            one_of(at, "type", &e.field_type, &types)?;
            let access = ["all", "account_collaboration", "account_administration"];
            one_of(at, "read_access", &e.read_access, &access)?;
        }
        for (i, e) in self.custom_field_values.iter().enumerate() {
            let at = || format!("custom_field_values[{i}] (id {})", e.id);
            one_of(at, "subject_type", &e.subject_type, &["User"])?;
            refers(
                at,
                "custom_field_id",
                e.custom_field_id,
                &fields,
                "custom field",
            )?;
            refers(at, "subject_id", e.subject_id, &users, "user")?;
            if let Some(setter) = e.setter_id {
                refers(at, "setter_id", setter, &users, "user")?;
            }
        }
        for (i, e) in self.external_references.iter().enumerate() {
            let at = || format!("external_references[{i}] (id {})", e.id);
            one_of(at, "subject_type", &e.subject_type, &["User"])?;
            refers(at, "subject_id", e.subject_id, &users, "user")?;
            one_of(
                at,
                "status",
                &e.status,
                &["pending", "successful", "failed"],
            )?;
        }
        for (i, e) in self.tokens.iter().enumerate() {
            let at = || format!("tokens[{i}]");
            refers(at, "user_id", e.user_id, &users, "user")?;
            if e.token.len() < 8 {
                return Err(problem(at(), "token must be at least 8 characters"));
            }
        }
        Ok(())
    }
}

/// The ids a list defines, refusing duplicates, united with those already stored.
fn ids(
    list: &str,
    defined: impl Iterator<Item = i64>,
    existing: &HashSet<i64>,
) -> Result<HashSet<i64>, FixtureError> {
    let mut seen = HashSet::new();
    for (i, id) in defined.enumerate() {
        if id <= 0 {
            return Err(problem(
                format!("{list}[{i}] (id {id})"),
                "ids must be positive",
            ));
        }
        if !seen.insert(id) {
            return Err(problem(format!("{list}[{i}] (id {id})"), "duplicate id"));
        }
    }
    seen.extend(existing);
    Ok(seen)
}

fn refers(
    at: impl Fn() -> String,
    field: &str,
    id: i64,
    known: &HashSet<i64>,
    what: &str,
) -> Result<(), FixtureError> {
    if known.contains(&id) {
        Ok(())
    } else {
        Err(problem(at(), &format!("{field} {id} names no {what}")))
    }
}

fn one_of(
    at: impl Fn() -> String,
    field: &str,
    value: &str,
    allowed: &[&str],
) -> Result<(), FixtureError> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(problem(
            at(),
            &format!("{field} {value:?} is not one of {}", allowed.join(", ")),
        ))
    }
}

fn problem(entry: impl Into<String>, problem: &str) -> FixtureError {
    FixtureError::Entry {
        entry: entry.into(),
        problem: problem.to_owned(),
    }
}
