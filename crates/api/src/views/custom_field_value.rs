use portrait_store as store;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::{Id, Time};

/// A custom field's value on a user; only values the caller may read are returned.
#[derive(Serialize, ToSchema)]
pub struct CustomFieldValue<'a> {
    #[schema(value_type = String)]
    pub custom_field_id: Id,
    pub custom_field_name: &'a str,
    pub subject_type: &'a str,
    pub subject_id: i64,
    pub account_id: i64,
    /// `string`, `date`, `number`, `currency`, `single` or `multi`.
    #[serde(rename = "type")]
    pub field_type: &'a str,
    /// JSON of the field's type; null if the stored value is not JSON.
    pub value: Value,
    pub display_value: &'a str,
    pub can_edit: bool,
    #[schema(value_type = Option<String>, required = true)]
    pub setter_id: Option<Id>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Time,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Time,
    #[schema(value_type = String)]
    pub id: Id,
}

impl<'a> CustomFieldValue<'a> {
    pub fn new(v: &'a store::CustomFieldValue, can_edit: bool) -> Self {
        Self {
            custom_field_id: Id(v.custom_field_id),
            custom_field_name: &v.custom_field_name,
            subject_type: &v.subject_type,
            subject_id: v.subject_id,
            account_id: v.account_id,
            field_type: &v.field_type,
            // The store keeps the value as JSON text; parsing it normalises it as clients
            // have always seen it.
            value: serde_json::from_str(&v.value).unwrap_or(Value::Null),
            display_value: &v.display_value,
            can_edit,
            setter_id: v.setter_id.map(Id),
            created_at: Time(v.created_at),
            updated_at: Time(v.updated_at),
            id: Id(v.id),
        }
    }
}
