//! The checks of `PUT /users/{id}`, over the decoded body: each failure is a 422 naming its
//! field, and the first one found is the one reported. Keys that are not writable (`id`,
//! `account_id`, `photo_path`, …) are ignored, as Rails' strong parameters drop them.

use portrait_store::{ExternalReferenceUpdate, SyncStatus, UserUpdate};
use serde_json::{Map, Value};

use super::limits;
use super::Encoding;
use crate::error::ApiError;

fn invalid(field: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::Validation {
        field,
        message: message.into(),
    }
}

pub fn validate(body: &Value, encoding: Encoding) -> Result<UserUpdate, ApiError> {
    let user = body
        .get("user")
        .and_then(Value::as_object)
        .ok_or_else(|| invalid("user", "The body must hold a user object"))?;
    let full_name = match user.get("full_name") {
        None => None,
        Some(value) => {
            let name = string(value, "full_name", limits::FULL_NAME)?;
            if name.trim().is_empty() {
                return Err(invalid("full_name", "full_name can't be blank"));
            }
            Some(name)
        }
    };
    let headline = nullable(user, "headline", "headline", limits::HEADLINE)?;
    let email_address = match user.get("email_address") {
        None => None,
        Some(value) => {
            let email = string(value, "email_address", limits::EMAIL_ADDRESS)?;
            if !is_email_address(&email) {
                return Err(invalid("email_address", "email_address is invalid"));
            }
            Some(email)
        }
    };
    let external_reference = match user.get("external_reference") {
        None => None,
        Some(Value::Object(reference)) => Some(external_reference(reference, encoding)?),
        Some(_) => {
            return Err(invalid(
                "external_reference",
                "external_reference must be an object (one reference per request)",
            ))
        }
    };
    Ok(UserUpdate {
        full_name,
        headline,
        email_address,
        external_reference,
    })
}

fn external_reference(
    reference: &Map<String, Value>,
    encoding: Encoding,
) -> Result<ExternalReferenceUpdate, ApiError> {
    let required = |key: &str, field: &'static str| match reference.get(key) {
        None => Err(invalid(field, format!("{field} is required"))),
        Some(value) => {
            let text = string(value, field, limits::REFERENCE_TEXT)?;
            if text.trim().is_empty() {
                return Err(invalid(field, format!("{field} can't be blank")));
            }
            Ok(text)
        }
    };
    let service_name = required("service_name", "external_reference.service_name")?;
    let service_model = required("service_model", "external_reference.service_model")?;
    let service_model_ref = required("service_model_ref", "external_reference.service_model_ref")?;
    let status = match reference.get("status") {
        None => None,
        Some(value) => {
            let field = "external_reference.status";
            let parsed = value.as_str().and_then(SyncStatus::parse);
            Some(parsed.ok_or_else(|| {
                invalid(
                    field,
                    format!("{field} must be pending, successful or failed"),
                )
            })?)
        }
    };
    let locked = match reference.get("locked") {
        None => None,
        Some(value) => Some(boolean(value, encoding).ok_or_else(|| {
            invalid(
                "external_reference.locked",
                "external_reference.locked must be true or false",
            )
        })?),
    };
    Ok(ExternalReferenceUpdate {
        service_name,
        service_model,
        service_model_ref,
        status,
        external_message: nullable(
            reference,
            "external_message",
            "external_reference.external_message",
            limits::REFERENCE_TEXT,
        )?,
        external_link: nullable(
            reference,
            "external_link",
            "external_reference.external_link",
            limits::EXTERNAL_LINK,
        )?,
        external_status: nullable(
            reference,
            "external_status",
            "external_reference.external_status",
            limits::REFERENCE_TEXT,
        )?,
        locked,
    })
}

