//! The configuration layers, through the real binary: every setting reaches the effective
//! configuration from a TOML file and from the environment, flags override both, secrets are
//! redacted, the README's example is complete, and a setting from a file changes what the
//! server does.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use portrait_api::config::{HttpLimits, RateLimit};
use portrait_api::Config;
use portrait_blobs::Timeouts;
use portrait_imaging::{Format, Limits, Options};
use portrait_photos::{CacheLimits, PhotoLimits, SweepSchedule};
use portrait_store::ConnectOptions;

use crate::BIN;

/// A configuration in which no setting has its default value.
fn nothing_default() -> Config {
    Config {
        listen: "127.0.0.2:9191".parse().unwrap(),
        data_dir: PathBuf::from("/srv/portrait-data"),
        database_url: Some("postgres://portrait@db.internal:5433/photos".into()),
        blob_store: Some("s3://avatars/prod?endpoint=http://garage:3900&region=garage".into()),
        public_url: Some("https://photos.example.com".into()),
        http: HttpLimits {
            body_read_timeout: Duration::from_secs(7),
            max_page_size: 77,
            readiness_timeout: Duration::from_millis(250),
            rate_limit: RateLimit {
                per_second: 3,
                burst: 9,
            },
            connection_threads: 5,
            metrics_listen: Some("127.0.0.3:9464".parse().unwrap()),
            negotiate_photo_formats: true,
        },
        photos: PhotoLimits {
            max_upload_bytes: 1_234_567,
            workers: 3,
            queue: 11,
            queued_body_bytes: 22_222_222,
            decode_memory_bytes: 99_999_999,
            background_workers: 2,
            background_queue: 9,
            processing_timeout: Duration::from_secs(13),
            cache: CacheLimits {
                bytes: 4_444_444,
                max_item_bytes: 55_555,
                ttl: Duration::from_secs(17),
            },
            sweep: SweepSchedule {
                grace: Duration::from_secs(600),
                interval: Duration::from_secs(120),
            },
        },
        imaging: Options {
            limits: Limits {
                max_pixels: 12_000_000,
                max_side: 9_000,
                max_frames: 7,
                max_aspect_ratio: 6,
                min_side: 3,
            },
            square_sizes: vec![40, 80],
            full_max_side: 1500,
            jpeg_quality: 71,
            webp: false,
            avif: false,
            formats: vec![Format::Jpeg, Format::Png],
            crop: None,
        },
        store: ConnectOptions {
            max_connections: 4,
            timeout: Duration::from_millis(1500),
        },
        blobs: Timeouts {
            request: Duration::from_secs(9),
            connect: Duration::from_millis(300),
        },
    }
}

/// Every setting, by dotted path, with its value as TOML writes it.
fn leaves(config: &Config) -> BTreeMap<String, toml::Value> {
    fn walk(prefix: &str, value: &toml::Value, out: &mut BTreeMap<String, toml::Value>) {
        match value {
            toml::Value::Table(table) => {
                for (key, value) in table {
                    let path = if prefix.is_empty() {
                        key.clone()
                    } else {
                        format!("{prefix}.{key}")
                    };
                    walk(&path, value, out);
                }
            }
            leaf => {
                out.insert(prefix.to_owned(), leaf.clone());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk("", &toml::Value::try_from(config).unwrap(), &mut out);
    out
}

/// `portrait config` with only the given environment (no PORTRAIT_* from the caller).
fn effective(args: &[&str], env: &[(String, String)]) -> Config {
    let mut command = Command::new(BIN);
    command.arg("config").args(args);
    for (name, _) in std::env::vars() {
        if name.starts_with("PORTRAIT_") {
            command.env_remove(name);
        }
    }
    command.envs(env.iter().map(|(k, v)| (k, v)));
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "portrait config {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    toml::from_str(&String::from_utf8(output.stdout).unwrap()).unwrap()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn the_test_configuration_sets_every_setting() {
    let defaults = leaves(&Config::default());
    let set = leaves(&nothing_default());
    // Optional settings are absent from the defaults; everything else must differ.
    for (path, value) in &set {
        assert_ne!(defaults.get(path), Some(value), "{path} is at its default");
    }
    assert!(defaults.keys().all(|path| set.contains_key(path)));
}

#[test]
fn every_setting_comes_from_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let wanted = nothing_default();
    let file = write(dir.path(), "all.toml", &toml::to_string(&wanted).unwrap());
    assert_eq!(effective(&["--config", &file], &[]), wanted);
    // PORTRAIT_CONFIG names it as well as the flag does.
    assert_eq!(
        effective(&[], &[("PORTRAIT_CONFIG".into(), file.clone())]),
        wanted
    );
}

#[test]
fn every_setting_comes_from_the_environment() {
    let wanted = nothing_default();
    let env: Vec<(String, String)> = leaves(&wanted)
        .into_iter()
        .map(|(path, value)| {
            let name = format!("PORTRAIT_{}", path.replace('.', "__").to_uppercase());
            let text = match value {
                toml::Value::String(text) => text,
                other => other.to_string(),
            };
            (name, text)
        })
        .collect();
    assert_eq!(effective(&[], &env), wanted);
}

#[test]
fn flags_override_the_environment_which_overrides_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "some.toml",
        "listen = \"127.0.0.1:7001\"\n[photos]\nmax_upload_bytes = 1000\n[imaging]\njpeg_quality = 50\n",
    );
    let env = [
        ("PORTRAIT_MAX_UPLOAD_BYTES".to_owned(), "2000".to_owned()),
        ("PORTRAIT_IMAGING__JPEG_QUALITY".to_owned(), "60".to_owned()),
    ];
    let config = effective(&["--config", &file, "--jpeg-quality", "70"], &env);
    assert_eq!(
        config.listen,
        "127.0.0.1:7001".parse::<SocketAddr>().unwrap()
    );
    assert_eq!(config.photos.max_upload_bytes, 2000);
    assert_eq!(config.imaging.jpeg_quality, 70);
    // Untouched settings keep their defaults.
    assert_eq!(config.http, HttpLimits::default());
}

