//! Filesystem backend.
//!
//! Layout: the blob with key `a/b/c.jpg` lives at `<root>/a/b/c.jpg`.
//! `<root>/.tmp/` holds in-flight writes (keys never start with `.`, so it can
//! not collide with a blob).
//!
//! Atomicity of [`FsBlobStore::put`]: the bytes are written to a fresh temp
//! file in `<root>/.tmp/` (same filesystem as the final location), flushed
//! with `fsync`, renamed over the final path (`rename(2)` is atomic), and the
//! parent directory is then fsynced so the rename itself is durable. A reader
//! therefore sees the old blob, nothing, or the whole new blob, never a
//! partial one. If the `put` future is dropped (or times out) before the
//! rename, the write is abandoned and its temp file removed; after a process
//! crash a temp file may stay behind: [`FsBlobStore::sweep_temp`] removes temp
//! files older than a given age, and opening a store sweeps those older than
//! [`STALE_TEMP_AGE`] (one hour, far longer than any write takes).
//!
//! Deleting a blob also removes the directories it leaves empty (up to, not
//! including, the root); `put` retries if such a prune races with it.
//!
//! Every operation runs on the blocking thread pool and is bounded by
//! [`Timeouts::request`]; IO errors map to [`BlobError::Unavailable`], except
//! a key that conflicts with a directory (`a` when `a/b` exists, or the
//! reverse), which maps to [`BlobError::Other`].

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use chrono::{DateTime, Utc};

use crate::{filter_and_sort, BlobError, BlobKey, BlobMeta, BlobStore, Timeouts};

/// Name of the directory under the root that holds in-flight writes.
pub const TEMP_DIR: &str = ".tmp";

/// Temp files older than this are swept when a store is opened.
pub const STALE_TEMP_AGE: Duration = Duration::from_secs(60 * 60);

/// Size of the chunks `put` writes; the write is abandoned between chunks once
/// the caller has gone away.
const WRITE_CHUNK: usize = 256 * 1024;

/// How often `put` retries when a concurrent `delete` pruned the directory it
/// was about to rename into.
const PUT_ATTEMPTS: usize = 5;

/// A [`BlobStore`] in a local directory. See the module docs for guarantees.
#[derive(Debug, Clone)]
pub struct FsBlobStore {
    root: PathBuf,
    tmp: PathBuf,
    timeout: Duration,
}

impl FsBlobStore {
    /// Opens (creating if needed) a store rooted at `root`, with default
    /// [`Timeouts`]. Sweeps temp files older than [`STALE_TEMP_AGE`].
    pub fn new(root: impl Into<PathBuf>) -> Result<Self, BlobError> {
        Self::with_timeouts(root, &Timeouts::default())
    }

