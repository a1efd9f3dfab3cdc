//! The page's own Content-Security-Policy, types and caching, over plain HTTP; the API keeps
//! its `default-src 'none'`.

use crate::helpers::{token, Backend, TestApp};

const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

fn page_csp(photo_origin: &str) -> String {
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
         img-src 'self' blob: {photo_origin}; form-action 'self'; base-uri 'none'; \
         frame-ancestors 'none'"
    )
}

async fn get(app: &TestApp, path: &str) -> reqwest::Response {
    app.client.get(app.url(path)).send().await.expect("request")
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("no {name} on {}", response.url()))
}

#[tokio::test]
async fn the_page_and_its_assets_have_their_own_policy_and_the_api_keeps_its_own() {
    let app = TestApp::spawn(Backend::sqlite_fs()).await;
    let csp = page_csp(&app.base);
    for (path, media_type) in [
        ("/", "text/html; charset=utf-8"),
        ("/assets/app.js", "text/javascript; charset=utf-8"),
        ("/assets/app.css", "text/css; charset=utf-8"),
        ("/assets/icon.svg", "image/svg+xml"),
    ] {
        let response = get(&app, path).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(header(&response, "content-type"), media_type, "{path}");
        assert_eq!(header(&response, "content-security-policy"), csp, "{path}");
        assert!(!csp.contains("unsafe"), "{csp}");
        assert_eq!(header(&response, "cache-control"), "no-cache", "{path}");
        assert_eq!(header(&response, "x-content-type-options"), "nosniff");
        let etag = header(&response, "etag").to_owned();
        let again = app
            .client
            .get(app.url(path))
            .header("if-none-match", &etag)
            .send()
            .await
            .expect("revalidation");
        assert_eq!(again.status(), 304, "{path}");
        assert_eq!(header(&again, "etag"), etag);
    }
    for path in [
        "/api/v1/users/me",
        "/api/v1/openapi.json",
        "/healthz",
        "/nowhere",
    ] {
        let response = app
            .client
            .get(app.url(path))
            .bearer_auth(token(crate::helpers::ADA))
            .send()
            .await
            .expect("request");
        assert_eq!(
            header(&response, "content-security-policy"),
            API_CSP,
            "{path}"
        );
    }
    let missing = get(&app, "/assets/app.js.map").await;
    assert_eq!(missing.status(), 404);
    assert_eq!(header(&missing, "content-security-policy"), API_CSP);
    app.stop().await;
}

#[tokio::test]
async fn photos_published_elsewhere_are_allowed_as_images_and_nothing_else() {
    // Photo URLs then point elsewhere, so the server is reached at its own address.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let app = TestApp::spawn_with(Backend::sqlite_fs(), |config| {
        config.listen = format!("127.0.0.1:{port}").parse().expect("address");
        config.public_url = Some("https://photos.example.test:8443/portrait".into());
    })
    .await;
    let response = app
        .client
        .get(format!("http://127.0.0.1:{port}/"))
        .send()
        .await
        .expect("request");
    assert_eq!(
        header(&response, "content-security-policy"),
        page_csp("https://photos.example.test:8443")
    );
    app.stop().await;
}

/// No inline script or style anywhere: the policy would refuse it, and the page must not
/// need 'unsafe-inline'.
#[tokio::test]
async fn the_page_has_no_inline_scripts_or_styles() {
    let app = TestApp::spawn(Backend::sqlite_fs()).await;
    let html = get(&app, "/").await.text().await.expect("html");
    for tag in html.match_indices("<script").map(|(at, _)| &html[at..]) {
        let open = &tag[..tag.find('>').expect("closed tag")];
        assert!(open.contains(" src="), "inline script: {open}");
    }
    assert!(!html.contains("<style"), "inline style element");
    assert!(!html.contains(" style="), "inline style attribute");
    assert!(!has_event_handler_attribute(&html), "inline event handler");
    for id in [
        "token", "file", "crop", "upload", "progress", "photo", "error", "delete",
    ] {
        assert!(html.contains(&format!("data-testid=\"{id}\"")), "hook {id}");
    }
    app.stop().await;
}

/// ` onclick=`, ` onload=`…: a space, `on`, letters, `=`.
fn has_event_handler_attribute(html: &str) -> bool {
    html.match_indices(" on").any(|(at, _)| {
        let rest = &html[at + 3..];
        let letters = rest.chars().take_while(char::is_ascii_lowercase).count();
        letters > 0 && rest[letters..].starts_with('=')
    })
}
