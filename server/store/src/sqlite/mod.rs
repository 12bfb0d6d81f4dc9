//! The SQLite backend (rusqlite, bundled, WAL): [`SqliteBackend`]. Every rusqlite type and SQL
//! statement of the store is in this module, and where the database and the blobs lie in the
//! data directory (the blob files' own layout is [`crate::LocalBlobStore`]'s).
//!
//! - `migrate`: applies `schema/NNNN_*.sql` in order and records them.
//! - `writer`: the one write connection, on its own thread, committing batches (group commit).
//! - `directory` (domains, aliases), `accounts`, `groups`, `mailboxes`, `mailbox_tree`,
//!   `subscriptions`, `messages` (listing and adding), `filing`, `flags`, `edits` (copy, move,
//!   expunge), `changes` (the log), `queue`, `tls_policy` (MTA-STS cache, TLS-RPT counts), `sort_keys`, `email_meta` (the metadata a batch of
//!   emails at a time, and extracting old layouts again), `gc` (the collector): the operations,
//!   as `impl SqliteBackend` blocks by entity; `backend` implements the [`crate::Backend`]
//!   traits with them.
//! - `access`: whose a mailbox is, for the rights check (`crate::access` decides).
//! - `member_seen`: each member's own `\Seen` in shared accounts, over what the reads list.
//! - `error`: SQLite's errors inside the backend, turned into `StoreError` at its edge.
//! - `watcher`: wakes listeners for commits made by other processes.
//!
//! Reads use a small pool of read-only connections and run on the caller's thread: short indexed
//! lookups as they are, longer ones (a whole mailbox, the change log) after telling the async
//! runtime (`read_long`). Writes go through the writer so that many sessions share one fsync.

mod access;
mod accounts;
mod acl;
mod app_passwords;
mod backend;
mod changes;
mod directory;
mod dkim;
mod edits;
mod email_meta;
mod email_records;
mod error;
mod filing;
mod flags;
mod gc;
mod groups;
mod identities;
mod index_feed;
mod mailbox_tree;
mod mailboxes;
mod member_seen;
mod messages;
mod migrate;
mod queue;
mod readable;
mod send_grants;
mod share_notifications;
mod sieve;
mod sort_keys;
mod submissions;
mod subscriptions;
#[cfg(test)]
mod tests;
mod tls_policy;
mod uploads;
mod vacation;
mod watcher;
mod writer;

use crate::blob::{BlobStore, LocalBlobStore};
use crate::changes::{AccountChanges, ChangeHub};
use crate::header_cache::HeaderCache;
use crate::mailbox_tree::MailboxLimits;
use crate::{Result, StoreError};
use error::{DbError, DbResult};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use writer::WriteCtx;

/// Tuning of the embedded store.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Most write requests committed in one transaction.
    pub max_batch: usize,
    /// Read connections kept open.
    pub read_connections: usize,
    /// Bytes of recently read message headers kept in memory (0: none).
    pub header_cache_bytes: usize,
    /// What an account's mailboxes may grow to.
    pub mailbox_limits: MailboxLimits,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            max_batch: 256,
            read_connections: 8,
            header_cache_bytes: 16 << 20,
            mailbox_limits: MailboxLimits::default(),
        }
    }
}

/// The SQLite backend: one database file and the blobs beside it, shared by every session
/// through the [`crate::Store`] front.
pub struct SqliteBackend {
    db_path: PathBuf,
    readers: Mutex<Vec<Connection>>,
    max_readers: usize,
    writer: writer::WriterHandle,
    blobs: Arc<dyn BlobStore>,
    changes: Arc<ChangeHub>,
    headers: HeaderCache,
    limits: MailboxLimits,
    owners: access::Owners,
}

impl SqliteBackend {
    /// Opens the store under `data_dir` (database `kantor.db`, blobs under `blobs/`), creating it
    /// and applying pending migrations.
    pub fn open(data_dir: &Path, options: StoreOptions) -> Result<SqliteBackend> {
        Self::open_db(data_dir, options).map_err(DbError::into_store)
    }

    fn open_db(data_dir: &Path, options: StoreOptions) -> DbResult<SqliteBackend> {
        std::fs::create_dir_all(data_dir)?;
        let db_path = database_path(data_dir);
        let mut conn = open_connection(&db_path, false)?;
        migrate::apply(&mut conn)?;
        let blobs: Arc<dyn BlobStore> = Arc::new(LocalBlobStore::open(&data_dir.join("blobs"))?);
        let changes = Arc::new(ChangeHub::new());
        watcher::start(db_path.clone(), Arc::downgrade(&changes))?;
        let writer =
            writer::WriterHandle::start(conn, blobs.clone(), changes.clone(), options.max_batch)?;
        Ok(SqliteBackend {
            db_path,
            readers: Mutex::new(Vec::new()),
            max_readers: options.read_connections.max(1),
            writer,
            blobs,
            changes,
            headers: HeaderCache::new(options.header_cache_bytes),
            limits: options.mailbox_limits,
            owners: access::Owners::default(),
        })
    }

    /// Wakes after each commit that changes `account_id` (IDLE, NOTIFY, push): only that
    /// account's listeners are woken.
    fn watch_account(&self, account_id: crate::AccountId) -> AccountChanges {
        self.changes.watch(account_id)
    }

