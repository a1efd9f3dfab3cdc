//! Backend-agnostic behaviour tests for [`BlobStore`] implementations
//! (feature `testsuite`).
//!
//! Each check takes a store and a key prefix (from [`unique_prefix`]) and only
//! touches keys under that prefix, so checks can run in parallel against one
//! shared bucket and re-runs never collide. Checks panic on failure, like
//! `assert!`. [`CHECKS`] lists them all for table-driven runners.
// Test support: a check fails by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use futures::future::BoxFuture;

use crate::{BlobError, BlobKey, BlobStore};

/// A check: `(store, prefix)`, the prefix ending in '/'.
pub type Check = for<'a> fn(&'a dyn BlobStore, &'a str) -> BoxFuture<'a, ()>;

/// Every check, by name.
pub const CHECKS: &[(&str, Check)] = &[
    ("round_trip", |s, p| Box::pin(round_trip(s, p))),
    ("overwrite", |s, p| Box::pin(overwrite(s, p))),
    ("delete_is_idempotent", |s, p| {
        Box::pin(delete_is_idempotent(s, p))
    }),
    ("absent_get_is_none", |s, p| {
        Box::pin(absent_get_is_none(s, p))
    }),
    ("list_by_prefix_with_sizes", |s, p| {
        Box::pin(list_by_prefix_with_sizes(s, p))
    }),
    ("nested_keys", |s, p| Box::pin(nested_keys(s, p))),
    ("concurrent_puts", |s, p| Box::pin(concurrent_puts(s, p))),
    ("concurrent_overwrites", |s, p| {
        Box::pin(concurrent_overwrites(s, p))
    }),
    ("large_blob", |s, p| Box::pin(large_blob(s, p))),
    ("ping", |s, p| Box::pin(ping(s, p))),
];

/// A prefix no other test run uses: `contract/<name>-<pid>-<time>-<n>/`.
pub fn unique_prefix(name: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name: String = name
        .chars()
        .map(|c| match c {
            'a'..='z' | '0'..='9' | '-' | '_' => c,
            'A'..='Z' => c.to_ascii_lowercase(),
            _ => '-',
        })
        .collect();
    format!("contract/{name}-{}-{nanos}-{n}/", std::process::id())
}

/// `prefix` + `rest` as a key; panics if invalid (test helper).
pub fn key(prefix: &str, rest: &str) -> BlobKey {
    let s = format!("{prefix}{rest}");
    match BlobKey::parse(&s) {
        Ok(k) => k,
        Err(e) => panic!("test key {s:?} invalid: {e}"),
    }
}

fn ok<T>(what: &str, r: Result<T, BlobError>) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("{what} failed: {e}"),
    }
}

/// Deletes every blob under `prefix` (best effort cleanup).
pub async fn cleanup(store: &dyn BlobStore, prefix: &str) {
    if let Ok(metas) = store.list(prefix).await {
        for m in metas {
            let _ = store.delete(&m.key).await;
        }
    }
}

/// Runs every check in [`CHECKS`] sequentially, each under its own prefix.
pub async fn run_all(store: &dyn BlobStore) {
    for (name, check) in CHECKS {
        let prefix = unique_prefix(name);
        check(store, &prefix).await;
        cleanup(store, &prefix).await;
    }
}

pub async fn round_trip(store: &dyn BlobStore, prefix: &str) {
    let k = key(prefix, "photo.jpg");
    let data = Bytes::from_static(b"\xff\xd8\xff\xe0 not really a jpeg \xff\xd9");
    ok("put", store.put(&k, data.clone()).await);
    assert_eq!(ok("get", store.get(&k).await), Some(data));

    let empty = key(prefix, "empty");
    ok("put empty", store.put(&empty, Bytes::new()).await);
    assert_eq!(ok("get empty", store.get(&empty).await), Some(Bytes::new()));
}

pub async fn overwrite(store: &dyn BlobStore, prefix: &str) {
    let k = key(prefix, "x");
    ok(
        "put 1",
        store.put(&k, Bytes::from_static(b"first version")).await,
    );
    ok("put 2", store.put(&k, Bytes::from_static(b"second")).await);
    assert_eq!(
        ok("get", store.get(&k).await),
        Some(Bytes::from_static(b"second"))
    );
    let listed = ok("list", store.list(prefix).await);
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].size, 6);
}

