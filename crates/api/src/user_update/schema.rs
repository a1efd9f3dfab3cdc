//! The request bodies of `PUT /users/{id}` as the OpenAPI document shows them. Only documentation:
//! the handler reads the body through [`super::parse`], which checks more than a schema can say.

use utoipa::ToSchema;

/// `application/json`.
#[derive(ToSchema)]
pub struct UpdateUserJson {
    pub user: UpdateUserFields,
}

/// Every key is optional; keys not listed here (`id`, `account_id`, `photo_path`, …) are
/// ignored.
#[derive(ToSchema)]
pub struct UpdateUserFields {
    /// Not blank; at most 255 characters.
    #[schema(max_length = 255, nullable = false)]
    pub full_name: Option<String>,
    /// At most 255 characters; `null` clears it.
    #[schema(max_length = 255)]
    pub headline: Option<String>,
    /// At most 254 characters, not used by another user (compared case-insensitively). Applied
    /// at once: Kantata's re-verification of a changed address is outside portrait.
    #[schema(max_length = 254, format = "email", nullable = false)]
    pub email_address: Option<String>,
    #[schema(nullable = false)]
    pub external_reference: Option<UpdateExternalReference>,
}

/// One reference per request; a second PUT with the same `service_name` updates that
/// reference instead of adding one.
#[derive(ToSchema)]
pub struct UpdateExternalReference {
    #[schema(max_length = 255, min_length = 1)]
    pub service_name: String,
    #[schema(max_length = 255, min_length = 1)]
    pub service_model: String,
    #[schema(max_length = 255, min_length = 1)]
    pub service_model_ref: String,
    /// A new reference without one is `pending`; an existing one keeps its status.
    #[schema(nullable = false)]
    pub status: Option<ReferenceStatus>,
    /// At most 255 characters; `null` clears it.
    #[schema(max_length = 255)]
    pub external_message: Option<String>,
    /// At most 2048 characters; `null` clears it.
    #[schema(max_length = 2048)]
    pub external_link: Option<String>,
    /// At most 255 characters; `null` clears it.
    #[schema(max_length = 255)]
    pub external_status: Option<String>,
    /// A new reference without it is unlocked; an existing one keeps its flag.
    #[schema(nullable = false)]
    pub locked: Option<bool>,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum ReferenceStatus {
    Pending,
    Successful,
    Failed,
}

/// `application/x-www-form-urlencoded`, Rails-structured; the same rules as the JSON body.
#[derive(ToSchema)]
pub struct UpdateUserForm {
    #[schema(rename = "user[full_name]", nullable = false)]
    pub full_name: Option<String>,
    #[schema(rename = "user[headline]", nullable = false)]
    pub headline: Option<String>,
    #[schema(rename = "user[email_address]", nullable = false)]
    pub email_address: Option<String>,
    #[schema(rename = "user[external_reference][service_name]", nullable = false)]
    pub service_name: Option<String>,
    #[schema(rename = "user[external_reference][service_model]", nullable = false)]
    pub service_model: Option<String>,
    #[schema(
        rename = "user[external_reference][service_model_ref]",
        nullable = false
    )]
    pub service_model_ref: Option<String>,
    #[schema(rename = "user[external_reference][status]", nullable = false)]
    pub status: Option<String>,
    #[schema(
        rename = "user[external_reference][external_message]",
        nullable = false
    )]
    pub external_message: Option<String>,
    #[schema(rename = "user[external_reference][external_link]", nullable = false)]
    pub external_link: Option<String>,
    #[schema(rename = "user[external_reference][external_status]", nullable = false)]
    pub external_status: Option<String>,
    /// `true`, `false`, `1` or `0`.
    #[schema(rename = "user[external_reference][locked]", nullable = false)]
    pub locked: Option<bool>,
}
