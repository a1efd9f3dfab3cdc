//! Several instances over one PostgreSQL database and one blob store: what one removes, the
//! others stop serving within seconds (LISTEN/NOTIFY), even across a lost connection.

use std::time::{Duration, Instant};

use sqlx::Connection;

use crate::helpers::*;

/// The bound the fleet promises for another instance's removal to be noticed.
const NOTICED_WITHIN: Duration = Duration::from_secs(5);

/// Long enough that only an announcement, never the cache's expiry, can end the serving.
const LONG_TTL: Duration = Duration::from_secs(3600);

async fn fleet_of_two() -> Option<(TestApp, TestApp)> {
    let backend = Backend::postgres_fs().await?;
    let first = TestApp::spawn_with(backend, |c| c.photos.cache.ttl = LONG_TTL).await;
    let second = first.spawn_beside(|c| c.photos.cache.ttl = LONG_TTL).await;
    Some((first, second))
}

async fn status_of(app: &TestApp, url: &str) -> u16 {
    let response = app.client.get(url).send().await.expect("fetch photo");
    response.status().as_u16()
}

/// Uploads Ada's photo through `uploader`; returns its 96 px URL on `reader`, which has
/// served it once (so holds it in memory).
async fn photo_held_by(uploader: &TestApp, reader: &TestApp) -> String {
    let (status, body) = uploader
        .upload(ADA, ADA, fixture("photo-320x180.jpg"))
        .await;
    assert_eq!(status, 200, "{body}");
    let path = body["users"][ADA.to_string()]["photo_path"]
        .as_str()
        .expect("photo_path");
    let url = format!("{}?size=96", path.replace(&uploader.base, &reader.base));
    assert_eq!(status_of(reader, &url).await, 200);
    url
}

/// How long until `app` answers 404 for `url`, polling; panics past the bound.
async fn until_gone(app: &TestApp, url: &str) -> Duration {
    let started = Instant::now();
    loop {
        if status_of(app, url).await == 404 {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < NOTICED_WITHIN,
            "{url} still served {:?} after its removal",
            started.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_photo_replaced_or_reset_on_one_instance_is_gone_from_the_other() {
    let Some((first, second)) = fleet_of_two().await else {
        return;
    };
    let replaced = photo_held_by(&first, &second).await;
    let (status, _) = first.upload(ADA, ADA, fixture("photo-320x180.jpg")).await;
    assert_eq!(status, 200);
    let after_replace = until_gone(&second, &replaced).await;

    let reset = photo_held_by(&first, &second).await;
    let response = first
        .client
        .delete(first.url(&format!("/api/v1/users/{ADA}/profile_photo")))
        .bearer_auth(token(ADA))
        .send()
        .await
        .expect("reset");
    assert!(response.status().is_success(), "{}", response.status());
    let after_reset = until_gone(&second, &reset).await;
    eprintln!(
        "other instance answered 404 after {after_replace:?} (replace), {after_reset:?} (reset)"
    );
}

#[tokio::test]
async fn a_listener_that_lost_its_connection_forgets_what_it_holds() {
    let Some((first, second)) = fleet_of_two().await else {
        return;
    };
    let url = photo_held_by(&first, &second).await;
    // A removal nobody announces: the blobs go, the second instance still holds the photo.
    for key in first.photo_blobs().await {
        let key = portrait_blobs::BlobKey::parse(&key).expect("key");
        first.blobs.delete(&key).await.expect("delete blob");
    }
    assert_eq!(status_of(&second, &url).await, 200, "served from memory");

    // Both instances' listening connections drop, as in a PostgreSQL restart; each must
    // assume it missed announcements and forget what it holds once it is back.
    let mut admin = sqlx::PgConnection::connect(first.database_url())
        .await
        .expect("connect");
    let (channel,): (String,) = sqlx::query_as(portrait_store::testing::PHOTO_CHANNEL_NAME_QUERY)
        .fetch_one(&mut admin)
        .await
        .expect("channel");
    let listening = "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1";
    let started = Instant::now();
    loop {
        let (n,): (i64,) = sqlx::query_as(listening)
            .bind(&channel)
            .fetch_one(&mut admin)
            .await
            .expect("listeners");
        if n == 2 {
            break;
        }
        assert!(
            started.elapsed() < NOTICED_WITHIN,
            "{n} instances listening"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (dropped,): (i64,) = sqlx::query_as(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1",
    )
    .bind(&channel)
    .fetch_one(&mut admin)
    .await
    .expect("terminate listeners");
    assert_eq!(dropped, 2, "one listening connection per instance");
    let after = until_gone(&second, &url).await;
    eprintln!("after a lost connection, the cache was forgotten within {after:?}");
}