#[test]
fn the_flat_environment_names_keep_working() {
    let env: Vec<(String, String)> = [
        ("PORTRAIT_LISTEN", "127.0.0.1:7002"),
        ("PORTRAIT_DATA_DIR", "/var/lib/portrait"),
        ("PORTRAIT_DATABASE_URL", "sqlite:///tmp/p.db"),
        ("PORTRAIT_BLOB_STORE", "file:///tmp/blobs"),
        ("PORTRAIT_PUBLIC_URL", "https://p.example"),
        ("PORTRAIT_MAX_UPLOAD_BYTES", "3000"),
        ("PORTRAIT_JPEG_QUALITY", "66"),
        ("PORTRAIT_SQUARE_SIZES", "32,64,128"),
        ("PORTRAIT_RATE_LIMIT_PER_SECOND", "0"),
        ("PORTRAIT_RATE_LIMIT_BURST", "5"),
        ("PORTRAIT_PHOTO_CACHE_BYTES", "0"),
        ("PORTRAIT_GC_GRACE_SECONDS", "90"),
        // Not settings: ignored, not refused.
        ("PORTRAIT_TEST_DATABASE_URL", "postgres://elsewhere/test"),
        ("PORTRAIT_DEMO", "true"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let config = effective(&[], &env);
    assert_eq!(
        config.listen,
        "127.0.0.1:7002".parse::<SocketAddr>().unwrap()
    );
    assert_eq!(config.data_dir, PathBuf::from("/var/lib/portrait"));
    assert_eq!(config.database_url.as_deref(), Some("sqlite:///tmp/p.db"));
    assert_eq!(config.blob_store.as_deref(), Some("file:///tmp/blobs"));
    assert_eq!(config.public_url.as_deref(), Some("https://p.example"));
    assert_eq!(config.photos.max_upload_bytes, 3000);
    assert_eq!(config.imaging.jpeg_quality, 66);
    assert_eq!(config.imaging.square_sizes, [32, 64, 128]);
    assert_eq!(
        config.http.rate_limit,
        RateLimit {
            per_second: 0,
            burst: 5
        }
    );
    assert_eq!(config.photos.cache.bytes, 0);
    assert_eq!(config.photos.sweep.grace, Duration::from_secs(90));
}

#[test]
fn the_printed_configuration_hides_the_database_password() {
    let env = [(
        "PORTRAIT_DATABASE_URL".to_owned(),
        "postgres://portrait:hunter2-secret@db:5432/portrait".to_owned(),
    )];
    let output = Command::new(BIN)
        .arg("config")
        .env_remove("PORTRAIT_CONFIG")
        .envs(env)
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(output.status.success());
    assert!(!text.contains("hunter2"), "{text}");
    assert!(
        text.contains("postgres://portrait:***@db:5432/portrait"),
        "{text}"
    );
}

#[test]
fn mistakes_in_a_file_are_refused_with_their_place() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "typo.toml", "[photos]\nmax_upload_byte = 5\n");
    let output = Command::new(BIN)
        .args(["config", "--config", &file])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(error.contains("max_upload_byte"), "{error}");
}

#[test]
fn the_example_file_is_complete_and_at_the_defaults() {
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/portrait.example.toml");
    let text = std::fs::read_to_string(example).unwrap();
    for path in leaves(&nothing_default()).keys() {
        let name = path.rsplit('.').next().unwrap();
        assert!(
            text.contains(&format!("\n{name} = ")) || text.contains(&format!("\n# {name} = ")),
            "portrait.example.toml does not mention {path}"
        );
    }
    assert_eq!(effective(&["--config", example], &[]), effective(&[], &[]));
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    assert!(
        readme.contains(text.trim_end()),
        "README.md must show portrait.example.toml as it is"
    );
}

#[tokio::test]
async fn settings_from_a_file_change_what_the_server_does() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "serve.toml",
        &format!(
            "listen = \"127.0.0.1:0\"\ndata_dir = \"{}\"\n[http]\nmax_page_size = 1\n[http.rate_limit]\nper_second = 0\n",
            dir.path().display()
        ),
    );
    let mut child = Command::new(BIN)
        .args(["serve", "--demo", "--config", &file])
        .env_remove("PORTRAIT_DATABASE_URL")
        .env_remove("PORTRAIT_BLOB_STORE")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut token = None;
    let mut base = None;
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        if token.is_none() {
            token = line
                .split("Authorization: Bearer ")
                .nth(1)
                .map(|rest| rest.split('\'').next().unwrap().to_owned());
        }
        if let Some(address) = line.strip_prefix("listening on ") {
            base = Some(address.to_owned());
            break;
        }
    }
    let (base, token) = (base.unwrap(), token.unwrap());
    let page: serde_json::Value = reqwest::Client::new()
        .get(format!("{base}/api/v1/users?per_page=5"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(page["results"].as_array().map(Vec::len), Some(1), "{page}");
    assert_eq!(page["meta"]["page_size"], 1, "{page}");
}
