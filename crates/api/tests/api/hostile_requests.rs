//! Hostile request shapes, beyond hostile files: odd paths, huge headers, missing
//! Content-Type, polyglots, a body that trickles in. Each gets a 4xx (in Kantata format
//! where the request reaches portrait), nothing is stored, and the previous photo stays.

use std::time::{Duration, Instant};

use crate::helpers::*;

/// A server with Ada's photo already set; returns it and her photo_path.
async fn with_a_photo(configure: impl FnOnce(&mut portrait_api::Config)) -> (TestApp, String) {
    let backend = backends().await.into_iter().next().expect("sqlite backend");
    let app = TestApp::spawn_with(backend, configure).await;
    assert_eq!(
        app.upload(ADA, ADA, fixture("photo-320x180.jpg")).await.0,
        200
    );
    let before = app.photo_path(ADA).await;
    (app, before)
}

async fn assert_intact(app: &TestApp, before: &str) {
    assert_eq!(app.photo_path(ADA).await, before);
    let blobs = app.photo_blobs().await;
    assert_eq!(
        blobs.len(),
        RENDITIONS_PER_PHOTO,
        "only the previous photo's renditions: {blobs:?}"
    );
    let served = app.client.get(before).send().await.expect("photo");
    assert_eq!(served.status(), 200);
}

#[tokio::test]
async fn odd_paths_are_4xx_never_5xx() {
    let (app, before) = with_a_photo(|_| {}).await;
    let long = "a".repeat(16 * 1024);
    let paths = [
        "/api/v1/users/%2e%2e/profile_photo".to_owned(),
        "/api/v1/users/..%2f..%2fetc%2fpasswd".to_owned(),
        "/photos/..%2f..%2fetc%2fpasswd".to_owned(),
        "/photos/%00.jpg".to_owned(),
        "/api/v1/users/10%00/profile_photo".to_owned(),
        "/api/v1/users/99999999999999999999999/profile_photo".to_owned(),
        "/api/v1/users/-1/profile_photo".to_owned(),
        format!("/api/v1/users/{long}/profile_photo"),
        format!("/photos/{long}.jpg"),
    ];
    for path in &paths {
        for method in [
            reqwest::Method::GET,
            reqwest::Method::POST,
            reqwest::Method::DELETE,
        ] {
            let response = app
                .client
                .request(method.clone(), app.url(path))
                .bearer_auth(token(ADA))
                .send()
                .await
                .expect("response");
            let status = response.status().as_u16();
            let shown = &path[..path.len().min(60)];
            assert!((400..500).contains(&status), "{method} {shown}: {status}");
            let (_, body) = json_of(response).await;
            assert!(
                body["errors"][0]["type"].is_string(),
                "{method} {shown}: {body}"
            );
        }
    }
    // A percent-encoded id is still the same id: it names Ada, and she may read herself.
    assert_eq!(app.get("/api/v1/users/%31%30", Some(ADA)).await.0, 200);
    assert_intact(&app, &before).await;
    app.stop().await;
}

#[tokio::test]
async fn oversized_headers_are_refused_before_any_work() {
    let (app, before) = with_a_photo(|_| {}).await;
    let response = app
        .upload_request(
            "/api/v1/users/10/profile_photo",
            fixture("quadrants-400x300.png"),
        )
        .bearer_auth(token(ADA))
        .header("X-Padding", "p".repeat(1024 * 1024))
        .send()
        .await;
    // hyper answers 431 itself, or closes the connection; either way nothing is processed.
    if let Ok(response) = response {
        let status = response.status().as_u16();
        assert!((400..500).contains(&status), "{status}");
    }
    assert_intact(&app, &before).await;
    app.stop().await;
}

#[tokio::test]
async fn missing_or_wrong_content_types_are_400() {
    let (app, before) = with_a_photo(|_| {}).await;
    let url = app.url("/api/v1/users/10/profile_photo");
    let multipart_body = b"--B\r\nContent-Disposition: form-data; name=\"user[profile_photo_attachment_file]\"; filename=\"a.jpg\"\r\n\r\nxx\r\n--B--\r\n".to_vec();
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/mixed; boundary=B"),
    ] {
        let mut request = app
            .client
            .post(&url)
            .bearer_auth(token(ADA))
            .body(multipart_body.clone());
        if let Some(value) = content_type {
            request = request.header("content-type", value);
        }
        let (status, body) = json_of(request.send().await.expect("response")).await;
        assert_eq!(status, 400, "{content_type:?}: {body}");
        assert!(body["errors"][0]["message"].is_string(), "{body}");
    }
    // The part's own Content-Type is ignored: the bytes decide.
    let part = reqwest::multipart::Part::bytes(fixture("quadrants-400x300.png"))
        .file_name("photo.gif")
        .mime_str("application/pdf")
        .expect("mime");
    let response = app
        .client
        .post(&url)
        .bearer_auth(token(ADA))
        .multipart(
            reqwest::multipart::Form::new().part("user[profile_photo_attachment_file]", part),
        )
        .send()
        .await
        .expect("response");
    assert_eq!(response.status(), 200);
    app.stop().await;
    let _ = before;
}

#[tokio::test]
async fn error_messages_never_echo_the_file() {
    let (app, before) = with_a_photo(|_| {}).await;
    for name in ["page.html", "script.svg", "document.pdf", "text-named.jpg"] {
        let (status, body) = app.upload(ADA, ADA, fixture(name)).await;
        assert_eq!(status, 422, "{name}: {body}");
        let text = body.to_string();
        for needle in ["<script", "alert", "fetch(", "<svg", "Not a photo", "%PDF"] {
            assert!(
                !text.contains(needle),
                "{name}: message echoes {needle:?}: {text}"
            );
        }
    }
    assert_intact(&app, &before).await;
    app.stop().await;
}

