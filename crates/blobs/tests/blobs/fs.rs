//! Filesystem-backend specifics: temp files, cancellation, sweeping, layout.

use std::path::Path;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use portrait_blobs::{open, BlobError, BlobKey, BlobStore, FsBlobStore, Timeouts};

fn key(s: &str) -> BlobKey {
    BlobKey::parse(s).expect("valid key")
}

fn temp_files(root: &Path) -> Vec<String> {
    std::fs::read_dir(root.join(".tmp"))
        .expect("read .tmp")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect()
}

#[tokio::test]
async fn put_leaves_no_temp_file_and_uses_key_layout() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = FsBlobStore::new(dir.path()).expect("open");
    for i in 0..5 {
        store
            .put(
                &key(&format!("photos/{i}/a.jpg")),
                Bytes::from_static(b"jpeg"),
            )
            .await
            .expect("put");
    }
    assert!(temp_files(dir.path()).is_empty());
    let on_disk = std::fs::read(dir.path().join("photos/3/a.jpg")).expect("file at key path");
    assert_eq!(on_disk, b"jpeg");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_put_leaves_nothing_under_the_final_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = FsBlobStore::new(dir.path()).expect("open");
    let k = key("big/blob.bin");
    let data = Bytes::from(vec![7u8; 256 * 1024 * 1024]);

    // Start the put, let it run for a moment, then drop its future.
    {
        let put = store.put(&k, data.clone());
        let _ = tokio::time::timeout(Duration::from_millis(5), put).await;
    }
    // The abandoned write stops and removes its temp file.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !temp_files(dir.path()).is_empty() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "temp file never removed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!dir.path().join("big/blob.bin").exists());
    assert_eq!(store.get(&k).await.expect("get"), None);
    assert!(store.list("").await.expect("list").is_empty());

    // A later put of the same key works.
    store
        .put(&k, Bytes::from_static(b"small"))
        .await
        .expect("put");
    assert_eq!(
        store.get(&k).await.expect("get"),
        Some(Bytes::from_static(b"small"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_overwrite_keeps_the_old_blob_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = FsBlobStore::new(dir.path()).expect("open");
    let k = key("x");
    store
        .put(&k, Bytes::from_static(b"old"))
        .await
        .expect("put");
    let big = Bytes::from(vec![1u8; 128 * 1024 * 1024]);
    let _ = tokio::time::timeout(Duration::from_millis(5), store.put(&k, big.clone())).await;
    // Whatever moment we look at, the blob is the old one or the whole new one.
    for _ in 0..50 {
        let got = store.get(&k).await.expect("get").expect("present");
        assert!(
            got == b"old"[..] || got == big,
            "partial blob of {}",
            got.len()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn timeout_is_unavailable_and_cleans_up() {
    let dir = tempfile::tempdir().expect("tempdir");
    let timeouts = Timeouts {
        request: Duration::from_millis(1),
        ..Timeouts::default()
    };
    let store = FsBlobStore::with_timeouts(dir.path(), &timeouts).expect("open");
    let err = store
        .put(&key("slow"), Bytes::from(vec![0u8; 256 * 1024 * 1024]))
        .await
        .expect_err("1 ms is too short for 256 MiB");
    assert!(matches!(err, BlobError::Unavailable(_)), "{err}");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !temp_files(dir.path()).is_empty() {
        assert!(std::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!dir.path().join("slow").exists());
}

#[tokio::test]
async fn stale_temp_files_are_swept() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = FsBlobStore::new(dir.path()).expect("open");
    let tmp = dir.path().join(".tmp");
    let old = tmp.join("put-crashed.part");
    let fresh = tmp.join("put-inflight.part");
    std::fs::write(&old, b"half a jpe").expect("write");
    std::fs::write(&fresh, b"in flight").expect("write");
    let two_hours_ago = SystemTime::now() - Duration::from_secs(2 * 3600);
    std::fs::File::options()
        .write(true)
        .open(&old)
        .expect("open")
        .set_modified(two_hours_ago)
        .expect("set mtime");

    // Temp files never show up as blobs.
    assert!(store.list("").await.expect("list").is_empty());

    assert_eq!(
        store
            .sweep_temp(Duration::from_secs(3600))
            .await
            .expect("sweep"),
        1
    );
    assert!(!old.exists());
    assert!(fresh.exists());

    // Opening a store sweeps too.
    std::fs::File::options()
        .write(true)
        .open(&fresh)
        .expect("open")
        .set_modified(two_hours_ago)
        .expect("set mtime");
    drop(FsBlobStore::new(dir.path()).expect("reopen"));
    assert!(!fresh.exists());
}

#[tokio::test]
async fn list_ignores_foreign_files_and_reports_mtime() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = FsBlobStore::new(dir.path()).expect("open");
    std::fs::create_dir_all(dir.path().join("p/Upper")).expect("mkdir");
    std::fs::write(dir.path().join("p/Upper/x"), b"1").expect("write");
    std::fs::write(dir.path().join("p/.hidden"), b"1").expect("write");
    std::fs::write(dir.path().join("p/has space"), b"1").expect("write");
    store
        .put(&key("p/ok"), Bytes::from_static(b"12"))
        .await
        .expect("put");
    let listed = store.list("p/").await.expect("list");
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].key.as_str(), "p/ok");
    assert_eq!(listed[0].size, 2);
    let mtime = std::fs::metadata(dir.path().join("p/ok"))
        .expect("stat")
        .modified()
        .expect("mtime");
    assert_eq!(
        listed[0].last_modified,
        chrono::DateTime::<chrono::Utc>::from(mtime)
    );
}

#[tokio::test]
async fn delete_prunes_empty_directories() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = FsBlobStore::new(dir.path()).expect("open");
    store
        .put(&key("a/b/c/d"), Bytes::from_static(b"1"))
        .await
        .expect("put");
    store
        .put(&key("a/keep"), Bytes::from_static(b"1"))
        .await
        .expect("put");
    store.delete(&key("a/b/c/d")).await.expect("delete");
    assert!(!dir.path().join("a/b").exists());
    assert!(dir.path().join("a/keep").exists());
    store.delete(&key("a/keep")).await.expect("delete");
    assert!(!dir.path().join("a").exists());
    assert!(dir.path().join(".tmp").is_dir(), "root and .tmp stay");
}

#[tokio::test]
async fn key_conflicting_with_a_directory_is_other() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = FsBlobStore::new(dir.path()).expect("open");
    store
        .put(&key("a/b"), Bytes::from_static(b"1"))
        .await
        .expect("put");
    let err = store
        .put(&key("a"), Bytes::from_static(b"2"))
        .await
        .expect_err("a is a directory");
    assert!(matches!(err, BlobError::Other(_)), "{err}");
    let err = store
        .put(&key("a/b/c"), Bytes::from_static(b"3"))
        .await
        .expect_err("a/b is a file");
    assert!(matches!(err, BlobError::Other(_)), "{err}");
    assert!(temp_files(dir.path()).is_empty());
}

