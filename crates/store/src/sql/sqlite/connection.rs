//! SQLite connections as the store opens them, and the deadline that bounds their statements.
//!
//! A rusqlite call is synchronous: once it runs, no tokio timeout can stop it, and a read runs
//! on the runtime thread that asked for it. So each connection carries its own deadline,
//! checked by SQLite itself: a progress handler, installed once when the connection opens,
//! runs every [`PROGRESS_STEPS`] virtual-machine steps and aborts the statement once the
//! deadline has passed (SQLite then reports `SQLITE_INTERRUPT`, which maps to
//! [`StoreError::Unavailable`]). Waiting for a lock is bounded separately by `busy_timeout`,
//! since SQLite does not run the progress handler while it sleeps in its busy handler.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags};

use crate::StoreError;

/// About a few microseconds of work between two looks at the clock: cheap, and far finer than
/// any deadline.
const PROGRESS_STEPS: i32 = 1000;
/// Distinct statement texts kept prepared per connection (id lists of different lengths are
/// different texts).
const STATEMENT_CACHE: usize = 64;

/// When the statements running on one connection must stop. Set before a call and cleared
/// after it by [`Bounded::within`]; read by the progress handler on whichever thread runs the
/// statement, hence an atomic rather than a `Cell`.
#[derive(Debug)]
struct Deadline {
    epoch: Instant,
    /// Nanoseconds after `epoch`; [`Deadline::NONE`] when no call is under way.
    at: AtomicU64,
}

impl Deadline {
    const NONE: u64 = u64::MAX;

    fn new() -> Self {
        Self {
            epoch: Instant::now(),
            at: AtomicU64::new(Self::NONE),
        }
    }

    fn nanos_since_epoch(&self, at: Instant) -> u64 {
        u64::try_from(at.duration_since(self.epoch).as_nanos()).unwrap_or(Self::NONE - 1)
    }

    fn arm(&self, limit: Option<Duration>) {
        let at = match limit {
            Some(limit) => self.nanos_since_epoch(Instant::now() + limit),
            None => Self::NONE,
        };
        self.at.store(at, Ordering::Relaxed);
    }

    fn passed(&self) -> bool {
        let at = self.at.load(Ordering::Relaxed);
        at != Self::NONE && self.nanos_since_epoch(Instant::now()) >= at
    }
}

/// Whether a connection may write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Access {
    /// The store's one writer: creates the file, sets WAL mode, enforces foreign keys.
    Write,
    /// A pooled reader: `query_only`, so a bug on the read path cannot write.
    Read,
}

/// A connection whose statements can be bounded by a deadline.
pub(super) struct Bounded {
    conn: Connection,
    deadline: Arc<Deadline>,
    busy_timeout: Duration,
}

impl std::fmt::Debug for Bounded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bounded").finish_non_exhaustive()
    }
}

impl Bounded {
    pub(super) fn open(
        path: &Path,
        access: Access,
        busy_timeout: Duration,
    ) -> Result<Self, StoreError> {
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if access == Access::Write {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        }
        let conn = Connection::open_with_flags(path, flags).map_err(store_error)?;
        conn.busy_timeout(busy_timeout).map_err(store_error)?;
        match access {
            Access::Write => {
                // WAL is a property of the file: set once here, every reader then reads
                // without waiting for the writer. NORMAL is durable across crashes of
                // portrait, and loses at most the last commits on a power cut.
                let mode: String = conn
                    .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
                    .map_err(store_error)?;
                if !mode.eq_ignore_ascii_case("wal") {
                    return Err(StoreError::Config(format!(
                        "SQLite refused WAL mode for {} (journal mode stays {mode})",
                        path.display()
                    )));
                }
                conn.pragma_update(None, "synchronous", "NORMAL")
                    .map_err(store_error)?;
                conn.pragma_update(None, "foreign_keys", true)
                    .map_err(store_error)?;
            }
            Access::Read => conn
                .pragma_update(None, "query_only", true)
                .map_err(store_error)?,
        }
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        let deadline = Arc::new(Deadline::new());
        let watched = Arc::clone(&deadline);
        conn.progress_handler(PROGRESS_STEPS, Some(move || watched.passed()));
        Ok(Self {
            conn,
            deadline,
            busy_timeout,
        })
    }

    /// Runs `work` with every statement aborted once `limit` (from now) has passed; `None`
    /// for operator commands (migrations, imports) that may legitimately take long.
    pub(super) fn within<T>(
        &mut self,
        limit: Option<Duration>,
        work: impl FnOnce(&mut Connection, &Cutoff<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.deadline.arm(limit);
        let cutoff = Cutoff {
            deadline: &self.deadline,
        };
        let result = work(&mut self.conn, &cutoff);
        self.deadline.arm(None);
        result
    }

    /// Lowers the lock wait of the next statements to what is left of a caller's deadline
    /// (the writer's callers may have waited for the connection already).
    pub(super) fn wait_for_locks_at_most(&self, wait: Duration) -> Result<(), StoreError> {
        self.conn
            .busy_timeout(wait.min(self.busy_timeout))
            .map_err(store_error)
    }

    pub(super) fn restore_lock_wait(&self) -> Result<(), StoreError> {
        self.conn
            .busy_timeout(self.busy_timeout)
            .map_err(store_error)
    }
}

/// The deadline of the call under way, for checks between statements: a statement that waited
/// for a lock may have used up the time without running a single VM step.
pub(super) struct Cutoff<'a> {
    deadline: &'a Deadline,
}

impl Cutoff<'_> {
    pub(super) fn check(&self) -> Result<(), StoreError> {
        if self.deadline.passed() {
            return Err(deadline_passed());
        }
        Ok(())
    }
}

fn deadline_passed() -> StoreError {
    StoreError::Unavailable("SQLite statement cut off at its deadline".to_owned())
}

/// Busy, locked and interrupted (our deadline) all mean "try again later"; anything else is a
/// fault of the database or of portrait.
pub(super) fn store_error(error: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode::{DatabaseBusy, DatabaseLocked, OperationInterrupted};
    match error.sqlite_error_code() {
        Some(OperationInterrupted) => deadline_passed(),
        Some(DatabaseBusy | DatabaseLocked) => StoreError::Unavailable(error.to_string()),
        _ => StoreError::Database(error.to_string()),
    }
}