    /// Like [`FsBlobStore::new`], with each operation bounded by
    /// `timeouts.request`.
    pub fn with_timeouts(root: impl Into<PathBuf>, timeouts: &Timeouts) -> Result<Self, BlobError> {
        let root = root.into();
        let tmp = root.join(TEMP_DIR);
        std::fs::create_dir_all(&tmp).map_err(|e| io_error("create", &tmp, e))?;
        let store = Self {
            root,
            tmp,
            timeout: timeouts.request,
        };
        sweep_blocking(&store.tmp, STALE_TEMP_AGE)?;
        Ok(store)
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Removes temp files (left by crashed writes) last modified more than
    /// `older_than` ago; returns how many were removed. Pass a duration well
    /// above the longest write, e.g. [`STALE_TEMP_AGE`], or in-flight writes
    /// fail.
    pub async fn sweep_temp(&self, older_than: Duration) -> Result<usize, BlobError> {
        let tmp = self.tmp.clone();
        self.blocking("sweep", move || sweep_blocking(&tmp, older_than))
            .await
    }

    fn path_of(&self, key: &BlobKey) -> PathBuf {
        // BlobKey guarantees relative, '/'-separated, no '.'-segments.
        self.root.join(key.as_str())
    }

    /// Runs `f` on the blocking pool, bounded by the request timeout.
    async fn blocking<T, F>(&self, op: &'static str, f: F) -> Result<T, BlobError>
    where
        T: Send + 'static,
        F: FnOnce() -> Result<T, BlobError> + Send + 'static,
    {
        match tokio::time::timeout(self.timeout, tokio::task::spawn_blocking(f)).await {
            Ok(Ok(result)) => result,
            Ok(Err(join)) => Err(BlobError::Other(format!(
                "filesystem {op} task failed: {join}"
            ))),
            Err(_) => Err(BlobError::Unavailable(format!(
                "filesystem {op} timed out after {:?}",
                self.timeout
            ))),
        }
    }
}

/// Sets its flag when dropped: tells the blocking half of a `put` that nobody
/// waits for it any more.
struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[async_trait::async_trait]
impl BlobStore for FsBlobStore {
    async fn put(&self, key: &BlobKey, bytes: Bytes) -> Result<(), BlobError> {
        let cancelled = Arc::new(AtomicBool::new(false));
        let _guard = CancelOnDrop(cancelled.clone());
        let root = self.root.clone();
        let tmp = self.tmp.clone();
        let target = self.path_of(key);
        self.blocking("put", move || {
            put_blocking(&root, &tmp, &target, &bytes, &cancelled)
        })
        .await
    }

    async fn get(&self, key: &BlobKey) -> Result<Option<Bytes>, BlobError> {
        let path = self.path_of(key);
        self.blocking("get", move || match std::fs::read(&path) {
            Ok(data) => Ok(Some(Bytes::from(data))),
            Err(e) if is_absent(&e) => Ok(None),
            Err(e) => Err(io_error("read", &path, e)),
        })
        .await
    }

    async fn delete(&self, key: &BlobKey) -> Result<(), BlobError> {
        let root = self.root.clone();
        let path = self.path_of(key);
        self.blocking("delete", move || delete_blocking(&root, &path))
            .await
    }

    async fn list(&self, prefix: &str) -> Result<Vec<BlobMeta>, BlobError> {
        // Start the walk at the deepest directory named by the prefix. If that
        // part is not itself a valid key, no valid key can start with it.
        let (start_rel, start_key) = match prefix.rfind('/') {
            None => (PathBuf::new(), String::new()),
            Some(i) => match BlobKey::parse(&prefix[..i]) {
                Ok(dir) => (PathBuf::from(dir.as_str()), format!("{}/", dir.as_str())),
                Err(_) => return Ok(Vec::new()),
            },
        };
        let start = self.root.join(start_rel);
        let prefix = prefix.to_owned();
        self.blocking("list", move || {
            let mut out = Vec::new();
            walk(&start, &start_key, &mut out)?;
            Ok(filter_and_sort(out, &prefix))
        })
        .await
    }

    async fn ping(&self) -> Result<(), BlobError> {
        let root = self.root.clone();
        let tmp = self.tmp.clone();
        self.blocking("ping", move || {
            for dir in [&root, &tmp] {
                let meta = std::fs::metadata(dir).map_err(|e| io_error("stat", dir, e))?;
                if !meta.is_dir() {
                    return Err(BlobError::Unavailable(format!(
                        "{} is not a directory",
                        dir.display()
                    )));
                }
            }
            Ok(())
        })
        .await
    }
}

fn put_blocking(
    root: &Path,
    tmp_dir: &Path,
    target: &Path,
    bytes: &[u8],
    cancelled: &AtomicBool,
) -> Result<(), BlobError> {
    let abandoned = || BlobError::Other("put abandoned by its caller".into());
    // NamedTempFile deletes the file when dropped, i.e. on every early return.
    let mut tmp = tempfile::Builder::new()
        .prefix("put-")
        .suffix(".part")
        .tempfile_in(tmp_dir)
        .map_err(|e| io_error("create temp file in", tmp_dir, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(|e| io_error("chmod", tmp.path(), e))?;
    }
    for chunk in bytes.chunks(WRITE_CHUNK) {
        if cancelled.load(Ordering::SeqCst) {
            return Err(abandoned());
        }
        tmp.as_file_mut()
            .write_all(chunk)
            .map_err(|e| io_error("write", tmp.path(), e))?;
    }
    tmp.as_file()
        .sync_all()
        .map_err(|e| io_error("fsync", tmp.path(), e))?;

    let parent = target
        .parent()
        .ok_or_else(|| BlobError::Other(format!("{} has no parent", target.display())))?;
    let mut attempt = 0;
    loop {
        attempt += 1;
        if cancelled.load(Ordering::SeqCst) {
            return Err(abandoned());
        }
        let prepared = ensure_dir(root, parent);
        match prepared {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound && attempt < PUT_ATTEMPTS => continue,
            Err(e) => return Err(io_error("create directory", parent, e)),
        }
        match tmp.persist(target) {
            Ok(_) => break,
            Err(e) if e.error.kind() == io::ErrorKind::NotFound && attempt < PUT_ATTEMPTS => {
                // A concurrent delete pruned the (empty) parent: recreate it.
                tmp = e.file;
            }
            Err(e) => return Err(io_error("rename into", target, e.error)),
        }
    }
    fsync_dir(parent).map_err(|e| io_error("fsync", parent, e))
}

/// Creates `dir` (under `root`) if missing; when it had to be created, fsyncs
/// every ancestor up to the root so the new entries are durable.
fn ensure_dir(root: &Path, dir: &Path) -> io::Result<()> {
    if dir == root || dir.is_dir() {
        return Ok(());
    }
    std::fs::create_dir_all(dir)?;
    let mut cur = dir.parent();
    while let Some(d) = cur {
        fsync_dir(d)?;
        if d == root {
            break;
        }
        cur = d.parent();
    }
    Ok(())
}

fn delete_blocking(root: &Path, path: &Path) -> Result<(), BlobError> {
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if is_absent(&e) => return Ok(()),
        Err(e) => return Err(io_error("remove", path, e)),
    }
    let mut dir = path.parent();
    if let Some(parent) = dir {
        match fsync_dir(parent) {
            // A concurrent delete may already have pruned the directory.
            Err(e) if !is_absent(&e) => return Err(io_error("fsync", parent, e)),
            _ => {}
        }
    }
    // Prune directories left empty, stopping at the first non-empty one.
    while let Some(d) = dir {
        if d == root || !d.starts_with(root) || std::fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
    Ok(())
}

/// Collects every regular file under `dir`, whose key prefix is `key_prefix`
/// (empty or ending in '/'). Skips names starting with '.', symlinks, and
/// names that are not valid keys; entries vanishing mid-walk are skipped.
fn walk(dir: &Path, key_prefix: &str, out: &mut Vec<BlobMeta>) -> Result<(), BlobError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if is_absent(&e) => return Ok(()),
        Err(e) => return Err(io_error("read directory", dir, e)),
    };
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) if is_absent(&e) => continue,
            Err(e) => return Err(io_error("read directory", dir, e)),
        };
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if name.starts_with('.') {
            continue;
        }
        let key = format!("{key_prefix}{name}");
        let meta = match entry.metadata() {
            Ok(meta) => meta,
            Err(e) if is_absent(&e) => continue,
            Err(e) => return Err(io_error("stat", &entry.path(), e)),
        };
        if meta.is_dir() {
            walk(&entry.path(), &format!("{key}/"), out)?;
        } else if meta.is_file() {
            let Ok(key) = BlobKey::parse(&key) else {
                tracing::debug!(path = %entry.path().display(), "ignoring file that is not a valid blob key");
                continue;
            };
            let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
            out.push(BlobMeta {
                key,
                size: meta.len(),
                last_modified: DateTime::<Utc>::from(modified),
            });
        }
    }
    Ok(())
}

