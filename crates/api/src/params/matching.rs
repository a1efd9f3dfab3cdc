//! Kantata's `GET /users` filters over data portrait holds, parsed into the store's
//! [`Matching`]. Blank values are absent, as for every parameter; a boolean or a date-time that
//! cannot be read is a 400 naming the parameter.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use portrait_store::{
    CustomValueMatch, Matching, Permission, ReferenceMatch, SkillMatch, ValueTest,
};
use serde_json::Value;

use super::{id_list, QueryPairs};
use crate::error::ApiError;

/// Kantata's limit for the list filters that take addresses or external ids.
const MAX_LIST_ITEMS: usize = 200;

pub fn matching(query: &QueryPairs) -> Result<Matching, ApiError> {
    let mut permission_at_least = None;
    // Both given: both must hold, so the higher rung (reports viewer is above project lead).
    for (key, rung) in [
        ("is_project_lead", Permission::ProjectLead),
        ("can_view_reports", Permission::ReportsViewer),
    ] {
        if query.boolean(key)? {
            permission_at_least = Some(rung);
        }
    }
    Ok(Matching {
        account_id: query.integer("account_id"),
        email_addresses: intersect(
            query
                .text("by_email_address")
                .map(|a| vec![a.trim().to_owned()]),
            list(query, "by_email_addresses")?,
        ),
        full_name: owned(query, "by_full_name"),
        full_name_or_role: owned(query, "by_full_name_or_account_role"),
        search: owned(query, "search"),
        role_ids: id_list(query, "account_role_ids"),
        with_users: id_list(query, "with_users"),
        without_users: id_list(query, "without_users").unwrap_or_default(),
        created_after: time(query, "created_after")?,
        created_before: time(query, "created_before")?,
        updated_after: time(query, "updated_after")?,
        updated_before: time(query, "updated_before")?,
        permission_at_least,
        managers: query.boolean("managers")?,
        with_skills: query.text("with_skills").map(skills).transpose()?,
        without_skills: id_list(query, "without_skills").unwrap_or_default(),
        custom_values: custom_values(query)?,
        has_external_references: query.optional_boolean("has_external_references")?,
        external_reference: ReferenceMatch {
            service_name: owned(query, "external_reference_service_name"),
            service_model: owned(query, "external_reference_service_model"),
            service_model_refs: intersect(
                query
                    .text("external_reference_service_model_ref")
                    .map(|r| vec![r.trim().to_owned()]),
                list(query, "external_reference_service_model_refs")?,
            ),
            status: owned(query, "external_reference_status"),
            external_status: owned(query, "external_reference_external_status"),
            external_message: owned(query, "external_reference_external_message"),
        },
        without_reference_service: owned(query, "without_external_reference_service_name"),
    })
}

fn owned(query: &QueryPairs, key: &str) -> Option<String> {
    query.text(key).map(str::to_owned)
}

/// `a,b,c`, trimmed, blanks dropped; at most [`MAX_LIST_ITEMS`].
fn list(query: &QueryPairs, key: &str) -> Result<Option<Vec<String>>, ApiError> {
    let Some(text) = query.text(key) else {
        return Ok(None);
    };
    let items: Vec<String> = text
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect();
    if items.len() > MAX_LIST_ITEMS {
        return Err(ApiError::BadParameter(format!(
            "parameter {key} takes at most {MAX_LIST_ITEMS} values"
        )));
    }
    Ok(Some(items))
}

/// Two filters on one column: a row must pass both (case-insensitively, as they compare).
fn intersect(one: Option<Vec<String>>, other: Option<Vec<String>>) -> Option<Vec<String>> {
    match (one, other) {
        (Some(one), Some(other)) => Some(
            one.into_iter()
                .filter(|a| other.iter().any(|b| a.eq_ignore_ascii_case(b)))
                .collect(),
        ),
        (one, other) => one.or(other),
    }
}

