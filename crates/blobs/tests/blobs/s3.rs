//! S3-backend specifics. The unreachable-server test always runs; the others
//! need `PORTRAIT_TEST_S3_ENDPOINT` (see `scripts/garage-start.sh`).

use std::time::{Duration, Instant};

use bytes::Bytes;
use portrait_blobs::{open, BlobError, BlobKey, BlobStore, S3BlobStore, S3Config, Timeouts};

fn closed_port_config() -> S3Config {
    S3Config {
        bucket: "portrait-test".into(),
        // Port 1 (tcpmux) is closed: connections are refused at once.
        endpoint: Some("http://127.0.0.1:1".into()),
        region: "garage".into(),
        access_key_id: "GK0000000000000000000000".into(),
        secret_access_key: "0".repeat(64),
        session_token: None,
        prefix: None,
    }
}

#[tokio::test]
async fn unreachable_server_is_unavailable_within_5s() {
    let store = S3BlobStore::new(closed_port_config(), &Timeouts::default()).expect("configure");
    let k = BlobKey::parse("x/y").expect("key");
    let ops: Vec<(&str, Result<(), BlobError>)> = vec![
        ("ping", {
            let t = Instant::now();
            let r = store.ping().await;
            assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
            r
        }),
        ("put", {
            let t = Instant::now();
            let r = store.put(&k, Bytes::from_static(b"1")).await;
            assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
            r
        }),
        ("get", {
            let t = Instant::now();
            let r = store.get(&k).await.map(|_| ());
            assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
            r
        }),
        ("delete", {
            let t = Instant::now();
            let r = store.delete(&k).await;
            assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
            r
        }),
        ("list", {
            let t = Instant::now();
            let r = store.list("x/").await.map(|_| ());
            assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
            r
        }),
    ];
    for (op, r) in ops {
        match r {
            Err(BlobError::Unavailable(msg)) => eprintln!("{op}: {msg}"),
            other => panic!("{op}: expected Unavailable, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn open_parses_s3_urls() {
    // Only the URL form; credentials are passed through the environment, which
    // this test does not touch (other tests run in parallel), so a missing
    // credential is an acceptable outcome here.
    match open(
        "s3://portrait-test?endpoint=http://127.0.0.1:1&region=garage",
        &Timeouts::default(),
    ) {
        Ok(store) => {
            let err = store.ping().await.expect_err("closed port");
            assert!(err.is_unavailable(), "{err}");
        }
        Err(BlobError::Other(msg)) => assert!(msg.contains("AWS_"), "{msg}"),
        Err(e) => panic!("{e}"),
    }
    assert!(open("s3://b?bogus=1", &Timeouts::default()).is_err());
}

#[tokio::test]
async fn missing_bucket_and_bad_credentials_are_not_unavailable() {
    let Some(config) = crate::common::s3_config() else {
        return;
    };
    let missing = S3Config {
        bucket: "portrait-no-such-bucket".into(),
        ..config.clone()
    };
    let store = S3BlobStore::new(missing, &Timeouts::default()).expect("configure");
    let err = store.ping().await.expect_err("no such bucket");
    assert!(matches!(err, BlobError::Other(_)), "{err}");

    let wrong = S3Config {
        secret_access_key: "0".repeat(64),
        ..config
    };
    let store = S3BlobStore::new(wrong, &Timeouts::default()).expect("configure");
    let err = store.ping().await.expect_err("bad secret");
    assert!(matches!(err, BlobError::Other(_)), "{err}");
    let err = store
        .put(
            &BlobKey::parse("contract/denied").expect("key"),
            Bytes::from_static(b"1"),
        )
        .await
        .expect_err("bad secret");
    assert!(matches!(err, BlobError::Other(_)), "{err}");
}

#[tokio::test]
async fn objects_written_by_others_are_skipped_in_listings() {
    // Keys that are not valid BlobKeys (uppercase) may exist in a shared
    // bucket; list must skip them, not fail.
    let Some(fixture) = crate::common::s3() else {
        return;
    };
    let Some(config) = crate::common::s3_config() else {
        return;
    };
    let prefix = portrait_blobs::testsuite::unique_prefix("foreign");
    let raw = object_store::aws::AmazonS3Builder::new()
        .with_bucket_name(&config.bucket)
        .with_region(&config.region)
        .with_endpoint(config.endpoint.clone().unwrap_or_default())
        .with_access_key_id(&config.access_key_id)
        .with_secret_access_key(&config.secret_access_key)
        .with_allow_http(true)
        .build()
        .expect("raw client");
    use object_store::ObjectStore;
    let foreign = object_store::path::Path::from(format!("{prefix}Upper.JPG"));
    raw.put(&foreign, Bytes::from_static(b"x").into())
        .await
        .expect("raw put");
    let mine = BlobKey::parse(&format!("{prefix}mine")).expect("key");
    fixture
        .store
        .put(&mine, Bytes::from_static(b"y"))
        .await
        .expect("put");
    let listed = fixture.store.list(&prefix).await.expect("list");
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].key, mine);
    raw.delete(&foreign).await.expect("raw delete");
    fixture.store.delete(&mine).await.expect("delete");
}

#[tokio::test]
async fn hung_server_is_unavailable_within_the_timeouts() {
    // A server that accepts connections and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            held.push(sock);
        }
    });
    let config = S3Config {
        endpoint: Some(format!("http://{addr}")),
        ..closed_port_config()
    };
    let timeouts = Timeouts {
        request: Duration::from_secs(1),
        connect: Duration::from_secs(1),
    };
    let store = S3BlobStore::new(config, &timeouts).expect("configure");
    let t = Instant::now();
    let err = store.ping().await.expect_err("no answer");
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    assert!(err.is_unavailable(), "{err}");
    let t = Instant::now();
    let err = store
        .get(&BlobKey::parse("k").expect("key"))
        .await
        .expect_err("no answer");
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    assert!(err.is_unavailable(), "{err}");
    holder.abort();
}

