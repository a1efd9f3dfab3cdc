//! The Kantata response envelope: `count`, `results`, `users`, `meta`, then one key per
//! requested association. Inside objects: fields first, association ids after, `id` last;
//! every id a string.

use chrono::{DateTime, SecondsFormat, Utc};
use portrait_store::{Associations, Includes, Principal, User};
use serde_json::{json, Map, Value};

use crate::params::{OptionalFields, Paging, DEFAULT_PAGE_SIZE};
use crate::photo_urls::PhotoUrls;

/// The `meta` object and top-level `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meta {
    pub count: u64,
    pub page_count: u64,
    pub page_number: u64,
    pub page_size: u64,
}

impl Meta {
    /// A show or an update: always one record on page one of twenty.
    pub fn single() -> Self {
        Self {
            count: 1,
            page_count: 1,
            page_number: 1,
            page_size: DEFAULT_PAGE_SIZE,
        }
    }

    pub fn list(total: u64, paging: &Paging) -> Self {
        let size = paging.page.limit;
        if total == 0 {
            return Self {
                count: 0,
                page_count: 0,
                page_number: 0,
                page_size: size,
            };
        }
        Self {
            count: total,
            page_count: total.div_ceil(size),
            page_number: paging.page_number,
            page_size: size,
        }
    }
}

/// What shapes a response: who asks, and what they asked for.
pub struct Presenter<'a> {
    pub viewer: &'a Principal,
    pub includes: Includes,
    pub optional: OptionalFields,
    pub urls: &'a PhotoUrls,
}

