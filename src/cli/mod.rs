//! Commands and flags. Every flag also reads its `PORTRAIT_*` environment variable.

mod demo;
mod serve;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use portrait_api::Config;
use portrait_store::{Fixture, MetadataStore, PlainToken, UserId};

#[derive(Debug, Parser)]
#[command(
    name = "portrait",
    version,
    about = "Kantata OX Users API with profile photos"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP server (migrates on start).
    Serve(serve::ServeArgs),
    /// Load a fixture file; running it twice changes nothing.
    Import {
        file: PathBuf,
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Manage bearer tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Create or upgrade the schema, then exit.
    Migrate {
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Delete photo blobs no user points at, once older than the grace period.
    Gc {
        #[command(flatten)]
        storage: StorageArgs,
        /// Only blobs older than this many seconds are deleted.
        #[arg(long, env = "PORTRAIT_GC_GRACE_SECONDS", default_value_t = 3600)]
        grace_seconds: u64,
    },
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Print a new bearer token for a user.
    Create {
        #[arg(long)]
        user: i64,
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Revoke a token (read from standard input when not given, to keep it out of shell history).
    Revoke {
        token: Option<String>,
        #[command(flatten)]
        storage: StorageArgs,
    },
}

/// Where data lives; shared by every command.
#[derive(Debug, Clone, Args)]
pub struct StorageArgs {
    #[arg(long, env = "PORTRAIT_DATA_DIR", default_value = "./data")]
    data_dir: PathBuf,
    /// Default: sqlite://<data-dir>/portrait.db
    #[arg(long, env = "PORTRAIT_DATABASE_URL")]
    database_url: Option<String>,
    /// Default: file://<data-dir>/blobs
    #[arg(long, env = "PORTRAIT_BLOB_STORE")]
    blob_store: Option<String>,
}

impl StorageArgs {
    fn config(&self, listen: SocketAddr) -> Config {
        let mut config = Config::for_data_dir(&self.data_dir);
        config.listen = listen;
        if let Some(url) = &self.database_url {
            config.database_url = url.clone();
        }
        if let Some(url) = &self.blob_store {
            config.blob_store_url = url.clone();
        }
        config
    }

    async fn open_store(&self) -> anyhow::Result<std::sync::Arc<dyn MetadataStore>> {
        let config = self.config(SocketAddr::from(([127, 0, 0, 1], 0)));
        let store = portrait_store::open(&config.database_url, &config.store)
            .await
            .with_context(|| {
                format!(
                    "opening {}",
                    portrait_store::redact_url(&config.database_url)
                )
            })?;
        store.migrate().await?;
        Ok(store)
    }
}

impl Cli {
    pub async fn run(self) -> anyhow::Result<()> {
        match self.command {
            Command::Serve(args) => serve::run(args).await,
            Command::Import { file, storage } => {
                let text = std::fs::read_to_string(&file)
                    .with_context(|| format!("reading {}", file.display()))?;
                let fixture = Fixture::from_json(&text)?;
                let report = storage.open_store().await?.import(&fixture).await?;
                println!(
                    "imported {} accounts, {} users, {} tokens and {} other rows from {}",
                    report.accounts,
                    report.users,
                    report.tokens,
                    report.other_rows,
                    file.display()
                );
                Ok(())
            }
            Command::Token {
                command: TokenCommand::Create { user, storage },
            } => {
                let token = PlainToken::generate();
                storage
                    .open_store()
                    .await?
                    .create_token(UserId(user), &token.hash())
                    .await?;
                println!("{}", token.expose());
                Ok(())
            }
            Command::Token {
                command: TokenCommand::Revoke { token, storage },
            } => {
                let token = match token {
                    Some(token) => token,
                    None => std::io::read_to_string(std::io::stdin())?.trim().to_owned(),
                };
                let revoked = storage
                    .open_store()
                    .await?
                    .revoke_token(&PlainToken::new(token).hash())
                    .await?;
                anyhow::ensure!(revoked, "no live token matches");
                println!("revoked");
                Ok(())
            }
            Command::Migrate { storage } => {
                storage.open_store().await?;
                println!("schema is up to date");
                Ok(())
            }
            Command::Gc {
                storage,
                grace_seconds,
            } => {
                let config = storage.config(SocketAddr::from(([127, 0, 0, 1], 0)));
                let store = storage.open_store().await?;
                let blobs = portrait_blobs::open(&config.blob_store_url, &config.blobs)?;
                let report = portrait_api::photos::gc::sweep(
                    store.as_ref(),
                    blobs.as_ref(),
                    Duration::from_secs(grace_seconds),
                )
                .await?;
                println!(
                    "examined {} blobs: deleted {}, kept {} younger than the grace period",
                    report.blobs_seen, report.deleted, report.kept_young
                );
                Ok(())
            }
        }
    }
}
