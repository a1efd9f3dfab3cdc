//! Choosing, cropping and uploading: the served rendition is the region chosen in the page.

use std::time::Duration;

use fantoccini::actions::{InputSource, MouseActions, PointerAction, MOUSE_BUTTON_LEFT};
use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::Locator;
use serde_json::Value;

use super::browser::{self, fixture_path, Browser, Screen};
use super::ssim::{decode_jpeg, reference_square, ssim};
use crate::helpers::{fixture, Backend, TestApp, CHARLES, GRACE};

const PHOTO: &str = "photo-320x180.jpg";

/// The crop box the page will send, as it shows it: `(x, y, side)` in image pixels.
async fn shown_crop(browser: &Browser) -> (u32, u32, u32) {
    let text = browser.text("crop-values").await;
    let numbers: Vec<u32> = text
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().expect("number"))
        .collect();
    // "Crop: W × W pixels from the left X, top Y of WIDTH × HEIGHT."
    assert_eq!(numbers.len(), 6, "{text:?}");
    (numbers[2], numbers[3], numbers[0])
}

async fn drag(browser: &Browser, element: Element, dx: f64, dy: f64) {
    let mouse = MouseActions::new("mouse".to_owned())
        .then(PointerAction::MoveToElement {
            element,
            duration: None,
            x: 0.0,
            y: 0.0,
        })
        .then(PointerAction::Down {
            button: MOUSE_BUTTON_LEFT,
        })
        .then(PointerAction::MoveBy {
            duration: Some(Duration::from_millis(120)),
            x: dx,
            y: dy,
        })
        .then(PointerAction::Up {
            button: MOUSE_BUTTON_LEFT,
        });
    browser.client.perform_actions(mouse).await.expect("drag");
}

/// Uploads what is chosen and waits for the renditions to be shown and loaded.
async fn upload_and_wait(browser: &Browser) {
    browser.click("upload").await;
    browser
        .wait_until(
            "!document.getElementById('renditions').hidden && \
             Array.from(document.querySelectorAll('#renditions img')).every(i => i.complete && i.naturalWidth > 0)",
            "the uploaded renditions",
        )
        .await;
}

/// The served `size` rendition of `user`'s photo, decoded.
async fn served(app: &TestApp, user: i64, size: u32) -> image::RgbImage {
    let url = format!("{}?size={size}", app.photo_path(user).await);
    let response = app.client.get(url).send().await.expect("rendition");
    assert_eq!(response.status(), 200);
    decode_jpeg(&response.bytes().await.expect("bytes"))
}

#[tokio::test]
async fn a_crop_moved_and_resized_with_the_mouse_is_the_region_served() {
    let app = TestApp::spawn(Backend::sqlite_fs()).await;
    let Some(mut browser) = browser::open("crop-with-the-mouse", Screen::Desktop).await else {
        return;
    };
    browser.sign_in(&app, "/", GRACE).await;
    browser.choose_file(&fixture_path(PHOTO)).await;
    browser.wait_for_preview().await;
    assert_eq!(
        browser.text("crop-values").await,
        "No crop chosen: portrait will centre the photo."
    );
    // Shown at its natural size (320 × 180 CSS pixels), the box starts as the centred square.
    assert_eq!(
        browser
            .js("return document.getElementById('preview').clientWidth")
            .await,
        Value::from(320)
    );
    let crop = browser.by_test_id("crop").await;
    drag(&browser, crop.clone(), -60.0, 0.0).await;
    assert_eq!(shown_crop(&browser).await, (10, 0, 180));
    let corner = crop
        .find(Locator::Css(".handle.se"))
        .await
        .expect("south-east handle");
    drag(&browser, corner, -40.0, -40.0).await;
    assert_eq!(shown_crop(&browser).await, (10, 0, 140));
    browser.screenshot("cropping", Some("cropping")).await;

    upload_and_wait(&browser).await;
    assert_eq!(
        browser
            .js("return document.querySelector('[data-testid=progress]').value")
            .await,
        Value::from(100)
    );
    let photo = app.photo_path(GRACE).await;
    assert!(photo.contains("/photos/"), "{photo}");
    let src = browser
        .by_test_id("photo")
        .await
        .attr("src")
        .await
        .expect("src");
    assert_eq!(src, Some(format!("{photo}?size=288")));
    let sizes = browser
        .js("return Array.from(document.querySelectorAll('#renditions img')).map(i => [i.naturalWidth, i.getAttribute('src')])")
        .await;
    assert_eq!(
        sizes,
        serde_json::json!([
            [648, format!("{photo}?size=648")],
            [288, format!("{photo}?size=288")],
            [96, format!("{photo}?size=96")],
            [48, format!("{photo}?size=48")],
        ])
    );
    browser.screenshot("uploaded", Some("uploaded")).await;

    let original = decode_jpeg(&fixture(PHOTO));
    let rendition = served(&app, GRACE, 288).await;
    let chosen = ssim(&rendition, &reference_square(&original, (10, 0, 140), 288));
    let centred = ssim(&rendition, &reference_square(&original, (70, 0, 180), 288));
    eprintln!("SSIM of the 288 rendition: chosen crop {chosen:.4}, centred square {centred:.4}");
    assert!(chosen >= 0.95, "SSIM {chosen} against the chosen crop");
    assert!(
        centred < chosen - 0.1,
        "the centred square ({centred}) fits as well"
    );
    browser.finish(&[]).await;
    app.stop().await;
}

