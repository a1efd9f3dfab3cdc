//! Dependency outages: with PostgreSQL or the S3 server cut off, requests get a prompt 503
//! `system` with `Retry-After`, `/readyz` says 503, nothing is lost, and the service heals
//! by itself when the dependency is back. Runs when PostgreSQL / S3 are configured.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::helpers::proxy::Proxy;
use crate::helpers::*;

/// A proxy in front of the `host:port` that follows `marker` in `url` (`@` in a database
/// URL, `endpoint=http://` in an S3 URL), and `url` pointed at the proxy instead.
async fn behind_proxy(url: &str, marker: &str) -> (Proxy, String) {
    let start = url.find(marker).expect("marker in URL") + marker.len();
    let rest = &url[start..];
    let end = rest.find(['/', '?', '&']).unwrap_or(rest.len());
    let upstream: SocketAddr = rest[..end]
        .replace("localhost", "127.0.0.1")
        .parse()
        .expect("host:port in URL");
    let proxy = Proxy::start(upstream).await;
    let proxied = format!("{}{}{}", &url[..start], proxy.addr, &rest[end..]);
    (proxy, proxied)
}

/// `/readyz`'s report on the dependency that is down, checking that it names only that one.
async fn readiness_of(app: &TestApp, down: &str) -> serde_json::Value {
    let (status, body) = app.get("/readyz", None).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["status"], "unavailable", "{body}");
    let up = if down == "database" {
        "blob_store"
    } else {
        "database"
    };
    assert_eq!(body[up], serde_json::json!({"status": "ok"}), "{body}");
    let report = body[down].clone();
    assert_eq!(report["status"], "unavailable", "{body}");
    assert!(report["error"].is_string(), "{body}");
    let since = report["down_since"].as_str().expect("down_since");
    assert!(
        chrono::DateTime::parse_from_rfc3339(since).is_ok(),
        "{since}"
    );
    assert!(report["down_for_seconds"].as_f64().is_some(), "{body}");
    report
}

async fn status_and_time(request: reqwest::RequestBuilder) -> (u16, Option<String>, Duration) {
    let started = Instant::now();
    let response = request.send().await.expect("response");
    let path_is_readyz = response.url().path() == "/readyz";
    let retry = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap_or("").to_owned());
    let status = response.status().as_u16();
    let (_, body) = json_of(response).await;
    if status == 503 && !path_is_readyz {
        assert_eq!(error_of(&body).0, "system", "{body}");
    } else if status == 503 {
        assert!(body.to_string().contains("unavailable"), "{body}");
    }
    (status, retry, started.elapsed())
}

async fn eventually_ok(app: &TestApp, path: &str, user: Option<i64>) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (status, body) = app.get(path, user).await;
        if status == 200 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{path} did not recover: {status} {body}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn a_database_outage_is_503_and_heals() {
    let Some(backend) = Backend::postgres_fs().await else {
        eprintln!("PORTRAIT_TEST_DATABASE_URL not set: skipping");
        return;
    };
    let (proxy, proxied) = behind_proxy(&backend.database.url, "@").await;
    let app = TestApp::spawn_with(backend, |config| config.database_url = Some(proxied)).await;
    assert_eq!(
        app.upload(ADA, ADA, fixture("photo-320x180.jpg")).await.0,
        200
    );
    let before = app.photo_path(ADA).await;

    proxy.cut();
    for request in [
        app.client
            .get(app.url("/api/v1/users/me"))
            .bearer_auth(token(ADA)),
        app.client
            .get(app.url("/api/v1/users/11"))
            .bearer_auth(token(ADA)),
        app.client
            .delete(app.url("/api/v1/users/10/profile_photo"))
            .bearer_auth(token(ADA)),
    ] {
        let (status, retry, took) = status_and_time(request).await;
        assert_eq!(status, 503);
        let retry: u32 = retry.expect("Retry-After").parse().expect("seconds");
        assert!((1..=30).contains(&retry), "{retry}");
        assert!(took < Duration::from_secs(3), "answered after {took:?}");
    }
    let (status, _, took) = status_and_time(app.client.get(app.url("/readyz"))).await;
    assert_eq!(status, 503);
    assert!(took < Duration::from_secs(3), "{took:?}");
    let first = readiness_of(&app, "database").await;
    let second = readiness_of(&app, "database").await;
    assert_eq!(
        first["down_since"], second["down_since"],
        "down since the first failure"
    );
    assert!(
        second["down_for_seconds"].as_f64() >= first["down_for_seconds"].as_f64(),
        "{first} then {second}"
    );
    let (status, _) = app.upload(ADA, ADA, fixture("quadrants-400x300.png")).await;
    assert_eq!(status, 503);
    // Photo files need no database.
    assert_eq!(app.client.get(&before).send().await.unwrap().status(), 200);

    proxy.restore();
    eventually_ok(&app, "/api/v1/users/me", Some(ADA)).await;
    eventually_ok(&app, "/readyz", None).await;
    assert_eq!(
        app.photo_path(ADA).await,
        before,
        "the reset during the outage did nothing"
    );
    assert_eq!(app.client.get(&before).send().await.unwrap().status(), 200);
    assert_eq!(
        app.upload(ADA, ADA, fixture("quadrants-400x300.png"))
            .await
            .0,
        200
    );
    app.stop().await;
}

