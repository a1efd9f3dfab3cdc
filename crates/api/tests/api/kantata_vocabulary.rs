//! Kantata's own words: account permissions, custom field read-access levels and nullable
//! fields, as a fixture written from Kantata's documentation gives them, over real HTTP on
//! every backend.

use std::collections::BTreeSet;

use portrait_store::{Fixture, PlainToken, UserId};
use serde_json::{json, Value};

use crate::helpers::*;

/// One user per permission on account 3 (id 300 + index); 308 has no membership. The two
/// legacy aliases are users 309 and 310.
const PERMISSIONS: [&str; 8] = [
    "administrator",
    "reports_viewer_with_cost",
    "reports_viewer",
    "project_lead",
    "project_creator",
    "collaborator",
    "external_collaborator",
    "punch_clock",
];

/// Custom field ids 30.. by level; field 36 says nothing (Kantata's default, account_admin).
const LEVELS: [&str; 6] = [
    "account_collaboration",
    "project_creator",
    "project_lead",
    "reports_viewer",
    "reports_viewer_with_cost",
    "account_admin",
];

/// The matrix's users in id order: every permission, no membership, the two aliases.
fn viewers() -> impl Iterator<Item = &'static str> {
    PERMISSIONS
        .iter()
        .copied()
        .chain(["(none)", "report_viewer", "time_approver"])
}

fn matrix_fixture() -> String {
    let mut users = Vec::new();
    let mut memberships = Vec::new();
    for (i, permission) in viewers().enumerate() {
        let id = 300 + i as i64;
        users.push(
            json!({"id": id, "account_id": 3, "full_name": format!("User {permission}"),
                          "email_address": format!("u{id}@initech.test")}),
        );
        if permission != "(none)" {
            memberships.push(json!({"id": 3000 + id, "account_id": 3, "user_id": id,
                                    "permission": permission}));
        }
    }
    let mut fields: Vec<Value> = LEVELS
        .iter()
        .enumerate()
        .map(|(i, level)| {
            json!({"id": 30 + i, "account_id": 3, "name": level, "type": "string",
                   "read_access": level})
        })
        .collect();
    fields.push(json!({"id": 36, "account_id": 3, "name": "unspecified", "type": "string"}));
    let values: Vec<Value> = (30..=36)
        .map(|field| {
            json!({"id": 3000 + field, "custom_field_id": field, "subject_id": 300,
                   "value": format!("value of {field}")})
        })
        .collect();
    json!({"accounts": [{"id": 3, "name": "Initech"}], "users": users,
           "account_memberships": memberships, "custom_fields": fields,
           "custom_field_values": values})
    .to_string()
}

/// What each viewer must see of user 300's custom fields, by field name; written out rather
/// than derived, so the test states the rule instead of repeating the code.
fn expected(viewer: &str) -> BTreeSet<&'static str> {
    let seen: &[&str] = match viewer {
        "administrator" => &[
            "account_collaboration",
            "project_creator",
            "project_lead",
            "reports_viewer",
            "reports_viewer_with_cost",
            "account_admin",
            "unspecified",
        ],
        "reports_viewer_with_cost" => &[
            "account_collaboration",
            "project_creator",
            "project_lead",
            "reports_viewer",
            "reports_viewer_with_cost",
        ],
        "reports_viewer" | "report_viewer" => &[
            "account_collaboration",
            "project_creator",
            "project_lead",
            "reports_viewer",
        ],
        "project_lead" => &["account_collaboration", "project_creator", "project_lead"],
        "project_creator" => &["account_collaboration", "project_creator"],
        "collaborator" | "time_approver" => &["account_collaboration"],
        "external_collaborator" | "punch_clock" | "(none)" => &[],
        other => panic!("no expectation for {other}"),
    };
    seen.iter().copied().collect()
}

