//! Rows as the store returns them. The JSON shapes clients see live in the API's presenter.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A user's id as it appears in paths and rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, sqlx::Type)]
#[sqlx(transparent)]
pub struct UserId(pub i64);

impl std::fmt::Display for UserId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Names one stored photo: lowercase hex of a SHA-256, so it is unguessable and safe in a URL
/// path and a blob key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PhotoId(String);

impl PhotoId {
    pub fn parse(s: &str) -> Option<Self> {
        let valid = s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        valid.then(|| Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for PhotoId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// An account permission, as Kantata names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    Administrator,
    ProjectLead,
    ReportViewer,
    PunchClock,
    Collaborator,
    TimeApprover,
}

impl Permission {
    pub const ALL: [Permission; 6] = [
        Permission::Administrator,
        Permission::ProjectLead,
        Permission::ReportViewer,
        Permission::PunchClock,
        Permission::Collaborator,
        Permission::TimeApprover,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Permission::Administrator => "administrator",
            Permission::ProjectLead => "project_lead",
            Permission::ReportViewer => "report_viewer",
            Permission::PunchClock => "punch_clock",
            Permission::Collaborator => "collaborator",
            Permission::TimeApprover => "time_approver",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// Who is calling: the token's user, their account, and their permission on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: UserId,
    pub account_id: i64,
    pub permission: Option<Permission>,
}

impl Principal {
    pub fn is_administrator(&self) -> bool {
        self.permission == Some(Permission::Administrator)
    }

    /// Only the user themself or an administrator of the user's account may change their photo.
    pub fn may_edit(&self, user: &User) -> bool {
        self.user_id == user.id || (self.is_administrator() && self.account_id == user.account_id)
    }

    pub fn can_see(&self, user: &User) -> bool {
        self.account_id == user.account_id
    }
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct User {
    pub id: UserId,
    pub account_id: i64,
    pub full_name: String,
    pub email_address: String,
    pub headline: String,
    pub bio: Option<String>,
    pub website: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub country: Option<String>,
    pub abbreviated_timezone: Option<String>,
    pub classification: Option<String>,
    pub last_site_activity: Option<DateTime<Utc>>,
    pub disabled: bool,
    pub generic: bool,
    pub manager_id: Option<i64>,
    pub role_id: Option<i64>,
    #[sqlx(try_from = "Option<String>")]
    pub photo_id: OptionalPhotoId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The photo column as read back; a value that is not a valid id reads as no photo.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OptionalPhotoId(pub Option<PhotoId>);

// sqlx's `try_from` column attribute uses the blanket `TryFrom` this `From` gives.
impl From<Option<String>> for OptionalPhotoId {
    fn from(value: Option<String>) -> Self {
        Self(value.as_deref().and_then(PhotoId::parse))
    }
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AccountMembership {
    pub id: i64,
    pub account_id: i64,
    pub user_id: i64,
    pub permission: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Role {
    pub id: i64,
    pub account_id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// A skill together with the user it was reached through.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct UserSkill {
    pub user_id: i64,
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub max_level: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct SkillMembership {
    pub id: i64,
    pub user_id: i64,
    pub skill_id: i64,
    pub level: Option<i32>,
    pub max_level: i32,
    pub cached_skill_name: String,
    pub creator_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct WorkSample {
    pub id: i64,
    pub user_id: i64,
    pub title: String,
    pub description: Option<String>,
    pub website_url: Option<String>,
    pub trapped_website_url: Option<String>,
    pub attachment_id: Option<i64>,
    pub attachment_filename: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct CustomFieldValue {
    pub id: i64,
    pub custom_field_id: i64,
    pub custom_field_name: String,
    pub subject_type: String,
    pub subject_id: i64,
    pub account_id: i64,
    #[sqlx(rename = "type")]
    pub field_type: String,
    pub read_access: String,
    /// JSON text of the typed value.
    pub value: String,
    pub display_value: String,
    pub setter_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl CustomFieldValue {
    /// `all` and `account_collaboration` fields are readable by everyone on the account;
    /// `account_administration` ones by its administrators only.
    pub fn readable_by(&self, viewer: &Principal) -> bool {
        viewer.account_id == self.account_id
            && (self.read_access != "account_administration" || viewer.is_administrator())
    }
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ExternalReference {
    pub id: i64,
    pub subject_type: String,
    pub subject_id: i64,
    pub service_name: String,
    pub service_model: String,
    pub service_model_ref: String,
    pub status: String,
    pub external_link: Option<String>,
    pub external_message: Option<String>,
    pub external_status: Option<String>,
    pub locked: bool,
    pub last_synced_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What [`crate::MetadataStore::load_associations`] found; lists not asked for stay empty.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Associations {
    pub account_memberships: Vec<AccountMembership>,
    pub roles: Vec<Role>,
    pub skills: Vec<UserSkill>,
    pub skill_memberships: Vec<SkillMembership>,
    pub work_samples: Vec<WorkSample>,
    pub custom_field_values: Vec<CustomFieldValue>,
    pub external_references: Vec<ExternalReference>,
    /// Managers of the given users that the viewer can see.
    pub managers: Vec<User>,
}