pub async fn delete_is_idempotent(store: &dyn BlobStore, prefix: &str) {
    let k = key(prefix, "gone");
    ok("delete absent", store.delete(&k).await);
    ok("put", store.put(&k, Bytes::from_static(b"data")).await);
    ok("delete", store.delete(&k).await);
    assert_eq!(ok("get", store.get(&k).await), None);
    ok("delete again", store.delete(&k).await);
    assert!(ok("list", store.list(prefix).await).is_empty());
}

pub async fn absent_get_is_none(store: &dyn BlobStore, prefix: &str) {
    assert_eq!(ok("get", store.get(&key(prefix, "nothing")).await), None);
    assert_eq!(
        ok(
            "get nested",
            store.get(&key(prefix, "no/such/dir/file")).await
        ),
        None
    );
    // A "directory" is not a blob.
    ok(
        "put",
        store
            .put(&key(prefix, "d/e"), Bytes::from_static(b"1"))
            .await,
    );
    assert_eq!(ok("get dir", store.get(&key(prefix, "d")).await), None);
    ok("delete dir", store.delete(&key(prefix, "d")).await);
    assert!(ok("get", store.get(&key(prefix, "d/e")).await).is_some());
}

pub async fn list_by_prefix_with_sizes(store: &dyn BlobStore, prefix: &str) {
    let before = chrono::Utc::now() - chrono::Duration::minutes(10);
    let blobs: &[(&str, &[u8])] = &[
        ("a", b"1"),
        ("b/c", b"333"),
        ("bb", b"22"),
        ("b/d/e", b"4444"),
        ("other/x", b""),
    ];
    for (rest, data) in blobs {
        ok(
            "put",
            store
                .put(&key(prefix, rest), Bytes::from_static(data))
                .await,
        );
    }
    let after = chrono::Utc::now() + chrono::Duration::minutes(10);

    let all = ok("list all", store.list(prefix).await);
    let got: Vec<(String, u64)> = all
        .iter()
        .map(|m| (m.key.as_str()[prefix.len()..].to_owned(), m.size))
        .collect();
    let want: Vec<(String, u64)> = [
        ("a", 1),
        ("b/c", 3),
        ("b/d/e", 4),
        ("bb", 2),
        ("other/x", 0),
    ]
    .iter()
    .map(|(k, s)| (k.to_string(), *s))
    .collect();
    assert_eq!(got, want, "list is sorted by key with sizes");
    for m in &all {
        assert!(
            m.last_modified > before && m.last_modified < after,
            "last_modified {} out of range",
            m.last_modified
        );
    }

    let names = |metas: Vec<crate::BlobMeta>| -> Vec<String> {
        metas
            .into_iter()
            .map(|m| m.key.as_str()[prefix.len()..].to_owned())
            .collect()
    };
    // Plain string prefix, not only whole segments.
    assert_eq!(
        names(ok("list b", store.list(&format!("{prefix}b")).await)),
        ["b/c", "b/d/e", "bb"]
    );
    assert_eq!(
        names(ok("list b/", store.list(&format!("{prefix}b/")).await)),
        ["b/c", "b/d/e"]
    );
    assert_eq!(
        names(ok(
            "list b/d/e",
            store.list(&format!("{prefix}b/d/e")).await
        )),
        ["b/d/e"]
    );
    assert!(ok("list none", store.list(&format!("{prefix}zzz")).await).is_empty());
    assert!(ok("list none/", store.list(&format!("{prefix}zzz/")).await).is_empty());
    // Prefixes no valid key can have: nothing, and no error.
    for odd in ["../", "/", "A/", "x//", ".tmp/"] {
        assert!(
            ok("list odd", store.list(&format!("{prefix}{odd}")).await).is_empty(),
            "{odd}"
        );
    }
    // "" lists everything, ours included.
    let everything = ok("list \"\"", store.list("").await);
    for m in &all {
        assert!(everything.contains(m), "{} missing from list(\"\")", m.key);
    }
}

