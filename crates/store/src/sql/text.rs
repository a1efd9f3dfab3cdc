//! Every SQL text both backends run, kept once so PostgreSQL (sqlx) and SQLite (rusqlite)
//! cannot drift apart in what they select or write.
//!
//! Placeholders are `$N`. PostgreSQL numbers them; SQLite treats `$1` as a parameter *named*
//! `$1`, numbered by where its name first appears. rusqlite binds by that number, so every text
//! here names `$1`, `$2`, … in order of first appearance (a repeat such as `$3, $3` is fine):
//! then binding the values positionally is right on both databases. A test in
//! `sqlite::writer` checks this for every statement below.
//!
//! Each association query ends before its `WHERE`; callers add the id list and the order.

pub const USER_COLUMNS: &str = "u.id, u.account_id, u.full_name, u.email_address, u.headline, \
     u.bio, u.website, u.city, u.state, u.country, u.abbreviated_timezone, u.classification, \
     u.last_site_activity, u.disabled, u.generic, u.manager_id, u.role_id, u.photo_id, \
     u.photo_thumbhash, u.created_at, u.updated_at";

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

/// The ids already stored in each table a fixture may reference, for its validation.
pub const EXISTING_ACCOUNT_IDS: &str = "SELECT id FROM accounts";
pub const EXISTING_ROLE_IDS: &str = "SELECT id FROM roles";
pub const EXISTING_USER_IDS: &str = "SELECT id FROM users";
pub const EXISTING_SKILL_IDS: &str = "SELECT id FROM skills";
pub const EXISTING_CUSTOM_FIELD_IDS: &str = "SELECT id FROM custom_fields";

/// `$1` token hash, `$2` now, `$3` user id; inserts nothing when the user does not exist.
pub const CREATE_TOKEN: &str = "INSERT INTO api_tokens (token_hash, created_at, user_id) \
     SELECT $1, $2, id FROM users WHERE id = $3";

/// `$1` now, `$2` token hash.
pub const REVOKE_TOKEN: &str =
    "UPDATE api_tokens SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL";

/// `$1` user id.
pub const CURRENT_PHOTO: &str = "SELECT photo_id FROM users WHERE id = $1";

/// Compare-and-swap of a user's photo: `$1` new photo, `$2` its ThumbHash, `$3` now, `$4` user
/// id, `$5` the photo read before. The two dialects spell a NULL-safe equality differently.
macro_rules! swap_photo {
    ($null_safe_eq:literal) => {
        concat!(
            "UPDATE users SET photo_id = $1, photo_thumbhash = $2, updated_at = $3 ",
            "WHERE id = $4 AND photo_id ",
            $null_safe_eq,
            " $5"
        )
    };
}
pub const SWAP_PHOTO_SQLITE: &str = swap_photo!("IS");

/// The channel on which PostgreSQL instances announce removed photos: one per schema, so
/// deployments (and test runs) sharing a database never hear each other. Hashed because a
/// channel name, like any identifier, must stay within 63 bytes.
macro_rules! photo_channel {
    () => {
        "'portrait_photos_' || left(md5(current_schema()), 16)"
    };
}

/// The swap, and in the same statement (hence the same commit) the announcement of the photo
/// it replaced. Returns how many rows it swapped, and how many it announced (selected only so
/// that PostgreSQL runs the `announced` query at all).
pub const SWAP_PHOTO_POSTGRES: &str = concat!(
    "WITH swapped AS (",
    swap_photo!("IS NOT DISTINCT FROM"),
    " RETURNING 1), announced AS (SELECT pg_notify(",
    photo_channel!(),
    ", $5::text) FROM swapped WHERE $5::text IS NOT NULL) ",
    "SELECT (SELECT count(*) FROM swapped), (SELECT count(*) FROM announced)"
);

pub const PHOTO_CHANNEL_NAME_POSTGRES: &str = concat!("SELECT ", photo_channel!());

pub const REFERENCED_PHOTOS: &str = "SELECT photo_id FROM users WHERE photo_id IS NOT NULL";

/// Photos stored before placeholders existed.
pub const PHOTOS_WITHOUT_THUMBHASH: &str =
    "SELECT photo_id FROM users WHERE photo_id IS NOT NULL AND photo_thumbhash IS NULL";

/// `$1` ThumbHash, `$2` photo. Not a change the user made, so `updated_at` stays.
pub const SET_PHOTO_THUMBHASH: &str =
    "UPDATE users SET photo_thumbhash = $1 WHERE photo_id = $2 AND photo_thumbhash IS NULL";

