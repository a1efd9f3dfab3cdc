//! Every rendition decodes in Chromium to the pixels jpeg-decoder gives, every WebP sibling
//! to the pixels image-webp gives, and every AVIF sibling to the pixels portrait's own AVIF
//! decoder (rav1d) gives (the imaging crate's interop test compares jpeg-decoder, zune-jpeg and
//! libjpeg-turbo's djpeg).

use serde_json::Value;

use super::browser::{self, Screen};
use super::ssim::decode_jpeg;
use crate::helpers::{fixture, Backend, TestApp, ADA};

/// Draws the image at `arguments[0]` on a canvas and returns its RGBA pixels at every
/// `arguments[1]`-th column and row, as `[width, height, r, g, b, a, ...]`.
const SAMPLE_IN_CANVAS: &str = r#"
const [url, step, done] = arguments;
const image = new Image();
image.onload = () => {
  const canvas = document.createElement("canvas");
  canvas.width = image.naturalWidth;
  canvas.height = image.naturalHeight;
  const context = canvas.getContext("2d");
  context.drawImage(image, 0, 0);
  const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
  const out = [canvas.width, canvas.height];
  for (let y = 0; y < canvas.height; y += step)
    for (let x = 0; x < canvas.width; x += step) {
      const i = 4 * (y * canvas.width + x);
      out.push(data[i], data[i + 1], data[i + 2], data[i + 3]);
    }
  done(out);
};
image.onerror = () => done(null);
image.src = url;
"#;

#[tokio::test]
async fn every_rendition_decodes_in_chromium_as_in_the_rust_decoders() {
    let app = TestApp::spawn(Backend::sqlite_fs()).await;
    let Some(browser) = browser::open("decoding", Screen::Desktop).await else {
        app.stop().await;
        return;
    };
    // Same origin as the photos, so that the canvas may be read back.
    browser.goto(&app.url("/")).await;
    for photo in ["photo-320x180.jpg", "quadrants-400x300.png"] {
        let (status, body) = app.upload(ADA, ADA, fixture(photo)).await;
        assert_eq!(status, 200, "{photo}: {body}");
        let jpeg = app.photo_path(ADA).await;
        let webp = jpeg.replace(".jpg", ".webp");
        // Made on request here: the test server has no background threads.
        let avif = jpeg.replace(".jpg", ".avif");
        let sizes = portrait_imaging::defaults::SQUARE_SIZES.map(|side| format!("?size={side}"));
        let sizes: Vec<String> = sizes.into_iter().chain([String::new()]).collect();
        let files = [jpeg, webp, avif];
        let urls = files
            .iter()
            .flat_map(|file| sizes.iter().map(move |size| format!("{file}{size}")));
        for url in urls {
            let served = app.client.get(&url).send().await.expect("rendition");
            let bytes = served.bytes().await.expect("body");
            let expected = if url.contains(".webp") {
                let webp = image::load_from_memory_with_format(&bytes, image::ImageFormat::WebP);
                webp.expect("WebP decodes").to_rgb8()
            } else if url.contains(".avif") {
                let options = portrait_imaging::Options::default();
                portrait_imaging::rendition_pixels(&bytes, &options).expect("AVIF decodes")
            } else {
                decode_jpeg(&bytes)
            };
            let step = (expected.width() / 64).max(1);
            let args = vec![Value::from(url.as_str()), Value::from(step)];
            let sampled = browser
                .client
                .execute_async(SAMPLE_IN_CANVAS, args)
                .await
                .expect("script runs");
            let sampled: Vec<u32> = serde_json::from_value(sampled)
                .unwrap_or_else(|e| panic!("{url}: Chromium did not decode it ({e})"));
            assert_eq!(sampled[..2], [expected.width(), expected.height()], "{url}");
            let mut worst = 0;
            let mut at = 2;
            for y in (0..expected.height()).step_by(step as usize) {
                for x in (0..expected.width()).step_by(step as usize) {
                    let reference = expected.get_pixel(x, y).0;
                    let rgba = &sampled[at..at + 4];
                    assert_eq!(rgba[3], 255, "{url}: opaque at ({x}, {y})");
                    for (c, r) in rgba[..3].iter().zip(reference) {
                        worst = worst.max(c.abs_diff(u32::from(r)));
                    }
                    at += 4;
                }
            }
            assert_eq!(at, sampled.len(), "{url}: every sample compared");
            // IDCT and upsampling differ slightly between decoders; colours must not.
            assert!(worst <= 16, "{url}: Chromium differs by {worst}");
        }
    }
    browser.finish(&[]).await;
    app.stop().await;
}
