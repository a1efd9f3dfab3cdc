use std::str::FromStr;
use std::sync::atomic::AtomicU64;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::{ConnectOptions, StoreError};

type Db = sqlx::Postgres;
type Store = PostgresStore;

const NULL_SAFE_EQ: &str = "IS NOT DISTINCT FROM";

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// PostgreSQL, for several stateless portrait instances sharing one database.
#[derive(Debug)]
pub struct PostgresStore {
    pool: sqlx::PgPool,
    queries: AtomicU64,
}

impl PostgresStore {
    pub async fn connect(url: &str, options: &ConnectOptions) -> Result<Self, StoreError> {
        let connect = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::Config(format!("bad PostgreSQL URL: {e}")))?;
        Self::connect_with(connect, options).await
    }

    async fn connect_with(
        connect: PgConnectOptions,
        options: &ConnectOptions,
    ) -> Result<Self, StoreError> {
        let statement_timeout = options.timeout.as_millis().to_string();
        let connect = connect.options([("statement_timeout", statement_timeout.as_str())]);
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.timeout)
            .connect_with(connect)
            .await?;
        Ok(Self {
            pool,
            queries: AtomicU64::new(0),
        })
    }
}

include!("shared.rs");