#[tokio::test]
async fn ping_fails_when_root_vanishes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("store");
    let store = FsBlobStore::new(&root).expect("open");
    store.ping().await.expect("ping");
    std::fs::remove_dir_all(&root).expect("rm");
    let err = store.ping().await.expect_err("root gone");
    assert!(err.is_unavailable(), "{err}");
    let err = store
        .put(&key("x"), Bytes::from_static(b"1"))
        .await
        .expect_err("root gone");
    assert!(err.is_unavailable(), "{err}");
}

#[tokio::test]
async fn open_file_urls() {
    let dir = tempfile::tempdir().expect("tempdir");
    let abs = dir.path().join("abs");
    let url = format!("file://{}", abs.display());
    let store = open(&url, &Timeouts::default()).expect("open absolute");
    store
        .put(&key("k"), Bytes::from_static(b"v"))
        .await
        .expect("put");
    assert!(abs.join("k").is_file());

    // file://relative/path is relative to the working directory.
    let cwd = std::env::current_dir().expect("cwd");
    let rel = tempfile::tempdir_in(&cwd).expect("tempdir in cwd");
    let name = rel
        .path()
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    let store = open(&format!("file://{name}/sub"), &Timeouts::default()).expect("open relative");
    store
        .put(&key("k"), Bytes::from_static(b"v"))
        .await
        .expect("put");
    assert!(rel.path().join("sub/k").is_file());
}
