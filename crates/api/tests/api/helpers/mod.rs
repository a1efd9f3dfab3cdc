//! A real portrait server on 127.0.0.1:0 per test, over a fresh database and blob store:
//! SQLite + filesystem always; PostgreSQL (+ S3 when configured) when the environment names
//! them.

pub mod proxy;

use std::path::PathBuf;
use std::sync::Arc;

use portrait_api::config::RateLimit;
use portrait_api::{Application, Config};
use portrait_store::testing::{scratch_postgres, scratch_sqlite, ScratchDatabase};
use portrait_store::{fixture, Fixture, MetadataStore, PlainToken, UserId};
use serde_json::Value;

pub const ADA: i64 = 10; // administrator, account 1
pub const GRACE: i64 = 11; // project lead, account 1
pub const CHARLES: i64 = 12; // collaborator, account 1
pub const ROBOT: i64 = 13; // disabled, account 1
pub const BARBARA: i64 = 14; // no membership, account 1
pub const HANK: i64 = 20; // administrator, account 2

/// Blobs one photo is stored as: every square of the default ladder and the Full image.
/// Blobs an upload writes: every size of the ladder as JPEG and WebP, and the Full JPEG (its
/// WebP is made on its first request).
pub const RENDITIONS_PER_PHOTO: usize = 2 * portrait_imaging::defaults::SQUARE_SIZES.len() + 1;

/// Where a test server keeps its data.
pub struct Backend {
    pub name: String,
    pub database: ScratchDatabase,
    pub blob_url: String,
    _blob_dir: Option<tempfile::TempDir>,
}

impl Backend {
    /// A fresh SQLite database and blob directory.
    pub fn sqlite_fs() -> Self {
        filesystem_backend(scratch_sqlite())
    }

    /// A fresh PostgreSQL schema with a blob directory, when PostgreSQL is configured.
    pub async fn postgres_fs() -> Option<Self> {
        Some(filesystem_backend(scratch_postgres().await?))
    }

    /// A fresh SQLite database with a fresh S3 prefix, when S3 is configured.
    pub fn sqlite_s3() -> Option<Self> {
        Some(Backend {
            name: "sqlite+s3".into(),
            database: scratch_sqlite(),
            blob_url: s3_url()?,
            _blob_dir: None,
        })
    }
}

/// Every backend combination this environment offers.
pub async fn backends() -> Vec<Backend> {
    let mut all = vec![filesystem_backend(scratch_sqlite())];
    if let Some(postgres) = scratch_postgres().await {
        all.push(match s3_url() {
            Some(blob_url) => Backend {
                name: "postgres+s3".into(),
                database: postgres,
                blob_url,
                _blob_dir: None,
            },
            None => filesystem_backend(postgres),
        });
    }
    all
}

impl Backend {
    /// The same database and blob store, for a second server: the original keeps them alive.
    pub fn alias(&self) -> Self {
        Backend {
            name: self.name.clone(),
            database: self.database.alias(),
            blob_url: self.blob_url.clone(),
            _blob_dir: None,
        }
    }
}

fn filesystem_backend(database: ScratchDatabase) -> Backend {
    let dir = tempfile::tempdir().expect("temporary directory");
    Backend {
        name: format!("{}+fs", database.backend),
        blob_url: format!("file://{}", dir.path().display()),
        database,
        _blob_dir: Some(dir),
    }
}

/// A bucket prefix only this server uses, so tests (and the sweep) never see each other's blobs.
fn s3_url() -> Option<String> {
    let endpoint = std::env::var("PORTRAIT_TEST_S3_ENDPOINT").ok()?;
    let bucket =
        std::env::var("PORTRAIT_TEST_S3_BUCKET").unwrap_or_else(|_| "portrait-test".into());
    let prefix = format!("api-{:016x}", rand_u64());
    Some(format!(
        "s3://{bucket}/{prefix}?endpoint={endpoint}&region=garage"
    ))
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .elapsed()
            .map_or(0, |d| d.as_nanos()),
    );
    hasher.finish()
}