/// A server on SQLite whose S3 traffic goes through a cuttable proxy, with Ada's photo uploaded;
/// `None` (the test skips) when S3 is not configured.
async fn s3_behind_proxy_with_a_photo(
    configure: impl FnOnce(&mut portrait_api::Config),
) -> Option<(Proxy, TestApp)> {
    let Some(backend) = Backend::sqlite_s3() else {
        eprintln!("PORTRAIT_TEST_S3_ENDPOINT not set: skipping");
        return None;
    };
    let (proxy, proxied) = behind_proxy(&backend.blob_url, "endpoint=http://").await;
    let app = TestApp::spawn_with(backend, |config| {
        config.blob_store = Some(proxied);
        configure(config);
    })
    .await;
    assert_eq!(
        app.upload(ADA, ADA, fixture("photo-320x180.jpg")).await.0,
        200
    );
    Some((proxy, app))
}

#[tokio::test]
async fn a_blob_store_outage_is_503_and_heals() {
    // Photo GETs must reach the blob store here; served from memory they would not fail.
    let Some((proxy, app)) = s3_behind_proxy_with_a_photo(|c| c.photos.cache.bytes = 0).await
    else {
        return;
    };
    let before = app.photo_path(ADA).await;
    let blobs_before = app.photo_blobs().await;

    proxy.cut();
    let upload = app
        .upload_request(
            "/api/v1/users/10/profile_photo",
            fixture("quadrants-400x300.png"),
        )
        .bearer_auth(token(ADA));
    for request in [upload, app.client.get(format!("{before}?size=96"))] {
        let (status, retry, took) = status_and_time(request).await;
        assert_eq!(status, 503);
        let retry: u32 = retry.expect("Retry-After").parse().expect("seconds");
        assert!((1..=30).contains(&retry), "{retry}");
        assert!(took < Duration::from_secs(4), "answered after {took:?}");
    }
    assert_eq!(
        status_and_time(app.client.get(app.url("/readyz"))).await.0,
        503
    );
    readiness_of(&app, "blob_store").await;
    // Reads that need no blob keep working.
    assert_eq!(app.get("/api/v1/users/me", Some(ADA)).await.0, 200);
    assert_eq!(
        app.photo_path(ADA).await,
        before,
        "the failed upload changed nothing"
    );

    proxy.restore();
    eventually_ok(&app, "/readyz", None).await;
    let served = app
        .client
        .get(format!("{before}?size=96"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        served.status(),
        200,
        "the previous photo survived the outage"
    );
    assert_eq!(
        app.photo_blobs().await,
        blobs_before,
        "nothing half-written is left"
    );
    assert_eq!(
        app.upload(ADA, ADA, fixture("quadrants-400x300.png"))
            .await
            .0,
        200
    );
    app.stop().await;
}

#[tokio::test]
async fn cached_renditions_are_served_through_a_blob_store_outage() {
    let Some((proxy, app)) = s3_behind_proxy_with_a_photo(|_| {}).await else {
        return;
    };
    let photo = format!("{}?size=96", app.photo_path(ADA).await);
    let client = app.client.clone();
    let fetch = |url: String| {
        let client = client.clone();
        async move {
            let response = client.get(url).send().await.expect("GET");
            let status = response.status().as_u16();
            (status, response.bytes().await.expect("body"))
        }
    };
    let (status, stored) = fetch(photo.clone()).await;
    assert_eq!(status, 200);

    proxy.cut();
    assert_eq!(
        status_and_time(app.client.get(app.url("/readyz"))).await.0,
        503
    );
    let (status, during) = fetch(photo.clone()).await;
    assert_eq!(status, 200, "an uploaded rendition is in memory");
    assert_eq!(during, stored);
    proxy.restore();
    eventually_ok(&app, "/readyz", None).await;
    app.stop().await;
}

#[tokio::test]
async fn a_silent_database_costs_a_request_about_a_second() {
    let Some(backend) = Backend::postgres_fs().await else {
        eprintln!("PORTRAIT_TEST_DATABASE_URL not set: skipping");
        return;
    };
    let (proxy, proxied) = behind_proxy(&backend.database.url, "@").await;
    let app = TestApp::spawn_with(backend, |config| config.database_url = Some(proxied)).await;
    assert_eq!(app.get("/api/v1/users/me", Some(ADA)).await.0, 200);

    proxy.black_hole();
    for _ in 0..2 {
        let request = app
            .client
            .get(app.url("/api/v1/users/me"))
            .bearer_auth(token(ADA));
        let (status, _, took) = status_and_time(request).await;
        assert_eq!(status, 503);
        assert!(
            took < Duration::from_millis(2500),
            "answered after {took:?}"
        );
    }
    let (status, _, took) = status_and_time(app.client.get(app.url("/readyz"))).await;
    assert_eq!(status, 503);
    assert!(took < Duration::from_millis(2500), "{took:?}");

    proxy.restore();
    eventually_ok(&app, "/api/v1/users/me", Some(ADA)).await;
    app.stop().await;
}