/// `{"skill_id":[level,level],"skill_id":[level],"operation":"and"|"or"}`, as Kantata writes it.
fn skills(text: &str) -> Result<SkillMatch, ApiError> {
    let bad = || {
        ApiError::BadParameter(
            "parameter with_skills must be like {\"5\":[3,4],\"6\":[],\"operation\":\"or\"}".into(),
        )
    };
    let Ok(Value::Object(object)) = serde_json::from_str::<Value>(text) else {
        return Err(bad());
    };
    let mut wanted = SkillMatch::default();
    for (key, value) in object {
        if key == "operation" {
            wanted.any = match value.as_str() {
                Some("or") => true,
                Some("and") => false,
                _ => return Err(bad()),
            };
            continue;
        }
        let skill: i64 = key.parse().map_err(|_| bad())?;
        let levels = match value {
            Value::Array(levels) => levels
                .iter()
                .map(|level| level.as_i64().ok_or_else(bad))
                .collect::<Result<Vec<i64>, _>>()?,
            Value::Number(level) => vec![level.as_i64().ok_or_else(bad)?],
            _ => return Err(bad()),
        };
        wanted.skills.push((skill, levels));
    }
    if wanted.skills.len() > MAX_LIST_ITEMS {
        return Err(bad());
    }
    Ok(wanted)
}

/// The five `by_custom_*_value` filters and `has_value_for_custom_field_ids`, each field's
/// condition on its own (Kantata: several fields must all match; several values of one field,
/// any of them).
fn custom_values(query: &QueryPairs) -> Result<Vec<CustomValueMatch>, ApiError> {
    let mut conditions: Vec<CustomValueMatch> = Vec::new();
    for kind in CustomKind::ALL {
        let Some(text) = query.text(kind.parameter()) else {
            continue;
        };
        let bad = || {
            ApiError::BadParameter(format!(
                "parameter {} must be like {}",
                kind.parameter(),
                kind.example()
            ))
        };
        let mut fields: Vec<CustomValueMatch> = Vec::new();
        for item in custom_items(text) {
            let (field, rest) = match item.split_once(':') {
                Some((field, rest)) => (field, Some(rest)),
                None => (item, None),
            };
            let field_id: i64 = field.trim().parse().map_err(|_| bad())?;
            let tests = match rest {
                None if kind == CustomKind::Text => vec![ValueTest::Any],
                None => return Err(bad()),
                Some(rest) => kind.tests(rest).ok_or_else(bad)?,
            };
            match fields.iter_mut().find(|c| c.field_id == field_id) {
                Some(same_field) => same_field.tests.extend(tests),
                None => fields.push(CustomValueMatch { field_id, tests }),
            }
        }
        conditions.extend(fields);
    }
    if let Some(ids) = id_list(query, "has_value_for_custom_field_ids") {
        conditions.extend(ids.into_iter().map(|field_id| CustomValueMatch {
            field_id,
            tests: vec![ValueTest::Any],
        }));
    }
    if conditions.len() > MAX_LIST_ITEMS {
        return Err(ApiError::BadParameter(format!(
            "the custom field filters take at most {MAX_LIST_ITEMS} conditions"
        )));
    }
    Ok(conditions)
}