impl Presenter<'_> {
    pub fn envelope(&self, meta: Meta, users: &[User], found: &Associations) -> Value {
        let mut body = Map::new();
        body.insert("count".into(), json!(meta.count));
        let results: Vec<Value> = users
            .iter()
            .map(|u| json!({"key": "users", "id": u.id.0.to_string()}))
            .collect();
        body.insert("results".into(), Value::Array(results));

        let mut users_map = Map::new();
        for user in users {
            users_map.insert(user.id.0.to_string(), self.user(user, Some(found)));
        }
        for manager in &found.managers {
            users_map
                .entry(manager.id.0.to_string())
                .or_insert_with(|| self.user(manager, None));
        }
        body.insert("users".into(), Value::Object(users_map));
        body.insert(
            "meta".into(),
            json!({
                "count": meta.count,
                "page_count": meta.page_count,
                "page_number": meta.page_number,
                "page_size": meta.page_size,
            }),
        );

        let i = &self.includes;
        if i.account_membership {
            body.insert(
                "account_memberships".into(),
                by_id(&found.account_memberships, |m| {
                    (
                        m.id,
                        json!({
                            "account_id": m.account_id.to_string(),
                            "user_id": m.user_id.to_string(),
                            "permission": m.permission,
                            "administrator": m.permission == "administrator",
                            "created_at": time(m.created_at),
                            "updated_at": time(m.updated_at),
                        }),
                    )
                }),
            );
        }
        if i.custom_field_values {
            let can_edit = self.viewer.is_administrator();
            body.insert(
                "custom_field_values".into(),
                by_id(&found.custom_field_values, |v| {
                    let value = serde_json::from_str(&v.value).unwrap_or(Value::Null);
                    (
                        v.id,
                        json!({
                            "custom_field_id": v.custom_field_id.to_string(),
                            "custom_field_name": v.custom_field_name,
                            "subject_type": v.subject_type,
                            "subject_id": v.subject_id,
                            "account_id": v.account_id,
                            "type": v.field_type,
                            "value": value,
                            "display_value": v.display_value,
                            "can_edit": can_edit,
                            "setter_id": v.setter_id.map(|id| id.to_string()),
                            "created_at": time(v.created_at),
                            "updated_at": time(v.updated_at),
                        }),
                    )
                }),
            );
        }
        if i.external_references {
            body.insert(
                "external_references".into(),
                by_id(&found.external_references, |r| {
                    (
                        r.id,
                        json!({
                            "service_name": r.service_name,
                            "service_model": r.service_model,
                            "service_model_ref": r.service_model_ref,
                            "subject_type": r.subject_type,
                            "subject_id": r.subject_id,
                            "status": r.status,
                            "external_link": r.external_link,
                            "external_message": r.external_message,
                            "external_status": r.external_status,
                            "locked": r.locked,
                            "last_synced_at": r.last_synced_at.map(time),
                            "created_at": time(r.created_at),
                            "updated_at": time(r.updated_at),
                        }),
                    )
                }),
            );
        }
        if i.role {
            body.insert(
                "roles".into(),
                by_id(&found.roles, |r| {
                    (
                        r.id,
                        json!({
                            "name": r.name,
                            "created_at": time(r.created_at),
                            "updated_at": time(r.updated_at),
                            "deleted_at": r.deleted_at.map(time),
                        }),
                    )
                }),
            );
        }
        if i.skill_memberships {
            body.insert(
                "skill_memberships".into(),
                by_id(&found.skill_memberships, |m| {
                    (
                        m.id,
                        json!({
                            "user_id": m.user_id.to_string(),
                            "skill_id": m.skill_id.to_string(),
                            "level": m.level,
                            "max_level": m.max_level,
                            "cached_skill_name": m.cached_skill_name,
                            "creator_id": m.creator_id.map(|id| id.to_string()),
                            "created_at": time(m.created_at),
                            "updated_at": time(m.updated_at),
                        }),
                    )
                }),
            );
        }
        if i.skills {
            body.insert(
                "skills".into(),
                by_id(&found.skills, |s| {
                    (
                        s.id,
                        json!({
                            "name": s.name,
                            "description": s.description,
                            "max_level": s.max_level.to_string(),
                            "created_at": time(s.created_at),
                            "updated_at": time(s.updated_at),
                        }),
                    )
                }),
            );
        }
        if i.work_samples {
            body.insert(
                "work_samples".into(),
                by_id(&found.work_samples, |w| {
                    (
                        w.id,
                        json!({
                            "title": w.title,
                            "description": w.description,
                            "website_url": w.website_url,
                            "trapped_website_url": w.trapped_website_url,
                            "attachment_id": w.attachment_id.map(|id| id.to_string()),
                            "attachment_filename": w.attachment_filename,
                        }),
                    )
                }),
            );
        }
        Value::Object(body)
    }

    /// One User; `found` is `None` for users that only appear as someone's manager.
    fn user(&self, user: &User, found: Option<&Associations>) -> Value {
        let mut o = Map::new();
        o.insert("full_name".into(), json!(user.full_name));
        o.insert(
            "photo_path".into(),
            json!(self.urls.photo_path(user.photo_id.0.as_ref())),
        );
        o.insert("email_address".into(), json!(user.email_address));
        o.insert("headline".into(), json!(user.headline));
        o.insert("account_id".into(), json!(user.account_id.to_string()));
        o.insert("disabled".into(), json!(user.disabled));
        o.insert("generic".into(), json!(user.generic));

        let f = &self.optional;
        let optional = [
            (f.bio, "bio", json!(user.bio)),
            (f.website, "website", json!(user.website)),
            (f.city, "city", json!(user.city)),
            (f.state, "state", json!(user.state)),
            (f.country, "country", json!(user.country)),
            (
                f.abbreviated_timezone,
                "abbreviated_timezone",
                json!(user.abbreviated_timezone),
            ),
        ];
        for (wanted, key, value) in optional {
            if wanted {
                o.insert(key.into(), value);
            }
        }
        // Left out, not null, when the viewer may not see it.
        if f.last_site_activity && self.viewer.is_administrator() {
            o.insert(
                "last_site_activity".into(),
                json!(user.last_site_activity.map(time)),
            );
        }
        if f.classification {
            o.insert("classification".into(), json!(user.classification));
        }

        if let Some(found) = found {
            let uid = user.id.0;
            let i = &self.includes;
            if i.account_membership {
                let membership = found.account_memberships.iter().find(|m| m.user_id == uid);
                o.insert(
                    "account_membership_id".into(),
                    json!(membership.map(|m| m.id.to_string())),
                );
            }
            if i.custom_field_values {
                let ids = ids(found
                    .custom_field_values
                    .iter()
                    .filter(|v| v.subject_id == uid)
                    .map(|v| v.id));
                o.insert("custom_field_value_ids".into(), ids);
            }
            if i.external_references {
                let ids = ids(found
                    .external_references
                    .iter()
                    .filter(|r| r.subject_id == uid)
                    .map(|r| r.id));
                o.insert("external_reference_ids".into(), ids);
            }
            if i.manager {
                let visible = user
                    .manager_id
                    .filter(|m| found.managers.iter().any(|u| u.id.0 == *m));
                o.insert("manager_id".into(), json!(visible.map(|id| id.to_string())));
            }
            if i.role {
                o.insert(
                    "role_id".into(),
                    json!(user.role_id.map(|id| id.to_string())),
                );
            }
            if i.skill_memberships {
                let ids = ids(found
                    .skill_memberships
                    .iter()
                    .filter(|m| m.user_id == uid)
                    .map(|m| m.id));
                o.insert("skill_membership_ids".into(), ids);
            }
            if i.skills {
                let ids = ids(found
                    .skills
                    .iter()
                    .filter(|s| s.user_id == uid)
                    .map(|s| s.id));
                o.insert("skill_ids".into(), ids);
            }
            if i.work_samples {
                let ids = ids(found
                    .work_samples
                    .iter()
                    .filter(|w| w.user_id == uid)
                    .map(|w| w.id));
                o.insert("work_sample_ids".into(), ids);
            }
        }
        o.insert("id".into(), json!(user.id.0.to_string()));
        Value::Object(o)
    }
}

/// ISO 8601 with offset, to the second: `2024-05-01T10:00:00Z`.
pub fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn ids(ids: impl Iterator<Item = i64>) -> Value {
    Value::Array(ids.map(|id| Value::String(id.to_string())).collect())
}

/// A top-level association map keyed by string id, each object ending in its `id`.
fn by_id<T>(rows: &[T], render: impl Fn(&T) -> (i64, Value)) -> Value {
    let mut map = Map::new();
    for row in rows {
        let (id, mut value) = render(row);
        if let Value::Object(object) = &mut value {
            object.insert("id".into(), json!(id.to_string()));
        }
        map.insert(id.to_string(), value);
    }
    Value::Object(map)
}
