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