fn sweep_blocking(tmp_dir: &Path, older_than: Duration) -> Result<usize, BlobError> {
    let now = SystemTime::now();
    let mut removed = 0;
    let entries = std::fs::read_dir(tmp_dir).map_err(|e| io_error("read directory", tmp_dir, e))?;
    for entry in entries.flatten() {
        let Ok(meta) = entry.metadata() else { continue };
        if !meta.is_file() {
            continue;
        }
        let age = meta
            .modified()
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .unwrap_or_default();
        if age > older_than && std::fs::remove_file(entry.path()).is_ok() {
            tracing::info!(path = %entry.path().display(), ?age, "removed stale temp file");
            removed += 1;
        }
    }
    Ok(removed)
}

fn fsync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        std::fs::File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// True when an error means "no blob there": missing file, a directory in
/// the way, or a file where a directory was expected.
fn is_absent(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory | io::ErrorKind::IsADirectory
    )
}

fn io_error(op: &str, path: &Path, e: io::Error) -> BlobError {
    let msg = format!("{op} {}: {e}", path.display());
    match e.kind() {
        io::ErrorKind::NotADirectory
        | io::ErrorKind::IsADirectory
        | io::ErrorKind::DirectoryNotEmpty
        | io::ErrorKind::AlreadyExists => BlobError::Other(format!("key conflict: {msg}")),
        _ => BlobError::Unavailable(msg),
    }
}