#[tokio::test]
async fn prefixed_stores_in_one_bucket_do_not_see_each_other() {
    let Some(config) = crate::common::s3_config() else {
        return;
    };
    let timeouts = Timeouts::default();
    let (a, b) = (
        crate::common::unique_prefix(),
        crate::common::unique_prefix(),
    );
    let store = |prefix: &BlobKey| {
        S3BlobStore::new(
            S3Config {
                prefix: Some(prefix.clone()),
                ..config.clone()
            },
            &timeouts,
        )
        .expect("configure")
    };
    let (first, second) = (store(&a), store(&b));
    let key = BlobKey::parse("photos/same/key.jpg").expect("key");
    first
        .put(&key, Bytes::from_static(b"first"))
        .await
        .expect("put");
    assert_eq!(second.get(&key).await.expect("get"), None);
    assert!(second.list("").await.expect("list").is_empty());
    let listed = first.list("photos/").await.expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].key, key, "listing strips the prefix");

    // The whole bucket sees the object under the prefix.
    let whole = S3BlobStore::new(config, &timeouts).expect("configure");
    let full = BlobKey::parse(&format!("{a}/photos/same/key.jpg")).expect("key");
    assert_eq!(
        whole.get(&full).await.expect("get"),
        Some(Bytes::from_static(b"first"))
    );
    first.delete(&key).await.expect("delete");
}

#[test]
fn url_path_is_the_prefix() {
    std::env::set_var(
        "AWS_ACCESS_KEY_ID",
        std::env::var("AWS_ACCESS_KEY_ID").unwrap_or_else(|_| "GKtest".into()),
    );
    std::env::set_var(
        "AWS_SECRET_ACCESS_KEY",
        std::env::var("AWS_SECRET_ACCESS_KEY").unwrap_or_else(|_| "secret".into()),
    );
    let config = S3Config::from_url(
        "s3://bucket/tenant-a/photos?endpoint=http://127.0.0.1:3900&region=garage",
    )
    .expect("parse");
    assert_eq!(config.bucket, "bucket");
    assert_eq!(
        config.prefix.as_ref().map(BlobKey::as_str),
        Some("tenant-a/photos")
    );
    assert_eq!(
        S3Config::from_url("s3://bucket/?region=garage")
            .expect("parse")
            .prefix,
        None
    );
}
