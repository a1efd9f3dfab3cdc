//! Update Profile Photo, its reset and photo serving, over real HTTP on every backend.

use portrait_imaging::testing::assert_no_metadata;

use crate::helpers::*;
use serde_json::{json, Value};

/// Fetches a photo URL; returns status, headers and bytes.
async fn fetch(app: &TestApp, url: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let response = app.client.get(url).send().await.expect("fetch photo");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (
        status,
        headers,
        response.bytes().await.expect("bytes").to_vec(),
    )
}

/// A decoded served JPEG, with jpeg-decoder (portrait-imaging's interop test checks that
/// zune-jpeg and libjpeg-turbo agree with it, and the page's tests that Chromium does).
struct Decoded {
    width: u32,
    height: u32,
    rgb: Vec<u8>,
}

impl Decoded {
    fn dimensions(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        let i = ((y * self.width + x) * 3) as usize;
        [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
    }
}

fn decode(bytes: &[u8]) -> Decoded {
    let mut decoder = jpeg_decoder::Decoder::new(bytes);
    let rgb = decoder.decode().expect("served JPEG decodes");
    let info = decoder.info().expect("JPEG info");
    assert_eq!(
        info.pixel_format,
        jpeg_decoder::PixelFormat::RGB24,
        "served JPEGs are RGB"
    );
    Decoded {
        width: u32::from(info.width),
        height: u32::from(info.height),
        rgb,
    }
}

fn photo_path_of(body: &Value, user: i64) -> String {
    body["users"][user.to_string()]["photo_path"]
        .as_str()
        .unwrap_or_else(|| panic!("no photo_path in {body}"))
        .to_owned()
}

#[tokio::test]
async fn upload_replaces_the_photo_and_serves_every_size() {
    for backend in backends().await {
        let app = TestApp::spawn(backend).await;
        let (status, body) = app.upload(ADA, ADA, fixture("photo-320x180.jpg")).await;
        assert_eq!(status, 200, "{}: {body}", app.backend);
        assert_eq!(body["count"], 1);
        assert_eq!(body["results"], json!([{"key": "users", "id": "10"}]));
        assert_eq!(
            body["meta"],
            json!({"count": 1, "page_count": 1, "page_number": 1, "page_size": 20})
        );
        let path = photo_path_of(&body, ADA);
        assert!(
            path.starts_with(&app.base) && path.contains("/photos/"),
            "{path}"
        );
        assert_eq!(
            app.photo_path(ADA).await,
            path,
            "GET shows the same photo_path"
        );

        let (status, headers, bytes) = fetch(&app, &path).await;
        assert_eq!(status, 200);
        assert_eq!(headers["content-type"], "image/jpeg");
        assert_eq!(
            headers["cache-control"],
            "public, max-age=31536000, immutable"
        );
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert!(headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'"));
        let etag = headers["etag"].to_str().unwrap().to_owned();
        assert!(
            etag.starts_with('"') && !etag.starts_with("W/"),
            "strong ETag: {etag}"
        );
        assert_eq!(
            decode(&bytes).dimensions(),
            (320, 180),
            "full keeps the aspect"
        );

        for size in portrait_imaging::defaults::SQUARE_SIZES {
            let (status, headers, bytes) = fetch(&app, &format!("{path}?size={size}")).await;
            assert_eq!(status, 200, "size {size}");
            assert_ne!(
                headers["etag"].to_str().unwrap(),
                etag,
                "each size has its own ETag"
            );
            assert_eq!(decode(&bytes).dimensions(), (size, size));
        }
        let (status, _, _) = fetch(&app, &format!("{path}?size=49")).await;
        assert_eq!(status, 400);

        let response = app
            .client
            .get(&path)
            .header("If-None-Match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 304);
        assert_eq!(response.headers()["etag"].to_str().unwrap(), etag);

        // A second upload replaces the first; the first photo's blobs are gone.
        let (status, body) = app.upload(ADA, ADA, fixture("lossy-320x180.webp")).await;
        assert_eq!(status, 200, "{body}");
        let second = photo_path_of(&body, ADA);
        assert_ne!(second, path);
        assert_eq!(fetch(&app, &path).await.0, 404, "old photo removed");
        assert_eq!(fetch(&app, &second).await.0, 200);
        assert_eq!(
            app.photo_blobs().await.len(),
            RENDITIONS_PER_PHOTO,
            "one photo: its squares and a full"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn every_accepted_format_becomes_a_clean_jpeg() {
    for backend in backends().await {
        let app = TestApp::spawn(backend).await;
        for (name, full) in [
            ("photo-320x180.jpg", (320, 180)),
            ("cmyk-240x150.jpg", (240, 150)),
            ("alpha-120x120.png", (120, 120)),
            ("static-120x80.gif", (120, 80)),
            ("bmp24-96x72.bmp", (96, 72)),
            ("lossy-320x180.webp", (320, 180)),
            ("gps-exif-320x240.jpg", (320, 240)),
            ("jxl-lossy-400x300.jxl", (400, 300)),
            ("jxl-recompressed-orient6-160x90.jxl", (90, 160)),
            ("heic-320x180.heic", (320, 180)),
            // An iPhone-shaped HEIC: a grid of tiles, `irot`, a Display P3 profile.
            ("heic-grid-irot1-p3-256x160.heic", (256, 160)),
            ("avif-10bit-320x180.avif", (320, 180)),
            ("avif-irot1-imir0-160x90.avif", (90, 160)),
        ] {
            let (status, body) = app.upload(CHARLES, CHARLES, fixture(name)).await;
            assert_eq!(status, 200, "{}: {name}: {body}", app.backend);
            let path = photo_path_of(&body, CHARLES);
            let (_, _, bytes) = fetch(&app, &path).await;
            assert_no_metadata(&bytes);
            assert_eq!(decode(&bytes).dimensions(), full, "{name}");
            let (_, _, square) = fetch(&app, &format!("{path}?size=288")).await;
            assert_no_metadata(&square);
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn exif_orientation_is_applied() {
    for backend in backends().await {
        let app = TestApp::spawn(backend).await;
        let (status, body) = app.upload(ADA, ADA, fixture("orient6-160x90.jpg")).await;
        assert_eq!(status, 200, "{body}");
        let (_, _, bytes) = fetch(&app, &photo_path_of(&body, ADA)).await;
        assert_eq!(decode(&bytes).dimensions(), (90, 160), "turned to portrait");
        app.stop().await;
    }
}

#[tokio::test]
async fn crop_box_from_query_or_form() {
    for backend in backends().await {
        let app = TestApp::spawn(backend).await;
        // Quadrants: red top-left, green top-right, blue bottom-left, yellow bottom-right.
        let (status, body) = app
            .upload_to(
                "/api/v1/users/10/profile_photo?crop_x=210&crop_y=160&crop_w=100",
                ADA,
                fixture("quadrants-400x300.png"),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let (_, _, bytes) = fetch(&app, &format!("{}?size=48", photo_path_of(&body, ADA))).await;
        let pixel = decode(&bytes).pixel(24, 24);
        assert!(
            pixel[0] > 200 && pixel[1] > 200 && pixel[2] < 60,
            "yellow, got {pixel:?}"
        );

        let form = reqwest::multipart::Form::new()
            .text("crop_x", "10")
            .text("crop_y", "10")
            .text("crop_w", "120")
            .part(
                "user[profile_photo_attachment_file]",
                reqwest::multipart::Part::bytes(fixture("quadrants-400x300.png"))
                    .file_name("q.png"),
            );
        let response = app
            .client
            .post(app.url("/api/v1/users/10/profile_photo"))
            .bearer_auth(token(ADA))
            .multipart(form)
            .send()
            .await
            .unwrap();
        let (status, body) = json_of(response).await;
        assert_eq!(status, 200, "{body}");
        let (_, _, bytes) = fetch(&app, &format!("{}?size=48", photo_path_of(&body, ADA))).await;
        let pixel = decode(&bytes).pixel(24, 24);
        assert!(
            pixel[0] > 200 && pixel[1] < 60 && pixel[2] < 60,
            "red, got {pixel:?}"
        );

        let before = app.photo_path(ADA).await;
        for (query, status) in [
            ("crop_x=350&crop_y=0&crop_w=100", 422),
            ("crop_x=1&crop_y=1", 422),
            ("crop_x=a&crop_y=1&crop_w=5", 400),
        ] {
            let (got, body) = app
                .upload_to(
                    &format!("/api/v1/users/10/profile_photo?{query}"),
                    ADA,
                    fixture("quadrants-400x300.png"),
                )
                .await;
            assert_eq!(got, status, "{query}: {body}");
        }
        assert_eq!(app.photo_path(ADA).await, before);
        app.stop().await;
    }
}

#[tokio::test]
async fn json_bodies_with_base64_or_data_urls() {
    use base64::Engine;
    for backend in backends().await {
        let app = TestApp::spawn(backend).await;
        let encoded =
            base64::engine::general_purpose::STANDARD.encode(fixture("photo-320x180.jpg"));
        for file in [encoded.clone(), format!("data:image/jpeg;base64,{encoded}")] {
            let response = app
                .client
                .post(app.url("/api/v1/users/12/profile_photo?include=role"))
                .bearer_auth(token(CHARLES))
                .json(&json!({"user": {"profile_photo_attachment_file": file}}))
                .send()
                .await
                .unwrap();
            let (status, body) = json_of(response).await;
            assert_eq!(status, 200, "{body}");
            assert_eq!(
                body["roles"]["4"]["name"], "Developer",
                "include is honoured"
            );
        }
        for (body, status) in [
            ("{\"user\": ", 400),
            (
                "{\"user\": {\"profile_photo_attachment_file\": \"***not base64***\"}}",
                400,
            ),
            ("{\"user\": {}}", 422),
            ("{\"user\": {\"profile_photo_attachment_file\": \"\"}}", 422),
        ] {
            let response = app
                .client
                .post(app.url("/api/v1/users/12/profile_photo"))
                .bearer_auth(token(CHARLES))
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            let (got, answer) = json_of(response).await;
            assert_eq!(got, status, "{body}: {answer}");
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn a_format_turned_off_is_422_listing_what_is_accepted() {
    for backend in backends().await {
        let app = TestApp::spawn_with(backend, |c| {
            c.imaging.formats = vec![
                portrait_imaging::Format::Jpeg,
                portrait_imaging::Format::Png,
            ];
        })
        .await;
        let blobs_before = app.photo_blobs().await;
        let (status, body) = app.upload(ADA, ADA, fixture("jxl-lossy-400x300.jxl")).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(
            error_of(&body).1,
            "file is a JPEG XL image; accepted formats are JPEG and PNG"
        );
        let (status, body) = app.upload(ADA, ADA, fixture("heic-320x180.heic")).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(
            error_of(&body).1,
            "file is a HEIC image; accepted formats are JPEG and PNG"
        );
        let (status, body) = app.upload(ADA, ADA, fixture("script.svg")).await;
        assert_eq!(status, 422, "{body}");
        assert!(
            error_of(&body)
                .1
                .ends_with("accepted formats are JPEG and PNG"),
            "{body}"
        );
        assert_eq!(app.photo_blobs().await, blobs_before, "nothing stored");
        let (status, body) = app.upload(ADA, ADA, fixture("photo-320x180.jpg")).await;
        assert_eq!(status, 200, "{body}");
        app.stop().await;
    }
}

#[tokio::test]
async fn bad_files_are_422_and_lose_nothing() {
    for backend in backends().await {
        let app = TestApp::spawn(backend).await;
        let (status, _) = app.upload(ADA, ADA, fixture("photo-320x180.jpg")).await;
        assert_eq!(status, 200);
        let before = app.photo_path(ADA).await;
        let blobs_before = app.photo_blobs().await;
        let photo = fixture("photo-320x180.jpg");
        let truncated = photo[..photo.len() * 2 / 5].to_vec();
        let jxl = fixture("jxl-recompressed-320x180.jxl");
        let truncated_jxl = jxl[..jxl.len() / 2].to_vec();
        let heic = fixture("heic-grid-irot1-p3-256x160.heic");
        let truncated_heic = heic[..heic.len() * 2 / 3].to_vec();
        let avif = fixture("avif-grid2x2-400x300.avif");
        let truncated_avif = avif[..avif.len() * 2 / 3].to_vec();
        let mut polyglot = photo.clone();
        polyglot.truncate(photo.len() / 2);
        polyglot.extend_from_slice(b"<html><script>alert(1)</script></html>");
        let cases: Vec<(&str, Vec<u8>, &str)> = vec![
            ("empty", Vec::new(), "empty"),
            ("text", fixture("text-named.jpg"), "plain text"),
            ("svg", fixture("script.svg"), "SVG"),
            ("html", fixture("page.html"), "HTML"),
            ("pdf", fixture("document.pdf"), "PDF"),
            ("zip", fixture("archive-head.zip"), "ZIP"),
            ("png bomb", fixture("bomb-30000x30000.png"), "megapixels"),
            ("jpeg bomb", fixture("sof-65000x65000.jpg"), "pixels"),
            ("frames", fixture("frames-2000x1x1.gif"), "frames"),
            ("truncated", truncated, "truncated or corrupt"),
            ("truncated jxl", truncated_jxl, "truncated or corrupt"),
            ("truncated avif", truncated_avif, "truncated or corrupt"),
            ("truncated heic", truncated_heic, "truncated or corrupt"),
            ("polyglot", polyglot, "truncated or corrupt"),
        ];
        for (name, bytes, says) in cases {
            let (status, body) = app.upload(ADA, ADA, bytes).await;
            assert_eq!(status, 422, "{}: {name}: {body}", app.backend);
            let error = &body["errors"][0];
            assert_eq!(error["type"], "validation", "{name}");
            assert_eq!(error["field"], "profile_photo_attachment_file", "{name}");
            let message = error["message"].as_str().unwrap_or("");
            assert!(
                message.contains(says),
                "{name}: {message:?} should mention {says:?}"
            );
            assert!(!message.contains("<script"), "never echo file contents");
        }
        assert_eq!(app.photo_path(ADA).await, before);
        assert_eq!(app.photo_blobs().await, blobs_before, "nothing stored");
        assert_eq!(
            fetch(&app, &before).await.0,
            200,
            "previous photo still served"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn malformed_requests_are_400_and_missing_files_422() {
    for backend in backends().await {
        let app = TestApp::spawn(backend).await;
        let url = app.url("/api/v1/users/10/profile_photo");
        let send = |content_type: &'static str, body: Vec<u8>| {
            app.client
                .post(&url)
                .bearer_auth(token(ADA))
                .header("content-type", content_type)
                .body(body)
                .send()
        };
        let (status, body) = json_of(
            send(
                "multipart/form-data; boundary=XYZ",
                b"--XYZ\r\ngarbage".to_vec(),
            )
            .await
            .unwrap(),
        )
        .await;
        assert_eq!(status, 400, "{body}");
        let (status, _) = json_of(
            send("multipart/form-data", b"no boundary".to_vec())
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 400);
        let (status, _) = json_of(
            send("image/jpeg", fixture("photo-320x180.jpg"))
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 400);

        let wrong_name = reqwest::multipart::Form::new().part(
            "photo",
            reqwest::multipart::Part::bytes(fixture("photo-320x180.jpg")).file_name("p.jpg"),
        );
        let response = app
            .client
            .post(&url)
            .bearer_auth(token(ADA))
            .multipart(wrong_name)
            .send()
            .await
            .unwrap();
        let (status, body) = json_of(response).await;
        assert_eq!(status, 422);
        assert_eq!(body["errors"][0]["field"], "profile_photo_attachment_file");
        assert!(body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("missing"));

        let two = reqwest::multipart::Form::new()
            .part(
                "user[profile_photo_attachment_file]",
                reqwest::multipart::Part::bytes(fixture("photo-320x180.jpg")).file_name("a.jpg"),
            )
            .part(
                "user[profile_photo_attachment_file]",
                reqwest::multipart::Part::bytes(fixture("photo-320x180.jpg")).file_name("b.jpg"),
            );
        let response = app
            .client
            .post(&url)
            .bearer_auth(token(ADA))
            .multipart(two)
            .send()
            .await
            .unwrap();
        assert_eq!(json_of(response).await.0, 422);
        assert!(app.photo_blobs().await.is_empty());
        app.stop().await;
    }
}

#[tokio::test]
async fn bodies_over_the_limit_are_413_with_or_without_content_length() {
    for backend in backends().await {
        let app =
            TestApp::spawn_with(backend, |config| config.photos.max_upload_bytes = 20_000).await;
        let big = fixture("gps-exif-320x240.jpg").repeat(3);
        let (status, body) = app.upload(ADA, ADA, big.clone()).await;
        assert_eq!(status, 413, "{body}");
        assert_eq!(error_of(&body).0, "system");

        // Chunked: no Content-Length, so the limit is enforced while streaming.
        let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
            big.chunks(4096).map(|c| Ok(c.to_vec())).collect();
        let mut body = b"--B\r\nContent-Disposition: form-data; name=\"user[profile_photo_attachment_file]\"; filename=\"a.jpg\"\r\n\r\n".to_vec();
        body.extend(std::iter::repeat_n(0u8, 0));
        let mut stream_parts = vec![Ok(body)];
        stream_parts.extend(chunks);
        stream_parts.push(Ok(b"\r\n--B--\r\n".to_vec()));
        let response = app
            .client
            .post(app.url("/api/v1/users/10/profile_photo"))
            .bearer_auth(token(ADA))
            .header("content-type", "multipart/form-data; boundary=B")
            .body(reqwest::Body::wrap_stream(futures::stream::iter(
                stream_parts,
            )))
            .send()
            .await
            .unwrap();
        assert!(response.headers().get("content-length").is_some());
        assert_eq!(json_of(response).await.0, 413);
        assert_eq!(
            app.photo_path(ADA).await,
            format!("{}/images/default_profile_photo/default.png", app.base)
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn who_may_change_a_photo() {
    for backend in backends().await {
        let app = TestApp::spawn(backend).await;
        for (target, caller, status) in [
            (ADA, ADA, 200),         // themself
            (CHARLES, ADA, 200),     // an administrator of the account
            (CHARLES, CHARLES, 200), // a collaborator, themself
            (ADA, GRACE, 403),       // visible, not theirs
            (ADA, CHARLES, 403),
            (ADA, HANK, 404), // administrator of another account
            (404, ADA, 404),
        ] {
            let (got, body) = app
                .upload(target, caller, fixture("photo-320x180.jpg"))
                .await;
            assert_eq!(got, status, "{}: {caller} → {target}: {body}", app.backend);
            if status == 403 {
                assert_eq!(error_of(&body).0, "system");
            }
        }
        let response = app
            .client
            .post(app.url("/api/v1/users/10/profile_photo"))
            .multipart(reqwest::multipart::Form::new().part(
                "user[profile_photo_attachment_file]",
                reqwest::multipart::Part::bytes(fixture("photo-320x180.jpg")),
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(json_of(response).await.0, 401);
        app.stop().await;
    }
}

#[tokio::test]
async fn delete_resets_to_the_default_image() {
    for backend in backends().await {
        let app = TestApp::spawn(backend).await;
        let (status, body) = app.upload(ADA, ADA, fixture("photo-320x180.jpg")).await;
        assert_eq!(status, 200);
        let old = photo_path_of(&body, ADA);
        let delete = |user: i64, as_user: i64| {
            app.client
                .delete(app.url(&format!("/api/v1/users/{user}/profile_photo")))
                .bearer_auth(token(as_user))
                .send()
        };
        assert_eq!(delete(ADA, GRACE).await.unwrap().status(), 403);
        assert_eq!(delete(ADA, HANK).await.unwrap().status(), 404);
        let response = delete(ADA, ADA).await.unwrap();
        assert_eq!(response.status(), 204);
        assert!(response.text().await.unwrap().is_empty());
        let default = format!("{}/images/default_profile_photo/default.png", app.base);
        assert_eq!(app.photo_path(ADA).await, default);
        assert_eq!(fetch(&app, &old).await.0, 404);
        assert!(app.photo_blobs().await.is_empty());

        let (status, headers, bytes) = fetch(&app, &default).await;
        assert_eq!(status, 200);
        assert_eq!(headers["content-type"], "image/png");
        assert!(bytes.starts_with(b"\x89PNG"));
        let etag = headers["etag"].to_str().unwrap();
        let again = app
            .client
            .get(&default)
            .header("If-None-Match", etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304);
        app.stop().await;
    }
}

/// Deletes a photo's blobs behind the server's back, as another instance sharing the storage
/// would when that photo is replaced there.
async fn delete_blobs_elsewhere(app: &TestApp) {
    for key in app.photo_blobs().await {
        let key = portrait_blobs::BlobKey::parse(&key).expect("key");
        app.blobs.delete(&key).await.expect("delete blob");
    }
}

#[tokio::test]
async fn renditions_are_served_from_memory_until_deleted_or_stale() {
    for backend in backends().await {
        let ttl = std::time::Duration::from_millis(500);
        let app = TestApp::spawn_with(backend, |c| c.photos.cache.ttl = ttl).await;
        let (status, body) = app.upload(ADA, ADA, fixture("photo-320x180.jpg")).await;
        assert_eq!(status, 200, "{}: {body}", app.backend);
        let path = format!("{}?size=96", photo_path_of(&body, ADA));
        let (status, _, served) = fetch(&app, &path).await;
        assert_eq!(status, 200);

        delete_blobs_elsewhere(&app).await;
        let (status, headers, cached) = fetch(&app, &path).await;
        assert_eq!(status, 200, "{}: served from memory", app.backend);
        assert_eq!(cached, served);
        assert_eq!(headers["content-type"], "image/jpeg");
        assert_eq!(headers["x-content-type-options"], "nosniff");

        tokio::time::sleep(ttl + std::time::Duration::from_millis(100)).await;
        assert_eq!(fetch(&app, &path).await.0, 404, "{}: stale", app.backend);
        app.stop().await;
    }

    let app = TestApp::spawn_with(Backend::sqlite_fs(), |c| c.photos.cache.bytes = 0).await;
    let (status, body) = app.upload(ADA, ADA, fixture("photo-320x180.jpg")).await;
    assert_eq!(status, 200, "{body}");
    let path = photo_path_of(&body, ADA);
    assert_eq!(fetch(&app, &path).await.0, 200);
    delete_blobs_elsewhere(&app).await;
    assert_eq!(
        fetch(&app, &path).await.0,
        404,
        "cache off: every GET reads the store"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_photo_served_from_memory_matches_the_full_path_header_for_header() {
    let app = TestApp::spawn(Backend::sqlite_fs()).await;
    let (status, body) = app.upload(ADA, ADA, fixture("photo-320x180.jpg")).await;
    assert_eq!(status, 200, "{body}");
    for url in [
        photo_path_of(&body, ADA),
        format!("{}?size=48", photo_path_of(&body, ADA)),
    ] {
        // The upload left the renditions in memory: the first GET is a hit. A non-matching
        // If-None-Match sends the second down the whole stack.
        let hit = app.client.get(&url).send().await.expect("GET");
        let full = app
            .client
            .get(&url)
            .header("If-None-Match", "\"something-else\"")
            .send()
            .await
            .expect("GET");
        assert_eq!(hit.status(), 200);
        assert_eq!(full.status(), 200);
        let comparable = |headers: &reqwest::header::HeaderMap| {
            let mut pairs: Vec<(String, String)> = headers
                .iter()
                .filter(|(name, _)| !matches!(name.as_str(), "date" | "x-request-id"))
                .map(|(n, v)| (n.to_string(), v.to_str().expect("ascii").to_owned()))
                .collect();
            pairs.sort();
            pairs
        };
        assert_eq!(
            comparable(hit.headers()),
            comparable(full.headers()),
            "{url}"
        );
        assert!(!hit.headers()["x-request-id"].is_empty());
        assert_eq!(
            hit.bytes().await.expect("body"),
            full.bytes().await.expect("body")
        );
        // A client's own request id comes back, as on the full path.
        let tagged = app
            .client
            .get(&url)
            .header("x-request-id", "client-123")
            .send()
            .await
            .expect("GET");
        assert_eq!(tagged.headers()["x-request-id"], "client-123");
    }
    app.stop().await;
}

#[tokio::test]
async fn the_sweep_deletes_only_old_unreferenced_blobs() {
    for backend in backends().await {
        let app = TestApp::spawn(backend).await;
        let (status, _) = app.upload(ADA, ADA, fixture("photo-320x180.jpg")).await;
        assert_eq!(status, 200);
        let orphan =
            portrait_blobs::BlobKey::parse(&format!("photos/{}/full.jpg", "ab".repeat(32)))
                .unwrap();
        app.blobs
            .put(
                &orphan,
                bytes::Bytes::from_static(b"left by a crashed upload"),
            )
            .await
            .unwrap();
        let sweep = |grace| portrait_photos::sweep(app.store.as_ref(), app.blobs.as_ref(), grace);

        let report = sweep(std::time::Duration::from_secs(3600)).await.unwrap();
        assert_eq!(
            (report.deleted, report.kept_young),
            (0, 1),
            "{}",
            app.backend
        );
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        let report = sweep(std::time::Duration::from_secs(1)).await.unwrap();
        assert_eq!(report.deleted, 1, "{}", app.backend);
        let left = app.photo_blobs().await;
        assert_eq!(left.len(), RENDITIONS_PER_PHOTO);
        assert!(!left.contains(&orphan.as_str().to_owned()));
        assert_eq!(fetch(&app, &app.photo_path(ADA).await).await.0, 200);
        app.stop().await;
    }
}

/// The shared corpus, when this machine has it: every file's expected outcome.
#[tokio::test]
async fn corpus_files_get_their_expected_outcome() {
    let Some(corpus) = corpus() else {
        eprintln!("../shared/corpus not found: skipping the corpus test");
        return;
    };
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(corpus.join("manifest.json")).unwrap()).unwrap();
    let backend = backends().await.into_iter().next().expect("sqlite backend");
    let app = TestApp::spawn(backend).await;
    let (status, _) = app.upload(GRACE, GRACE, fixture("photo-320x180.jpg")).await;
    assert_eq!(status, 200);
    let mut previous = app.photo_path(GRACE).await;
    for entry in manifest["files"].as_array().unwrap() {
        let path = entry["path"].as_str().unwrap();
        let (status, body) = app
            .upload(GRACE, GRACE, std::fs::read(corpus.join(path)).unwrap())
            .await;
        if entry["expect"] == "accept" {
            assert_eq!(status, 200, "{path}: {body}");
            let photo = photo_path_of(&body, GRACE);
            let (_, headers, bytes) = fetch(&app, &photo).await;
            assert_eq!(headers["x-content-type-options"], "nosniff");
            assert_no_metadata(&bytes);
            let (w, h) = decode(&bytes).dimensions();
            assert!(w.max(h) <= 2048, "{path}: {w}x{h}");
            let shape = match entry["orientation"].as_str().unwrap() {
                "portrait" => h > w,
                "landscape" => w > h,
                _ => w == h,
            };
            assert!(
                shape,
                "{path}: served {w}x{h}, expected {}",
                entry["orientation"]
            );
            previous = photo;
        } else {
            let allowed: Vec<u64> = entry["statuses"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(Value::as_u64)
                .collect();
            assert!(
                allowed.contains(&u64::from(status)),
                "{path}: {status} not in {allowed:?}: {body}"
            );
            assert!(body["errors"][0]["message"].is_string(), "{path}: {body}");
            assert_eq!(
                app.photo_path(GRACE).await,
                previous,
                "{path}: previous photo kept"
            );
            assert_eq!(fetch(&app, &previous).await.0, 200);
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn a_size_added_to_the_ladder_later_is_made_from_a_larger_square_on_first_request() {
    for backend in backends().await {
        let old_ladder = vec![48, 96, 192, 288, 648];
        let before = TestApp::spawn_with(backend, |config| {
            config.imaging.square_sizes = old_ladder.clone();
        })
        .await;
        let (status, body) = before.upload(ADA, ADA, fixture("photo-320x180.jpg")).await;
        assert_eq!(status, 200, "{}: {body}", before.backend);
        let path = photo_path_of(&body, ADA);
        let id = path.rsplit('/').next().and_then(|f| f.strip_suffix(".jpg"));
        let key = format!("photos/{}/144.jpg", id.expect("photo id"));
        assert!(!before.photo_blobs().await.contains(&key));
        let (status, _, _) = fetch(&before, &format!("{path}?size=144")).await;
        assert_eq!(
            status, 400,
            "{}: not in this server's ladder",
            before.backend
        );

        // The same data under the default ladder, as after an upgrade.
        let after = before.spawn_beside(|_| {}).await;
        let path = path.replace(&before.base, &after.base);
        let url = format!("{path}?size=144");
        let (status, headers, bytes) = fetch(&after, &url).await;
        assert_eq!(status, 200, "{}", after.backend);
        assert_eq!(headers["content-type"], "image/jpeg");
        assert_no_metadata(&bytes);
        let made = decode(&bytes);
        assert_eq!(made.dimensions(), (144, 144), "{}", after.backend);
        assert!(
            after.photo_blobs().await.contains(&key),
            "{}: stored, so it is made once",
            after.backend
        );
        // It shows what the 288 square shows, at half the size.
        let (_, _, larger) = fetch(&after, &format!("{path}?size=288")).await;
        let larger = decode(&larger);
        let mut worst_mean = 0.0_f64;
        for (x, y) in [(20, 20), (72, 72), (120, 30), (30, 120)] {
            let a = made.pixel(x, y);
            let b = larger.pixel(2 * x, 2 * y);
            let mean = a
                .iter()
                .zip(b)
                .map(|(p, q)| f64::from(p.abs_diff(q)))
                .sum::<f64>()
                / 3.0;
            worst_mean = worst_mean.max(mean);
        }
        assert!(
            worst_mean < 24.0,
            "{}: differs by {worst_mean}",
            after.backend
        );
        // Served again, from the store or the cache: the same bytes.
        let (status, _, again) = fetch(&after, &url).await;
        assert_eq!((status, again), (200, bytes));
        after.stop().await;
        before.stop().await;
    }
}

/// A served WebP rendition, decoded to RGB.
fn decode_webp(bytes: &[u8]) -> image::RgbImage {
    image::load_from_memory_with_format(bytes, image::ImageFormat::WebP)
        .expect("served WebP decodes")
        .to_rgb8()
}

/// Mean absolute difference per sample between a WebP and a JPEG of the same rendition.
fn mean_difference(webp: &image::RgbImage, jpeg: &Decoded) -> f64 {
    assert_eq!(webp.dimensions(), jpeg.dimensions());
    let pairs = webp.as_raw().iter().zip(&jpeg.rgb);
    let total: f64 = pairs.map(|(a, b)| f64::from(a.abs_diff(*b))).sum();
    total / jpeg.rgb.len() as f64
}

#[tokio::test]
async fn every_rendition_has_a_webp_sibling_served_like_the_jpeg() {
    for backend in backends().await {
        let app = TestApp::spawn(backend).await;
        let (status, body) = app.upload(ADA, ADA, fixture("photo-320x180.jpg")).await;
        assert_eq!(status, 200, "{}: {body}", app.backend);
        let jpeg_path = photo_path_of(&body, ADA);
        assert!(jpeg_path.ends_with(".jpg"), "photo_path stays the JPEG");
        let webp_path = jpeg_path.replace(".jpg", ".webp");
        let sizes = portrait_imaging::defaults::SQUARE_SIZES.map(|s| Some((s, s)));
        let mut etags = std::collections::HashSet::new();
        for size in sizes.into_iter().chain([None]) {
            let query = size.map_or(String::new(), |(s, _)| format!("?size={s}"));
            let (status, headers, webp) = fetch(&app, &format!("{webp_path}{query}")).await;
            assert_eq!(status, 200, "{}: {query}", app.backend);
            assert_eq!(headers["content-type"], "image/webp");
            assert_eq!(
                headers["cache-control"],
                "public, max-age=31536000, immutable"
            );
            assert_eq!(headers["x-content-type-options"], "nosniff");
            let etag = headers["etag"].to_str().unwrap().to_owned();
            assert!(etag.starts_with('"'), "strong ETag: {etag}");
            assert!(etags.insert(etag.clone()), "one ETag per rendition: {etag}");
            let (_, jpeg_headers, jpeg) = fetch(&app, &format!("{jpeg_path}{query}")).await;
            assert!(etags.insert(jpeg_headers["etag"].to_str().unwrap().to_owned()));
            // The same pixels as the JPEG, within what two lossy encoders lose (a 48 px square
            // differs by about 5 levels; another crop or swapped channels by tens).
            let webp = decode_webp(&webp);
            let jpeg = decode(&jpeg);
            assert_eq!(webp.dimensions(), size.unwrap_or((320, 180)), "{query}");
            let difference = mean_difference(&webp, &jpeg);
            assert!(
                difference < 8.0,
                "{}: {query} differs by {difference}",
                app.backend
            );

            let revalidated = app.client.get(format!("{webp_path}{query}"));
            let response = revalidated
                .header("If-None-Match", &etag)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 304, "{query}");
            assert_eq!(response.headers()["etag"].to_str().unwrap(), etag);
        }
        let (status, _, _) = fetch(&app, &format!("{webp_path}?size=49")).await;
        assert_eq!(status, 400);
        let (status, _, _) = fetch(&app, &jpeg_path.replace(".jpg", ".png")).await;
        assert_eq!(status, 404, "no other format");

        // Listed for <picture>.
        let asked = "optional_fields=photo_renditions";
        let (_, body) = app
            .get(&format!("/api/v1/users/{ADA}?{asked}"), Some(ADA))
            .await;
        let webp = &body["users"][ADA.to_string()]["photo_renditions"]["webp"];
        assert_eq!(webp["48"], format!("{webp_path}?size=48"));
        assert_eq!(webp["full"], webp_path);

        // Gone with the photo.
        reset_and_check_gone(&app, &webp_path).await;
        app.stop().await;
    }
}

#[tokio::test]
async fn a_photo_stored_before_webp_gets_each_webp_from_its_jpeg_on_first_request() {
    for backend in backends().await {
        let before = TestApp::spawn_with(backend, |config| config.imaging.webp = false).await;
        let (status, body) = before.upload(ADA, ADA, fixture("photo-320x180.jpg")).await;
        assert_eq!(status, 200, "{}: {body}", before.backend);
        let jpeg_path = photo_path_of(&body, ADA);
        let webp_path = jpeg_path.replace(".jpg", ".webp");
        let blobs = before.photo_blobs().await;
        assert!(blobs.iter().all(|key| key.ends_with(".jpg")), "{blobs:?}");
        let (status, _, _) = fetch(&before, &format!("{webp_path}?size=96")).await;
        assert_eq!(status, 404, "{}: WebP switched off", before.backend);
        let asked = "optional_fields=photo_renditions";
        let (_, body) = before
            .get(&format!("/api/v1/users/{ADA}?{asked}"), Some(ADA))
            .await;
        let listed = &body["users"][ADA.to_string()]["photo_renditions"];
        assert!(listed.get("webp").is_none(), "{listed}");

        // The same data with WebP on, as after an upgrade.
        let after = before.spawn_beside(|_| {}).await;
        let webp_path = webp_path.replace(&before.base, &after.base);
        let jpeg_path = jpeg_path.replace(&before.base, &after.base);
        for query in ["?size=96", ""] {
            let (status, headers, webp) = fetch(&after, &format!("{webp_path}{query}")).await;
            assert_eq!(status, 200, "{}: {query}", after.backend);
            assert_eq!(headers["content-type"], "image/webp");
            let (_, _, jpeg) = fetch(&after, &format!("{jpeg_path}{query}")).await;
            let difference = mean_difference(&decode_webp(&webp), &decode(&jpeg));
            assert!(
                difference < 8.0,
                "{}: {query} differs by {difference}",
                after.backend
            );
            // Stored once made: the same bytes again.
            let (_, _, again) = fetch(&after, &format!("{webp_path}{query}")).await;
            assert_eq!(again, webp);
        }
        let blobs = after.photo_blobs().await;
        let webps: Vec<_> = blobs.iter().filter(|key| key.ends_with(".webp")).collect();
        assert_eq!(webps.len(), 2, "{}: {blobs:?}", after.backend);
        after.stop().await;
        before.stop().await;
    }
}

/// Resets Ada's photo, then checks that `path`'s 96 square answers 404 and no blob is left.
async fn reset_and_check_gone(app: &TestApp, path: &str) {
    let reset = app
        .client
        .delete(app.url(&format!("/api/v1/users/{ADA}/profile_photo")));
    let response = reset.bearer_auth(token(ADA)).send().await.unwrap();
    assert_eq!(response.status(), 204);
    let (status, _, _) = fetch(app, &format!("{path}?size=96")).await;
    assert_eq!(status, 404, "{}", app.backend);
    assert!(app.photo_blobs().await.is_empty(), "{}", app.backend);
}

/// A client that shows redirects instead of following them.
fn not_following() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Waits until `url` answers 200 directly (no longer a redirect), and returns the response.
async fn made(url: &str) -> (reqwest::header::HeaderMap, Vec<u8>) {
    let client = not_following();
    let started = std::time::Instant::now();
    loop {
        let response = client.get(url).send().await.unwrap();
        match response.status().as_u16() {
            200 => {
                let headers = response.headers().clone();
                return (headers, response.bytes().await.unwrap().to_vec());
            }
            307 => {
                assert!(started.elapsed().as_secs() < 180, "{url} never made");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            other => panic!("{url}: {other}"),
        }
    }
}

/// Mean absolute difference per sample between an AVIF and a JPEG of the same rendition.
fn avif_difference(avif: &[u8], jpeg: &Decoded) -> f64 {
    let options = portrait_imaging::Options::default();
    let avif = portrait_imaging::rendition_pixels(avif, &options).expect("served AVIF decodes");
    mean_difference(&avif, jpeg)
}

#[tokio::test]
async fn every_rendition_gets_an_avif_made_in_the_background_and_a_redirect_until_then() {
    for backend in backends().await {
        let app = TestApp::spawn_with(backend, |config| config.photos.background_workers = 1).await;
        let (status, body) = app.upload(ADA, ADA, fixture("photo-320x180.jpg")).await;
        assert_eq!(status, 200, "{}: {body}", app.backend);
        let jpeg_path = photo_path_of(&body, ADA);
        let avif_path = jpeg_path.replace(".jpg", ".avif");
        let id = jpeg_path
            .rsplit('/')
            .next()
            .unwrap()
            .trim_end_matches(".jpg");

        // Full's AVIF comes last, after seconds of squares: until then, its WebP.
        let early = not_following().get(&avif_path).send().await.unwrap();
        assert_eq!(early.status(), 307, "{}", app.backend);
        assert_eq!(early.headers()["location"], format!("{id}.webp"));
        assert_eq!(early.headers()["cache-control"], "no-store");
        let (status, headers, _) = fetch(&app, &format!("{avif_path}?size=648")).await;
        assert_eq!(
            status, 200,
            "a browser following the redirect gets an image"
        );
        assert!(
            ["image/avif", "image/webp"].contains(&headers["content-type"].to_str().unwrap()),
            "{headers:?}"
        );

        let sizes = portrait_imaging::defaults::SQUARE_SIZES.map(|s| Some((s, s)));
        let mut etags = std::collections::HashSet::new();
        for size in sizes.into_iter().chain([None]) {
            let query = size.map_or(String::new(), |(s, _)| format!("?size={s}"));
            let (headers, avif) = made(&format!("{avif_path}{query}")).await;
            assert_eq!(headers["content-type"], "image/avif");
            assert_eq!(
                headers["cache-control"],
                "public, max-age=31536000, immutable"
            );
            assert_eq!(headers["x-content-type-options"], "nosniff");
            let etag = headers["etag"].to_str().unwrap().to_owned();
            assert!(etag.starts_with('"') && etag.ends_with("-avif\""), "{etag}");
            assert!(etags.insert(etag.clone()), "one ETag per rendition: {etag}");
            let (_, _, jpeg) = fetch(&app, &format!("{jpeg_path}{query}")).await;
            let jpeg = decode(&jpeg);
            assert_eq!((jpeg.width, jpeg.height), size.unwrap_or((320, 180)));
            let difference = avif_difference(&avif, &jpeg);
            assert!(
                difference < 8.0,
                "{}: {query} differs by {difference}",
                app.backend
            );
            let revalidated = app.client.get(format!("{avif_path}{query}"));
            let response = revalidated
                .header("If-None-Match", &etag)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 304, "{query}");
        }

        // Listed for <picture>.
        let asked = "optional_fields=photo_renditions";
        let (_, body) = app
            .get(&format!("/api/v1/users/{ADA}?{asked}"), Some(ADA))
            .await;
        let avif = &body["users"][ADA.to_string()]["photo_renditions"]["avif"];
        assert_eq!(avif["48"], format!("{avif_path}?size=48"));
        assert_eq!(avif["full"], avif_path);

        // Every AVIF, and Full's WebP, stored once the background is done.
        let expected = RENDITIONS_PER_PHOTO + portrait_imaging::defaults::SQUARE_SIZES.len() + 2;
        let started = std::time::Instant::now();
        while app.photo_blobs().await.len() < expected {
            assert!(
                started.elapsed().as_secs() < 180,
                "{:?}",
                app.photo_blobs().await
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        reset_and_check_gone(&app, &avif_path).await;
        app.stop().await;
    }
}

#[tokio::test]
async fn a_photo_stored_before_avif_gets_its_avifs_from_its_jpegs_once_asked_for() {
    for backend in backends().await {
        let before = TestApp::spawn_with(backend, |config| {
            config.imaging.avif = false;
            config.imaging.webp = false;
        })
        .await;
        let (status, body) = before.upload(ADA, ADA, fixture("photo-320x180.jpg")).await;
        assert_eq!(status, 200, "{}: {body}", before.backend);
        let avif_path = photo_path_of(&body, ADA).replace(".jpg", ".avif");
        let (status, _, _) = fetch(&before, &avif_path).await;
        assert_eq!(status, 404, "{}: AVIF switched off", before.backend);

        // The same data after an upgrade, with WebP still off: redirects go to the JPEG.
        let after = before
            .spawn_beside(|config| {
                config.imaging.webp = false;
                config.photos.background_workers = 1;
            })
            .await;
        let avif_path = avif_path.replace(&before.base, &after.base);
        let id = avif_path
            .rsplit('/')
            .next()
            .unwrap()
            .trim_end_matches(".avif");
        let early = not_following()
            .get(format!("{avif_path}?size=96"))
            .send()
            .await
            .unwrap();
        assert_eq!(early.status(), 307, "{}", after.backend);
        assert_eq!(early.headers()["location"], format!("{id}.jpg?size=96"));
        let (headers, avif) = made(&format!("{avif_path}?size=96")).await;
        assert_eq!(headers["content-type"], "image/avif");
        let (_, _, jpeg) = fetch(
            &after,
            &format!("{}?size=96", avif_path.replace(".avif", ".jpg")),
        )
        .await;
        let difference = avif_difference(&avif, &decode(&jpeg));
        assert!(
            difference < 8.0,
            "{}: differs by {difference}",
            after.backend
        );
        after.stop().await;
        before.stop().await;
    }
}

#[tokio::test]
async fn photo_path_is_served_as_avif_or_webp_by_accept_when_negotiation_is_on() {
    let app = TestApp::spawn_with(Backend::sqlite_fs(), |config| {
        config.http.negotiate_photo_formats = true;
    })
    .await;
    let (status, body) = app.upload(ADA, ADA, fixture("photo-320x180.jpg")).await;
    assert_eq!(status, 200, "{body}");
    let path = photo_path_of(&body, ADA);
    let asking = |accept: Option<&'static str>| {
        let mut request = app.client.get(format!("{path}?size=96"));
        if let Some(accept) = accept {
            request = request.header("Accept", accept);
        }
        request.send()
    };
    let browser = "image/avif,image/webp,image/apng,image/*,*/*;q=0.8";
    for (accept, media_type) in [
        (Some(browser), "image/avif"),
        (Some("image/webp,*/*"), "image/webp"),
        (Some("image/avif;q=0, image/webp"), "image/webp"),
        (Some("image/jpeg"), "image/jpeg"),
        (None, "image/jpeg"),
    ] {
        let response = asking(accept).await.unwrap();
        assert_eq!(response.status(), 200, "{accept:?}");
        let headers = response.headers().clone();
        assert_eq!(headers["content-type"], media_type, "{accept:?}");
        assert_eq!(headers["vary"], "accept", "{accept:?}");
        let etag = headers["etag"].to_str().unwrap().to_owned();
        let bytes = response.bytes().await.unwrap();
        let probe = portrait_imaging::probe(&bytes, &Default::default()).unwrap();
        assert_eq!((probe.width, probe.height), (96, 96), "{accept:?}");
        // Each representation revalidates with its own ETag.
        let mut again = app.client.get(format!("{path}?size=96"));
        if let Some(accept) = accept {
            again = again.header("Accept", accept);
        }
        let again = again.header("If-None-Match", &etag).send().await.unwrap();
        assert_eq!(again.status(), 304, "{accept:?}");
        assert_eq!(again.headers()["vary"], "accept");
    }
    app.stop().await;

    // Off (the default): JPEG whatever the client accepts, and no Vary.
    let app = TestApp::spawn(Backend::sqlite_fs()).await;
    let (_, body) = app.upload(ADA, ADA, fixture("photo-320x180.jpg")).await;
    let path = photo_path_of(&body, ADA);
    let response = app
        .client
        .get(&path)
        .header("Accept", browser)
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-type"], "image/jpeg");
    assert!(response.headers().get("vary").is_none());
    app.stop().await;
}

#[tokio::test]
async fn photo_thumbhash_is_a_placeholder_of_the_squares_when_asked_for() {
    use base64::prelude::{Engine, BASE64_STANDARD};
    let app = TestApp::spawn(Backend::sqlite_fs()).await;
    let asked = format!("/api/v1/users/{ADA}?optional_fields=photo_thumbhash");
    let thumbhash_in = |body: &Value| body["users"][ADA.to_string()]["photo_thumbhash"].clone();
    let (_, body) = app.get(&asked, Some(ADA)).await;
    assert_eq!(
        thumbhash_in(&body),
        Value::Null,
        "the default image has none"
    );
    let (_, body) = app.get(&format!("/api/v1/users/{ADA}"), Some(ADA)).await;
    assert!(body["users"][ADA.to_string()]
        .get("photo_thumbhash")
        .is_none());

    let (status, body) = app.upload(ADA, ADA, fixture("photo-320x180.jpg")).await;
    assert_eq!(status, 200, "{body}");
    let path = photo_path_of(&body, ADA);
    let (_, body) = app.get(&asked, Some(ADA)).await;
    let encoded = thumbhash_in(&body);
    let bytes = BASE64_STANDARD
        .decode(encoded.as_str().expect("a base64 string"))
        .expect("standard base64");
    assert!((5..=40).contains(&bytes.len()), "{} bytes", bytes.len());
    let aspect = thumbhash::thumb_hash_to_approximate_aspect_ratio(&bytes).expect("a ThumbHash");
    assert!((aspect - 1.0).abs() < 0.01, "a square: {aspect}");
    // Its average colour is the smallest square's.
    let (r, g, b, a) = thumbhash::thumb_hash_to_average_rgba(&bytes).expect("a ThumbHash");
    assert_eq!(a, 1.0, "opaque");
    let (_, _, square) = fetch(&app, &format!("{path}?size=48")).await;
    let square = decode(&square);
    for (channel, hashed) in [r, g, b].into_iter().enumerate() {
        let samples = square.rgb.iter().skip(channel).step_by(3);
        let mean = samples.map(|&v| f64::from(v)).sum::<f64>() / f64::from(48 * 48);
        let hashed = f64::from(hashed) * 255.0;
        assert!(
            (hashed - mean).abs() < 12.0,
            "channel {channel}: {hashed} against {mean}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn photo_renditions_lists_every_rendition_url_when_asked_for() {
    let app = TestApp::spawn(Backend::sqlite_fs()).await;
    let renditions = |body: &Value, user: i64| body["users"][user.to_string()].clone();
    let asked = "optional_fields=photo_renditions";
    // The default image has no renditions; Kantata's clients never ask and never see the key.
    let (_, body) = app
        .get(&format!("/api/v1/users/{ADA}?{asked}"), Some(ADA))
        .await;
    assert_eq!(renditions(&body, ADA)["photo_renditions"], Value::Null);
    let (_, body) = app.get(&format!("/api/v1/users/{ADA}"), Some(ADA)).await;
    assert!(renditions(&body, ADA).get("photo_renditions").is_none());

    let (status, body) = app.upload(ADA, ADA, fixture("photo-320x180.jpg")).await;
    assert_eq!(status, 200, "{body}");
    let path = photo_path_of(&body, ADA);
    let (status, body) = app.get(&format!("/api/v1/users?{asked}"), Some(ADA)).await;
    assert_eq!(status, 200);
    let jpeg = &renditions(&body, ADA)["photo_renditions"]["jpeg"];
    let listed: Vec<(&String, &Value)> = jpeg.as_object().expect("by size").iter().collect();
    let mut expected: Vec<(String, String)> = portrait_imaging::defaults::SQUARE_SIZES
        .iter()
        .map(|side| (side.to_string(), format!("{path}?size={side}")))
        .collect();
    expected.push(("full".to_owned(), path.clone()));
    assert_eq!(
        listed
            .iter()
            .map(|(size, url)| ((*size).clone(), url.as_str().unwrap_or_default().to_owned()))
            .collect::<Vec<_>>(),
        expected,
        "smallest first, then full"
    );
    for (size, url) in expected {
        let (status, headers, _) = fetch(&app, &url).await;
        assert_eq!(status, 200, "{size}");
        assert_eq!(headers["content-type"], "image/jpeg", "{size}");
    }
    app.stop().await;
}
