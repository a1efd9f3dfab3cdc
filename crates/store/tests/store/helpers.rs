//! What the test modules share: fresh stores, and the demo fixture's cast.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use portrait_store::testing::{scratch_databases, scratch_sqlite, ScratchDatabase};
use portrait_store::*;

/// Ada (user 10) administers account 1 of the demo.
pub fn ada() -> Principal {
    viewer(10, 1, Some(Permission::Administrator))
}

pub async fn each_store() -> Vec<(&'static str, Arc<dyn MetadataStore>)> {
    let mut stores = Vec::new();
    for db in scratch_databases().await {
        let store = open(&db.url, &ConnectOptions::default())
            .await
            .expect("open store");
        store.migrate().await.expect("migrate");
        // The scratch database must outlive the test; leaking its guard is fine in a test.
        let backend = db.backend;
        std::mem::forget(db);
        stores.push((backend, store));
    }
    stores
}

pub async fn demo_store() -> Vec<(&'static str, Arc<dyn MetadataStore>)> {
    let stores = each_store().await;
    let demo = Fixture::from_json(fixture::DEMO).expect("demo parses");
    for (_, store) in &stores {
        store.import(&demo).await.expect("demo imports");
    }
    stores
}

pub fn viewer(user: i64, account: i64, permission: Option<Permission>) -> Principal {
    Principal {
        user_id: UserId(user),
        account_id: account,
        permission,
    }
}

pub fn filter(viewer: Principal) -> UserFilter {
    UserFilter {
        viewer,
        ids: None,
        on_my_account: false,
        include_disabled: false,
        matching: Default::default(),
        order: Order::Id,
        page: Page {
            offset: 0,
            limit: 20,
        },
    }
}

pub fn ids(page: &UserPage) -> Vec<i64> {
    page.users.iter().map(|u| u.id.0).collect()
}

/// A SQLite store on its own, without the deadline wrapper `open` adds, so a test sees what
/// the store itself does when time runs out; with the demo imported.
pub async fn sqlite_demo(timeout: Duration) -> (ScratchDatabase, SqliteStore) {
    let db = scratch_sqlite();
    let options = ConnectOptions {
        timeout,
        ..ConnectOptions::default()
    };
    let store = SqliteStore::connect(&db.url, &options).await.expect("open");
    store.migrate().await.expect("migrate");
    let demo = Fixture::from_json(fixture::DEMO).expect("demo parses");
    store.import(&demo).await.expect("demo imports");
    (db, store)
}

/// The file behind a `sqlite://` scratch URL.
pub fn sqlite_path(db: &ScratchDatabase) -> PathBuf {
    PathBuf::from(db.url.trim_start_matches("sqlite://"))
}

/// A connection of the test's own, beside the store's.
pub fn raw_connection(db: &ScratchDatabase) -> rusqlite::Connection {
    rusqlite::Connection::open(sqlite_path(db)).expect("open the file directly")
}
