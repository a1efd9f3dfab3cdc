//! Throttling, load shedding and concurrent uploads: the server stays consistent and
//! answers in Kantata format when it is pushed.

use std::collections::BTreeSet;

use crate::helpers::*;
use portrait_api::config::RateLimit;
use serde_json::Value;

/// A noisy 3000×2000 JPEG: heavy enough that decoding it keeps a worker busy for a while.
fn heavy_jpeg() -> Vec<u8> {
    let (w, h) = (3000u16, 2000u16);
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let pixels: Vec<u8> = (0..usize::from(w) * usize::from(h) * 3)
        .map(|i| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (i % 251) as u8 ^ (state as u8 & 0x3f)
        })
        .collect();
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 80)
        .encode(&pixels, w, h, jpeg_encoder::ColorType::Rgb)
        .expect("encode");
    out
}

fn photo_id(photo_path: &str) -> String {
    photo_path
        .rsplit('/')
        .next()
        .and_then(|file| file.strip_suffix(".jpg"))
        .unwrap_or_else(|| panic!("not a photo URL: {photo_path}"))
        .to_owned()
}

/// A server that processes one photo at a time and lets none wait.
async fn one_worker_no_queue() -> TestApp {
    let backend = backends().await.into_iter().next().expect("sqlite backend");
    TestApp::spawn_with(backend, |config| {
        config.photos.workers = 1;
        config.photos.queue = 0;
    })
    .await
}

