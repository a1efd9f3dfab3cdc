use serde::Serialize;
use utoipa::ToSchema;

/// `{"errors": [...]}`
#[derive(Serialize, ToSchema)]
pub struct Errors<'a> {
    pub errors: Vec<ErrorItem<'a>>,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorItem<'a> {
    /// `oauth`, `system`, `syntax` or `validation`.
    #[serde(rename = "type")]
    #[schema(example = "validation")]
    pub kind: &'a str,
    pub message: &'a str,
    /// For validation errors: the input at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "profile_photo_attachment_file")]
    pub field: Option<&'a str>,
}

impl<'a> Errors<'a> {
    /// The single error every failure answers with.
    pub fn one(kind: &'a str, message: &'a str, field: Option<&'a str>) -> Self {
        Self {
            errors: vec![ErrorItem {
                kind,
                message,
                field,
            }],
        }
    }
}
