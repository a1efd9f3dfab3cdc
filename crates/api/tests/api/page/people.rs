//! Whose photo: an administrator picks anyone in the account; anyone else gets Kantata's 403.

use fantoccini::Locator;
use serde_json::Value;

use super::browser::{self, fixture_path, Screen};
use super::ssim::{decode_jpeg, reference_square, ssim};
use crate::helpers::{fixture, Backend, TestApp, ADA, CHARLES, GRACE};

#[tokio::test]
async fn an_administrator_changes_another_users_photo() {
    let app = TestApp::spawn(Backend::sqlite_fs()).await;
    let ada_before = app.photo_path(ADA).await;
    let Some(mut browser) = browser::open("admin-changes-grace", Screen::Desktop).await else {
        return;
    };
    browser.sign_in(&app, "/", ADA).await;
    browser
        .wait_until(
            "document.querySelector('#people-list li[data-user-id=\"11\"] button') !== null",
            "Grace in the people list",
        )
        .await;
    assert_eq!(browser.text("people-page").await, "Page 1 of 1");
    browser
        .client
        .find(Locator::Css("#people-list li[data-user-id=\"11\"] button"))
        .await
        .expect("Grace's button")
        .click()
        .await
        .expect("click");
    browser
        .wait_until(
            "document.getElementById('subject-name').textContent === 'Grace Hopper'",
            "Grace's photo to change",
        )
        .await;
    let url = browser.client.current_url().await.expect("url");
    assert_eq!(url.query(), Some("user=11"), "{url}");
    browser
        .choose_file(&fixture_path("photo-320x180.jpg"))
        .await;
    browser.wait_for_preview().await;
    // Untouched, no crop box is sent: portrait frames the photo itself (the centred square).
    browser.click("upload").await;
    browser
        .wait_until(
            "!document.getElementById('renditions').hidden",
            "Grace's renditions",
        )
        .await;
    let grace = app.photo_path(GRACE).await;
    assert!(grace.contains("/photos/"), "{grace}");
    assert_eq!(
        app.photo_path(ADA).await,
        ada_before,
        "Ada's own photo stayed"
    );
    browser
        .wait_until(
            &format!(
                "document.querySelector('#people-list li[data-user-id=\"11\"] img').getAttribute('src') === '{grace}?size=96'"
            ),
            "Grace's new avatar in the list",
        )
        .await;
    browser.screenshot("admin-changed-grace", None).await;
    let rendition = app
        .client
        .get(format!("{grace}?size=288"))
        .send()
        .await
        .expect("rendition")
        .bytes()
        .await
        .expect("bytes");
    let original = decode_jpeg(&fixture("photo-320x180.jpg"));
    let score = ssim(
        &decode_jpeg(&rendition),
        &reference_square(&original, (70, 0, 180), 288),
    );
    assert!(
        score >= 0.95,
        "untouched crop: SSIM {score} against the centred square"
    );
    browser.finish(&[]).await;
    app.stop().await;
}

#[tokio::test]
async fn someone_who_is_no_administrator_gets_the_403_message() {
    let app = TestApp::spawn(Backend::sqlite_fs()).await;
    let charles_before = app.photo_path(CHARLES).await;
    let (status, body) = app
        .upload(CHARLES, GRACE, fixture("photo-320x180.jpg"))
        .await;
    assert_eq!(status, 403, "{body}");
    let message = body["errors"][0]["message"]
        .as_str()
        .expect("message")
        .to_owned();
    let Some(mut browser) = browser::open("not-an-admin", Screen::Desktop).await else {
        return;
    };
    browser.sign_in(&app, "/?user=12", GRACE).await;
    assert_eq!(browser.text("subject-name").await, "Charles Babbage");
    assert_eq!(
        browser
            .js("return document.getElementById('people').hidden")
            .await,
        Value::Bool(true),
        "no people list for a project lead"
    );
    browser
        .choose_file(&fixture_path("photo-320x180.jpg"))
        .await;
    browser.wait_for_preview().await;
    browser.click("upload").await;
    browser
        .wait_until(
            "document.querySelector('[data-testid=error]').textContent !== ''",
            "the 403 message",
        )
        .await;
    assert_eq!(browser.text("error").await, message);
    browser.screenshot("forbidden", None).await;
    assert_eq!(app.photo_path(CHARLES).await, charles_before);
    browser.finish(&["status of 403"]).await;
    app.stop().await;
}