/// `(a):(b)` or `a;b` or `a`.
fn custom_items(text: &str) -> Vec<&str> {
    let text = text.trim();
    match text.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
        Some(inner) => inner.split("):(").collect(),
        None => text
            .split(';')
            .filter(|item| !item.trim().is_empty())
            .collect(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CustomKind {
    Text,
    Number,
    Date,
    Choice,
    Currency,
}

impl CustomKind {
    const ALL: [CustomKind; 5] = [
        CustomKind::Text,
        CustomKind::Number,
        CustomKind::Date,
        CustomKind::Choice,
        CustomKind::Currency,
    ];

    fn parameter(self) -> &'static str {
        match self {
            CustomKind::Text => "by_custom_text_value",
            CustomKind::Number => "by_custom_number_value",
            CustomKind::Date => "by_custom_date_value",
            CustomKind::Choice => "by_custom_choice_value",
            CustomKind::Currency => "by_custom_currency_value",
        }
    }

    fn example(self) -> &'static str {
        match self {
            CustomKind::Text => "(1:something):(2:else)",
            CustomKind::Number => "(1:200):(2:101)",
            CustomKind::Date => "(1:2014-12-05:2014-12-25):(2:2014-12-05)",
            CustomKind::Choice => "(1:3,4):(2:blank)",
            CustomKind::Currency => "(1:200.2:USD):(2:100)",
        }
    }

    /// What follows `field_id:`.
    fn tests(self, rest: &str) -> Option<Vec<ValueTest>> {
        let day = |text: &str| match text.trim() {
            "" => Some(None),
            text => NaiveDate::parse_from_str(text, "%Y-%m-%d").ok().map(Some),
        };
        Some(match self {
            CustomKind::Text => vec![ValueTest::Text(rest.to_owned())],
            CustomKind::Number => {
                vec![ValueTest::Number(number_json(rest)?)]
            }
            CustomKind::Date => {
                let (from, to) = rest.split_once(':').unwrap_or((rest, ""));
                vec![ValueTest::Between(day(from)?, day(to)?)]
            }
            CustomKind::Choice => rest
                .split(',')
                .map(|choice| match choice.trim() {
                    "blank" => Some(ValueTest::Blank),
                    id => id.parse().ok().map(ValueTest::Choice),
                })
                .collect::<Option<Vec<_>>>()?,
            CustomKind::Currency => {
                let (amount, code) = match rest.split_once(':') {
                    Some((amount, code)) => (amount, Some(code.trim().to_uppercase())),
                    None => (rest, None),
                };
                let amount: f64 = amount.trim().parse().ok().filter(|a: &f64| a.is_finite())?;
                let cents = (amount * 100.0).round();
                if cents.abs() > 1e15 {
                    return None;
                }
                vec![ValueTest::Currency {
                    cents: cents as i64,
                    code,
                }]
            }
        })
    }
}

/// A number as a fixture's JSON stores it: `80` for 80 and 80.0, `80.5` for 80.5.
fn number_json(text: &str) -> Option<String> {
    let number: f64 = text.trim().parse().ok().filter(|n: &f64| n.is_finite())?;
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53: every integer below is exact
    if number.fract() == 0.0 && number.abs() < EXACT {
        return Some(format!("{}", number as i64));
    }
    serde_json::Number::from_f64(number).map(|n| n.to_string())
}

