//! Databases made by releases whose SQLite driver was sqlx open and upgrade under today's
//! migration runner. `fixtures/legacy-sqlx.db` was written by such a release: migrated, the
//! demo imported, a token created for Grace (11), a photo set for Ada (10).

use chrono::{DateTime, SecondsFormat, Utc};
use portrait_store::testing::{scratch_sqlite, ScratchDatabase};
use portrait_store::*;

use crate::helpers::{ada, filter, ids, raw_connection, sqlite_path, viewer};

const LEGACY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/legacy-sqlx.db");
const LEGACY_TOKEN: &str = "legacy-token-of-grace";

fn legacy_photo() -> PhotoId {
    PhotoId::parse(&"ab".repeat(32)).unwrap()
}

/// A copy of the legacy file in a scratch directory: the committed one is never written.
fn legacy_copy() -> ScratchDatabase {
    let db = scratch_sqlite();
    std::fs::copy(LEGACY, sqlite_path(&db)).unwrap();
    db
}

async fn connect(db: &ScratchDatabase) -> SqliteStore {
    SqliteStore::connect(&db.url, &ConnectOptions::default())
        .await
        .unwrap()
}

/// Everything about the file that a migration could change: its version, its schema, and the
/// number of rows of every table.
fn shape(db: &ScratchDatabase) -> (i64, Vec<(String, String, i64)>) {
    let conn = raw_connection(db);
    let version = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    let mut statement = conn
        .prepare("SELECT type, name, coalesce(sql, '') FROM sqlite_master ORDER BY type, name")
        .unwrap();
    let objects: Vec<(String, String, String)> = statement
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let shape = objects
        .into_iter()
        .map(|(kind, name, sql)| {
            let rows = if kind == "table" {
                conn.query_row(&format!("SELECT COUNT(*) FROM \"{name}\""), [], |r| {
                    r.get(0)
                })
                .unwrap()
            } else {
                -1
            };
            (name, sql, rows)
        })
        .collect();
    (version, shape)
}

#[tokio::test]
async fn a_database_migrated_by_sqlx_upgrades_without_reapplying_anything() {
    let db = legacy_copy();
    let (before_version, before) = shape(&db);
    assert_eq!(before_version, 0, "sqlx never set user_version");
    assert!(before.iter().any(|(name, ..)| name == "_sqlx_migrations"));

    let store = connect(&db).await;
    store
        .migrate()
        .await
        .expect("the sqlx history is recognised");
    let (version, after) = shape(&db);
    assert_eq!(
        version, 3,
        "sqlx's one migration adopted, then the later ones applied"
    );
    let rows = |objects: &[(String, String, i64)]| -> Vec<(String, i64)> {
        objects
            .iter()
            .map(|(name, _, rows)| (name.clone(), *rows))
            .collect()
    };
    assert_eq!(
        rows(&after),
        rows(&before),
        "the upgrade lost or added rows, or objects"
    );

    // What the old release wrote reads back.
    let grace = store
        .authenticate(&PlainToken::new(LEGACY_TOKEN).hash())
        .await
        .unwrap();
    assert_eq!(grace, Some(viewer(11, 1, Some(Permission::ProjectLead))));
    let page = store.find_users(&filter(ada())).await.unwrap();
    assert_eq!(ids(&page), vec![10, 11, 12, 14]);
    assert_eq!(page.users[0].photo_id.0, Some(legacy_photo()));
    let associations = store
        .load_associations(&ada(), &page.users, &Includes::all())
        .await
        .unwrap();
    assert!(!associations.work_samples.is_empty());
    assert!(!associations.custom_field_values.is_empty());
    assert_eq!(
        store.referenced_photos().await.unwrap(),
        [legacy_photo()].into()
    );

    // A second run, by this store or by a fresh one, changes nothing.
    store.migrate().await.unwrap();
    drop(store);
    connect(&db).await.migrate().await.unwrap();
    assert_eq!(shape(&db), (version, after));
}

/// The same schema, however it was reached: sqlx then the adoption, or this runner alone.
#[tokio::test]
async fn an_upgraded_database_has_the_schema_of_a_new_one() {
    let legacy = legacy_copy();
    connect(&legacy).await.migrate().await.unwrap();
    let fresh = scratch_sqlite();
    connect(&fresh).await.migrate().await.unwrap();
    let schema = |db| {
        let (version, objects) = shape(db);
        let objects: Vec<_> = objects
            .into_iter()
            .filter(|(name, ..)| !name.contains("_sqlx_migrations"))
            .map(|(name, sql, _)| (name, sql))
            .collect();
        (version, objects)
    };
    assert_eq!(schema(&legacy), schema(&fresh));
}