#[tokio::test]
async fn every_permission_sees_exactly_the_levels_it_reaches() {
    for backend in backends().await {
        let app = TestApp::spawn(backend).await;
        let fixture = Fixture::from_json(&matrix_fixture()).expect("fixture");
        app.store.import(&fixture).await.expect("import");
        for (i, viewer) in viewers().enumerate() {
            let id = 300 + i as i64;
            app.store
                .create_token(UserId(id), &PlainToken::new(token(id)).hash())
                .await
                .expect("token");
            let (status, body) = app
                .get("/api/v1/users/300?include=custom_field_values", Some(id))
                .await;
            assert_eq!(status, 200, "{viewer} on {}: {body}", app.backend);
            let values = body["custom_field_values"].as_object().expect("values map");
            let seen: BTreeSet<&str> = values
                .values()
                .map(|v| v["custom_field_name"].as_str().expect("name"))
                .collect();
            assert_eq!(seen, expected(viewer), "{viewer} on {}", app.backend);
            let listed = body["users"]["300"]["custom_field_value_ids"]
                .as_array()
                .expect("ids")
                .len();
            assert_eq!(listed, seen.len(), "{viewer}: ids match the map");
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn legacy_permission_names_are_stored_as_kantatas() {
    for backend in backends().await {
        let app = TestApp::spawn(backend).await;
        let fixture = Fixture::from_json(&matrix_fixture()).expect("fixture");
        app.store.import(&fixture).await.expect("import");
        app.store
            .create_token(UserId(300), &PlainToken::new(token(300)).hash())
            .await
            .expect("token");
        for (user, permission) in [(309, "reports_viewer"), (310, "collaborator")] {
            let (status, body) = app
                .get(
                    &format!("/api/v1/users/{user}?include=account_membership"),
                    Some(300),
                )
                .await;
            assert_eq!(status, 200, "{body}");
            let memberships = body["account_memberships"].as_object().expect("map");
            let shown: Vec<&Value> = memberships.values().map(|m| &m["permission"]).collect();
            assert_eq!(shown, [permission], "{user} on {}", app.backend);
        }
        app.stop().await;
    }
}

/// operations.md's own example, in Kantata's vocabulary and with its nulls, plus null for
/// every other field Kantata leaves empty.
const KANTATA_FIXTURE: &str = r#"{
  "accounts": [{"id": 4, "name": "Umbrella"}],
  "roles": [{"id": 40, "account_id": 4, "name": "Developer", "deleted_at": null}],
  "users": [
    {"id": 400, "account_id": 4, "full_name": "Ada Null", "email_address": "ada@umbrella.test",
     "headline": null, "bio": null, "website": null, "city": null, "state": null,
     "country": null, "abbreviated_timezone": null, "classification": null,
     "last_site_activity": null, "disabled": null, "generic": null, "manager_id": null,
     "role_id": null},
    {"id": 401, "account_id": 4, "full_name": "Bob Missing", "email_address": "bob@umbrella.test"}
  ],
  "account_memberships": [{"id": 4000, "account_id": 4, "user_id": 400, "permission": "administrator"}],
  "skills": [{"id": 41, "account_id": 4, "name": "Rust", "description": null, "max_level": null}],
  "skill_memberships": [{"id": 410, "user_id": 400, "skill_id": 41, "level": null, "creator_id": null}],
  "work_samples": [{"id": 420, "user_id": 400, "title": "Engine", "description": null,
                    "website_url": null, "trapped_website_url": null, "attachment_id": null,
                    "attachment_filename": null}],
  "custom_fields": [{"id": 43, "account_id": 4, "name": "Shirt size", "type": "single",
                     "read_access": "account_admin"}],
  "custom_field_values": [{"id": 430, "custom_field_id": 43, "subject_type": null, "subject_id": 400,
                           "value": "M", "display_value": null, "setter_id": null}],
  "external_references": [{"id": 440, "subject_type": null, "subject_id": 400, "service_name": "crm",
                           "service_model": "Contact", "service_model_ref": "c-400",
                           "status": null, "external_link": null, "external_message": null,
                           "external_status": null, "locked": null, "last_synced_at": null}]
}"#;

#[tokio::test]
async fn a_fixture_in_kantatas_words_and_nulls_imports_and_renders_null() {
    for backend in backends().await {
        let app = TestApp::spawn(backend).await;
        let fixture = Fixture::from_json(KANTATA_FIXTURE).expect("Kantata's fixture parses");
        app.store.import(&fixture).await.expect("and imports");
        app.store
            .create_token(UserId(400), &PlainToken::new(token(400)).hash())
            .await
            .expect("token");
        let optional = "bio,website,city,state,country,abbreviated_timezone,classification,\
                        last_site_activity";
        for user in ["400", "401"] {
            let path = format!(
                "/api/v1/users/{user}?optional_fields={optional}\
                 &include=role,manager,skills,skill_memberships,work_samples,\
                 custom_field_values,external_references"
            );
            let (status, body) = app.get(&path, Some(400)).await;
            assert_eq!(status, 200, "{user} on {}: {body}", app.backend);
            let shown = &body["users"][user];
            for field in [
                "headline",
                "bio",
                "website",
                "city",
                "state",
                "country",
                "abbreviated_timezone",
                "classification",
                "last_site_activity",
            ] {
                assert_eq!(
                    shown[field],
                    Value::Null,
                    "{user}.{field} on {}",
                    app.backend
                );
            }
            assert_eq!(shown["disabled"], false);
            assert_eq!(shown["generic"], false);
            assert_eq!(shown["role_id"], Value::Null);
            assert_eq!(shown["manager_id"], Value::Null);
        }
        let (_, body) = app
            .get(
                "/api/v1/users/400?include=skills,skill_memberships,custom_field_values,\
                 external_references",
                Some(400),
            )
            .await;
        assert_eq!(
            body["skills"]["41"]["max_level"], "5",
            "null max_level is the default"
        );
        assert_eq!(body["skill_memberships"]["410"]["level"], Value::Null);
        let value = &body["custom_field_values"]["430"];
        assert_eq!(value["subject_type"], "User");
        assert_eq!(value["display_value"], "M");
        let reference = &body["external_references"]["440"];
        assert_eq!(reference["subject_type"], "User");
        assert_eq!(reference["locked"], false);
        assert_eq!(reference["external_link"], Value::Null);
        app.stop().await;
    }
}

#[tokio::test]
async fn the_demo_user_without_a_headline_renders_null() {
    let app = TestApp::spawn(Backend::sqlite_fs()).await;
    let (status, body) = app.get("/api/v1/users/me", Some(BARBARA)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["users"]["14"]["headline"], Value::Null);
    app.stop().await;
}