// The upserts of an import, one per fixture section; `upserts.rs` supplies the values in
// this order. `now` is bound once for both `created_at` and `updated_at` of a new row; an
// existing row keeps both, so importing the same fixture twice changes nothing.

pub const UPSERT_ACCOUNT: &str = "INSERT INTO accounts (id, name, created_at, updated_at) \
     VALUES ($1, $2, $3, $3) ON CONFLICT (id) DO UPDATE SET name = excluded.name";

pub const UPSERT_ROLE: &str = "INSERT INTO roles (id, account_id, name, deleted_at, created_at, \
     updated_at) VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (id) DO UPDATE SET \
     account_id = excluded.account_id, name = excluded.name, deleted_at = excluded.deleted_at";

pub const UPSERT_USER: &str = "INSERT INTO users (id, account_id, full_name, email_address, \
     headline, bio, website, city, state, country, abbreviated_timezone, classification, \
     last_site_activity, disabled, generic, manager_id, role_id, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18) \
     ON CONFLICT (id) DO UPDATE SET account_id = excluded.account_id, \
     full_name = excluded.full_name, email_address = excluded.email_address, \
     headline = excluded.headline, bio = excluded.bio, website = excluded.website, \
     city = excluded.city, state = excluded.state, country = excluded.country, \
     abbreviated_timezone = excluded.abbreviated_timezone, \
     classification = excluded.classification, \
     last_site_activity = excluded.last_site_activity, disabled = excluded.disabled, \
     generic = excluded.generic, manager_id = excluded.manager_id, role_id = excluded.role_id";

pub const UPSERT_ACCOUNT_MEMBERSHIP: &str = "INSERT INTO account_memberships (id, account_id, \
     user_id, permission, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) \
     ON CONFLICT (id) DO UPDATE SET account_id = excluded.account_id, \
     user_id = excluded.user_id, permission = excluded.permission";

pub const UPSERT_SKILL: &str = "INSERT INTO skills (id, account_id, name, description, \
     max_level, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) \
     ON CONFLICT (id) DO UPDATE SET account_id = excluded.account_id, name = excluded.name, \
     description = excluded.description, max_level = excluded.max_level";

pub const UPSERT_SKILL_MEMBERSHIP: &str = "INSERT INTO skill_memberships (id, user_id, \
     skill_id, level, creator_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) \
     ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, skill_id = excluded.skill_id, \
     level = excluded.level, creator_id = excluded.creator_id";

pub const UPSERT_WORK_SAMPLE: &str = "INSERT INTO work_samples (id, user_id, title, \
     description, website_url, trapped_website_url, attachment_id, attachment_filename, \
     created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) \
     ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, title = excluded.title, \
     description = excluded.description, website_url = excluded.website_url, \
     trapped_website_url = excluded.trapped_website_url, \
     attachment_id = excluded.attachment_id, attachment_filename = excluded.attachment_filename";

pub const UPSERT_CUSTOM_FIELD: &str = "INSERT INTO custom_fields (id, account_id, name, type, \
     read_access, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) \
     ON CONFLICT (id) DO UPDATE SET account_id = excluded.account_id, name = excluded.name, \
     type = excluded.type, read_access = excluded.read_access";

pub const UPSERT_CUSTOM_FIELD_VALUE: &str = "INSERT INTO custom_field_values (id, \
     custom_field_id, subject_type, subject_id, value, display_value, setter_id, created_at, \
     updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) ON CONFLICT (id) DO UPDATE SET \
     custom_field_id = excluded.custom_field_id, subject_type = excluded.subject_type, \
     subject_id = excluded.subject_id, value = excluded.value, \
     display_value = excluded.display_value, setter_id = excluded.setter_id";

pub const UPSERT_EXTERNAL_REFERENCE: &str = "INSERT INTO external_references (id, \
     subject_type, subject_id, service_name, service_model, service_model_ref, status, \
     external_link, external_message, external_status, locked, last_synced_at, created_at, \
     updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) \
     ON CONFLICT (id) DO UPDATE SET subject_type = excluded.subject_type, \
     subject_id = excluded.subject_id, service_name = excluded.service_name, \
     service_model = excluded.service_model, service_model_ref = excluded.service_model_ref, \
     status = excluded.status, external_link = excluded.external_link, \
     external_message = excluded.external_message, external_status = excluded.external_status, \
     locked = excluded.locked, last_synced_at = excluded.last_synced_at";

/// A token already stored is left as it is (revoked or not).
pub const INSERT_TOKEN: &str = "INSERT INTO api_tokens (user_id, token_hash, created_at) \
     VALUES ($1, $2, $3) ON CONFLICT (token_hash) DO NOTHING";

