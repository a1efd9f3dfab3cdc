//! Snapshots of the OpenAPI document and of a full response, so any change to the
//! contract shows up in review (`cargo insta review`, or `INSTA_UPDATE=always cargo test`).

use crate::helpers::{backends, TestApp, ADA, GRACE};

#[tokio::test]
async fn openapi_document() {
    let backend = backends().await.into_iter().next().expect("sqlite backend");
    let app = TestApp::spawn(backend).await;
    let (status, document) = app.get("/api/v1/openapi.json", None).await;
    assert_eq!(status, 200);
    assert_eq!(document["openapi"], "3.1.0");
    insta::assert_json_snapshot!("openapi", document);
    app.stop().await;
}

#[tokio::test]
async fn user_with_every_association() {
    for backend in backends().await {
        let app = TestApp::spawn(backend).await;
        let (status, body) = app
            .get(
                "/api/v1/users/11?include=account_membership,custom_field_values,external_references,manager,role,skill_memberships,skills,work_samples&optional_fields=bio,city,state,country,website,abbreviated_timezone,classification,last_site_activity",
                Some(ADA),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        // Same snapshot on every database: the rendering must not depend on the backend.
        insta::assert_json_snapshot!("user_11_everything", body, {
            ".**.photo_path" => "[photo_path]",
            ".**.created_at" => "[import time]",
            ".**.updated_at" => "[import time]",
        });
        let (status, me) = app.get("/api/v1/users/me", Some(GRACE)).await;
        assert_eq!(status, 200);
        insta::assert_json_snapshot!("me_plain", me, { ".**.photo_path" => "[photo_path]" });
        app.stop().await;
    }
}