pub struct TestApp {
    pub backend: String,
    pub base: String,
    pub client: reqwest::Client,
    pub store: Arc<dyn MetadataStore>,
    pub blobs: Arc<dyn portrait_blobs::BlobStore>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    _backend: Backend,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, |_| {}).await
    }

    /// A server on the demo fixture, with `configure` applied to its configuration.
    pub async fn spawn_with(backend: Backend, configure: impl FnOnce(&mut Config)) -> Self {
        Self::start(backend, configure, true).await
    }

    /// Another server over this one's database and blob store, as a second instance of a
    /// fleet: same data, same tokens.
    pub async fn spawn_beside(&self, configure: impl FnOnce(&mut Config)) -> Self {
        Self::start(self._backend.alias(), configure, false).await
    }

    pub fn database_url(&self) -> &str {
        &self._backend.database.url
    }

    async fn start(backend: Backend, configure: impl FnOnce(&mut Config), seed: bool) -> Self {
        let mut config = Config::for_data_dir(&PathBuf::from("/nonexistent"));
        config.listen = "127.0.0.1:0".parse().expect("address");
        config.database_url = Some(backend.database.url.clone());
        config.blob_store = Some(backend.blob_url.clone());
        config.photos.sweep.interval = std::time::Duration::ZERO;
        // AVIFs are made on request, not by background threads racing the tests' blob counts
        // (and spending seconds of CPU per upload); the background tests turn them on.
        config.photos.background_workers = 0;
        // Tests fire many requests per token; the throttling tests turn it back on.
        config.http.rate_limit = RateLimit::OFF;
        configure(&mut config);
        let application = Application::build(config)
            .await
            .expect("application builds");
        let store = application.state().store.clone();
        let blobs = application.state().photos.blobs().clone();
        if seed {
            store
                .import(&Fixture::from_json(fixture::DEMO).expect("demo fixture"))
                .await
                .expect("demo imports");
            for user in [ADA, GRACE, CHARLES, BARBARA, HANK] {
                store
                    .create_token(UserId(user), &PlainToken::new(token(user)).hash())
                    .await
                    .expect("token");
            }
        }
        let base = application.public_url().to_owned();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(application.run_until_stopped(async {
            let _ = rx.await;
        }));
        Self {
            backend: backend.name.clone(),
            base,
            client: reqwest::Client::new(),
            store,
            blobs,
            shutdown: Some(tx),
            server: Some(server),
            _backend: backend,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str, user: Option<i64>) -> (u16, Value) {
        let mut request = self.client.get(self.url(path));
        if let Some(user) = user {
            request = request.bearer_auth(token(user));
        }
        json_of(request.send().await.expect("request")).await
    }

    /// Uploads `bytes` as the multipart file part.
    pub async fn upload(&self, user: i64, as_user: i64, bytes: Vec<u8>) -> (u16, Value) {
        self.upload_to(
            &format!("/api/v1/users/{user}/profile_photo"),
            as_user,
            bytes,
        )
        .await
    }

    pub async fn upload_to(&self, path: &str, as_user: i64, bytes: Vec<u8>) -> (u16, Value) {
        let response = self
            .upload_request(path, bytes)
            .bearer_auth(token(as_user))
            .send()
            .await
            .expect("upload");
        json_of(response).await
    }

    /// A POST of `bytes` as the multipart file part to `path`, without credentials.
    pub fn upload_request(&self, path: &str, bytes: Vec<u8>) -> reqwest::RequestBuilder {
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name("photo.jpg")
            .mime_str("image/jpeg")
            .expect("mime");
        let form =
            reqwest::multipart::Form::new().part("user[profile_photo_attachment_file]", part);
        self.client.post(self.url(path)).multipart(form)
    }

    /// The user's current photo_path, as `GET /users/{id}` shows it.
    pub async fn photo_path(&self, user: i64) -> String {
        let (status, body) = self
            .get(&format!("/api/v1/users/{user}"), Some(user_viewer(user)))
            .await;
        assert_eq!(status, 200, "{}: {body}", self.backend);
        body["users"][user.to_string()]["photo_path"]
            .as_str()
            .expect("photo_path")
            .to_owned()
    }

    /// Blob keys stored under photos/.
    pub async fn photo_blobs(&self) -> Vec<String> {
        let listed = self.blobs.list("photos/").await.expect("list blobs");
        listed
            .into_iter()
            .map(|b| b.key.as_str().to_owned())
            .collect()
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server
                .await
                .expect("server task")
                .expect("server exits cleanly");
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Someone who can see `user` (the user themself when they have a token, else the admin).
fn user_viewer(user: i64) -> i64 {
    match user {
        ROBOT => ADA,
        other => other,
    }
}

/// The plain token the test server knows for a demo user.
pub fn token(user: i64) -> String {
    format!("test-token-for-user-{user}")
}

pub async fn json_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| Value::String(text))
    };
    (status, body)
}

pub fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/images")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `../shared/corpus` beside the repository, when this machine has it.
pub fn corpus() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    dir.is_dir().then_some(dir)
}

/// The one Kantata error of a response body.
pub fn error_of(body: &Value) -> (&str, &str) {
    let error = &body["errors"][0];
    (
        error["type"].as_str().unwrap_or("<no type>"),
        error["message"].as_str().unwrap_or("<no message>"),
    )
}

/// The ids of a list's `results`, in order.
pub fn ids(body: &Value) -> Vec<&str> {
    body["results"]
        .as_array()
        .map(|r| r.iter().filter_map(|e| e["id"].as_str()).collect())
        .unwrap_or_default()
}
