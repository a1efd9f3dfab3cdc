//! The effective configuration, in layers: the defaults (`Config::default()`, the only home of
//! every number), then a TOML file (`--config FILE` / `PORTRAIT_CONFIG`), then the environment
//! (`PORTRAIT_*`), then flags. figment does the merging; this file only names the sources.

use std::path::Path;

use anyhow::Context;
use figment::providers::{Env, Format, Serialized, Toml};
use figment::value::{Dict, Map, Value};
use figment::{Figment, Metadata, Profile, Provider};
use portrait_api::Config;

/// Environment variables named before the configuration had sections, and where each goes.
/// Any other setting is `PORTRAIT_<SECTION>__<FIELD>` (e.g. `PORTRAIT_PHOTOS__CACHE__TTL`).
const FLAT_NAMES: [(&str, &str); 10] = [
    ("listen", "listen"),
    ("data_dir", "data_dir"),
    ("database_url", "database_url"),
    ("blob_store", "blob_store"),
    ("public_url", "public_url"),
    ("max_upload_bytes", "photos.max_upload_bytes"),
    ("jpeg_quality", "imaging.jpeg_quality"),
    ("rate_limit_per_second", "http.rate_limit.per_second"),
    ("rate_limit_burst", "http.rate_limit.burst"),
    ("photo_cache_bytes", "photos.cache.bytes"),
];

/// The configuration from every layer; `flags` are the command line's, applied last.
pub fn load(file: Option<&Path>, flags: Overlay) -> anyhow::Result<Config> {
    let mut figment = Figment::from(Serialized::defaults(Config::default()));
    if let Some(file) = file {
        anyhow::ensure!(file.is_file(), "config file {} not found", file.display());
        figment = figment.merge(Toml::file_exact(file));
    }
    let config = figment
        .merge(environment())
        .merge(ReshapedEnv)
        .merge(flags)
        .extract()
        .context("invalid configuration")?;
    Ok(config)
}

fn environment() -> Env {
    Env::prefixed("PORTRAIT_").filter_map(|key| {
        let key = key.as_str().to_ascii_lowercase();
        if let Some((_, path)) = FLAT_NAMES.iter().find(|(flat, _)| *flat == key) {
            return Some(path.to_string().into());
        }
        // Only sectioned names: other PORTRAIT_ variables (PORTRAIT_CONFIG, PORTRAIT_DEMO, the
        // test suite's PORTRAIT_TEST_*) are not settings.
        key.contains("__").then(|| key.replace("__", ".").into())
    })
}

/// The two flat variables whose values are written differently from their settings:
/// `PORTRAIT_SQUARE_SIZES=48,96` (a list) and `PORTRAIT_GC_GRACE_SECONDS=3600` (a duration).
struct ReshapedEnv;

impl Provider for ReshapedEnv {
    fn metadata(&self) -> Metadata {
        Metadata::named("PORTRAIT_SQUARE_SIZES / PORTRAIT_GC_GRACE_SECONDS")
    }

    fn data(&self) -> figment::Result<Map<Profile, Dict>> {
        let mut overlay = Overlay::default();
        if let Ok(list) = std::env::var("PORTRAIT_SQUARE_SIZES") {
            let sizes = parse_list(&list).map_err(|_| {
                figment::Error::from("PORTRAIT_SQUARE_SIZES must be numbers separated by commas")
            })?;
            overlay.set("imaging.square_sizes", sizes);
        }
        if let Ok(seconds) = std::env::var("PORTRAIT_GC_GRACE_SECONDS") {
            let seconds: u64 = seconds.trim().parse().map_err(|_| {
                figment::Error::from("PORTRAIT_GC_GRACE_SECONDS must be a whole number")
            })?;
            overlay.set("photos.sweep.grace", format!("{seconds}s"));
        }
        overlay.data()
    }
}

/// `48,96,192` (brackets allowed) as numbers.
fn parse_list(text: &str) -> Result<Vec<u32>, std::num::ParseIntError> {
    text.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split(',')
        .map(|n| n.trim().parse())
        .collect()
}

/// Settings given on the command line, by dotted path (`photos.max_upload_bytes`).
#[derive(Debug, Default)]
pub struct Overlay(Vec<(&'static str, Value)>);

impl Overlay {
    pub fn set(&mut self, path: &'static str, value: impl Into<Value>) {
        self.0.push((path, value.into()));
    }

    pub fn set_some<T: Into<Value>>(&mut self, path: &'static str, value: Option<T>) {
        if let Some(value) = value {
            self.set(path, value);
        }
    }
}

impl Provider for Overlay {
    fn metadata(&self) -> Metadata {
        Metadata::named("command-line flags")
    }

    fn data(&self) -> figment::Result<Map<Profile, Dict>> {
        let mut figment = Figment::new();
        for (path, value) in &self.0 {
            figment = figment.merge(Serialized::default(path, value.clone()));
        }
        figment.data()
    }
}

/// The configuration as TOML, with the database password replaced.
pub fn to_redacted_toml(config: &Config) -> anyhow::Result<String> {
    let mut shown = config.clone();
    shown.database_url = Some(portrait_store::redact_url(&config.database_url()));
    shown.blob_store = Some(portrait_store::redact_url(&config.blob_store_url()));
    Ok(toml::to_string(&shown)?)
}
