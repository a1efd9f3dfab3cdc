//! SQLite calls are synchronous: no tokio timeout can stop one that has started. These tests
//! show the store bounds them itself, so a read never holds its runtime thread, and a write
//! never waits, past the configured timeout.

use std::time::{Duration, Instant};

use portrait_store::*;

use crate::helpers::{ada, filter, raw_connection, sqlite_demo};

const TIMEOUT: Duration = Duration::from_millis(300);
/// Slack for a loaded 2-core machine; a hang would exceed it by far.
const SLACK: Duration = Duration::from_millis(700);

fn work_samples_only() -> Includes {
    Includes {
        work_samples: true,
        ..Includes::default()
    }
}

#[tokio::test]
async fn a_slow_read_is_cut_off_at_its_deadline() {
    let (db, store) = sqlite_demo(TIMEOUT).await;
    let users = store.find_users(&filter(ada())).await.unwrap().users;
    // work_samples becomes a view over an endless recursive CTE: the association query, run
    // through the real read path, would never finish on its own.
    raw_connection(&db)
        .execute_batch(
            "DROP TABLE work_samples;
             CREATE VIEW work_samples AS
               WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n)
               SELECT i AS id, 10 AS user_id, 'endless' AS title, NULL AS description,
                      NULL AS website_url, NULL AS trapped_website_url,
                      NULL AS attachment_id, NULL AS attachment_filename,
                      '2026-01-01T00:00:00+00:00' AS created_at,
                      '2026-01-01T00:00:00+00:00' AS updated_at
               FROM n WHERE i < 0;",
        )
        .unwrap();

    let started = Instant::now();
    let result = store
        .load_associations(&ada(), &users, &work_samples_only())
        .await;
    let took = started.elapsed();
    assert!(
        matches!(result, Err(StoreError::Unavailable(_))),
        "{result:?}"
    );
    assert!(took >= TIMEOUT, "cut off early, after {took:?}");
    assert!(took < TIMEOUT + SLACK, "cut off late, after {took:?}");

    // The connection goes back to the pool with its deadline cleared: the next reads on it
    // (one reader at a time here, so the same connection) run normally.
    for _ in 0..3 {
        assert_eq!(store.find_users(&filter(ada())).await.unwrap().total, 4);
    }
}

#[tokio::test]
async fn a_write_waits_for_another_writer_only_until_busy_timeout() {
    let (db, store) = sqlite_demo(TIMEOUT).await;
    let other = raw_connection(&db);
    other.execute_batch("BEGIN IMMEDIATE").unwrap();

    let started = Instant::now();
    let result = store
        .create_token(UserId(11), &PlainToken::generate().hash())
        .await;
    let took = started.elapsed();
    assert!(
        matches!(result, Err(StoreError::Unavailable(_))),
        "{result:?}"
    );
    assert!(
        took >= TIMEOUT - Duration::from_millis(50),
        "gave up after {took:?}"
    );
    assert!(took < TIMEOUT + SLACK, "gave up late, after {took:?}");

    other.execute_batch("COMMIT").unwrap();
    store
        .create_token(UserId(11), &PlainToken::generate().hash())
        .await
        .expect("the lock is free again");
}

/// `#[tokio::test]` is a current-thread runtime, as each of the server's connection threads
/// runs: a write waiting for SQLite's lock must not stop reads on the same thread.
#[tokio::test]
async fn a_waiting_write_does_not_stall_the_runtime() {
    let (db, store) = sqlite_demo(TIMEOUT).await;
    let other = raw_connection(&db);
    other.execute_batch("BEGIN IMMEDIATE").unwrap();

    let started = Instant::now();
    let write = store.replace_photo(UserId(10), None, None);
    let read = async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let page = store.find_users(&filter(ada())).await;
        (page, started.elapsed())
    };
    let (written, (page, read_after)) = tokio::join!(write, read);
    assert!(
        matches!(written, Err(StoreError::Unavailable(_))),
        "{written:?}"
    );
    assert_eq!(page.unwrap().total, 4);
    assert!(
        read_after < TIMEOUT / 2,
        "the read waited for the write: {read_after:?}"
    );
    other.execute_batch("ROLLBACK").unwrap();
}