/// ISO 8601: a full date-time with its offset, a date-time without one (UTC), or a date
/// (midnight UTC).
fn time(query: &QueryPairs, key: &str) -> Result<Option<DateTime<Utc>>, ApiError> {
    let Some(text) = query.text(key).map(str::trim) else {
        return Ok(None);
    };
    let parsed = DateTime::parse_from_rfc3339(text)
        .map(|at| at.with_timezone(&Utc))
        .or_else(|_| {
            NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").map(|at| at.and_utc())
        })
        .or_else(|_| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map(|day| day.and_time(chrono::NaiveTime::MIN).and_utc())
        });
    parsed.map(Some).map_err(|_| {
        ApiError::BadParameter(format!(
            "parameter {key} must be an ISO 8601 date-time, for example 2024-05-01T12:00:00Z"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(q: &str) -> Result<Matching, ApiError> {
        matching(&QueryPairs::parse(Some(q)))
    }

    #[test]
    fn nothing_given_narrows_nothing() {
        assert_eq!(parse("").unwrap(), Matching::default());
        assert_eq!(
            parse("by_full_name=&search=%20&managers=&with_users=").unwrap(),
            Matching::default()
        );
    }

    #[test]
    fn lists_and_intersections() {
        let m = parse("by_email_addresses=a@x.com,%20B@x.com,,&by_email_address=b@X.com").unwrap();
        assert_eq!(m.email_addresses, Some(vec!["b@X.com".to_owned()]));
        let m = parse("with_users=3,x,4,3&without_users=5").unwrap();
        assert_eq!(m.with_users, Some(vec![3, 4]));
        assert_eq!(m.without_users, vec![5]);
        let many = vec!["a@x.com"; 201].join(",");
        assert!(parse(&format!("by_email_addresses={many}")).is_err());
    }

    #[test]
    fn skills_in_kantatas_json() {
        let m = parse(r#"with_skills={"6":[4,5],"7":3,"operation":"or"}"#).unwrap();
        assert_eq!(
            m.with_skills,
            Some(SkillMatch {
                skills: vec![(6, vec![4, 5]), (7, vec![3])],
                any: true
            })
        );
        for bad in [
            r#"{"x":[1]}"#,
            r#"{"6":"high"}"#,
            "[6]",
            r#"{"operation":"xor"}"#,
        ] {
            assert!(parse(&format!("with_skills={bad}")).is_err(), "{bad}");
        }
    }

    #[test]
    fn custom_value_filters_in_kantatas_syntax() {
        let conditions = |q: &str| parse(q).map(|m| m.custom_values);
        assert_eq!(
            conditions("by_custom_text_value=(7:m):(7:l):(8)").unwrap(),
            vec![
                CustomValueMatch {
                    field_id: 7,
                    tests: vec![ValueTest::Text("m".into()), ValueTest::Text("l".into())]
                },
                CustomValueMatch {
                    field_id: 8,
                    tests: vec![ValueTest::Any]
                },
            ]
        );
        assert_eq!(
            conditions("by_custom_choice_value=7:3,blank").unwrap()[0].tests,
            vec![ValueTest::Choice(3), ValueTest::Blank]
        );
        assert_eq!(
            conditions("by_custom_currency_value=(1:200.2:usd)").unwrap()[0].tests,
            vec![ValueTest::Currency {
                cents: 20020,
                code: Some("USD".into())
            }]
        );
        let day = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok();
        assert_eq!(
            conditions("by_custom_date_value=1:2014-12-05;2::2014-12-25").unwrap(),
            vec![
                CustomValueMatch {
                    field_id: 1,
                    tests: vec![ValueTest::Between(day("2014-12-05"), None)]
                },
                CustomValueMatch {
                    field_id: 2,
                    tests: vec![ValueTest::Between(None, day("2014-12-25"))]
                },
            ]
        );
        assert_eq!(
            conditions("has_value_for_custom_field_ids=9").unwrap()[0].tests,
            vec![ValueTest::Any]
        );
        for bad in [
            "by_custom_number_value=9:many",
            "by_custom_number_value=9",
            "by_custom_text_value=x:1",
            "by_custom_date_value=1:yesterday",
            "by_custom_choice_value=7:red",
            "by_custom_currency_value=1:NaN",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn permission_rungs() {
        let rung = |q: &str| parse(q).unwrap().permission_at_least;
        assert_eq!(rung("is_project_lead=true"), Some(Permission::ProjectLead));
        assert_eq!(rung("is_project_lead=false"), None);
        assert_eq!(
            rung("is_project_lead=1&can_view_reports=true"),
            Some(Permission::ReportsViewer)
        );
        assert!(parse("managers=maybe").is_err());
    }

    #[test]
    fn times_in_iso_8601() {
        let at = |q: &str| parse(q).map(|m| m.created_after);
        let noon = "2024-05-01T12:00:00Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(
            at("created_after=2024-05-01T12:00:00Z").unwrap(),
            Some(noon)
        );
        assert_eq!(
            at("created_after=2024-05-01T14:00:00%2B02:00").unwrap(),
            Some(noon)
        );
        assert_eq!(at("created_after=2024-05-01T12:00:00").unwrap(), Some(noon));
        assert_eq!(
            at("created_after=2024-05-01").unwrap(),
            Some(noon - chrono::Duration::hours(12))
        );
        assert!(at("created_after=yesterday").is_err());
    }
}
