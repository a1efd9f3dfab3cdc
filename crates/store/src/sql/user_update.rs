//! What `update_user` binds, independent of the database: each backend runs the same statements
//! (`text.rs`) with these values, in this order, inside one transaction.

use std::borrow::Cow;

use chrono::{DateTime, Utc};

use crate::sql::upserts::Value;
use crate::update::{ExternalReferenceUpdate, SyncStatus, UserUpdate};
use crate::UserId;

fn text(v: &str) -> Value<'_> {
    Value::Text(Some(Cow::Borrowed(v)))
}

fn maybe_text(v: Option<&str>) -> Value<'_> {
    Value::Text(v.map(Cow::Borrowed))
}

/// A column that may be cleared: whether it changes, then its new value.
fn settable(v: &Option<Option<String>>) -> [Value<'_>; 2] {
    [
        Value::Bool(v.is_some()),
        maybe_text(v.as_ref().and_then(|inner| inner.as_deref())),
    ]
}

/// [`crate::sql::text::UPDATE_USER`]'s values, or `None` when the row itself does not change.
pub(crate) fn user_row<'a>(
    user: UserId,
    update: &'a UserUpdate,
    now: DateTime<Utc>,
) -> Option<Vec<Value<'a>>> {
    update.changes_user_row().then(|| {
        let [headline_changes, headline] = settable(&update.headline);
        vec![
            maybe_text(update.full_name.as_deref()),
            headline_changes,
            headline,
            maybe_text(update.email_address.as_deref()),
            Value::Time(Some(now)),
            Value::Int(Some(user.0)),
        ]
    })
}

/// [`crate::sql::text::UPDATE_EXTERNAL_REFERENCE`]'s values.
pub(crate) fn reference_update<'a>(
    user: UserId,
    reference: &'a ExternalReferenceUpdate,
    now: DateTime<Utc>,
) -> Vec<Value<'a>> {
    let mut values = vec![
        text(&reference.service_model),
        text(&reference.service_model_ref),
        maybe_text(reference.status.map(SyncStatus::as_str)),
    ];
    values.extend(settable(&reference.external_message));
    values.extend(settable(&reference.external_link));
    values.extend(settable(&reference.external_status));
    values.extend([
        Value::MaybeBool(reference.locked),
        Value::Time(Some(now)),
        Value::Int(Some(user.0)),
        text(&reference.service_name),
    ]);
    values
}

/// [`crate::sql::text::INSERT_EXTERNAL_REFERENCE`]'s values: what was not given starts empty,
/// pending and unlocked.
pub(crate) fn reference_insert<'a>(
    user: UserId,
    reference: &'a ExternalReferenceUpdate,
    now: DateTime<Utc>,
) -> Vec<Value<'a>> {
    let given = |v: &'a Option<Option<String>>| maybe_text(v.as_ref().and_then(|i| i.as_deref()));
    vec![
        Value::Int(Some(user.0)),
        text(&reference.service_name),
        text(&reference.service_model),
        text(&reference.service_model_ref),
        text(reference.status.unwrap_or(SyncStatus::Pending).as_str()),
        given(&reference.external_link),
        given(&reference.external_message),
        given(&reference.external_status),
        Value::Bool(reference.locked.unwrap_or(false)),
        Value::Time(Some(now)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::text;

    fn placeholders(sql: &str) -> usize {
        (1..100)
            .take_while(|n| sql.contains(&format!("${n}")))
            .count()
    }

    #[test]
    fn each_statement_gets_one_value_per_placeholder() {
        let reference = ExternalReferenceUpdate {
            service_name: "crm".into(),
            service_model: "Contact".into(),
            service_model_ref: "c-1".into(),
            status: None,
            external_message: Some(None),
            external_link: None,
            external_status: Some(Some("open".into())),
            locked: Some(true),
        };
        let update = UserUpdate {
            full_name: Some("A".into()),
            ..UserUpdate::default()
        };
        let now = Utc::now();
        let user = UserId(1);
        let row = user_row(user, &update, now).unwrap();
        assert_eq!(row.len(), placeholders(text::UPDATE_USER));
        assert_eq!(
            reference_update(user, &reference, now).len(),
            placeholders(text::UPDATE_EXTERNAL_REFERENCE)
        );
        assert_eq!(
            reference_insert(user, &reference, now).len(),
            placeholders(text::INSERT_EXTERNAL_REFERENCE)
        );
        assert!(user_row(user, &UserUpdate::default(), now).is_none());
    }
}
