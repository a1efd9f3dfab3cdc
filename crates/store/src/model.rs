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

/// An account permission, as Kantata names them (the Swagger's `AccountMembership.permission`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    Administrator,
    ReportsViewerWithCost,
    ReportsViewer,
    ProjectLead,
    ProjectCreator,
    Collaborator,
    ExternalCollaborator,
    PunchClock,
}

impl Permission {
    /// Kantata's order, highest first.
    pub const ALL: [Permission; 8] = [
        Permission::Administrator,
        Permission::ReportsViewerWithCost,
        Permission::ReportsViewer,
        Permission::ProjectLead,
        Permission::ProjectCreator,
        Permission::Collaborator,
        Permission::ExternalCollaborator,
        Permission::PunchClock,
    ];

    /// Names an earlier operations.md listed, still accepted in fixtures.
    const ALIASES: [(&'static str, Permission); 2] = [
        ("report_viewer", Permission::ReportsViewer),
        ("time_approver", Permission::Collaborator),
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Permission::Administrator => "administrator",
            Permission::ReportsViewerWithCost => "reports_viewer_with_cost",
            Permission::ReportsViewer => "reports_viewer",
            Permission::ProjectLead => "project_lead",
            Permission::ProjectCreator => "project_creator",
            Permission::Collaborator => "collaborator",
            Permission::ExternalCollaborator => "external_collaborator",
            Permission::PunchClock => "punch_clock",
        }
    }

    /// A Kantata name or one of the two legacy aliases.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .or_else(|| Self::ALIASES.iter().find(|(a, _)| *a == s).map(|(_, p)| *p))
    }

    /// The highest account-level read access this permission reaches, if any.
    ///
    /// Kantata's account permissions form a ladder (Collaborator < Project Creator < Project
    /// Lead < Reports Viewer < Reports Viewer with Cost < Administrator); the read-access
    /// levels of account-wide custom fields are named after its rungs. External collaborators
    /// and punch-clock users are below the ladder: they reach no account-level field.
    pub fn read_access(self) -> Option<ReadAccess> {
        match self {
            Permission::Administrator => Some(ReadAccess::AccountAdmin),
            Permission::ReportsViewerWithCost => Some(ReadAccess::ReportsViewerWithCost),
            Permission::ReportsViewer => Some(ReadAccess::ReportsViewer),
            Permission::ProjectLead => Some(ReadAccess::ProjectLead),
            Permission::ProjectCreator => Some(ReadAccess::ProjectCreator),
            Permission::Collaborator => Some(ReadAccess::AccountCollaboration),
            Permission::ExternalCollaborator | Permission::PunchClock => None,
        }
    }
}

/// The minimum account permission needed to see a User custom field and its values: the
/// account-level `read_access` values of Kantata's Swagger, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum ReadAccess {
    AccountCollaboration,
    ProjectCreator,
    ProjectLead,
    ReportsViewer,
    ReportsViewerWithCost,
    /// Kantata's default when a field does not say.
    #[default]
    AccountAdmin,
}

impl ReadAccess {
    pub const ALL: [ReadAccess; 6] = [
        ReadAccess::AccountCollaboration,
        ReadAccess::ProjectCreator,
        ReadAccess::ProjectLead,
        ReadAccess::ReportsViewer,
        ReadAccess::ReportsViewerWithCost,
        ReadAccess::AccountAdmin,
    ];

    /// The values portrait accepted before it followed Kantata, still accepted in fixtures.
    const ALIASES: [(&'static str, ReadAccess); 2] = [
        ("all", ReadAccess::AccountCollaboration),
        ("account_administration", ReadAccess::AccountAdmin),
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReadAccess::AccountCollaboration => "account_collaboration",
            ReadAccess::ProjectCreator => "project_creator",
            ReadAccess::ProjectLead => "project_lead",
            ReadAccess::ReportsViewer => "reports_viewer",
            ReadAccess::ReportsViewerWithCost => "reports_viewer_with_cost",
            ReadAccess::AccountAdmin => "account_admin",
        }
    }

    /// A Kantata level or one of the legacy aliases.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|l| l.as_str() == s)
            .or_else(|| Self::ALIASES.iter().find(|(a, _)| *a == s).map(|(_, l)| *l))
    }
}

// Rows are written only through the checked fixture path and the migrations; should a stored
// value still be unknown, the field is treated as the most private level.
impl From<String> for ReadAccess {
    fn from(value: String) -> Self {
        Self::parse(&value).unwrap_or_default()
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

    /// Whether this caller's permission on their account reaches the given level.
    pub fn reaches(&self, level: ReadAccess) -> bool {
        self.permission
            .and_then(Permission::read_access)
            .is_some_and(|reached| reached >= level)
    }
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct User {
    pub id: UserId,
    pub account_id: i64,
    pub full_name: String,
    pub email_address: String,
    pub headline: Option<String>,
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
    /// The photo's ThumbHash; `None` without a photo, or for one stored before placeholders
    /// existed and not yet backfilled.
    pub photo_thumbhash: Option<Vec<u8>>,
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
    #[sqlx(try_from = "String")]
    pub read_access: ReadAccess,
    /// JSON text of the typed value.
    pub value: String,
    pub display_value: String,
    pub setter_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl CustomFieldValue {
    /// Readable on its own account by those whose permission reaches the field's level.
    pub fn readable_by(&self, viewer: &Principal) -> bool {
        viewer.account_id == self.account_id && viewer.reaches(self.read_access)
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
