//! Rows of contract/AUDIT.md that no other module shows: how Kantata (its brainstem renderer)
//! reads the list parameters, over real HTTP, on every backend.

use serde_json::Value;

use crate::helpers::*;

async fn list(app: &TestApp, query: &str) -> Value {
    let (status, body) = app
        .get(&format!("/api/v1/users?{query}"), Some(GRACE))
        .await;
    assert_eq!(status, 200, "{}: {query}: {body}", app.backend);
    body
}

/// Alphabetical: Ada Lovelace, Barbara Liskov, Charles Babbage, Grace Hopper.
const ALL: [&str; 4] = ["10", "14", "12", "11"];

#[tokio::test]
async fn paging_parameters_are_read_as_ruby_to_i() {
    for backend in backends().await {
        let app = TestApp::spawn(backend).await;
        for (query, expected, page_number, page_size) in [
            ("page=two", &ALL[..], 0, 20),
            ("per_page=1.5", &ALL[..1], 1, 1),
            ("per_page=2abc&page=2x", &ALL[2..], 2, 2),
            ("per_page=%202", &ALL[..2], 1, 2),
            ("per_page=-3", &ALL[..], 1, 20),
            ("per_page=99999999999999999999", &ALL[..], 1, 200),
            // limit with offset: a limit below 1 is 1 (brainstem's calculate_limit), and meta
            // reports per_page's value, not the limit.
            ("limit=a&offset=1", &ALL[1..2], 1, 20),
            ("limit=2&offset=x&per_page=3", &ALL[..2], 1, 3),
        ] {
            let body = list(&app, query).await;
            assert_eq!(ids(&body), expected, "{}: {query}", app.backend);
            assert_eq!(body["meta"]["page_number"], page_number, "{query}");
            assert_eq!(body["meta"]["page_size"], page_size, "{query}");
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn an_unknown_order_is_the_default_order() {
    for backend in backends().await {
        let app = TestApp::spawn(backend).await;
        let reversed: Vec<&str> = ALL.iter().rev().copied().collect();
        for (query, expected) in [
            ("order=random", ALL.to_vec()),
            ("order=created_at:desc", ALL.to_vec()),
            ("order=alphabetical", ALL.to_vec()),
            ("order=alphabetical:sideways", ALL.to_vec()),
            ("order=alphabetical:desc", reversed.clone()),
            ("order=alphabetical:desc:extra", reversed),
        ] {
            let body = list(&app, query).await;
            assert_eq!(ids(&body), expected, "{}: {query}", app.backend);
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn only_drops_the_items_that_are_not_ids() {
    for backend in backends().await {
        let app = TestApp::spawn(backend).await;
        for (query, expected) in [
            ("only=12,x,10", vec!["10", "12"]),
            ("only=12,%2010,-11,11.0", vec!["12"]),
            ("only=12,12", vec!["12"]),
            ("only=x", vec![]),
            ("only=99999999999999999999", vec![]),
            ("only=", ALL.to_vec()),
        ] {
            let body = list(&app, query).await;
            assert_eq!(ids(&body), expected, "{}: {query}", app.backend);
            assert_eq!(body["count"], expected.len(), "{query}");
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn unknown_includes_and_optional_fields_are_ignored() {
    for backend in backends().await {
        let app = TestApp::spawn(backend).await;
        let (status, body) = app
            .get(
                "/api/v1/users/10?include=role,bogus&optional_fields=bio,can_edit,%F0%9F%90%99",
                Some(ADA),
            )
            .await;
        assert_eq!(status, 200, "{}: {body}", app.backend);
        let user = &body["users"]["10"];
        assert!(user.get("bio").is_some(), "{user}");
        assert!(user.get("can_edit").is_none(), "{user}");
        assert!(body.get("bogus").is_none() && body.get("roles").is_some());
        app.stop().await;
    }
}
