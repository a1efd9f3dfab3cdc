//! `PUT /users/{id}` over real HTTP, on every backend: both body encodings, who may, every
//! refusal with its field and proof that it changed nothing, and the external reference keyed
//! by `service_name`.

use serde_json::{json, Value};

use crate::helpers::*;

impl TestApp {
    pub(crate) async fn put_json(&self, path: &str, as_user: i64, body: &Value) -> (u16, Value) {
        let response = self
            .client
            .put(self.url(path))
            .bearer_auth(token(as_user))
            .json(body)
            .send()
            .await
            .expect("put");
        json_of(response).await
    }

    async fn put_raw(
        &self,
        path: &str,
        as_user: Option<i64>,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> (u16, Value) {
        let mut request = self
            .client
            .put(self.url(path))
            .header("content-type", content_type)
            .body(body);
        if let Some(user) = as_user {
            request = request.bearer_auth(token(user));
        }
        json_of(request.send().await.expect("put")).await
    }

    /// The user as an administrator of account 1 sees it, with its external references.
    async fn user_state(&self, user: i64) -> Value {
        let (status, body) = self
            .get(
                &format!("/api/v1/users/{user}?include=external_references"),
                Some(ADA),
            )
            .await;
        assert_eq!(status, 200, "{}: {body}", self.backend);
        body
    }
}

fn user_path(id: i64) -> String {
    format!("/api/v1/users/{id}")
}

fn validation_field(body: &Value) -> &str {
    assert_eq!(body["errors"][0]["type"], "validation", "{body}");
    body["errors"][0]["field"].as_str().unwrap_or("<no field>")
}

#[tokio::test]
async fn json_body_updates_and_the_envelope_comes_back() {
    for backend in backends().await {
        let app = TestApp::spawn(backend).await;
        let (status, body) = app
            .put_json(
                &format!(
                    "{}.json?include=role&optional_fields=city",
                    user_path(GRACE)
                ),
                GRACE,
                &json!({"user": {
                    "full_name": "Grace B. Hopper",
                    "headline": "Rear Admiral",
                    "email_address": "amazing.grace@acme.test",
                }}),
            )
            .await;
        assert_eq!(status, 200, "{}: {body}", app.backend);
        assert_eq!(body["count"], 1);
        assert_eq!(body["results"], json!([{"key": "users", "id": "11"}]));
        let grace = &body["users"]["11"];
        assert_eq!(grace["full_name"], "Grace B. Hopper");
        assert_eq!(grace["headline"], "Rear Admiral");
        assert_eq!(grace["email_address"], "amazing.grace@acme.test");
        assert!(grace.get("city").is_some(), "optional field: {grace}");
        assert!(grace.get("role_id").is_some(), "include: {grace}");
        assert!(body.get("roles").is_some(), "include: {body}");
        let after = app.user_state(GRACE).await;
        assert_eq!(after["users"]["11"]["full_name"], "Grace B. Hopper");
        assert_eq!(
            after["users"]["11"]["email_address"],
            "amazing.grace@acme.test"
        );
        // Fields not sent stay as they were.
        let (_, again) = app
            .put_json(
                &user_path(GRACE),
                GRACE,
                &json!({"user": {"headline": "Admiral"}}),
            )
            .await;
        assert_eq!(again["users"]["11"]["full_name"], "Grace B. Hopper");
        assert_eq!(again["users"]["11"]["headline"], "Admiral");
    }
}

#[tokio::test]
async fn rails_form_body_updates() {
    for backend in backends().await {
        let app = TestApp::spawn(backend).await;
        let form = "user[full_name]=Charles+Babbage+FRS&user[headline]=Analytical%20Engine\
                    &user[external_reference][service_name]=ledger\
                    &user[external_reference][service_model]=Person\
                    &user[external_reference][service_model_ref]=p-12\
                    &user[external_reference][locked]=1";
        let (status, body) = app
            .put_raw(
                &format!("{}?include=external_references", user_path(CHARLES)),
                Some(CHARLES),
                "application/x-www-form-urlencoded",
                form,
            )
            .await;
        assert_eq!(status, 200, "{}: {body}", app.backend);
        assert_eq!(body["users"]["12"]["full_name"], "Charles Babbage FRS");
        assert_eq!(body["users"]["12"]["headline"], "Analytical Engine");
        let references: Vec<&Value> = body["external_references"]
            .as_object()
            .unwrap()
            .values()
            .collect();
        assert_eq!(references.len(), 1, "{body}");
        assert_eq!(references[0]["service_name"], "ledger");
        assert_eq!(references[0]["locked"], true);
        assert_eq!(references[0]["status"], "pending");
    }
}

#[tokio::test]
async fn who_may_update() {
    for backend in backends().await {
        let app = TestApp::spawn(backend).await;
        let rename = |name: &str| json!({"user": {"full_name": name}});
        // Themself, and an administrator of their account (also a disabled user).
        for (caller, target) in [(GRACE, GRACE), (ADA, GRACE), (ADA, ROBOT), (ADA, BARBARA)] {
            let (status, body) = app
                .put_json(&user_path(target), caller, &rename("By someone allowed"))
                .await;
            assert_eq!(status, 200, "{} {caller}->{target}: {body}", app.backend);
        }
        let before = app.user_state(ADA).await;
        // Another visible user who is not an administrator: 403.
        for caller in [GRACE, CHARLES, BARBARA] {
            let (status, body) = app.put_json(&user_path(ADA), caller, &rename("x")).await;
            assert_eq!(status, 403, "{} {caller}: {body}", app.backend);
            assert_eq!(error_of(&body).0, "system");
        }
        // Another account's administrator cannot see the user: 404, as for a missing one.
        let (status, body) = app.put_json(&user_path(ADA), HANK, &rename("x")).await;
        assert_eq!(status, 404, "{}: {body}", app.backend);
        assert_eq!(error_of(&body), ("system", "Record not found"));
        let (status, _) = app.put_json(&user_path(999), ADA, &rename("x")).await;
        assert_eq!(status, 404);
        let (status, _) = app.put_json("/api/v1/users/abc", ADA, &rename("x")).await;
        assert_eq!(status, 404);
        // No token, or a wrong one: 401.
        let (status, body) = app
            .put_raw(
                &user_path(ADA),
                None,
                "application/json",
                r#"{"user":{"full_name":"x"}}"#,
            )
            .await;
        assert_eq!(status, 401, "{}: {body}", app.backend);
        assert_eq!(error_of(&body).0, "oauth");
        let response = app
            .client
            .put(app.url(&user_path(ADA)))
            .bearer_auth("not-a-token")
            .json(&rename("x"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 401);
        assert_eq!(app.user_state(ADA).await, before, "{}", app.backend);
    }
}

#[tokio::test]
async fn each_refusal_names_its_field_and_changes_nothing() {
    let long = |n: usize| "x".repeat(n);
    let reference = |extra: Value| {
        let mut r =
            json!({"service_name": "crm2", "service_model": "Contact", "service_model_ref": "c"});
        r.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        r
    };
    let cases: Vec<(Value, &str)> = vec![
        (json!({"user": {"full_name": ""}}), "full_name"),
        (json!({"user": {"full_name": "   "}}), "full_name"),
        (json!({"user": {"full_name": null}}), "full_name"),
        (json!({"user": {"full_name": 42}}), "full_name"),
        (json!({"user": {"full_name": long(256)}}), "full_name"),
        (json!({"user": {"headline": long(256)}}), "headline"),
        (json!({"user": {"headline": ["a"]}}), "headline"),
        (
            json!({"user": {"email_address": "not-an-address"}}),
            "email_address",
        ),
        (
            json!({"user": {"email_address": "a b@acme.test"}}),
            "email_address",
        ),
        (json!({"user": {"email_address": true}}), "email_address"),
        (
            json!({"user": {"email_address": format!("{}@acme.test", long(250))}}),
            "email_address",
        ),
        // Grace's address, in another case: taken.
        (
            json!({"user": {"email_address": "Grace@Acme.test"}}),
            "email_address",
        ),
        (
            json!({"user": {"external_reference": "crm"}}),
            "external_reference",
        ),
        (
            json!({"user": {"external_reference": [reference(json!({}))]}}),
            "external_reference",
        ),
        (
            json!({"user": {"external_reference": {"service_model": "C", "service_model_ref": "c"}}}),
            "external_reference.service_name",
        ),
        (
            json!({"user": {"external_reference": {"service_name": "crm2", "service_model_ref": "c"}}}),
            "external_reference.service_model",
        ),
        (
            json!({"user": {"external_reference": {"service_name": "crm2", "service_model": "C"}}}),
            "external_reference.service_model_ref",
        ),
        (
            json!({"user": {"external_reference": reference(json!({"service_name": " "}))}}),
            "external_reference.service_name",
        ),
        (
            json!({"user": {"external_reference": reference(json!({"status": "done"}))}}),
            "external_reference.status",
        ),
        (
            json!({"user": {"external_reference": reference(json!({"locked": "yes"}))}}),
            "external_reference.locked",
        ),
        (
            json!({"user": {"external_reference": reference(json!({"external_link": long(2049)}))}}),
            "external_reference.external_link",
        ),
        (
            json!({"user": {"external_reference": reference(json!({"external_message": long(256)}))}}),
            "external_reference.external_message",
        ),
        (json!({"user": "Ada"}), "user"),
        (json!({"full_name": "Ada"}), "user"),
        (json!([1]), "user"),
    ];
    for backend in backends().await {
        let app = TestApp::spawn(backend).await;
        let before = app.user_state(ADA).await;
        for (body, field) in &cases {
            // A valid change beside the invalid one proves the whole request is refused.
            let mut body = body.clone();
            if let Some(user) = body.get_mut("user").and_then(Value::as_object_mut) {
                user.entry("headline").or_insert(json!("changed"));
            }
            let (status, answer) = app.put_json(&user_path(ADA), ADA, &body).await;
            assert_eq!(status, 422, "{} {body}: {answer}", app.backend);
            assert_eq!(validation_field(&answer), *field, "{body}");
            assert_eq!(app.user_state(ADA).await, before, "{} {body}", app.backend);
        }
    }
}

#[tokio::test]
async fn bodies_that_are_not_json_are_400() {
    for backend in backends().await {
        let app = TestApp::spawn(backend).await;
        let before = app.user_state(ADA).await;
        for (content_type, body) in [
            ("application/json", "{\"user\": {\"full_name\": "),
            ("application/json", ""),
            ("application/json", "full_name=Ada"),
            ("text/plain", "{\"user\": {\"full_name\": \"Ada\"}}"),
        ] {
            let (status, answer) = app
                .put_raw(&user_path(ADA), Some(ADA), content_type, body)
                .await;
            assert_eq!(
                status, 400,
                "{} {content_type} {body:?}: {answer}",
                app.backend
            );
            assert_eq!(error_of(&answer).0, "syntax");
        }
        let (status, _) = app
            .put_raw(
                &user_path(ADA),
                Some(ADA),
                "application/json",
                vec![b' '; 70 * 1024],
            )
            .await;
        assert_eq!(status, 413);
        assert_eq!(app.user_state(ADA).await, before, "{}", app.backend);
    }
}

#[tokio::test]
async fn fields_that_are_not_writable_are_ignored() {
    for backend in backends().await {
        let app = TestApp::spawn(backend).await;
        let before = app.user_state(CHARLES).await["users"]["12"].clone();
        let (status, body) = app
            .put_json(
                &user_path(CHARLES),
                CHARLES,
                &json!({"user": {
                    "id": "99", "account_id": "2", "photo_path": "https://evil.test/x.jpg",
                    "disabled": true, "generic": true, "role_id": "1", "manager_id": "10",
                    "permission": "administrator", "headline": "Still me",
                }, "id": 99}),
            )
            .await;
        assert_eq!(status, 200, "{}: {body}", app.backend);
        let mut expected = before;
        expected["headline"] = json!("Still me");
        assert_eq!(app.user_state(CHARLES).await["users"]["12"], expected);
        // Still a collaborator: still refused on someone else.
        let (status, _) = app
            .put_json(
                &user_path(ADA),
                CHARLES,
                &json!({"user": {"headline": "x"}}),
            )
            .await;
        assert_eq!(status, 403);
    }
}

#[tokio::test]
async fn an_email_address_may_change_and_is_then_taken() {
    for backend in backends().await {
        let app = TestApp::spawn(backend).await;
        // Keeping one's own address (in any case) is no conflict.
        let (status, body) = app
            .put_json(
                &user_path(GRACE),
                GRACE,
                &json!({"user": {"email_address": "GRACE@acme.test"}}),
            )
            .await;
        assert_eq!(status, 200, "{}: {body}", app.backend);
        let (status, _) = app
            .put_json(
                &user_path(GRACE),
                GRACE,
                &json!({"user": {"email_address": "g@acme.test"}}),
            )
            .await;
        assert_eq!(status, 200);
        // Grace's old address is free now, her new one is not.
        let (status, body) = app
            .put_json(
                &user_path(CHARLES),
                CHARLES,
                &json!({"user": {"email_address": "grace@acme.test"}}),
            )
            .await;
        assert_eq!(status, 200, "{}: {body}", app.backend);
        let (status, body) = app
            .put_json(
                &user_path(ADA),
                ADA,
                &json!({"user": {"email_address": "g@acme.test"}}),
            )
            .await;
        assert_eq!(status, 422, "{}: {body}", app.backend);
        assert_eq!(validation_field(&body), "email_address");
        // Addresses are unique across accounts too.
        let (status, _) = app
            .put_json(
                &user_path(HANK),
                HANK,
                &json!({"user": {"email_address": "g@acme.test"}}),
            )
            .await;
        assert_eq!(status, 422);
    }
}

#[tokio::test]
async fn an_external_reference_is_inserted_then_updated_by_service_name() {
    for backend in backends().await {
        let app = TestApp::spawn(backend).await;
        let path = format!("{}?include=external_references", user_path(ADA));
        let references = |body: &Value| -> Vec<Value> {
            body["external_references"]
                .as_object()
                .unwrap()
                .values()
                .cloned()
                .collect()
        };
        let existing = references(&app.user_state(ADA).await);
        assert_eq!(existing.len(), 1, "the demo gives Ada one (crm)");
        let (status, body) = app
            .put_json(
                &path,
                ADA,
                &json!({"user": {"external_reference": {
                    "service_name": "jira", "service_model": "Issue", "service_model_ref": "J-1",
                    "external_link": "https://jira.test/J-1", "external_message": "linked",
                }}}),
            )
            .await;
        assert_eq!(status, 200, "{}: {body}", app.backend);
        let all = references(&body);
        assert_eq!(all.len(), 2, "{body}");
        let jira = all
            .iter()
            .find(|r| r["service_name"] == "jira")
            .unwrap()
            .clone();
        assert_eq!(jira["status"], "pending");
        assert_eq!(jira["locked"], false);
        assert_eq!(jira["external_link"], "https://jira.test/J-1");
        assert_eq!(jira["subject_id"], 10);
        assert_ne!(jira["id"], existing[0]["id"]);
        let ids = body["users"]["10"]["external_reference_ids"]
            .as_array()
            .unwrap()
            .clone();
        assert!(ids.contains(&jira["id"]), "{body}");
        // The same service_name again: that reference changes, no new one.
        let (status, body) = app
            .put_json(
                &path,
                ADA,
                &json!({"user": {"external_reference": {
                    "service_name": "jira", "service_model": "Issue", "service_model_ref": "J-2",
                    "status": "successful", "external_message": null, "locked": true,
                }}}),
            )
            .await;
        assert_eq!(status, 200, "{}: {body}", app.backend);
        let all = references(&body);
        assert_eq!(all.len(), 2, "{body}");
        let updated = all.iter().find(|r| r["service_name"] == "jira").unwrap();
        assert_eq!(updated["id"], jira["id"]);
        assert_eq!(updated["service_model_ref"], "J-2");
        assert_eq!(updated["status"], "successful");
        assert_eq!(updated["locked"], true);
        assert_eq!(updated["external_message"], Value::Null);
        // Not sent: kept.
        assert_eq!(updated["external_link"], "https://jira.test/J-1");
        assert_eq!(updated["created_at"], jira["created_at"]);
        // The demo's crm reference is untouched.
        let crm = all.iter().find(|r| r["service_name"] == "crm").unwrap();
        assert_eq!(crm, &existing[0]);
        // Another user may reuse the name: unique per user only.
        let (status, body) = app
            .put_json(
                &format!("{}?include=external_references", user_path(GRACE)),
                ADA,
                &json!({"user": {"external_reference": {
                    "service_name": "jira", "service_model": "Issue", "service_model_ref": "J-3",
                }}}),
            )
            .await;
        assert_eq!(status, 200, "{}: {body}", app.backend);
        let grace = references(&body);
        let grace_jira = grace.iter().find(|r| r["service_name"] == "jira").unwrap();
        assert_ne!(grace_jira["id"], jira["id"]);
        assert_eq!(references(&app.user_state(ADA).await).len(), 2);
    }
}

#[tokio::test]
async fn concurrent_updates_keep_addresses_unique() {
    for backend in backends().await {
        let app = TestApp::spawn(backend).await;
        let body = json!({"user": {"email_address": "same@acme.test"}});
        let paths = [GRACE, CHARLES, BARBARA].map(|user| (user, user_path(user)));
        let attempts = paths
            .iter()
            .map(|(user, path)| app.put_json(path, *user, &body));
        let statuses: Vec<u16> = futures::future::join_all(attempts)
            .await
            .into_iter()
            .map(|(status, _)| status)
            .collect();
        let mut sorted = statuses.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, [200, 422, 422], "{}: {statuses:?}", app.backend);
    }
}

#[tokio::test]
async fn a_null_headline_clears_it_and_reads_back_null() {
    for backend in backends().await {
        let app = TestApp::spawn(backend).await;
        let (status, body) = app
            .put_json(
                &user_path(GRACE),
                GRACE,
                &json!({"user": {"headline": null}}),
            )
            .await;
        assert_eq!(status, 200, "{}: {body}", app.backend);
        assert_eq!(body["users"]["11"]["headline"], Value::Null);
        let again = app.user_state(GRACE).await;
        assert_eq!(
            again["users"]["11"]["headline"],
            Value::Null,
            "{}",
            app.backend
        );
        app.stop().await;
    }
}
