//! Every authenticated route × every kind of caller: the status and the error body.
//!
//! The target is Grace (user 11, project lead of account 1). Callers: nobody, a
//! malformed header, an unknown token, a revoked token, Grace herself, Charles (a
//! collaborator of her account), Ada (an administrator of her account) and Hank (an
//! administrator of another account).

use crate::helpers::*;
use portrait_store::{PlainToken, UserId};
use serde_json::Value;

#[derive(Debug, Clone, Copy)]
enum Caller {
    NoHeader,
    Malformed,
    Unknown,
    Revoked,
    User(i64),
}

const REVOKED: &str = "revoked-token-of-charles";

#[derive(Debug, Clone, Copy)]
enum Route {
    Me,
    Index,
    Show,
    Upload,
    Reset,
    /// Public: the default photo, the OpenAPI document and the health checks ignore tokens.
    DefaultPhoto,
    OpenApi,
    Health,
}

impl Route {
    fn request(self, app: &TestApp) -> reqwest::RequestBuilder {
        let url = |path: &str| app.url(path);
        match self {
            Route::Me => app.client.get(url("/api/v1/users/me")),
            Route::Index => app.client.get(url("/api/v1/users")),
            Route::Show => app.client.get(url("/api/v1/users/11")),
            Route::Upload => app.upload_request(
                "/api/v1/users/11/profile_photo",
                fixture("photo-320x180.jpg"),
            ),
            Route::Reset => app.client.delete(url("/api/v1/users/11/profile_photo")),
            Route::DefaultPhoto => app
                .client
                .get(url("/images/default_profile_photo/default.png")),
            Route::OpenApi => app.client.get(url("/api/v1/openapi.json")),
            Route::Health => app.client.get(url("/healthz")),
        }
    }
}

fn authorize(request: reqwest::RequestBuilder, caller: Caller) -> reqwest::RequestBuilder {
    match caller {
        Caller::NoHeader => request,
        Caller::Malformed => request.header("Authorization", "Bearer"),
        Caller::Unknown => request.bearer_auth("no-such-token"),
        Caller::Revoked => request.bearer_auth(REVOKED),
        Caller::User(id) => request.bearer_auth(token(id)),
    }
}

/// What a caller must get from a route.
fn expected(route: Route, caller: Caller) -> u16 {
    use Route::*;
    match caller {
        _ if matches!(route, DefaultPhoto | OpenApi | Health) => 200,
        Caller::NoHeader | Caller::Malformed | Caller::Unknown | Caller::Revoked => 401,
        Caller::User(id) => match (route, id) {
            (Me | Index | DefaultPhoto | OpenApi | Health, _) => 200,
            // Another account's administrator cannot even see Grace.
            (Show | Upload | Reset, HANK) => 404,
            (Show, _) => 200,
            (Upload, GRACE | ADA) => 200,
            (Reset, GRACE | ADA) => 204,
            (Upload | Reset, _) => 403,
        },
    }
}

#[tokio::test]
async fn every_route_for_every_caller() {
    for backend in backends().await {
        let app = TestApp::spawn(backend).await;
        let revoked = PlainToken::new(REVOKED.to_owned());
        app.store
            .create_token(UserId(CHARLES), &revoked.hash())
            .await
            .expect("token");
        assert_eq!(
            authorize(Route::Me.request(&app), Caller::Revoked)
                .send()
                .await
                .unwrap()
                .status(),
            200,
            "works before it is revoked"
        );
        app.store
            .revoke_token(&revoked.hash())
            .await
            .expect("revoke");
        // A disabled user's token is as good as none.
        let disabled = PlainToken::new("token-of-a-disabled-user".to_owned());
        app.store
            .create_token(UserId(ROBOT), &disabled.hash())
            .await
            .expect("token");
        let response = app
            .client
            .get(app.url("/api/v1/users/me"))
            .bearer_auth(disabled.expose())
            .send()
            .await
            .unwrap();
        assert_eq!(json_of(response).await.0, 401, "{}", app.backend);

        let callers = [
            Caller::NoHeader,
            Caller::Malformed,
            Caller::Unknown,
            Caller::Revoked,
            Caller::User(GRACE),
            Caller::User(CHARLES),
            Caller::User(ADA),
            Caller::User(HANK),
        ];
        let routes = [
            Route::Me,
            Route::Index,
            Route::Show,
            Route::Upload,
            Route::Reset,
        ];
        for route in [Route::DefaultPhoto, Route::OpenApi, Route::Health] {
            for caller in callers {
                let response = authorize(route.request(&app), caller).send().await.unwrap();
                let case = format!("{}: {route:?} as {caller:?}", app.backend);
                assert_eq!(
                    response.status().as_u16(),
                    expected(route, caller),
                    "{case}"
                );
                assert_eq!(
                    response.headers()["x-content-type-options"],
                    "nosniff",
                    "{case}"
                );
            }
        }
        for route in routes {
            for caller in callers {
                let response = authorize(route.request(&app), caller).send().await.unwrap();
                let want = expected(route, caller);
                let (status, body) = json_of(response).await;
                let case = format!("{}: {route:?} as {caller:?}: {body}", app.backend);
                assert_eq!(status, want, "{case}");
                match status {
                    401 => assert_eq!(
                        body,
                        serde_json::json!({"errors": [{"type": "oauth", "message": "Invalid OAuth 2 Request"}]}),
                        "{case}"
                    ),
                    403 | 404 => {
                        assert_eq!(error_of(&body).0, "system", "{case}");
                        assert_eq!(body["errors"].as_array().map(Vec::len), Some(1), "{case}");
                    }
                    204 => assert_eq!(body, Value::Null, "{case}"),
                    _ => check_success(route, caller, &body, &case),
                }
            }
        }
        app.stop().await;
    }
}

fn check_success(route: Route, caller: Caller, body: &Value, case: &str) {
    let Caller::User(me) = caller else {
        panic!("{case}: success without a user");
    };
    let ids: Vec<&str> = body["results"]
        .as_array()
        .unwrap_or_else(|| panic!("{case}: no results"))
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    match route {
        Route::Me => assert_eq!(ids, vec![me.to_string().as_str()], "{case}"),
        Route::Show | Route::Upload => assert_eq!(ids, vec!["11"], "{case}"),
        Route::Index => {
            // Only the caller's own account is listed.
            let account = if me == HANK { "2" } else { "1" };
            assert!(!ids.is_empty(), "{case}");
            for id in ids {
                assert_eq!(body["users"][id]["account_id"], account, "{case}");
            }
        }
        Route::Reset | Route::DefaultPhoto | Route::OpenApi | Route::Health => {
            unreachable!("checked apart")
        }
    }
}
