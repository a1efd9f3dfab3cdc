//! Commands and flags. Settings come from `crate::config`'s layers; a flag given here is the
//! top layer.

mod demo;
mod serve;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use portrait_api::Config;
use portrait_photos::Photos;
use portrait_store::{Fixture, MetadataStore, PlainToken, UserId};

use crate::config::{self, Overlay};

#[derive(Debug, Parser)]
#[command(
    name = "portrait",
    version,
    about = "Kantata OX Users API with profile photos"
)]
pub struct Cli {
    /// A TOML configuration file (see the README); the environment and flags override it.
    #[arg(long, global = true, env = "PORTRAIT_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// How log lines on standard error are written: text for people, json (one object per
    /// line) for log collectors.
    #[arg(
        long,
        global = true,
        env = "PORTRAIT_LOG_FORMAT",
        value_enum,
        default_value_t = LogFormat::Text
    )]
    pub log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
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
        /// Only blobs older than this many seconds are deleted (default: photos.sweep.grace).
        #[arg(long)]
        grace_seconds: Option<u64>,
    },
    /// Make the renditions that photos stored before them lack: squares of sizes added to the
    /// ladder later, and WebP siblings (the server also makes each on its first request); and
    /// the ThumbHash placeholders of photos stored before placeholders existed.
    Backfill {
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Print the effective configuration (every layer applied, secrets redacted) as TOML.
    Config(serve::ServeSettings),
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
#[derive(Debug, Clone, Default, Args)]
pub struct StorageArgs {
    /// Default: ./data
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Default: sqlite://<data-dir>/portrait.db
    #[arg(long)]
    database_url: Option<String>,
    /// Default: file://<data-dir>/blobs
    #[arg(long)]
    blob_store: Option<String>,
}

impl StorageArgs {
    fn overlay(&self) -> Overlay {
        let mut flags = Overlay::default();
        let data_dir = self.data_dir.as_ref().map(|d| d.display().to_string());
        flags.set_some("data_dir", data_dir);
        flags.set_some("database_url", self.database_url.clone());
        flags.set_some("blob_store", self.blob_store.clone());
        flags
    }
}

async fn open_store(config: &Config) -> anyhow::Result<Arc<dyn MetadataStore>> {
    let url = config.database_url();
    let store = portrait_store::open(&url, &config.store)
        .await
        .with_context(|| format!("opening {}", portrait_store::redact_url(&url)))?;
    store.migrate().await?;
    Ok(store)
}

/// The photo service over the configured storage, for commands that work on stored photos.
async fn open_photos(config: Config) -> anyhow::Result<Photos> {
    let store = open_store(&config).await?;
    let blobs = portrait_blobs::open(&config.blob_store_url(), &config.blobs)?;
    Ok(Photos::new(store, blobs, config.photos, config.imaging))
}

impl Cli {
    pub async fn run(self) -> anyhow::Result<()> {
        let load = |flags: Overlay| config::load(self.config.as_deref(), flags);
        match self.command {
            Command::Serve(args) => {
                let config = load(args.settings.overlay())?;
                serve::run(config, args.demo).await
            }
            Command::Config(settings) => {
                let config = load(settings.overlay())?;
                print!("{}", config::to_redacted_toml(&config)?);
                Ok(())
            }
            Command::Import { file, storage } => {
                let config = load(storage.overlay())?;
                let text = std::fs::read_to_string(&file)
                    .with_context(|| format!("reading {}", file.display()))?;
                let fixture = Fixture::from_json(&text)?;
                let report = open_store(&config).await?.import(&fixture).await?;
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
                let config = load(storage.overlay())?;
                let token = PlainToken::generate();
                open_store(&config)
                    .await?
                    .create_token(UserId(user), &token.hash())
                    .await?;
                println!("{}", token.expose());
                Ok(())
            }
            Command::Token {
                command: TokenCommand::Revoke { token, storage },
            } => {
                let config = load(storage.overlay())?;
                let token = match token {
                    Some(token) => token,
                    None => std::io::read_to_string(std::io::stdin())?.trim().to_owned(),
                };
                let revoked = open_store(&config)
                    .await?
                    .revoke_token(&PlainToken::new(token).hash())
                    .await?;
                anyhow::ensure!(revoked, "no live token matches");
                println!("revoked");
                Ok(())
            }
            Command::Migrate { storage } => {
                let config = load(storage.overlay())?;
                open_store(&config).await?;
                println!("schema is up to date");
                Ok(())
            }
            Command::Gc {
                storage,
                grace_seconds,
            } => {
                let mut config = load(storage.overlay())?;
                if let Some(seconds) = grace_seconds {
                    config.photos.sweep.grace = Duration::from_secs(seconds);
                }
                let report = open_photos(config).await?.sweep().await?;
                println!(
                    "examined {} blobs: deleted {}, kept {} younger than the grace period",
                    report.blobs_seen, report.deleted, report.kept_young
                );
                Ok(())
            }
            Command::Backfill { storage } => {
                let config = load(storage.overlay())?;
                let report = open_photos(config).await?.backfill().await?;
                println!(
                    "examined {} photos: made {} renditions, {} could not be made (nothing stored to make them from); {} ThumbHash placeholders",
                    report.photos, report.made, report.unmakeable, report.thumbhashes
                );
                Ok(())
            }
        }
    }
}