    /// Stores a blob durably (fsynced) unless it is already there. Call before the transaction
    /// that references it; runs on a blocking thread.
    async fn put_blob(&self, blob: &crate::BlobRef) -> Result<()> {
        let (blobs, blob) = (self.blobs.clone(), blob.clone());
        tokio::task::spawn_blocking(move || match blob.spooled() {
            Some(file) => blobs.put_spooled(&blob.hash, &blob.data, file),
            None => blobs.put(&blob.hash, &blob.data),
        })
        .await
        .map_err(|e| StoreError::Io(std::io::Error::other(e)))?
        .map_err(StoreError::from)
    }

    /// Reads a whole blob.
    fn read_blob(&self, hash: &crate::BlobHash) -> Result<Vec<u8>> {
        Ok(self.blobs.get(hash)?)
    }

    /// Reads a stored message's header only, up to and including its blank line (the whole
    /// message if it has none).
    fn read_blob_header(&self, hash: &crate::BlobHash) -> Result<Vec<u8>> {
        if let Some(header) = self.headers.get(hash) {
            return Ok(header.to_vec());
        }
        let header = self.blobs.get_header(hash)?;
        self.headers.insert(hash, &header);
        Ok(header)
    }

    /// Runs a read that takes a while (a whole large mailbox, every email's keys) on a pooled
    /// connection, telling the async runtime first (`block_in_place`): the worker's other
    /// sessions move to another thread instead of waiting for this one. The hand-over costs
    /// more than a short read (a third of the commands per second when every read did it), so
    /// short reads stay on the caller's thread ([`SqliteBackend::read_sized_checked`] decides).
    fn read_long<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        self.read_long_checked(|c| Ok(f(c)?))
    }

    /// [`SqliteBackend::read_long`] for reads that fail with a store error of their own (a rights check).
    fn read_long_checked<T>(&self, f: impl FnOnce(&Connection) -> DbResult<T>) -> Result<T> {
        use tokio::runtime::{Handle, RuntimeFlavor};
        match Handle::try_current().map(|h| h.runtime_flavor()) {
            Ok(RuntimeFlavor::MultiThread) => tokio::task::block_in_place(|| self.read_checked(f)),
            _ => self.read_checked(f),
        }
    }

    /// A read of about `rows` rows: off the async worker past [`LONG_READ_ROWS`], else on it.
    fn read_sized_checked<T>(
        &self,
        rows: usize,
        f: impl FnOnce(&Connection) -> DbResult<T>,
    ) -> Result<T> {
        match rows > LONG_READ_ROWS {
            true => self.read_long_checked(f),
            false => self.read_checked(f),
        }
    }

    /// Checks `needed` on a mailbox for a read; returns its owner (see [`access::Owners`]).
    fn require_mailbox(
        &self,
        conn: &Connection,
        actor: crate::Actor,
        mailbox: crate::MailboxId,
        needed: crate::Rights,
    ) -> DbResult<crate::AccountId> {
        self.owners.require(conn, actor, mailbox, needed)
    }

    /// Forgets a deleted mailbox's owner.
    fn forget_mailbox(&self, mailbox: crate::MailboxId) {
        self.owners.forget(mailbox);
    }

    /// [`SqliteBackend::read`] for reads that fail with a store error of their own (a rights check).
    fn read_checked<T>(&self, f: impl FnOnce(&Connection) -> DbResult<T>) -> Result<T> {
        let conn = match self.readers.lock().expect("reader pool").pop() {
            Some(conn) => conn,
            None => open_connection(&self.db_path, true).map_err(DbError::into_store)?,
        };
        let result = f(&conn);
        let mut pool = self.readers.lock().expect("reader pool");
        if pool.len() < self.max_readers {
            pool.push(conn);
        }
        result.map_err(DbError::into_store)
    }

    /// Runs a short indexed read on a pooled read-only connection, on the caller's thread.
    fn read<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        self.read_checked(|c| Ok(f(c)?))
    }

    /// Runs `job` inside the writer's next batch transaction and waits for its commit.
    async fn write<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut WriteCtx<'_>) -> DbResult<T> + Send + 'static,
    ) -> Result<T> {
        self.writer.submit(job).await
    }
}

/// Rows past which a read leaves the async worker (a few milliseconds of SQLite work).
const LONG_READ_ROWS: usize = 2000;

fn open_connection(path: &Path, read_only: bool) -> DbResult<Connection> {
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
    };
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    if !read_only {
        // WAL with synchronous=FULL: a commit is fsynced before it returns (durability rule).
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
    }
    if read_only {
        // Readers map the database instead of copying its pages through read(2) into a 2 MiB
        // cache each: a SORT or THREAD of 100,000 messages spent a fifth of its time in those
        // copies. The WAL is still read through SQLite; writes are unaffected.
        conn.pragma_update(None, "mmap_size", READER_MMAP_BYTES)?;
    }
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // The query planner's stability guarantee: a plan never depends on the values bound. Without
    // it, a statement whose parameter meets an index (`email_id = ?1` on a secondary index, any
    // join) is marked to be compiled again when that parameter is bound anew, and rusqlite's
    // statement cache clears the bindings of every statement it takes back: each cached
    // statement was compiled again at each use (12% of a JMAP message list's time). Kantor
    // never runs ANALYZE, so no plan could gain from the values anyway.
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// How much of the database a read connection maps (address space, not memory: the pages are
/// the kernel's page cache, shared by every connection).
const READER_MMAP_BYTES: i64 = 1 << 30;

/// The database file of the store under `data_dir`.
fn database_path(data_dir: &Path) -> PathBuf {
    data_dir.join("kantor.db")
}

impl SqliteBackend {
    /// Whether `data_dir` holds a database.
    pub(crate) fn exists_in(data_dir: &Path) -> bool {
        database_path(data_dir).exists()
    }
}

/// Current time in unix seconds.
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
