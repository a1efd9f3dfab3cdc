//! Kantata's `GET /users` filters over the data portrait holds, on the demo fixture, over real
//! HTTP on every backend. Account 1's visible users, alphabetically: Ada (10, administrator,
//! Engineering Lead, manages 11–13, crm reference), Barbara (14, no membership, no role),
//! Charles (12, collaborator, Developer), Grace (11, project lead, Developer, hr reference).

use portrait_store::Fixture;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn each_filter_narrows_the_list_and_its_count() {
    for backend in backends().await {
        let app = TestApp::spawn(backend).await;
        for (query, expected) in [
            ("by_email_address=GRACE@acme.test", &["11"][..]),
            (
                "by_email_addresses=ada@acme.test,%20charles@acme.test,nobody@x.test",
                &["10", "12"],
            ),
            (
                "by_email_address=ada@acme.test&by_email_addresses=charles@acme.test",
                &[],
            ),
            ("by_full_name=bab", &["12"]),
            ("by_full_name=LOVE", &["10"]),
            ("by_full_name=%25", &[]),
            ("by_full_name=a_a", &[]),
            ("by_full_name_or_account_role=lead", &["10"]),
            ("by_full_name_or_account_role=developer", &["12", "11"]),
            ("search=acme", &["10", "14", "12", "11"]),
            ("search=hop", &["11"]),
            ("account_role_ids=4", &["12", "11"]),
            ("account_role_ids=3,4,x", &["10", "12", "11"]),
            ("with_users=10,14,20", &["10", "14"]),
            ("without_users=10,14", &["12", "11"]),
            ("is_project_lead=true", &["10", "11"]),
            ("is_project_lead=false", &["10", "14", "12", "11"]),
            ("can_view_reports=true", &["10"]),
            ("managers=true", &["10"]),
            ("account_id=1", &["10", "14", "12", "11"]),
            ("account_id=2", &[]),
            // Skills: Ada has 6 (level 5) and 5 (3), Grace 7 (3), Charles 6 (4).
            ("without_skills=6", &["14", "11"]),
            ("without_skills=6,7", &["14"]),
            (r#"with_skills={"6":[]}"#, &["10", "12"]),
            (r#"with_skills={"6":[4]}"#, &["12"]),
            (r#"with_skills={"6":[5],"5":[3]}"#, &["10"]),
            (
                r#"with_skills={"6":[4],"7":[3],"operation":"or"}"#,
                &["12", "11"],
            ),
            ("has_external_references=true", &["10", "11"]),
            ("has_external_references=false", &["14", "12"]),
            ("external_reference_service_name=crm", &["10"]),
            ("external_reference_status=pending", &["11"]),
            ("external_reference_service_model=Employee", &["11"]),
            ("external_reference_service_model_ref=c-10", &["10"]),
            (
                "external_reference_service_model_refs=c-10,e-11",
                &["10", "11"],
            ),
            // One reference must match every part given.
            (
                "external_reference_service_name=crm&external_reference_status=pending",
                &[],
            ),
            (
                "without_external_reference_service_name=crm",
                &["14", "12", "11"],
            ),
            ("created_after=2000-01-01", &["10", "14", "12", "11"]),
            ("created_before=2000-01-01T00:00:00Z", &[]),
            (
                "updated_before=2999-01-01T00:00:00%2B01:00",
                &["10", "14", "12", "11"],
            ),
            // Filters combine, and combine with the old ones.
            ("search=acme&is_project_lead=true&without_users=10", &["11"]),
            (
                "show_disabled=true&managers=false&by_full_name=robot",
                &["13"],
            ),
        ] {
            let (status, body) = app
                .get(&format!("/api/v1/users?{query}"), Some(GRACE))
                .await;
            assert_eq!(status, 200, "{query}: {body}");
            assert_eq!(ids(&body), expected, "{query} on {}", app.backend);
            assert_eq!(body["count"], expected.len(), "{query}");
        }
        app.stop().await;
    }
}

/// Demo custom fields: 7 Shirt size (account_collaboration; Ada "M", Charles "L"), 8 Salary
/// band (account_admin; Ada "E7"), 9 Billable target (project_lead; Charles 80); added here:
/// 30 a date, 31 a currency and 32 a multiple choice, all account_collaboration.
#[tokio::test]
async fn custom_value_filters_see_only_readable_fields() {
    let extra = Fixture::from_json(
        r#"{"accounts": [],
            "custom_fields": [
              {"id": 30, "account_id": 1, "name": "Start", "type": "date", "read_access": "account_collaboration"},
              {"id": 31, "account_id": 1, "name": "Rate", "type": "currency", "read_access": "account_collaboration"},
              {"id": 32, "account_id": 1, "name": "Tools", "type": "multi", "read_access": "account_collaboration"}],
            "custom_field_values": [
              {"id": 300, "custom_field_id": 30, "subject_type": "User", "subject_id": 11, "value": "2014-12-10"},
              {"id": 301, "custom_field_id": 30, "subject_type": "User", "subject_id": 14, "value": "2015-02-01"},
              {"id": 310, "custom_field_id": 31, "subject_type": "User", "subject_id": 14, "value": [20020, "USD"]},
              {"id": 311, "custom_field_id": 31, "subject_type": "User", "subject_id": 11, "value": [20020, "EUR"]},
              {"id": 320, "custom_field_id": 32, "subject_type": "User", "subject_id": 12, "value": [3, 14]},
              {"id": 321, "custom_field_id": 32, "subject_type": "User", "subject_id": 11, "value": [41]}]}"#,
    )
    .expect("fixture");
    for backend in backends().await {
        let app = TestApp::spawn(backend).await;
        app.store.import(&extra).await.expect("import");
        for (viewer, query, expected) in [
            (GRACE, "by_custom_text_value=(7:m):(7:l)", &["10", "12"][..]),
            (GRACE, "by_custom_text_value=7", &["10", "12"]),
            (GRACE, "by_custom_text_value=7:L;9", &["12"]),
            (GRACE, "by_custom_text_value=7:M;9", &[]),
            // Grace (project lead) may not read field 8 (account_admin); Ada may.
            (GRACE, "by_custom_text_value=8:E7", &[]),
            (ADA, "by_custom_text_value=8:e7", &["10"]),
            (GRACE, "by_custom_number_value=9:80.0", &["12"]),
            (CHARLES, "by_custom_number_value=9:80", &[]),
            (GRACE, "has_value_for_custom_field_ids=9", &["12"]),
            (GRACE, "has_value_for_custom_field_ids=8", &[]),
            (GRACE, "by_custom_choice_value=7:blank", &["14", "11"]),
            (GRACE, "by_custom_choice_value=8:blank", &[]),
            (GRACE, "by_custom_choice_value=32:14", &["12"]),
            (GRACE, "by_custom_choice_value=32:3,41", &["12", "11"]),
            (GRACE, "by_custom_choice_value=32:4", &[]),
            (
                GRACE,
                "by_custom_date_value=30:2014-12-05:2014-12-25",
                &["11"],
            ),
            (GRACE, "by_custom_date_value=(30:2015-01-01)", &["14"]),
            (
                GRACE,
                "by_custom_date_value=(30::2015-02-01)",
                &["14", "11"],
            ),
            (GRACE, "by_custom_currency_value=31:200.2", &["14", "11"]),
            (GRACE, "by_custom_currency_value=(31:200.20:usd)", &["14"]),
            (GRACE, "by_custom_currency_value=31:200", &[]),
        ] {
            let (status, body) = app
                .get(&format!("/api/v1/users?{query}"), Some(viewer))
                .await;
            assert_eq!(status, 200, "{query}: {body}");
            assert_eq!(
                ids(&body),
                expected,
                "{query} as {viewer} on {}",
                app.backend
            );
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn updated_after_sees_an_update() {
    for backend in backends().await {
        let app = TestApp::spawn(backend).await;
        let before = chrono::Utc::now();
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let (status, _) = app
            .put_json(
                "/api/v1/users/12",
                ADA,
                &json!({"user": {"headline": "Engines"}}),
            )
            .await;
        assert_eq!(status, 200);
        let since = before.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let (_, body) = app
            .get(&format!("/api/v1/users?updated_after={since}"), Some(GRACE))
            .await;
        assert_eq!(ids(&body), ["12"], "{}", app.backend);
        app.stop().await;
    }
}

#[tokio::test]
async fn an_unreadable_filter_is_a_400_naming_it() {
    let app = TestApp::spawn(Backend::sqlite_fs()).await;
    for (query, named) in [
        ("created_after=yesterday", "created_after"),
        ("managers=maybe", "managers"),
        ("has_external_references=2", "has_external_references"),
        ("with_skills=rust", "with_skills"),
    ] {
        let (status, body) = app
            .get(&format!("/api/v1/users?{query}"), Some(GRACE))
            .await;
        assert_eq!(status, 400, "{query}");
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains(named), "{query}: {body}");
    }
    app.stop().await;
}
