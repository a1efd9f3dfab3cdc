//! A 360 px wide phone: every state of the page fits without horizontal scrolling.

use serde_json::Value;

use super::browser::{self, fixture_path, Screen};
use crate::helpers::{Backend, TestApp, ADA};

const FITS: &str = "document.documentElement.scrollWidth <= 360 && window.innerWidth === 360";

#[tokio::test]
async fn every_state_fits_a_360_px_screen() {
    let app = TestApp::spawn(Backend::sqlite_fs()).await;
    let Some(mut browser) = browser::open("phone-360", Screen::Phone).await else {
        return;
    };
    browser.open_signed_out(&app).await;
    assert_fits(&browser, "sign-in").await;
    browser.sign_in(&app, "/", ADA).await;
    browser
        .wait_until(
            "!document.getElementById('people').hidden",
            "the people list",
        )
        .await;
    assert_fits(&browser, "signed in").await;
    browser.screenshot("phone-signed-in", None).await;
    // A photo wider than the screen: the preview shrinks to fit and the crop box with it.
    browser
        .choose_file(&fixture_path("quadrants-400x300.png"))
        .await;
    browser.wait_for_preview().await;
    assert_fits(&browser, "cropping").await;
    let box_width = browser
        .js("return document.querySelector('[data-testid=crop]').getBoundingClientRect().width")
        .await;
    let preview_height = browser
        .js("return document.getElementById('preview').getBoundingClientRect().height")
        .await;
    let (side, height) = (
        box_width.as_f64().expect("width"),
        preview_height.as_f64().expect("height"),
    );
    assert!(
        (side - height).abs() < 1.0,
        "the box ({side}) is the preview's full height ({height})"
    );
    browser.screenshot("phone-cropping", None).await;
    browser.click("upload").await;
    browser
        .wait_until(
            "!document.getElementById('renditions').hidden && \
             Array.from(document.querySelectorAll('#renditions img')).every(i => i.complete && i.naturalWidth > 0)",
            "the renditions",
        )
        .await;
    assert_fits(&browser, "after the upload").await;
    browser.screenshot("phone-uploaded", None).await;
    browser.finish(&[]).await;
    app.stop().await;
}

async fn assert_fits(browser: &browser::Browser, state: &str) {
    let fits = browser.js(&format!("return {FITS}")).await;
    let width = browser
        .js("return [document.documentElement.scrollWidth, window.innerWidth]")
        .await;
    assert_eq!(
        fits,
        Value::Bool(true),
        "{state}: [scrollWidth, innerWidth] = {width}"
    );
}
