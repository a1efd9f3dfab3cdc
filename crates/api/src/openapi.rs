//! The OpenAPI 3.1 document's frame. Its paths come from the route list (`routes::api`), its
//! response bodies from `views`; the types here describe only what requests send.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "portrait",
        description = "The Kantata OX (formerly Mavenlink) Users API around Update Profile Photo."
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "Users", description = "Kantata OX users and their profile photos"),
        (name = "Photos", description = "Public, immutable photo files"),
        (name = "Operations", description = "Health and readiness"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The multipart form of an upload.
#[derive(ToSchema)]
pub struct PhotoUploadForm {
    #[schema(rename = "user[profile_photo_attachment_file]", value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

/// The JSON form of an upload.
#[derive(ToSchema)]
pub struct PhotoUploadJson {
    pub user: PhotoUploadJsonUser,
}

#[derive(ToSchema)]
pub struct PhotoUploadJsonUser {
    /// The file, base64 encoded, or a `data:image/...;base64,` URL.
    pub profile_photo_attachment_file: String,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IncludeParam {
    /// Comma-separated: account_membership, custom_field_values, external_references, manager,
    /// role, skill_memberships, skills, work_samples. Unknown names are ignored.
    pub include: Option<String>,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OptionalFieldsParam {
    /// Comma-separated (or `optional_fields[]=` repeated): bio, website, city, state, country,
    /// abbreviated_timezone, last_site_activity (administrators only), classification.
    pub optional_fields: Option<String>,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Page number, from 1.
    pub page: Option<u64>,
    /// Page size, 1 to 200 (default 20).
    pub per_page: Option<u64>,
    /// With `offset`, overrides page and per_page.
    pub limit: Option<u64>,
    pub offset: Option<u64>,
    /// Comma-separated user ids.
    pub only: Option<String>,
    /// `alphabetical:asc` (the default, as in Kantata) or `alphabetical:desc`; users with the
    /// same name come in id order either way.
    #[param(default = "alphabetical:asc")]
    pub order: Option<String>,
    /// Only users with a membership on the caller's account.
    pub on_my_account: Option<bool>,
    /// Include disabled users.
    pub show_disabled: Option<bool>,
    /// Users whose email address is exactly this one (case-insensitive).
    pub by_email_address: Option<String>,
    /// Comma-separated email addresses, up to 200: users with any of them.
    pub by_email_addresses: Option<String>,
    /// All or part of the full name (case-insensitive).
    pub by_full_name: Option<String>,
    /// All or part of the full name or of the role's name.
    pub by_full_name_or_account_role: Option<String>,
    /// All or part of the full name or of the email address.
    pub search: Option<String>,
    /// Comma-separated role ids.
    pub account_role_ids: Option<String>,
    /// Comma-separated user ids to keep.
    pub with_users: Option<String>,
    /// Comma-separated user ids to leave out.
    pub without_users: Option<String>,
    /// ISO 8601; also a date (midnight UTC) or a date-time without offset (UTC).
    #[param(format = DateTime)]
    pub created_after: Option<String>,
    #[param(format = DateTime)]
    pub created_before: Option<String>,
    #[param(format = DateTime)]
    pub updated_after: Option<String>,
    #[param(format = DateTime)]
    pub updated_before: Option<String>,
    /// Only users whose account permission is project lead or above.
    pub is_project_lead: Option<bool>,
    /// Only users whose account permission is reports viewer or above.
    pub can_view_reports: Option<bool>,
    /// Only the caller's account has users here: another account's id matches nobody.
    pub account_id: Option<i64>,
    /// `{"skill_id":[level,…],…,"operation":"and"|"or"}`; an empty level list is any level.
    pub with_skills: Option<String>,
    /// Comma-separated skill ids: users with none of them.
    pub without_skills: Option<String>,
    /// Only users who manage someone.
    pub managers: Option<bool>,
    /// `(field_id:text):(field_id:text)` or `field_id:text;…`; a bare `field_id` is any value.
    /// Only fields the caller may read match (also for the other custom-field filters).
    pub by_custom_text_value: Option<String>,
    /// `(field_id:number):(field_id:number)`.
    pub by_custom_number_value: Option<String>,
    /// `(field_id:from:to):(field_id:from)`, dates `YYYY-MM-DD`, either end may be empty.
    pub by_custom_date_value: Option<String>,
    /// `field_id:choice_id,choice_id` or `field_id:blank`; several fields as `(…):(…)`.
    pub by_custom_choice_value: Option<String>,
    /// `(field_id:amount:CODE):(field_id:amount)`.
    pub by_custom_currency_value: Option<String>,
    /// Comma-separated custom field ids: users with a value for every one.
    pub has_value_for_custom_field_ids: Option<String>,
    /// With (`true`) or without (`false`) external references.
    pub has_external_references: Option<bool>,
    /// The `external_reference_*` filters match one reference on every part given.
    pub external_reference_service_name: Option<String>,
    pub external_reference_service_model: Option<String>,
    pub external_reference_service_model_ref: Option<String>,
    /// Comma-separated, up to 200.
    pub external_reference_service_model_refs: Option<String>,
    /// `pending`, `successful` or `failed`.
    pub external_reference_status: Option<String>,
    pub external_reference_external_status: Option<String>,
    pub external_reference_external_message: Option<String>,
    /// Users with no external reference of this service.
    pub without_external_reference_service_name: Option<String>,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CropParams {
    /// Left edge of the square crop box, in pixels of the upright image.
    pub crop_x: Option<u32>,
    /// Top edge of the crop box.
    pub crop_y: Option<u32>,
    /// Side of the crop box.
    pub crop_w: Option<u32>,
}