// `PUT /users/{id}`, run in one transaction (see `update.rs`). A `CASE WHEN $flag THEN $value`
// sets a column that may be cleared; `COALESCE($value, column)` one that never is.

/// `$1` user id. PostgreSQL locks the row, so two updates of one user (and of its external
/// references) take turns; SQLite's `IMMEDIATE` transaction already does.
pub const USER_FOR_UPDATE_POSTGRES: &str = "SELECT id FROM users WHERE id = $1 FOR UPDATE";
pub const USER_FOR_UPDATE_SQLITE: &str = "SELECT id FROM users WHERE id = $1";

/// `$1` the new address. Two transactions giving different users one address take turns, so the
/// second sees the first's commit. There is no unique index on `email_address` (fixtures may
/// predate the rule), so this lock and [`EMAIL_TAKEN`] are what keeps addresses unique.
pub const LOCK_EMAIL_POSTGRES: &str = "SELECT pg_advisory_xact_lock(hashtext(lower($1)))";

/// `$1` the new address, `$2` the user being updated. Case-insensitive, as addresses are.
pub const EMAIL_TAKEN: &str =
    "SELECT id FROM users WHERE lower(email_address) = lower($1) AND id <> $2 LIMIT 1";

/// `$1` full name, `$2` whether the headline changes, `$3` headline, `$4` email address,
/// `$5` now, `$6` user id.
pub const UPDATE_USER: &str = "UPDATE users SET full_name = COALESCE($1, full_name), \
     headline = CASE WHEN $2 THEN $3 ELSE headline END, \
     email_address = COALESCE($4, email_address), updated_at = $5 WHERE id = $6";

/// `$1` service model, `$2` service model ref, `$3` status, then flag and value of
/// `$4`/`$5` external message, `$6`/`$7` external link, `$8`/`$9` external status, `$10` locked,
/// `$11` now, `$12` user id, `$13` service name.
pub const UPDATE_EXTERNAL_REFERENCE: &str = "UPDATE external_references SET \
     service_model = $1, service_model_ref = $2, status = COALESCE($3, status), \
     external_message = CASE WHEN $4 THEN $5 ELSE external_message END, \
     external_link = CASE WHEN $6 THEN $7 ELSE external_link END, \
     external_status = CASE WHEN $8 THEN $9 ELSE external_status END, \
     locked = COALESCE($10, locked), updated_at = $11 \
     WHERE subject_type = 'User' AND subject_id = $12 AND service_name = $13";

/// PostgreSQL: new references take the next id (below), so two inserts on different users
/// must not compute it at once. Held to the end of the transaction.
pub const LOCK_EXTERNAL_REFERENCES_POSTGRES: &str =
    "LOCK TABLE external_references IN SHARE ROW EXCLUSIVE MODE";

/// Fixtures choose their own ids and the column has no sequence, so a new reference takes the
/// highest id plus one. `$1` user id, `$2` service name, `$3` service model, `$4` service model
/// ref, `$5` status, `$6` external link, `$7` external message, `$8` external status,
/// `$9` locked, `$10` now.
pub const INSERT_EXTERNAL_REFERENCE: &str = "INSERT INTO external_references (id, \
     subject_type, subject_id, service_name, service_model, service_model_ref, status, \
     external_link, external_message, external_status, locked, created_at, updated_at) \
     SELECT COALESCE(MAX(id), 0) + 1, 'User', $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10 \
     FROM external_references";

/// Every statement with `$N` placeholders, for the test of their numbering.
#[cfg(test)]
pub const NUMBERED: &[&str] = &[
    AUTHENTICATE,
    CREATE_TOKEN,
    REVOKE_TOKEN,
    CURRENT_PHOTO,
    SWAP_PHOTO_SQLITE,
    SET_PHOTO_THUMBHASH,
    UPSERT_ACCOUNT,
    UPSERT_ROLE,
    UPSERT_USER,
    UPSERT_ACCOUNT_MEMBERSHIP,
    UPSERT_SKILL,
    UPSERT_SKILL_MEMBERSHIP,
    UPSERT_WORK_SAMPLE,
    UPSERT_CUSTOM_FIELD,
    UPSERT_CUSTOM_FIELD_VALUE,
    UPSERT_EXTERNAL_REFERENCE,
    INSERT_TOKEN,
    USER_FOR_UPDATE_SQLITE,
    EMAIL_TAKEN,
    UPDATE_USER,
    UPDATE_EXTERNAL_REFERENCE,
    INSERT_EXTERNAL_REFERENCE,
];