/// A JSON boolean; a form can only say it as text, the way Rails casts it.
fn boolean(value: &Value, encoding: Encoding) -> Option<bool> {
    match (value, encoding) {
        (Value::Bool(flag), _) => Some(*flag),
        (Value::String(text), Encoding::Form) => match text.as_str() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// A string of at most `max` characters. NUL is refused: PostgreSQL cannot store it in text.
fn string(value: &Value, field: &'static str, max: usize) -> Result<String, ApiError> {
    let text = value
        .as_str()
        .ok_or_else(|| invalid(field, format!("{field} must be a string")))?;
    if text.chars().count() > max {
        return Err(invalid(
            field,
            format!("{field} is too long (maximum is {max} characters)"),
        ));
    }
    if text.contains('\0') {
        return Err(invalid(field, format!("{field} must not contain NUL")));
    }
    Ok(text.to_owned())
}

/// Absent: unchanged. `null`: cleared. A string: set.
fn nullable(
    object: &Map<String, Value>,
    key: &str,
    field: &'static str,
    max: usize,
) -> Result<Option<Option<String>>, ApiError> {
    match object.get(key) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(value) => Ok(Some(Some(string(value, field, max)?))),
    }
}

/// A practical check, not RFC 5322's grammar: one `@`, a local part of at most 64 characters
/// without spaces or the characters only quoted local parts may hold, and a domain of at least
/// two dot-separated labels of letters, digits and inner hyphens (non-ASCII letters allowed for
/// internationalised domains).
fn is_email_address(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.chars().count() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && !"@,;:<>()[]\\\"".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.chars().count() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c == '-' || c.is_alphanumeric())
        });
    local_ok && domain_ok
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn field_of(body: Value) -> &'static str {
        match validate(&body, Encoding::Json) {
            Err(ApiError::Validation { field, .. }) => field,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn addresses() {
        for good in [
            "ada@acme.test",
            "a.b+tag@sub.acme.test",
            "ü@bücher.de",
            "x@a-b.io",
        ] {
            assert!(is_email_address(good), "{good}");
        }
        for bad in [
            "",
            "ada",
            "@acme.test",
            "ada@",
            "ada@acme",
            "ada@@acme.test",
            "a b@acme.test",
            "ada@acme..test",
            "ada@-acme.test",
            ".ada@acme.test",
            "ada@acme.test ",
            "a\"b@acme.test",
        ] {
            assert!(!is_email_address(bad), "{bad}");
        }
    }

    #[test]
    fn each_failure_names_its_field() {
        assert_eq!(field_of(json!([])), "user");
        assert_eq!(field_of(json!({"user": "x"})), "user");
        assert_eq!(field_of(json!({"user": {"full_name": " \t"}})), "full_name");
        assert_eq!(field_of(json!({"user": {"full_name": null}})), "full_name");
        assert_eq!(field_of(json!({"user": {"headline": 7}})), "headline");
        assert_eq!(
            field_of(json!({"user": {"headline": "x".repeat(limits::HEADLINE + 1)}})),
            "headline"
        );
        assert_eq!(
            field_of(json!({"user": {"email_address": "x"}})),
            "email_address"
        );
        assert_eq!(
            field_of(json!({"user": {"external_reference": [{}]}})),
            "external_reference"
        );
        assert_eq!(
            field_of(
                json!({"user": {"external_reference": {"service_name": "a", "service_model": "b"}}})
            ),
            "external_reference.service_model_ref"
        );
        let reference = |extra: Value| {
            let mut r =
                json!({"service_name": "a", "service_model": "b", "service_model_ref": "c"});
            r.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            json!({"user": {"external_reference": r}})
        };
        assert_eq!(
            field_of(reference(json!({"status": "done"}))),
            "external_reference.status"
        );
        assert_eq!(
            field_of(reference(json!({"locked": "true"}))),
            "external_reference.locked"
        );
        assert_eq!(
            field_of(reference(
                json!({"external_link": "x".repeat(limits::EXTERNAL_LINK + 1)})
            )),
            "external_reference.external_link"
        );
        assert_eq!(
            field_of(json!({"user": {"full_name": "a\u{0}b"}})),
            "full_name"
        );
    }

    #[test]
    fn limits_count_characters_not_bytes() {
        let name = "é".repeat(limits::FULL_NAME);
        let update = validate(&json!({"user": {"full_name": name}}), Encoding::Json).unwrap();
        assert_eq!(update.full_name.unwrap().chars().count(), limits::FULL_NAME);
    }

    #[test]
    fn read_only_keys_are_ignored_and_nulls_clear() {
        let update = validate(
            &json!({"user": {"id": "99", "account_id": 2, "photo_path": "x", "headline": null}}),
            Encoding::Json,
        )
        .unwrap();
        assert_eq!(
            update,
            UserUpdate {
                headline: Some(None),
                ..UserUpdate::default()
            }
        );
    }

    #[test]
    fn forms_say_booleans_as_text() {
        let body = json!({"user": {"external_reference": {
            "service_name": "a", "service_model": "b", "service_model_ref": "c", "locked": "1"
        }}});
        let update = validate(&body, Encoding::Form).unwrap();
        assert_eq!(update.external_reference.unwrap().locked, Some(true));
    }
}
