//! Signing in: with the token field, and with a sign-in link whose token leaves the address bar.

use fantoccini::key::Key;
use serde_json::Value;

use super::browser::{self, Screen};
use crate::helpers::{token, Backend, TestApp, ADA, GRACE};

#[tokio::test]
async fn a_sign_in_link_keeps_its_token_in_the_tab_and_out_of_the_address_bar() {
    let app = TestApp::spawn(Backend::sqlite_fs()).await;
    let Some(mut browser) = browser::open("sign-in-link", Screen::Desktop).await else {
        return;
    };
    browser.sign_in(&app, "/", ADA).await;
    let url = browser.client.current_url().await.expect("url");
    assert!(!url.as_str().contains("token"), "{url}");
    assert_eq!(url.fragment(), None, "{url}");
    assert_eq!(
        browser
            .js("return sessionStorage.getItem('portrait.token')")
            .await,
        Value::String(token(ADA))
    );
    assert_eq!(browser.text("subject-name").await, "Ada Lovelace");
    assert_eq!(
        browser.text("signed-in-name").await,
        "Signed in as Ada Lovelace"
    );
    // Her current photo is the default picture (a sized URL of her photo_path).
    let src = browser
        .by_test_id("photo")
        .await
        .attr("src")
        .await
        .expect("src")
        .expect("a src");
    assert_eq!(src, format!("{}?size=288", app.photo_path(ADA).await));
    browser
        .wait_until(
            "document.querySelectorAll('#people-list li').length === 4 && \
             Array.from(document.querySelectorAll('#people-list img')).every(i => i.complete && i.naturalWidth > 0)",
            "the account's people with their avatars",
        )
        .await;
    browser.screenshot("signed-in", Some("signed-in")).await;
    // A reload keeps her signed in: the token is in the tab's sessionStorage.
    browser.client.refresh().await.expect("reload");
    browser
        .wait_until(
            "document.getElementById('subject-name').textContent === 'Ada Lovelace'",
            "still signed in after a reload",
        )
        .await;
    browser.finish(&[]).await;
    app.stop().await;
}

#[tokio::test]
async fn without_a_token_the_page_asks_for_one_and_refuses_a_wrong_one() {
    let app = TestApp::spawn(Backend::sqlite_fs()).await;
    let Some(mut browser) = browser::open("sign-in-form", Screen::Desktop).await else {
        return;
    };
    browser.open_signed_out(&app).await;
    browser.screenshot("asks-for-a-token", None).await;
    let field = browser.by_test_id("token").await;
    field.send_keys("not-a-token").await.expect("typed");
    field
        .send_keys(&Key::Enter.to_string())
        .await
        .expect("submitted");
    browser
        .wait_until(
            "document.querySelector('[data-testid=error]').textContent !== ''",
            "the 401 message",
        )
        .await;
    let shown = browser.text("error").await;
    let refused = app
        .client
        .get(app.url("/api/v1/users/me"))
        .bearer_auth("not-a-token")
        .send()
        .await
        .expect("request");
    let (status, body) = crate::helpers::json_of(refused).await;
    assert_eq!(status, 401);
    let said = body["errors"][0]["message"].as_str().expect("message");
    assert!(shown.contains(said), "{shown:?} should contain {said:?}");
    assert_eq!(
        browser
            .js("return sessionStorage.getItem('portrait.token')")
            .await,
        Value::Null,
        "a refused token is forgotten"
    );
    let field = browser.by_test_id("token").await;
    field.send_keys(&token(GRACE)).await.expect("typed");
    field
        .send_keys(&Key::Enter.to_string())
        .await
        .expect("submitted");
    browser
        .wait_until(
            "document.getElementById('subject-name').textContent === 'Grace Hopper'",
            "Grace signed in",
        )
        .await;
    assert!(
        browser.text("error").await.is_empty(),
        "the old error is gone"
    );
    // Grace is no administrator: no people list.
    assert_eq!(
        browser
            .js("return document.getElementById('people').hidden")
            .await,
        Value::Bool(true)
    );
    browser.finish(&["status of 401"]).await;
    app.stop().await;
}
