//! SQLite rows mapped to the store's model, column by column as sqlx's `FromRow` derives do
//! for PostgreSQL; and the one text format timestamps are stored in.

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::types::{FromSql, Type};
use rusqlite::Row;

use crate::model::*;

/// A timestamp as SQLite stores it: RFC 3339 text with as many fractional digits as needed
/// (0, 3, 6 or 9) and `+00:00`, e.g. `2026-12-02T00:39:20.953807577+00:00`. This is byte for
/// byte what sqlx wrote when it was the SQLite driver, so databases written by earlier releases
/// and by this one hold one format, the one [`time`] reads.
pub(super) fn sql_time(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

fn time(row: &Row<'_>, column: &str) -> rusqlite::Result<DateTime<Utc>> {
    let text: String = row.get(column)?;
    parse_time(row, column, &text)
}

fn optional_time(row: &Row<'_>, column: &str) -> rusqlite::Result<Option<DateTime<Utc>>> {
    let text: Option<String> = row.get(column)?;
    text.map(|t| parse_time(row, column, &t)).transpose()
}

fn parse_time(row: &Row<'_>, column: &str, text: &str) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            let index = row.as_ref().column_index(column).unwrap_or(0);
            rusqlite::Error::FromSqlConversionFailure(index, Type::Text, Box::new(e))
        })
}

fn get<T: FromSql>(row: &Row<'_>, column: &str) -> rusqlite::Result<T> {
    row.get(column)
}

pub(super) fn user(row: &Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: UserId(get(row, "id")?),
        account_id: get(row, "account_id")?,
        full_name: get(row, "full_name")?,
        email_address: get(row, "email_address")?,
        headline: get(row, "headline")?,
        bio: get(row, "bio")?,
        website: get(row, "website")?,
        city: get(row, "city")?,
        state: get(row, "state")?,
        country: get(row, "country")?,
        abbreviated_timezone: get(row, "abbreviated_timezone")?,
        classification: get(row, "classification")?,
        last_site_activity: optional_time(row, "last_site_activity")?,
        disabled: get(row, "disabled")?,
        generic: get(row, "generic")?,
        manager_id: get(row, "manager_id")?,
        role_id: get(row, "role_id")?,
        photo_id: OptionalPhotoId::from(get::<Option<String>>(row, "photo_id")?),
        photo_thumbhash: get(row, "photo_thumbhash")?,
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
    })
}

pub(super) fn membership(row: &Row<'_>) -> rusqlite::Result<AccountMembership> {
    Ok(AccountMembership {
        id: get(row, "id")?,
        account_id: get(row, "account_id")?,
        user_id: get(row, "user_id")?,
        permission: get(row, "permission")?,
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
    })
}

pub(super) fn role(row: &Row<'_>) -> rusqlite::Result<Role> {
    Ok(Role {
        id: get(row, "id")?,
        account_id: get(row, "account_id")?,
        name: get(row, "name")?,
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
        deleted_at: optional_time(row, "deleted_at")?,
    })
}

pub(super) fn skill(row: &Row<'_>) -> rusqlite::Result<UserSkill> {
    Ok(UserSkill {
        user_id: get(row, "user_id")?,
        id: get(row, "id")?,
        name: get(row, "name")?,
        description: get(row, "description")?,
        max_level: get(row, "max_level")?,
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
    })
}

pub(super) fn skill_membership(row: &Row<'_>) -> rusqlite::Result<SkillMembership> {
    Ok(SkillMembership {
        id: get(row, "id")?,
        user_id: get(row, "user_id")?,
        skill_id: get(row, "skill_id")?,
        level: get(row, "level")?,
        max_level: get(row, "max_level")?,
        cached_skill_name: get(row, "cached_skill_name")?,
        creator_id: get(row, "creator_id")?,
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
    })
}

pub(super) fn work_sample(row: &Row<'_>) -> rusqlite::Result<WorkSample> {
    Ok(WorkSample {
        id: get(row, "id")?,
        user_id: get(row, "user_id")?,
        title: get(row, "title")?,
        description: get(row, "description")?,
        website_url: get(row, "website_url")?,
        trapped_website_url: get(row, "trapped_website_url")?,
        attachment_id: get(row, "attachment_id")?,
        attachment_filename: get(row, "attachment_filename")?,
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
    })
}

pub(super) fn field_value(row: &Row<'_>) -> rusqlite::Result<CustomFieldValue> {
    Ok(CustomFieldValue {
        id: get(row, "id")?,
        custom_field_id: get(row, "custom_field_id")?,
        custom_field_name: get(row, "custom_field_name")?,
        subject_type: get(row, "subject_type")?,
        subject_id: get(row, "subject_id")?,
        account_id: get(row, "account_id")?,
        field_type: get(row, "type")?,
        read_access: ReadAccess::from(get::<String>(row, "read_access")?),
        value: get(row, "value")?,
        display_value: get(row, "display_value")?,
        setter_id: get(row, "setter_id")?,
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
    })
}

pub(super) fn reference(row: &Row<'_>) -> rusqlite::Result<ExternalReference> {
    Ok(ExternalReference {
        id: get(row, "id")?,
        subject_type: get(row, "subject_type")?,
        subject_id: get(row, "subject_id")?,
        service_name: get(row, "service_name")?,
        service_model: get(row, "service_model")?,
        service_model_ref: get(row, "service_model_ref")?,
        status: get(row, "status")?,
        external_link: get(row, "external_link")?,
        external_message: get(row, "external_message")?,
        external_status: get(row, "external_status")?,
        locked: get(row, "locked")?,
        last_synced_at: optional_time(row, "last_synced_at")?,
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
    })
}
