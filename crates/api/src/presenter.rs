//! Turns found users and their associations into the Kantata envelope (`views`): who asks and
//! what they asked for decide which keys appear. Inside objects: fields first, association ids
//! after, `id` last; every id a string.

use base64::prelude::{Engine, BASE64_STANDARD};
use portrait_store::{Associations, Includes, Principal, User};

use crate::params::OptionalFields;
use crate::photo_urls::PhotoUrls;
use crate::views::{self, Id, Keyed, ResultRef, Time, UsersEnvelope};

pub use crate::views::Meta;

/// What shapes a response: who asks, and what they asked for.
pub struct Presenter<'a> {
    pub viewer: &'a Principal,
    pub includes: Includes,
    pub optional: OptionalFields,
    pub urls: &'a PhotoUrls,
}

impl Presenter<'_> {
    pub fn envelope<'r>(
        &self,
        meta: Meta,
        users: &'r [User],
        found: &'r Associations,
    ) -> UsersEnvelope<'r> {
        let results = users
            .iter()
            .map(|u| ResultRef {
                key: "users",
                id: Id(u.id.0),
            })
            .collect();
        let mut users_map = Keyed::new();
        for user in users {
            users_map.insert(user.id.0, self.user(user, Some(found)));
        }
        for manager in &found.managers {
            users_map.insert_if_absent(manager.id.0, || self.user(manager, None));
        }

        let i = &self.includes;
        let can_edit = self.viewer.is_administrator();
        UsersEnvelope {
            count: meta.count,
            results,
            users: users_map,
            meta,
            account_memberships: i.account_membership.then(|| {
                Keyed::of(&found.account_memberships, |m| {
                    (m.id, views::AccountMembership::new(m))
                })
            }),
            custom_field_values: i.custom_field_values.then(|| {
                Keyed::of(&found.custom_field_values, |v| {
                    (v.id, views::CustomFieldValue::new(v, can_edit))
                })
            }),
            external_references: i.external_references.then(|| {
                Keyed::of(&found.external_references, |r| {
                    (r.id, views::ExternalReference::new(r))
                })
            }),
            roles: i
                .role
                .then(|| Keyed::of(&found.roles, |r| (r.id, views::Role::new(r)))),
            skill_memberships: i.skill_memberships.then(|| {
                Keyed::of(&found.skill_memberships, |m| {
                    (m.id, views::SkillMembership::new(m))
                })
            }),
            skills: i
                .skills
                .then(|| Keyed::of(&found.skills, |s| (s.id, views::Skill::new(s)))),
            work_samples: i
                .work_samples
                .then(|| Keyed::of(&found.work_samples, |w| (w.id, views::WorkSample::new(w)))),
        }
    }

    /// One User; `found` is `None` for users that only appear as someone's manager.
    fn user<'r>(&self, user: &'r User, found: Option<&Associations>) -> views::User<'r> {
        let f = &self.optional;
        let asked = |wanted: bool, value: &'r Option<String>| wanted.then_some(value.as_deref());
        let i = &self.includes;
        let uid = user.id.0;
        // Association ids only for the users asked for, and only for what `include` named.
        let linked = |wanted: bool| found.filter(|_| wanted);
        views::User {
            full_name: &user.full_name,
            photo_path: self.urls.photo_path(user.photo_id.0.as_ref()),
            email_address: &user.email_address,
            headline: user.headline.as_deref(),
            account_id: Id(user.account_id),
            disabled: user.disabled,
            generic: user.generic,
            bio: asked(f.bio, &user.bio),
            website: asked(f.website, &user.website),
            city: asked(f.city, &user.city),
            state: asked(f.state, &user.state),
            country: asked(f.country, &user.country),
            abbreviated_timezone: asked(f.abbreviated_timezone, &user.abbreviated_timezone),
            // Left out, not null, when the viewer may not see it.
            last_site_activity: (f.last_site_activity && self.viewer.is_administrator())
                .then(|| user.last_site_activity.map(Time)),
            classification: asked(f.classification, &user.classification),
            photo_renditions: f.photo_renditions.then(|| {
                let renditions = self.urls.renditions(user.photo_id.0.as_ref());
                renditions.map(views::PhotoRenditions::from)
            }),
            photo_thumbhash: f.photo_thumbhash.then(|| {
                let thumbhash = user.photo_id.0.as_ref().and(user.photo_thumbhash.as_ref());
                thumbhash.map(|bytes| BASE64_STANDARD.encode(bytes))
            }),
            account_membership_id: linked(i.account_membership).map(|found| {
                let membership = found.account_memberships.iter().find(|m| m.user_id == uid);
                membership.map(|m| Id(m.id))
            }),
            custom_field_value_ids: linked(i.custom_field_values).map(|found| {
                let of_user = found
                    .custom_field_values
                    .iter()
                    .filter(|v| v.subject_id == uid);
                of_user.map(|v| Id(v.id)).collect()
            }),
            external_reference_ids: linked(i.external_references).map(|found| {
                let of_user = found
                    .external_references
                    .iter()
                    .filter(|r| r.subject_id == uid);
                of_user.map(|r| Id(r.id)).collect()
            }),
            manager_id: linked(i.manager).map(|found| {
                let visible = user
                    .manager_id
                    .filter(|m| found.managers.iter().any(|u| u.id.0 == *m));
                visible.map(Id)
            }),
            role_id: linked(i.role).map(|_| user.role_id.map(Id)),
            skill_membership_ids: linked(i.skill_memberships).map(|found| {
                let of_user = found.skill_memberships.iter().filter(|m| m.user_id == uid);
                of_user.map(|m| Id(m.id)).collect()
            }),
            skill_ids: linked(i.skills).map(|found| {
                let of_user = found.skills.iter().filter(|s| s.user_id == uid);
                of_user.map(|s| Id(s.id)).collect()
            }),
            work_sample_ids: linked(i.work_samples).map(|found| {
                let of_user = found.work_samples.iter().filter(|w| w.user_id == uid);
                of_user.map(|w| Id(w.id)).collect()
            }),
            id: Id(uid),
        }
    }
}