#[tokio::test]
async fn a_sqlx_history_that_is_not_ours_is_refused() {
    for (tamper, expected) in [
        (
            "UPDATE _sqlx_migrations SET checksum = x'00'",
            "text differs",
        ),
        (
            "UPDATE _sqlx_migrations SET success = FALSE",
            "did not complete",
        ),
        (future_history().as_str(), "does not know it"),
    ] {
        let db = legacy_copy();
        raw_connection(&db).execute_batch(tamper).unwrap();
        let error = connect(&db).await.migrate().await.expect_err(tamper);
        assert!(
            matches!(&error, StoreError::Migration(m) if m.contains(expected)),
            "{tamper}: {error}"
        );
        assert_eq!(shape(&db).0, 0, "{tamper}: nothing adopted");
    }
}

/// A history in which sqlx applied this release's migrations 1 and 2 and a third one.
fn future_history() -> String {
    use sha2::{Digest, Sha384};
    let known = [
        (
            2,
            include_str!("../../migrations/sqlite/0002_kantata_vocabulary.sql"),
        ),
        (
            3,
            include_str!("../../migrations/sqlite/0003_photo_thumbhash.sql"),
        ),
    ];
    let rows: Vec<String> = known
        .iter()
        .map(|(version, sql)| {
            let checksum = hex::encode(Sha384::digest(sql.as_bytes()));
            format!("({version}, 'known', TRUE, x'{checksum}', 0)")
        })
        .chain([format!("({}, 'future', TRUE, x'00', 0)", known.len() + 2)])
        .collect();
    format!(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES {}",
        rows.join(", ")
    )
}

/// What earlier releases stored in their own vocabulary becomes Kantata's: permissions,
/// custom field levels, and empty headlines (which were how a missing one was stored).
#[tokio::test]
async fn legacy_values_become_kantatas() {
    let db = legacy_copy();
    raw_connection(&db)
        .execute_batch(
            "UPDATE account_memberships SET permission = 'report_viewer' WHERE user_id = 12;
             UPDATE account_memberships SET permission = 'time_approver' WHERE user_id = 13;
             UPDATE custom_fields SET read_access = 'all' WHERE id = 7;
             UPDATE users SET headline = '' WHERE id = 14;",
        )
        .unwrap();
    connect(&db).await.migrate().await.unwrap();

    let conn = raw_connection(&db);
    let column = |sql: &str| -> Vec<(i64, Option<String>)> {
        let mut statement = conn.prepare(sql).unwrap();
        let rows = statement
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap();
        rows.collect::<Result<_, _>>().unwrap()
    };
    let text = |v: &str| Some(v.to_owned());
    assert_eq!(
        column("SELECT user_id, permission FROM account_memberships ORDER BY user_id"),
        vec![
            (10, text("administrator")),
            (11, text("project_lead")),
            (12, text("reports_viewer")),
            (13, text("collaborator")),
            (20, text("administrator")),
        ]
    );
    assert_eq!(
        column("SELECT id, read_access FROM custom_fields ORDER BY id"),
        vec![
            (7, text("account_collaboration")),
            (8, text("account_admin"))
        ]
    );
    let headlines = column("SELECT id, headline FROM users WHERE id IN (10, 14) ORDER BY id");
    assert_eq!(
        headlines,
        vec![(10, text("Head of Engineering")), (14, None)]
    );
    assert!(
        conn.execute(
            "UPDATE custom_fields SET read_access = 'account_administration' WHERE id = 7",
            []
        )
        .is_err(),
        "the old level is no longer allowed"
    );
}

/// sqlx stored timestamps as RFC 3339 text; rusqlite writes the same bytes, and one mapper
/// reads both.
#[tokio::test]
async fn timestamps_keep_the_format_sqlx_wrote() {
    let db = legacy_copy();
    let store = connect(&db).await;
    store.migrate().await.unwrap();
    let text_of = |sql: &str| -> String {
        raw_connection(&db)
            .query_row(sql, [], |r| r.get(0))
            .unwrap()
    };
    let by_sqlx = text_of("SELECT updated_at FROM users WHERE id = 10");

    store
        .replace_photo(UserId(11), Some(&legacy_photo()), None)
        .await
        .unwrap();
    let by_rusqlite = text_of("SELECT updated_at FROM users WHERE id = 11");

    for written in [&by_sqlx, &by_rusqlite] {
        let parsed = DateTime::parse_from_rfc3339(written).unwrap();
        assert_eq!(
            &parsed.to_rfc3339_opts(SecondsFormat::AutoSi, false),
            written,
            "not sqlx's format"
        );
    }
    let page = store.find_users(&filter(ada())).await.unwrap();
    let updated = |id: i64| {
        page.users
            .iter()
            .find(|u| u.id.0 == id)
            .map(|u| u.updated_at)
            .unwrap()
    };
    assert_eq!(updated(10), by_sqlx.parse::<DateTime<Utc>>().unwrap());
    assert_eq!(updated(11), by_rusqlite.parse::<DateTime<Utc>>().unwrap());
    assert!(updated(11) > updated(10));
}
