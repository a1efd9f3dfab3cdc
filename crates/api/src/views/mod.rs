//! The JSON bodies clients see, as types: the presenter serialises them straight into the
//! response and the OpenAPI document describes them, so the two cannot drift apart.
//!
//! Field order is wire order (serde_json keeps it): fields first, optional fields, association
//! ids, `id` last. Optional fields are `Option<Option<_>>`: the outer `None` leaves the key out
//! (not asked for), `Some(None)` is Kantata's `null`.

mod account_membership;
mod custom_field_value;
mod envelope;
mod errors;
mod external_reference;
mod id;
mod keyed;
mod meta;
mod role;
mod skill;
mod skill_membership;
mod time;
mod user;
mod work_sample;

pub use account_membership::AccountMembership;
pub use custom_field_value::CustomFieldValue;
pub use envelope::{ResultRef, UsersEnvelope};
pub use errors::{ErrorItem, Errors};
pub use external_reference::ExternalReference;
pub use id::{Id, Ids};
pub use keyed::Keyed;
pub use meta::Meta;
pub use role::Role;
pub use skill::Skill;
pub use skill_membership::SkillMembership;
pub use time::Time;
pub use user::{PhotoRenditions, User};
pub use work_sample::WorkSample;
