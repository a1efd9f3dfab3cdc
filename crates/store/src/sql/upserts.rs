//! What an import writes, independent of the database: for each fixture entry, its upsert text
//! (from `text.rs`) and the values in bind order. Both backends walk this list inside one
//! transaction, so which column gets which value is written once, not once per driver.

use std::borrow::Cow;

use chrono::{DateTime, Utc};

use crate::fixture::{Fixture, ImportReport};
use crate::sql::text;
use crate::TokenHash;

/// One bound value. The variants keep the Rust type each column was always bound with, so
/// PostgreSQL sees the same parameter types as before (`int4` for levels, `int8` for ids).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value<'a> {
    Int(Option<i64>),
    SmallInt(Option<i32>),
    Text(Option<Cow<'a, str>>),
    Bool(bool),
    /// A flag that `COALESCE` keeps when it is NULL.
    MaybeBool(Option<bool>),
    Time(Option<DateTime<Utc>>),
}

/// Which count of the [`ImportReport`] a row adds to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    Account,
    User,
    Token,
    Other,
}

impl Section {
    pub(crate) fn tally(self, report: &mut ImportReport) {
        match self {
            Section::Account => report.accounts += 1,
            Section::User => report.users += 1,
            Section::Token => report.tokens += 1,
            Section::Other => report.other_rows += 1,
        }
    }
}

#[derive(Debug)]
pub(crate) struct Upsert<'a> {
    pub sql: &'static str,
    pub values: Vec<Value<'a>>,
    pub section: Section,
}

fn int(v: i64) -> Value<'static> {
    Value::Int(Some(v))
}

fn text(v: &str) -> Value<'_> {
    Value::Text(Some(Cow::Borrowed(v)))
}

fn optional_text(v: &Option<String>) -> Value<'_> {
    Value::Text(v.as_deref().map(Cow::Borrowed))
}

fn owned(v: String) -> Value<'static> {
    Value::Text(Some(Cow::Owned(v)))
}

/// Every row of the fixture in the order the tables depend on each other (accounts first).
pub(crate) fn upserts(fixture: &Fixture, now: DateTime<Utc>) -> Vec<Upsert<'_>> {
    let now = Value::Time(Some(now));
    let mut rows = Vec::new();
    let mut push = |sql, section, values| {
        rows.push(Upsert {
            sql,
            values,
            section,
        })
    };
    for e in &fixture.accounts {
        let values = vec![int(e.id), text(&e.name), now.clone()];
        push(text::UPSERT_ACCOUNT, Section::Account, values);
    }
    for e in &fixture.roles {
        let values = vec![
            int(e.id),
            int(e.account_id),
            text(&e.name),
            Value::Time(e.deleted_at),
            now.clone(),
        ];
        push(text::UPSERT_ROLE, Section::Other, values);
    }
    for e in &fixture.users {
        let values = vec![
            int(e.id),
            int(e.account_id),
            text(&e.full_name),
            text(&e.email_address),
            optional_text(&e.headline),
            optional_text(&e.bio),
            optional_text(&e.website),
            optional_text(&e.city),
            optional_text(&e.state),
            optional_text(&e.country),
            optional_text(&e.abbreviated_timezone),
            optional_text(&e.classification),
            Value::Time(e.last_site_activity),
            Value::Bool(e.disabled),
            Value::Bool(e.generic),
            Value::Int(e.manager_id),
            Value::Int(e.role_id),
            now.clone(),
        ];
        push(text::UPSERT_USER, Section::User, values);
    }
    for e in &fixture.account_memberships {
        let values = vec![
            int(e.id),
            int(e.account_id),
            int(e.user_id),
            text(e.permission_name()),
            now.clone(),
        ];
        push(text::UPSERT_ACCOUNT_MEMBERSHIP, Section::Other, values);
    }
    for e in &fixture.skills {
        let values = vec![
            int(e.id),
            int(e.account_id),
            text(&e.name),
            optional_text(&e.description),
            Value::SmallInt(Some(e.max_level())),
            now.clone(),
        ];
        push(text::UPSERT_SKILL, Section::Other, values);
    }
    for e in &fixture.skill_memberships {
        let values = vec![
            int(e.id),
            int(e.user_id),
            int(e.skill_id),
            Value::SmallInt(e.level),
            Value::Int(e.creator_id),
            now.clone(),
        ];
        push(text::UPSERT_SKILL_MEMBERSHIP, Section::Other, values);
    }
    for e in &fixture.work_samples {
        let values = vec![
            int(e.id),
            int(e.user_id),
            text(&e.title),
            optional_text(&e.description),
            optional_text(&e.website_url),
            optional_text(&e.trapped_website_url),
            Value::Int(e.attachment_id),
            optional_text(&e.attachment_filename),
            now.clone(),
        ];
        push(text::UPSERT_WORK_SAMPLE, Section::Other, values);
    }
    for e in &fixture.custom_fields {
        let values = vec![
            int(e.id),
            int(e.account_id),
            text(&e.name),
            text(&e.field_type),
            text(e.read_access().unwrap_or_default().as_str()),
            now.clone(),
        ];
        push(text::UPSERT_CUSTOM_FIELD, Section::Other, values);
    }
    for e in &fixture.custom_field_values {
        // Without a display value, a string shows as itself and anything else as its JSON.
        let display = match (&e.display_value, &e.value) {
            (Some(display), _) => text(display),
            (None, serde_json::Value::String(s)) => text(s),
            (None, other) => owned(other.to_string()),
        };
        let values = vec![
            int(e.id),
            int(e.custom_field_id),
            text(&e.subject_type),
            int(e.subject_id),
            owned(e.value.to_string()),
            display,
            Value::Int(e.setter_id),
            now.clone(),
        ];
        push(text::UPSERT_CUSTOM_FIELD_VALUE, Section::Other, values);
    }
    for e in &fixture.external_references {
        let values = vec![
            int(e.id),
            text(&e.subject_type),
            int(e.subject_id),
            text(&e.service_name),
            text(&e.service_model),
            text(&e.service_model_ref),
            text(&e.status),
            optional_text(&e.external_link),
            optional_text(&e.external_message),
            optional_text(&e.external_status),
            Value::Bool(e.locked),
            Value::Time(e.last_synced_at),
            now.clone(),
        ];
        push(text::UPSERT_EXTERNAL_REFERENCE, Section::Other, values);
    }
    for e in &fixture.tokens {
        let values = vec![
            int(e.user_id),
            owned(TokenHash::of(&e.token).as_str().to_owned()),
            now.clone(),
        ];
        push(text::INSERT_TOKEN, Section::Token, values);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each statement gets exactly as many values as it has distinct placeholders.
    #[test]
    fn every_upsert_binds_each_placeholder_once() {
        let demo = Fixture::from_json(crate::fixture::DEMO).unwrap();
        let mut demo_with_token = demo.clone();
        demo_with_token.tokens.push(crate::fixture::TokenEntry {
            user_id: 10,
            token: "t".to_owned(),
        });
        let rows = upserts(&demo_with_token, Utc::now());
        assert!(rows.iter().any(|r| r.section == Section::Token));
        for row in rows {
            let highest = (1..=row.values.len() + 1)
                .take_while(|n| row.sql.contains(&format!("${n}")))
                .count();
            assert_eq!(highest, row.values.len(), "{}", row.sql);
        }
    }
}
