//! The reading half of kantata-conventions.md, over real HTTP, on every backend.

use portrait_store::Fixture;

use crate::helpers::*;

use serde_json::{json, Value};

fn keys(value: &Value) -> Vec<&str> {
    value
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn show_renders_the_envelope_in_kantata_order() {
    for backend in backends().await {
        let app = TestApp::spawn(backend).await;
        let (status, body) = app
            .get("/api/v1/users/11?include=role,manager,skills", Some(ADA))
            .await;
        assert_eq!(status, 200, "{}: {body}", app.backend);
        assert_eq!(
            keys(&body),
            ["count", "results", "users", "meta", "roles", "skills"]
        );
        assert_eq!(body["count"], 1);
        assert_eq!(body["results"], json!([{"key": "users", "id": "11"}]));
        assert_eq!(
            body["meta"],
            json!({"count": 1, "page_count": 1, "page_number": 1, "page_size": 20})
        );
        let grace = &body["users"]["11"];
        assert_eq!(
            keys(grace),
            [
                "full_name",
                "photo_path",
                "email_address",
                "headline",
                "account_id",
                "disabled",
                "generic",
                "manager_id",
                "role_id",
                "skill_ids",
                "id"
            ],
            "{}",
            app.backend
        );
        assert_eq!(grace["id"], "11");
        assert_eq!(grace["account_id"], "1");
        assert_eq!(grace["manager_id"], "10");
        assert_eq!(grace["role_id"], "4");
        assert_eq!(grace["skill_ids"], json!(["7"]));
        assert!(grace["photo_path"]
            .as_str()
            .is_some_and(|p| p.starts_with("http://127.0.0.1:")
                && p.ends_with("/images/default_profile_photo/default.png")));
        // The manager joins the users map, without association keys of her own.
        assert_eq!(keys(&body["users"]), ["11", "10"]);
        assert!(body["users"]["10"].get("role_id").is_none());
        assert_eq!(body["roles"]["4"]["name"], "Developer");
        assert_eq!(keys(&body["roles"]["4"]).last(), Some(&"id"));
        assert_eq!(body["skills"]["7"]["max_level"], "3");
        app.stop().await;
    }
}

#[tokio::test]
async fn every_association_renders_and_empty_ones_keep_their_key() {
    for backend in backends().await {
        let app = TestApp::spawn(backend).await;
        let all = "account_membership,custom_field_values,external_references,manager,role,skill_memberships,skills,work_samples,bogus";
        let (status, body) = app
            .get(&format!("/api/v1/users/me?include={all}"), Some(ADA))
            .await;
        assert_eq!(status, 200, "{}: {body}", app.backend);
        assert_eq!(
            keys(&body),
            [
                "count",
                "results",
                "users",
                "meta",
                "account_memberships",
                "custom_field_values",
                "external_references",
                "roles",
                "skill_memberships",
                "skills",
                "work_samples"
            ]
        );
        let ada = &body["users"]["10"];
        assert_eq!(ada["account_membership_id"], "100");
        assert_eq!(ada["custom_field_value_ids"], json!(["70", "71"]));
        assert_eq!(ada["external_reference_ids"], json!(["80"]));
        assert_eq!(ada["manager_id"], Value::Null);
        assert_eq!(ada["skill_membership_ids"], json!(["50", "51"]));
        assert_eq!(ada["skill_ids"], json!(["5", "6"]));
        assert_eq!(ada["work_sample_ids"], json!(["60"]));
        let membership = &body["account_memberships"]["100"];
        assert_eq!(membership["permission"], "administrator");
        assert_eq!(membership["user_id"], "10");
        let value = &body["custom_field_values"]["70"];
        assert_eq!(value["subject_id"], 10, "subject_id is an integer");
        assert_eq!(value["account_id"], 1);
        assert_eq!(value["value"], "M");
        assert_eq!(value["custom_field_name"], "Shirt size");
        let reference = &body["external_references"]["80"];
        assert_eq!(reference["status"], "successful");
        assert_eq!(reference["locked"], false);
        let skill_membership = &body["skill_memberships"]["51"];
        assert_eq!(skill_membership["level"], 3);
        assert_eq!(skill_membership["max_level"], 5);
        assert_eq!(skill_membership["cached_skill_name"], "Rust");
        assert_eq!(
            body["work_samples"]["60"]["title"],
            "Analytical Engine notes"
        );
        assert!(body["roles"]["3"]["created_at"]
            .as_str()
            .is_some_and(|t| t.len() == 20 && t.ends_with('Z')));

        // Barbara has nothing: the keys are there, empty.
        let (_, body) = app
            .get(
                &format!("/api/v1/users/{BARBARA}?include={all}"),
                Some(BARBARA),
            )
            .await;
        for key in [
            "account_memberships",
            "custom_field_values",
            "external_references",
            "roles",
            "skill_memberships",
            "skills",
            "work_samples",
        ] {
            assert_eq!(body[key], json!({}), "{}: {key}", app.backend);
        }
        let barbara = &body["users"]["14"];
        assert_eq!(barbara["account_membership_id"], Value::Null);
        assert_eq!(barbara["skill_ids"], json!([]));
        app.stop().await;
    }
}

#[tokio::test]
async fn include_is_not_trimmed_and_unknown_names_are_ignored() {
    for backend in backends().await {
        let app = TestApp::spawn(backend).await;
        let (status, body) = app
            .get(
                "/api/v1/users/10?include=role,%20skills,nonsense",
                Some(ADA),
            )
            .await;
        assert_eq!(status, 200);
        assert_eq!(keys(&body), ["count", "results", "users", "meta", "roles"]);
        assert!(body["users"]["10"].get("skill_ids").is_none());
        app.stop().await;
    }
}

#[tokio::test]
async fn optional_fields_in_both_forms_and_admin_only_activity() {
    for backend in backends().await {
        let app = TestApp::spawn(backend).await;
        let (_, body) = app
            .get(
                "/api/v1/users/11?optional_fields=bio,%20city,last_site_activity,nope",
                Some(ADA),
            )
            .await;
        let grace = &body["users"]["11"];
        assert_eq!(grace["bio"], "Found the first bug.");
        assert_eq!(grace["city"], "Arlington");
        assert_eq!(grace["last_site_activity"], "2026-02-03T04:05:06Z");
        assert!(grace.get("website").is_none());
        assert_eq!(keys(grace).last(), Some(&"id"));

        let (_, body) = app
            .get(
                "/api/v1/users/10?optional_fields[]=website&optional_fields%5B%5D=last_site_activity&optional_fields[]=classification&optional_fields[]=state",
                Some(GRACE),
            )
            .await;
        let ada = &body["users"]["10"];
        assert_eq!(ada["website"], "https://ada.acme.test");
        assert_eq!(ada["classification"], "Internal");
        assert_eq!(ada["state"], Value::Null, "requested and empty is null");
        assert!(
            ada.get("last_site_activity").is_none(),
            "left out for non-administrators"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn lists_page_filter_and_order() {
    for backend in backends().await {
        let app = TestApp::spawn(backend).await;
        // Kantata's default order is alphabetical:asc (Ada, Barbara, Charles, Grace).
        let (status, body) = app.get("/api/v1/users", Some(GRACE)).await;
        assert_eq!(status, 200);
        assert_eq!(ids(&body), ["10", "14", "12", "11"], "{}", app.backend);
        assert_eq!(
            body["meta"],
            json!({"count": 4, "page_count": 1, "page_number": 1, "page_size": 20})
        );

        let (_, body) = app
            .get("/api/v1/users?per_page=3&page=2", Some(GRACE))
            .await;
        assert_eq!(ids(&body), ["11"]);
        assert_eq!(body["count"], 4);
        assert_eq!(
            body["meta"],
            json!({"count": 4, "page_count": 2, "page_number": 2, "page_size": 3})
        );

        let (_, body) = app
            .get("/api/v1/users?per_page=500&page=0", Some(GRACE))
            .await;
        // Kantata echoes the page it was given, even 0 (and serves page 1).
        assert_eq!(ids(&body), ["10", "14", "12", "11"]);
        assert_eq!(body["meta"]["page_size"], 200);
        assert_eq!(body["meta"]["page_number"], 0);

        let (_, body) = app.get("/api/v1/users?per_page=-3", Some(GRACE)).await;
        assert_eq!(body["meta"]["page_size"], 20);

        let (_, body) = app
            .get(
                "/api/v1/users?limit=2&offset=1&page=9&per_page=9",
                Some(GRACE),
            )
            .await;
        // limit/offset choose the rows; meta still reports page and per_page (brainstem).
        assert_eq!(ids(&body), ["14", "12"]);
        assert_eq!(
            body["meta"],
            json!({"count": 4, "page_count": 1, "page_number": 9, "page_size": 9})
        );

        let (_, body) = app
            .get("/api/v1/users?only=12,10,20,999", Some(GRACE))
            .await;
        assert_eq!(
            ids(&body),
            ["10", "12"],
            "only: other accounts and missing ids are absent"
        );

        let (_, body) = app
            .get("/api/v1/users?order=alphabetical:asc", Some(GRACE))
            .await;
        assert_eq!(ids(&body), ["10", "14", "12", "11"]);
        let (_, body) = app
            .get("/api/v1/users?order=alphabetical:desc", Some(GRACE))
            .await;
        assert_eq!(ids(&body), ["11", "12", "14", "10"]);

        let (_, body) = app
            .get("/api/v1/users?on_my_account=true", Some(GRACE))
            .await;
        assert_eq!(ids(&body), ["10", "12", "11"], "Barbara has no membership");
        let (_, body) = app
            .get("/api/v1/users?show_disabled=true", Some(GRACE))
            .await;
        assert_eq!(ids(&body), ["10", "14", "12", "11", "13"]);

        let (_, body) = app.get("/api/v1/users?only=999", Some(GRACE)).await;
        assert_eq!(body["count"], 0);
        assert_eq!(body["results"], json!([]));
        assert_eq!(body["users"], json!({}));
        assert_eq!(
            body["meta"],
            json!({"count": 0, "page_count": 0, "page_number": 0, "page_size": 20})
        );

        let (_, body) = app.get("/api/v1/users", Some(HANK)).await;
        assert_eq!(ids(&body), ["20"], "each account sees only itself");
        app.stop().await;
    }
}

#[tokio::test]
async fn users_with_the_same_name_come_in_id_order_both_ways() {
    for backend in backends().await {
        let app = TestApp::spawn(backend).await;
        // A second "Grace Hopper" (id 15) and a lower-case "ada lovelace" (id 16).
        let twins = Fixture::from_json(
            r#"{"accounts": [], "users": [
                {"id": 16, "account_id": 1, "full_name": "ada lovelace", "email_address": "ada2@acme.test"},
                {"id": 15, "account_id": 1, "full_name": "Grace Hopper", "email_address": "grace2@acme.test"}
            ]}"#,
        )
        .expect("fixture");
        app.store.import(&twins).await.expect("import");
        for (query, expected) in [
            ("", ["10", "16", "14", "12", "11", "15"]),
            (
                "?order=alphabetical:asc",
                ["10", "16", "14", "12", "11", "15"],
            ),
            (
                "?order=alphabetical:desc",
                ["11", "15", "12", "14", "10", "16"],
            ),
        ] {
            let (status, body) = app.get(&format!("/api/v1/users{query}"), Some(ADA)).await;
            assert_eq!(status, 200);
            assert_eq!(ids(&body), expected, "{query} on {}", app.backend);
        }
        app.stop().await;
    }
}

/// Paging, `order` and `only` are never a 400 (Kantata reads them leniently: contract.rs);
/// a filter flag that is neither true nor false is.
#[tokio::test]
async fn unparseable_flags_are_400() {
    for backend in backends().await {
        let app = TestApp::spawn(backend).await;
        for query in ["show_disabled=maybe", "on_my_account=yes please"] {
            let (status, body) = app.get(&format!("/api/v1/users?{query}"), Some(ADA)).await;
            assert_eq!(status, 400, "{}: {query}", app.backend);
            assert_eq!(error_of(&body).0, "system", "{query}");
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn visibility_is_the_callers_account() {
    for backend in backends().await {
        let app = TestApp::spawn(backend).await;
        for (path, user, status) in [
            ("/api/v1/users/10", HANK, 404),
            ("/api/v1/users/20", ADA, 404),
            ("/api/v1/users/20", HANK, 200),
            ("/api/v1/users/404", ADA, 404),
            ("/api/v1/users/abc", ADA, 404),
            ("/api/v1/users/-1", ADA, 404),
            ("/api/v1/users/13", ADA, 200),
        ] {
            let (got, body) = app.get(path, Some(user)).await;
            assert_eq!(got, status, "{}: {path} as {user}: {body}", app.backend);
            if status == 404 {
                assert_eq!(
                    body,
                    json!({"errors": [{"type": "system", "message": "Record not found"}]})
                );
            }
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn every_route_answers_with_a_json_suffix() {
    for backend in backends().await {
        let app = TestApp::spawn(backend).await;
        for path in [
            "/api/v1/users.json",
            "/api/v1/users/me.json",
            "/api/v1/users/11.json?include=role",
        ] {
            let (status, body) = app.get(path, Some(ADA)).await;
            assert_eq!(status, 200, "{path}: {body}");
            assert!(body["count"].as_u64().is_some_and(|c| c >= 1));
        }
        let (status, _) = app
            .upload_to(
                "/api/v1/users/10/profile_photo.json",
                ADA,
                fixture("photo-320x180.jpg"),
            )
            .await;
        assert_eq!(status, 200);
        let response = app
            .client
            .delete(app.url("/api/v1/users/10/profile_photo.json"))
            .bearer_auth(token(ADA))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 204);
        app.stop().await;
    }
}

#[tokio::test]
async fn bad_tokens_are_401_in_oauth_format() {
    for backend in backends().await {
        let app = TestApp::spawn(backend).await;
        let revoked = "a-token-that-will-be-revoked";
        app.store
            .create_token(
                portrait_store::UserId(ADA),
                &portrait_store::PlainToken::new(revoked).hash(),
            )
            .await
            .unwrap();
        assert!(app
            .store
            .revoke_token(&portrait_store::PlainToken::new(revoked).hash())
            .await
            .unwrap());
        let headers: [Option<String>; 6] = [
            None,
            Some("Bearer".into()),
            Some(format!("Basic {}", token(ADA))),
            Some("Bearer not-a-known-token".into()),
            Some(format!("Bearer {revoked}")),
            Some(format!("Bearer {}", "x".repeat(4000))),
        ];
        for header in headers {
            let mut request = app.client.get(app.url("/api/v1/users/me"));
            if let Some(header) = &header {
                request = request.header("Authorization", header);
            }
            let (status, body) = json_of(request.send().await.unwrap()).await;
            assert_eq!(status, 401, "{}: {header:?}", app.backend);
            assert_eq!(
                body,
                json!({"errors": [{"type": "oauth", "message": "Invalid OAuth 2 Request"}]})
            );
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn unknown_routes_and_methods_get_json_errors() {
    for backend in backends().await {
        let app = TestApp::spawn(backend).await;
        let (status, body) = app.get("/api/v1/nothing-here", Some(ADA)).await;
        assert_eq!(status, 404);
        assert_eq!(error_of(&body), ("system", "Record not found"));
        let response = app
            .client
            .put(app.url("/api/v1/users/me"))
            .bearer_auth(token(ADA))
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["content-type"], "application/json");
        let (status, body) = json_of(response).await;
        assert_eq!(status, 405);
        assert_eq!(error_of(&body).0, "system");
        app.stop().await;
    }
}

#[tokio::test]
async fn queries_per_request_do_not_grow_with_users_or_associations() {
    for backend in backends().await {
        let app = TestApp::spawn(backend).await;
        let all = "include=account_membership,custom_field_values,external_references,manager,role,skill_memberships,skills,work_samples";
        let mut counts = Vec::new();
        for path in [
            format!("/api/v1/users?only=14&{all}"),
            format!("/api/v1/users?only=10,11&{all}"),
            format!("/api/v1/users?show_disabled=true&{all}"),
        ] {
            let before = app.store.queries_executed();
            let (status, body) = app.get(&path, Some(ADA)).await;
            assert_eq!(status, 200, "{body}");
            counts.push(app.store.queries_executed() - before);
        }
        // Barbara has no role and no manager, so two lookups are skipped for her alone.
        assert!(counts[0] <= counts[1], "{}: {counts:?}", app.backend);
        assert_eq!(counts[1], counts[2], "{}: {counts:?}", app.backend);
        assert!(
            counts[2] <= 11,
            "auth + count + page + 8 associations: {counts:?}"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn health_and_readiness() {
    for backend in backends().await {
        let app = TestApp::spawn(backend).await;
        let (status, body) = app.get("/healthz", None).await;
        assert_eq!((status, &body["status"]), (200, &json!("ok")));
        let (status, body) = app.get("/readyz", None).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            body,
            json!({"status": "ok", "database": {"status": "ok"}, "blob_store": {"status": "ok"}})
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn every_response_carries_security_headers() {
    for backend in backends().await {
        let app = TestApp::spawn(backend).await;
        for (path, user) in [
            ("/api/v1/users/me", Some(ADA)),
            ("/api/v1/users/me", None),
            ("/nowhere", None),
        ] {
            let mut request = app.client.get(app.url(path));
            if let Some(user) = user {
                request = request.bearer_auth(token(user));
            }
            let response = request.send().await.unwrap();
            let headers = response.headers();
            assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
            assert_eq!(headers["x-frame-options"], "DENY");
            assert!(headers["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("default-src 'none'"));
            assert!(headers.contains_key("x-request-id"));
        }
        app.stop().await;
    }
}