#[tokio::test]
async fn a_token_over_its_rate_gets_429_and_others_do_not() {
    let backend = backends().await.into_iter().next().expect("sqlite backend");
    let app = TestApp::spawn_with(backend, |config| {
        config.http.rate_limit = RateLimit {
            per_second: 1,
            burst: 3,
        };
    })
    .await;
    for _ in 0..3 {
        assert_eq!(app.get("/api/v1/users/me", Some(ADA)).await.0, 200);
    }
    let response = app
        .client
        .get(app.url("/api/v1/users/me"))
        .bearer_auth(token(ADA))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 429);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    let (_, body) = json_of(response).await;
    assert_eq!(error_of(&body).0, "system");
    assert!(
        error_of(&body).1.to_lowercase().contains("too many"),
        "{body}"
    );

    // Uploads count against the same bucket, and other tokens have their own.
    assert_eq!(
        app.upload(ADA, ADA, fixture("photo-320x180.jpg")).await.0,
        429
    );
    assert_eq!(app.get("/api/v1/users/me", Some(GRACE)).await.0, 200);
    // Public photo files and health checks carry no token and are not throttled.
    for _ in 0..5 {
        assert_eq!(
            app.client
                .get(app.url("/healthz"))
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
    }

    tokio::time::sleep(std::time::Duration::from_secs(retry_after)).await;
    assert_eq!(
        app.get("/api/v1/users/me", Some(ADA)).await.0,
        200,
        "refilled"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_full_processing_queue_sheds_uploads_with_503() {
    let heavy = heavy_jpeg();
    let app = one_worker_no_queue().await;
    let (status, _) = app.upload(ADA, ADA, fixture("photo-320x180.jpg")).await;
    assert_eq!(status, 200);
    let before = app.photo_path(ADA).await;

    let uploads = (0..8).map(|_| app.upload(ADA, ADA, heavy.clone()));
    let results = futures::future::join_all(uploads).await;
    let statuses: Vec<u16> = results.iter().map(|(s, _)| *s).collect();
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 503),
        "{statuses:?}"
    );
    assert!(statuses.contains(&200), "{statuses:?}");
    assert!(
        statuses.contains(&503),
        "one worker, no queue: {statuses:?}"
    );
    for (status, body) in &results {
        if *status == 503 {
            assert_eq!(error_of(body).0, "system", "{body}");
        }
    }
    // The photo is the one of a successful upload, never a shed one, and its blobs are the
    // only ones left.
    let now = app.photo_path(ADA).await;
    assert_ne!(now, before);
    let accepted: BTreeSet<String> = results
        .iter()
        .filter(|(s, _)| *s == 200)
        .map(|(_, body)| {
            body["users"]["10"]["photo_path"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert!(accepted.contains(&now));
    let id = photo_id(&now);
    let blobs = app.photo_blobs().await;
    assert!(blobs.iter().all(|key| key.contains(&id)), "{blobs:?}");
    assert_eq!(blobs.len(), RENDITIONS_PER_PHOTO, "{blobs:?}");
    app.stop().await;
}

#[tokio::test]
async fn uploads_past_the_body_byte_budget_are_shed_although_places_are_free() {
    let heavy = heavy_jpeg();
    let size = heavy.len() as u64;
    let backend = backends().await.into_iter().next().expect("sqlite backend");
    let app = TestApp::spawn_with(backend, |config| {
        config.photos.workers = 1;
        config.photos.queue = 16;
        // Room for one body of this size at a time, not two.
        config.photos.max_upload_bytes = size + 1024;
        config.photos.queued_body_bytes = size + 1024;
    })
    .await;
    let uploads = (0..6).map(|_| app.upload(ADA, ADA, heavy.clone()));
    let results = futures::future::join_all(uploads).await;
    let statuses: Vec<u16> = results.iter().map(|(s, _)| *s).collect();
    assert!(statuses.contains(&200), "{statuses:?}");
    assert!(statuses.contains(&503), "17 places, one body: {statuses:?}");
    for (status, body) in &results {
        assert!(*status == 200 || *status == 503, "{status}: {body}");
        if *status == 503 {
            assert_eq!(error_of(body).0, "system", "{body}");
        }
    }
    // Small uploads still fit beside nothing else once the big ones are done.
    let (status, body) = app.upload(ADA, ADA, fixture("photo-320x180.jpg")).await;
    assert_eq!(status, 200, "{body}");
    app.stop().await;
}

#[tokio::test]
async fn a_memory_budget_smaller_than_one_photo_runs_them_one_by_one() {
    let heavy = heavy_jpeg();
    let backend = backends().await.into_iter().next().expect("sqlite backend");
    let app = TestApp::spawn_with(backend, |config| {
        config.photos.workers = 2;
        config.photos.queue = 16;
        config.photos.decode_memory_bytes = 1024 * 1024;
    })
    .await;
    let uploads = (0..4).map(|_| app.upload(ADA, ADA, heavy.clone()));
    for (status, body) in futures::future::join_all(uploads).await {
        assert_eq!(status, 200, "waiting for memory is not shedding: {body}");
    }
    app.stop().await;
}

#[tokio::test]
async fn bodies_declared_too_large_are_413_without_taking_a_place() {
    let backend = backends().await.into_iter().next().expect("sqlite backend");
    let app = TestApp::spawn_with(backend, |config| {
        config.photos.workers = 1;
        config.photos.queue = 0;
        config.photos.max_upload_bytes = 64 * 1024;
    })
    .await;
    let too_big = vec![0u8; 256 * 1024];
    let uploads = (0..6).map(|_| app.upload(ADA, ADA, too_big.clone()));
    for (status, body) in futures::future::join_all(uploads).await {
        assert_eq!(status, 413, "read and refused, never shed: {body}");
    }
    app.stop().await;
}

#[tokio::test]
async fn the_503_of_a_full_queue_has_retry_after() {
    let heavy = heavy_jpeg();
    let app = one_worker_no_queue().await;
    let send = || {
        app.upload_request("/api/v1/users/10/profile_photo", heavy.clone())
            .bearer_auth(token(ADA))
            .send()
    };
    let responses = futures::future::join_all((0..6).map(|_| send())).await;
    let shed: Vec<&reqwest::Response> = responses
        .iter()
        .map(|r| r.as_ref().expect("response"))
        .filter(|r| r.status() == 503)
        .collect();
    assert!(!shed.is_empty());
    for response in shed {
        assert_eq!(response.headers()["retry-after"], "1");
    }
    app.stop().await;
}

#[tokio::test]
async fn simultaneous_uploads_for_one_user_leave_one_photo_and_no_leaked_blobs() {
    for backend in backends().await {
        let app = TestApp::spawn_with(backend, |config| {
            config.photos.queue = 64;
        })
        .await;
        let photos = [
            "photo-320x180.jpg",
            "quadrants-400x300.png",
            "bmp24-96x72.bmp",
            "orient6-160x90.jpg",
        ];
        let uploads = (0..16).map(|i| {
            let caller = if i % 2 == 0 { GRACE } else { ADA };
            app.upload(GRACE, caller, fixture(photos[i % photos.len()]))
        });
        let results: Vec<(u16, Value)> = futures::future::join_all(uploads).await;
        for (status, body) in &results {
            assert_eq!(*status, 200, "{}: {body}", app.backend);
        }
        let now = app.photo_path(GRACE).await;
        let id = photo_id(&now);
        let answered: BTreeSet<String> = results
            .iter()
            .map(|(_, body)| photo_id(body["users"]["11"]["photo_path"].as_str().unwrap()))
            .collect();
        // Each answer shows the user as stored after that upload's swap, which a faster
        // concurrent upload may already have replaced; the last swap is among them.
        assert!(answered.contains(&id), "{answered:?} / {id}");
        // Old photos are deleted by whoever replaced them: exactly the current one remains.
        let blobs = app.photo_blobs().await;
        assert_eq!(
            blobs.len(),
            RENDITIONS_PER_PHOTO,
            "{}: {blobs:?}",
            app.backend
        );
        assert!(blobs.iter().all(|key| key.contains(&id)), "{blobs:?}");
        for size in ["", "?size=48", "?size=648"] {
            let response = app.client.get(format!("{now}{size}")).send().await.unwrap();
            assert_eq!(response.status(), 200);
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn a_second_server_on_a_port_in_use_fails_to_start() {
    let app = one_worker_no_queue().await;
    let taken: std::net::SocketAddr = app
        .base
        .trim_start_matches("http://")
        .parse()
        .expect("address");
    let mut config = portrait_api::Config::for_data_dir(std::path::Path::new("/nonexistent"));
    config.listen = taken;
    let scratch = portrait_store::testing::scratch_sqlite();
    config.database_url = Some(scratch.url.clone());
    config.blob_store = Some("mem://".to_owned());
    let refused = portrait_api::Application::build(config).await;
    assert!(refused.is_err(), "bound {taken} although it is in use");
    // And the first server still answers.
    assert_eq!(app.get("/healthz", None).await.0, 200);
    app.stop().await;
}