pub async fn nested_keys(store: &dyn BlobStore, prefix: &str) {
    let deep = key(prefix, "photos/123/renditions/large.jpg");
    let sibling = key(prefix, "photos/123/renditions/small.jpg");
    ok(
        "put deep",
        store.put(&deep, Bytes::from_static(b"large")).await,
    );
    ok(
        "put sibling",
        store.put(&sibling, Bytes::from_static(b"small")).await,
    );
    assert_eq!(
        ok("get", store.get(&deep).await),
        Some(Bytes::from_static(b"large"))
    );
    ok("delete deep", store.delete(&deep).await);
    assert_eq!(
        ok("get sibling", store.get(&sibling).await),
        Some(Bytes::from_static(b"small"))
    );
    ok("delete sibling", store.delete(&sibling).await);
    assert!(ok("list", store.list(prefix).await).is_empty());
    // The (possibly pruned) directories can be used again.
    ok(
        "put again",
        store.put(&deep, Bytes::from_static(b"again")).await,
    );
    assert_eq!(
        ok("get again", store.get(&deep).await),
        Some(Bytes::from_static(b"again"))
    );
}

pub async fn concurrent_puts(store: &dyn BlobStore, prefix: &str) {
    const N: usize = 48;
    let puts = (0..N).map(|i| {
        let k = key(prefix, &format!("dir{}/blob-{i:03}", i % 4));
        let data = Bytes::from(format!("blob number {i}").repeat(i + 1));
        async move { store.put(&k, data).await }
    });
    for r in futures::future::join_all(puts).await {
        ok("concurrent put", r);
    }
    let listed = ok("list", store.list(prefix).await);
    assert_eq!(listed.len(), N);
    let gets = (0..N).map(|i| {
        let k = key(prefix, &format!("dir{}/blob-{i:03}", i % 4));
        async move { (i, store.get(&k).await) }
    });
    for (i, r) in futures::future::join_all(gets).await {
        let want = format!("blob number {i}").repeat(i + 1);
        assert_eq!(ok("get", r), Some(Bytes::from(want)));
    }
    // Concurrent deletes and puts in the same directories.
    let mixed = (0..N).map(|i| {
        let k = key(prefix, &format!("dir{}/blob-{i:03}", i % 4));
        async move {
            if i % 2 == 0 {
                store.delete(&k).await
            } else {
                store.put(&k, Bytes::from_static(b"rewritten")).await
            }
        }
    });
    for r in futures::future::join_all(mixed).await {
        ok("concurrent delete/put", r);
    }
    assert_eq!(ok("list", store.list(prefix).await).len(), N / 2);
}

pub async fn concurrent_overwrites(store: &dyn BlobStore, prefix: &str) {
    let k = key(prefix, "contended");
    let versions: Vec<Bytes> = (0..12u8)
        .map(|i| Bytes::from(vec![i; 64 * 1024 + usize::from(i)]))
        .collect();
    let puts = versions.iter().map(|v| store.put(&k, v.clone()));
    for r in futures::future::join_all(puts).await {
        ok("put", r);
    }
    let got = ok("get", store.get(&k).await).expect("present");
    assert!(
        versions.contains(&got),
        "got a blob of {} bytes that is none of the versions written",
        got.len()
    );
}

pub async fn large_blob(store: &dyn BlobStore, prefix: &str) {
    let k = key(prefix, "large.bin");
    let data: Vec<u8> = (0..6 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    let data = Bytes::from(data);
    ok("put", store.put(&k, data.clone()).await);
    let got = ok("get", store.get(&k).await).expect("present");
    assert!(got == data, "large blob differs");
    let listed = ok("list", store.list(prefix).await);
    assert_eq!(listed[0].size, data.len() as u64);
}

pub async fn ping(store: &dyn BlobStore, _prefix: &str) {
    ok("ping", store.ping().await);
}

/// Keys every backend must refuse (checked by [`BlobKey::parse`]).
pub const INVALID_KEYS: &[&str] = &[
    "", "../x", "x/../y", "x/..", "/x", "a//b", "a/", "A", "a b", "a/./b", ".", "..", ".tmp/x",
    "a\\b", "é",
];

/// Asserts that [`INVALID_KEYS`] and over-long keys are rejected.
pub fn invalid_keys_are_rejected() {
    for k in INVALID_KEYS {
        assert!(BlobKey::parse(k).is_err(), "{k:?} accepted");
    }
    assert!(BlobKey::parse(&"a".repeat(300)).is_err());
    assert!(BlobKey::parse(&"a".repeat(257)).is_err());
    assert!(BlobKey::parse(&"a".repeat(256)).is_ok());
}