#[tokio::test]
async fn a_polyglot_jpeg_is_served_as_a_clean_reencoded_image() {
    let (app, _) = with_a_photo(|_| {}).await;
    // A valid JPEG with an HTML page in a comment segment and after the end of the image.
    let mut polyglot = fixture("photo-320x180.jpg");
    let html = b"<html><script>alert(document.cookie)</script></html>";
    let mut comment = vec![0xFF, 0xFE];
    comment.extend(u16::try_from(html.len() + 2).unwrap().to_be_bytes());
    comment.extend_from_slice(html);
    polyglot.splice(2..2, comment);
    polyglot.extend_from_slice(html);
    let (status, body) = app.upload(ADA, ADA, polyglot).await;
    assert_eq!(status, 200, "{body}");
    let photo = body["users"]["10"]["photo_path"]
        .as_str()
        .unwrap()
        .to_owned();
    for size in ["", "?size=48", "?size=648"] {
        let response = app
            .client
            .get(format!("{photo}{size}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["content-type"], "image/jpeg");
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
        let bytes = response.bytes().await.unwrap();
        assert!(
            !bytes.windows(7).any(|w| w == b"<script"),
            "payload survived in {size}"
        );
        assert!(!bytes.windows(5).any(|w| w == b"<html"));
    }
    app.stop().await;
}

#[tokio::test]
async fn a_body_that_trickles_in_times_out_with_408() {
    let (app, before) = with_a_photo(|config| {
        config.http.body_read_timeout = Duration::from_secs(1);
    })
    .await;
    let head = b"--B\r\nContent-Disposition: form-data; name=\"user[profile_photo_attachment_file]\"; filename=\"a.jpg\"\r\n\r\n".to_vec();
    let photo = fixture("photo-320x180.jpg");
    // One small chunk every 200 ms: the whole body would take minutes.
    let chunks: Vec<Vec<u8>> = std::iter::once(head)
        .chain(photo.chunks(64).map(<[u8]>::to_vec))
        .collect();
    let stream = futures::stream::unfold(chunks.into_iter(), |mut chunks| async move {
        let next = chunks.next()?;
        tokio::time::sleep(Duration::from_millis(200)).await;
        Some((Ok::<_, std::io::Error>(next), chunks))
    });
    let started = Instant::now();
    let response = app
        .client
        .post(app.url("/api/v1/users/10/profile_photo"))
        .bearer_auth(token(ADA))
        .header("content-type", "multipart/form-data; boundary=B")
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await;
    let took = started.elapsed();
    assert!(took < Duration::from_secs(10), "{took:?}");
    match response {
        Ok(response) => {
            let (status, body) = json_of(response).await;
            assert_eq!(status, 408, "{body}");
            assert_eq!(error_of(&body).0, "system");
        }
        // The server may close the connection right after answering, while we still send.
        Err(error) => assert!(error.is_request() || error.is_body(), "{error}"),
    }
    assert_intact(&app, &before).await;
    app.stop().await;
}

#[tokio::test]
async fn an_internal_failure_is_a_generic_500_with_a_request_id() {
    let backend = Backend::sqlite_fs();
    let database_url = backend.database.url.clone();
    let app = TestApp::spawn(backend).await;
    // A table gone from under the server: a failure no client caused.
    let path = database_url.trim_start_matches("sqlite://");
    rusqlite::Connection::open(path)
        .and_then(|db| db.execute_batch("DROP TABLE work_samples"))
        .expect("drop table");

    let response = app
        .client
        .get(app.url("/api/v1/users/10?include=work_samples"))
        .bearer_auth(token(ADA))
        .send()
        .await
        .expect("response");
    assert_eq!(response.status(), 500);
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(!request_id.is_empty());
    let (_, body) = json_of(response).await;
    let text = body.to_string();
    assert_eq!(error_of(&body).0, "system");
    for internal in [
        "work_samples",
        "no such table",
        "sqlite",
        "SELECT",
        database_url.as_str(),
    ] {
        assert!(
            !text.contains(internal),
            "500 body shows {internal:?}: {text}"
        );
    }
    // Everything that does not need the table keeps working.
    assert_eq!(
        app.get("/api/v1/users/10?include=skills", Some(ADA))
            .await
            .0,
        200
    );
    app.stop().await;
}

#[tokio::test]
async fn truncated_files_of_every_accepted_format_are_422() {
    let (app, before) = with_a_photo(|_| {}).await;
    for name in [
        "photo-320x180.jpg",
        "quadrants-400x300.png",
        "static-120x80.gif",
        "bmp24-96x72.bmp",
        "lossy-320x180.webp",
    ] {
        let whole = fixture(name);
        for keep in [whole.len() / 10, whole.len() * 2 / 5, whole.len() * 9 / 10] {
            let (status, body) = app.upload(ADA, ADA, whole[..keep].to_vec()).await;
            assert_eq!(
                status,
                422,
                "{name} cut at {keep} of {}: {body}",
                whole.len()
            );
            assert_eq!(error_of(&body).0, "validation", "{name}");
            assert_eq!(body["errors"][0]["field"], "profile_photo_attachment_file");
        }
    }
    assert_intact(&app, &before).await;
    app.stop().await;
}