#[tokio::test]
async fn a_crop_chosen_with_the_keyboard_alone_is_the_region_served() {
    let app = TestApp::spawn(Backend::sqlite_fs()).await;
    let Some(mut browser) = browser::open("crop-with-the-keyboard", Screen::Desktop).await else {
        return;
    };
    browser.sign_in(&app, "/", GRACE).await;
    browser.choose_file(&fixture_path(PHOTO)).await;
    browser.wait_for_preview().await;
    // Tab from the file input reaches the crop box, which shows that it has the focus.
    browser.js("document.getElementById('file').focus()").await;
    browser.tab_to("crop", 3).await;
    assert_ne!(
        browser
            .js("return getComputedStyle(document.activeElement).outlineStyle")
            .await,
        Value::from("none"),
        "the focused crop box shows its focus"
    );
    // Side 180: + and - change it by 9 (5 %), arrows move by 2 (1 %), with Shift by 18.
    let (left, down) = (Key::Left.to_string(), Key::Down.to_string());
    browser.press("----", false).await;
    assert_eq!(shown_crop(&browser).await, (90, 20, 144));
    browser.press(&left.repeat(2), true).await;
    browser.press(&down.repeat(3), false).await;
    assert_eq!(shown_crop(&browser).await, (54, 26, 144));
    browser.press("+", false).await;
    assert_eq!(shown_crop(&browser).await, (50, 22, 153));
    browser.screenshot("keyboard-crop", None).await;
    // The upload button is reached and pressed with the keyboard too.
    browser.tab_to("upload", 3).await;
    browser.press(&Key::Enter.to_string(), false).await;
    browser
        .wait_until(
            "!document.getElementById('renditions').hidden",
            "the uploaded renditions",
        )
        .await;
    let original = decode_jpeg(&fixture(PHOTO));
    let rendition = served(&app, GRACE, 288).await;
    let score = ssim(&rendition, &reference_square(&original, (50, 22, 153), 288));
    eprintln!("SSIM of the keyboard crop's 288 rendition: {score:.4}");
    assert!(score >= 0.95, "SSIM {score}");
    browser.finish(&[]).await;
    app.stop().await;
}

#[tokio::test]
async fn a_refused_file_shows_its_message_and_changes_nothing() {
    let app = TestApp::spawn(Backend::sqlite_fs()).await;
    let (status, _) = app.upload(CHARLES, CHARLES, fixture(PHOTO)).await;
    assert_eq!(status, 200);
    let before = app.photo_path(CHARLES).await;
    // What portrait says about this file, asked directly.
    let (status, body) = app
        .upload_to(
            "/api/v1/users/12/profile_photo",
            CHARLES,
            fixture("text-named.jpg"),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let message = body["errors"][0]["message"]
        .as_str()
        .expect("message")
        .to_owned();

    let Some(mut browser) = browser::open("refused-file", Screen::Desktop).await else {
        return;
    };
    browser.sign_in(&app, "/", CHARLES).await;
    browser.choose_file(&fixture_path("text-named.jpg")).await;
    // No preview of what the browser cannot decode, but it may still be uploaded.
    browser
        .wait_until(
            "!document.getElementById('no-preview').hidden",
            "the no-preview notice",
        )
        .await;
    browser.click("upload").await;
    browser
        .wait_until(
            "document.querySelector('[data-testid=error]').textContent !== ''",
            "the 422 message",
        )
        .await;
    let shown = browser.text("error").await;
    assert_eq!(shown.to_lowercase(), message.to_lowercase());
    browser.screenshot("refused", Some("error")).await;
    assert_eq!(app.photo_path(CHARLES).await, before, "the photo stayed");
    let src = browser
        .by_test_id("photo")
        .await
        .attr("src")
        .await
        .expect("src");
    assert_eq!(src, Some(format!("{before}?size=288")));
    browser.finish(&["status of 422"]).await;
    app.stop().await;
}

#[tokio::test]
async fn a_file_over_the_size_limit_shows_the_limit() {
    let app = TestApp::spawn_with(Backend::sqlite_fs(), |config| {
        config.photos.max_upload_bytes = 4_000;
    })
    .await;
    let before = app.photo_path(GRACE).await;
    let Some(mut browser) = browser::open("too-large", Screen::Desktop).await else {
        return;
    };
    browser.sign_in(&app, "/", GRACE).await;
    browser.choose_file(&fixture_path(PHOTO)).await;
    browser.wait_for_preview().await;
    browser.click("upload").await;
    browser
        .wait_until(
            "document.querySelector('[data-testid=error]').textContent !== ''",
            "the 413 message",
        )
        .await;
    let shown = browser.text("error").await;
    assert!(
        shown.starts_with("This file is too large for the server") && shown.contains("4000-byte"),
        "{shown:?}"
    );
    browser.screenshot("too-large", None).await;
    assert_eq!(app.photo_path(GRACE).await, before);
    browser.finish(&["status of 413"]).await;
    app.stop().await;
}
