//! Reset to the default picture, after a confirmation in the page.

use super::browser::{self, Screen};
use crate::helpers::{fixture, Backend, TestApp, GRACE};

#[tokio::test]
async fn reset_asks_first_then_brings_back_the_default_picture() {
    let app = TestApp::spawn(Backend::sqlite_fs()).await;
    let (status, _) = app.upload(GRACE, GRACE, fixture("photo-320x180.jpg")).await;
    assert_eq!(status, 200);
    let uploaded = app.photo_path(GRACE).await;
    let Some(mut browser) = browser::open("reset", Screen::Desktop).await else {
        return;
    };
    browser.sign_in(&app, "/", GRACE).await;
    let photo_src = "document.querySelector('[data-testid=photo]').getAttribute('src')";
    browser
        .wait_until(
            &format!("{photo_src} === '{uploaded}?size=288'"),
            "her photo",
        )
        .await;

    // Keeping it changes nothing.
    browser.click("delete").await;
    browser
        .wait_until(
            "document.getElementById('confirm').open",
            "the confirmation",
        )
        .await;
    browser.screenshot("confirm-reset", None).await;
    browser
        .client
        .find(fantoccini::Locator::Id("confirm-cancel"))
        .await
        .expect("cancel")
        .click()
        .await
        .expect("click");
    browser
        .wait_until(
            "!document.getElementById('confirm').open",
            "the dialog closed",
        )
        .await;
    assert_eq!(app.photo_path(GRACE).await, uploaded);

    browser.click("delete").await;
    browser
        .wait_until(
            "document.getElementById('confirm').open",
            "the confirmation",
        )
        .await;
    browser
        .client
        .find(fantoccini::Locator::Id("confirm-reset"))
        .await
        .expect("reset")
        .click()
        .await
        .expect("click");
    browser
        .wait_until(
            &format!("{photo_src}.includes('/images/default_profile_photo/')"),
            "the default picture",
        )
        .await;
    let now = app.photo_path(GRACE).await;
    assert!(
        now.ends_with("/images/default_profile_photo/default.png"),
        "{now}"
    );
    assert_eq!(
        browser.text("status").await,
        "Grace Hopper's photo is the default picture again."
    );
    browser.finish(&[]).await;
    app.stop().await;
}
