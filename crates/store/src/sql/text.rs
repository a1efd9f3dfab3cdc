//! SQL text shared by the sqlx backends (`shared.rs`) and SQLite's direct reader
//! (`sqlite_reads.rs`), so the two cannot drift apart in what they select.
//! Each association query ends before its `WHERE`; callers add the id list and the order.

pub const USER_COLUMNS: &str = "u.id, u.account_id, u.full_name, u.email_address, u.headline, \
     u.bio, u.website, u.city, u.state, u.country, u.abbreviated_timezone, u.classification, \
     u.last_site_activity, u.disabled, u.generic, u.manager_id, u.role_id, u.photo_id, \
     u.created_at, u.updated_at";

/// `$1` is the token hash. The stored hash comes back to be compared in constant time.
pub const AUTHENTICATE: &str = "SELECT t.token_hash, u.id, u.account_id, m.permission \
     FROM api_tokens t JOIN users u ON u.id = t.user_id \
     LEFT JOIN account_memberships m ON m.user_id = u.id AND m.account_id = u.account_id \
     WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.disabled = FALSE";

/// One association: `SELECT … FROM …`, the column its id list filters and the order.
#[derive(Debug, Clone, Copy)]
pub struct ByIds {
    pub select: &'static str,
    pub id_column: &'static str,
    pub order: &'static str,
}

/// Also filtered by the viewer's account: `account_id = <viewer's>` comes first.
pub const ACCOUNT_MEMBERSHIPS: ByIds = ByIds {
    select: "SELECT id, account_id, user_id, permission, created_at, updated_at \
             FROM account_memberships",
    id_column: "user_id",
    order: "id",
};

pub const ROLES: ByIds = ByIds {
    select: "SELECT id, account_id, name, created_at, updated_at, deleted_at FROM roles",
    id_column: "id",
    order: "id",
};

pub const SKILLS: ByIds = ByIds {
    select: "SELECT sm.user_id, s.id, s.name, s.description, s.max_level, s.created_at, \
             s.updated_at FROM skill_memberships sm JOIN skills s ON s.id = sm.skill_id",
    id_column: "sm.user_id",
    order: "sm.user_id, s.id",
};

pub const SKILL_MEMBERSHIPS: ByIds = ByIds {
    select: "SELECT sm.id, sm.user_id, sm.skill_id, sm.level, s.max_level, \
             s.name AS cached_skill_name, sm.creator_id, sm.created_at, sm.updated_at \
             FROM skill_memberships sm JOIN skills s ON s.id = sm.skill_id",
    id_column: "sm.user_id",
    order: "sm.id",
};

pub const WORK_SAMPLES: ByIds = ByIds {
    select: "SELECT id, user_id, title, description, website_url, trapped_website_url, \
             attachment_id, attachment_filename, created_at, updated_at FROM work_samples",
    id_column: "user_id",
    order: "id",
};

pub const CUSTOM_FIELD_VALUES: ByIds = ByIds {
    select: "SELECT v.id, v.custom_field_id, f.name AS custom_field_name, v.subject_type, \
             v.subject_id, f.account_id, f.type, f.read_access, v.value, v.display_value, \
             v.setter_id, v.created_at, v.updated_at \
             FROM custom_field_values v JOIN custom_fields f ON f.id = v.custom_field_id",
    id_column: "v.subject_id",
    order: "v.id",
};

pub const EXTERNAL_REFERENCES: ByIds = ByIds {
    select: "SELECT id, subject_type, subject_id, service_name, service_model, \
             service_model_ref, status, external_link, external_message, external_status, \
             locked, last_synced_at, created_at, updated_at FROM external_references",
    id_column: "subject_id",
    order: "id",
};
