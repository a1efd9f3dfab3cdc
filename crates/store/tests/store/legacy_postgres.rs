//! A PostgreSQL database at the first schema, holding what earlier releases wrote in their own
//! vocabulary, upgrades to Kantata's.

use portrait_store::testing::scratch_postgres;
use portrait_store::*;
use sqlx::Row;

const FIRST: &str = include_str!("../../migrations/postgres/0001_init.sql");

#[tokio::test]
async fn legacy_values_become_kantatas() {
    let Some(db) = scratch_postgres().await else {
        return;
    };
    // sqlx's migrator run over a directory holding only the first migration: the database
    // exactly as the release before this one left it.
    let first_only = tempfile::tempdir().unwrap();
    std::fs::write(first_only.path().join("0001_init.sql"), FIRST).unwrap();
    let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
    sqlx::migrate::Migrator::new(first_only.path())
        .await
        .unwrap()
        .run(&pool)
        .await
        .unwrap();
    sqlx::raw_sql(
        "INSERT INTO accounts VALUES (1, 'Acme', now(), now());
         INSERT INTO users (id, account_id, full_name, email_address, created_at, updated_at)
             VALUES (10, 1, 'Ada', 'ada@acme.test', now(), now());
         INSERT INTO users (id, account_id, full_name, email_address, headline, created_at,
                            updated_at)
             VALUES (11, 1, 'Grace', 'grace@acme.test', 'Engineer', now(), now());
         INSERT INTO account_memberships VALUES (1, 1, 10, 'report_viewer', now(), now()),
                                                (2, 1, 11, 'time_approver', now(), now());
         INSERT INTO custom_fields VALUES (7, 1, 'Shirt', 'string', 'all', now(), now()),
                                          (8, 1, 'Pay', 'string', 'account_administration',
                                           now(), now());",
    )
    .execute(&pool)
    .await
    .unwrap();

    let store = open(&db.url, &ConnectOptions::default()).await.unwrap();
    store.migrate().await.unwrap();

    let pairs = |sql: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query(sql)
                .fetch_all(&pool)
                .await
                .unwrap()
                .iter()
                .map(|r| (r.get::<i64, _>(0), r.get::<Option<String>, _>(1)))
                .collect::<Vec<_>>()
        }
    };
    let text = |v: &str| Some(v.to_owned());
    assert_eq!(
        pairs("SELECT user_id, permission FROM account_memberships ORDER BY user_id").await,
        vec![(10, text("reports_viewer")), (11, text("collaborator"))]
    );
    assert_eq!(
        pairs("SELECT id, read_access FROM custom_fields ORDER BY id").await,
        vec![
            (7, text("account_collaboration")),
            (8, text("account_admin"))
        ]
    );
    assert_eq!(
        pairs("SELECT id, headline FROM users ORDER BY id").await,
        vec![(10, None), (11, text("Engineer"))],
        "the '' a missing headline was stored as is NULL now"
    );
    let old_level = sqlx::query("UPDATE custom_fields SET read_access = 'all' WHERE id = 7")
        .execute(&pool)
        .await;
    assert!(old_level.is_err(), "the old level is no longer allowed");
}
