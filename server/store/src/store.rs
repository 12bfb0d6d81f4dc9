//! The front of the store: [`Store`], what every protocol crate holds, forwarding each operation
//! to the [`Backend`] behind it (SQLite unless told otherwise). The mail of one actor is
//! [`crate::Mail`] (`Store::mail`); the rest is here: wake-ups, blobs, delivery (the server's own
//! act), the outbound queue, maintenance, and the directory (`store/directory.rs`).

mod directory;

use crate::backend::Backend;
use crate::{
    AccountChanges, AccountId, Actor, BlobHash, BlobRef, Delivered, GcReport, IncomingMessage,
    Mail, MessageId, OutgoingMessage, QueueEntry, Result, SqliteBackend, StoreOptions,
};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The store: cheap to clone, shared by every session.
#[derive(Clone)]
pub struct Store {
    pub(crate) backend: Arc<dyn Backend>,
    /// Tells this store from others in the same process (tests open many).
    instance: u64,
    /// Signalled after each commit of new queue rows, so the outbound worker starts at once
    /// instead of at its next poll.
    queued: Arc<tokio::sync::Notify>,
}

/// The next [`Store::instance_id`].
static NEXT_INSTANCE: AtomicU64 = AtomicU64::new(1);

impl Store {
    /// Opens the embedded store (SQLite) under `data_dir` (database `kantor.db`, blobs under
    /// `blobs/`), creating it and applying pending migrations.
    pub fn open(data_dir: &Path, options: StoreOptions) -> Result<Store> {
        Ok(Store::with_backend(Arc::new(SqliteBackend::open(
            data_dir, options,
        )?)))
    }

    /// Whether `data_dir` holds an embedded store (one `Store::open` has created), without
    /// creating anything: for tools that must not start a new one by mistake.
    pub fn exists_in(data_dir: &Path) -> bool {
        SqliteBackend::exists_in(data_dir)
    }

    /// A store in front of `backend`.
    pub fn with_backend(backend: Arc<dyn Backend>) -> Store {
        Store {
            backend,
            instance: NEXT_INSTANCE.fetch_add(1, Ordering::Relaxed),
            queued: Arc::new(tokio::sync::Notify::new()),
        }
    }

    /// Identifies this store within the process, for caches above it that key by its ids.
    pub fn instance_id(&self) -> u64 {
        self.instance
    }

    /// The store as `actor` sees it.
    pub fn mail(&self, actor: Actor) -> Mail {
        Mail::new(self.clone(), actor)
    }

    /// Delivers a message into each recipient's INBOX, all in one transaction with one shared
    /// blob: the server's own act (SMTP, later Sieve), not a user's. The blob is stored (fsynced) first; the call returns once the commit is on disk.
    pub async fn deliver(&self, message: IncomingMessage) -> Result<Vec<Delivered>> {
        self.backend.deliver(message).await
    }

    /// Wakes after each commit that changes `account_id` (IDLE, NOTIFY, push): only that
    /// account's listeners are woken.
    pub fn watch_account(&self, account_id: AccountId) -> AccountChanges {
        self.backend.watch_account(account_id)
    }

    /// Stores a blob durably (fsynced) unless it is already there. Call before the transaction
    /// that references it; runs on a blocking thread.
    pub async fn put_blob(&self, blob: &BlobRef) -> Result<()> {
        self.backend.put_blob(blob).await
    }

    /// A file to receive a message that outgrows memory while it arrives (SMTP DATA): see
    /// [`crate::Spool`]. Its bytes are written once: the file becomes the blob.
    pub fn spool(&self) -> Result<crate::Spool> {
        self.backend.spool()
    }

    /// Reads a whole blob.
    pub fn read_blob(&self, hash: &BlobHash) -> Result<Vec<u8>> {
        self.backend.read_blob(hash)
    }

    /// Reads a stored message's header only, up to and including its blank line (the whole
    /// message if it has none).
    pub fn read_blob_header(&self, hash: &BlobHash) -> Result<Vec<u8>> {
        self.backend.read_blob_header(hash)
    }

    /// Queues a submitted message for its remote recipients; returns the queue ids. The blob is
    /// stored first and the call returns once the queue rows are committed.
    pub async fn enqueue(&self, message: OutgoingMessage) -> Result<Vec<i64>> {
        let ids = self.backend.enqueue(message).await?;
        self.queued.notify_one();
        Ok(ids)
    }

    /// Returns when this process has queued mail since the last call (the outbound worker's
    /// wake-up; mail queued by another process is found by the worker's poll).
    pub async fn mail_queued(&self) {
        self.queued.notified().await
    }

    /// Everything waiting in the outbound queue, oldest first.
    pub fn queue_entries(&self) -> Result<Vec<QueueEntry>> {
        self.backend.queue_entries()
    }

    /// The DKIM keys of a local domain, oldest first.
    pub fn dkim_keys(&self, domain: &str) -> Result<Vec<crate::DkimKey>> {
        self.backend.dkim_keys(domain)
    }

    /// Adds a DKIM key to a local domain.
    pub async fn add_dkim_key(&self, domain: &str, key: crate::DkimKey) -> Result<()> {
        self.backend.add_dkim_key(domain.to_string(), key).await
    }

    /// The MTA-STS policy cached for a destination domain (RFC 8461 §5).
    pub fn sts_policy(&self, domain: &str) -> Result<Option<crate::CachedStsPolicy>> {
        self.backend.sts_policy(domain)
    }

    /// Caches a destination domain's MTA-STS policy, replacing the one before.
    pub async fn put_sts_policy(&self, policy: crate::CachedStsPolicy) -> Result<()> {
        self.backend.put_sts_policy(policy).await
    }

    /// Counts one outbound TLS session's result for TLS-RPT (RFC 8460 §4).
    pub async fn record_tls_result(&self, result: crate::TlsResult) -> Result<()> {
        self.backend.record_tls_result(result).await
    }

    /// The TLS results of a UTC day (`YYYY-MM-DD`) with their counts.
    pub fn tls_results(&self, day: &str) -> Result<Vec<(crate::TlsResult, u64)>> {
        self.backend.tls_results(day)
    }

    /// Days before `before` with TLS results whose reports have not been sent.
    pub fn unreported_tls_days(&self, before: &str) -> Result<Vec<String>> {
        self.backend.unreported_tls_days(before)
    }

    /// Records that a day's TLS reports have been sent.
    pub async fn mark_tls_day_reported(&self, day: &str) -> Result<()> {
        self.backend.mark_tls_day_reported(day.to_string()).await
    }

    /// Queued recipients due for an attempt at `now`, soonest first, at most `limit`.
    pub fn due_queue_entries(&self, now: i64, limit: usize) -> Result<Vec<QueueEntry>> {
        self.backend.due_queue_entries(now, limit)
    }

    /// Records what a delivery attempt came to (false: no such recipient, or already final).
    pub async fn record_queue_outcome(
        &self,
        id: i64,
        outcome: crate::QueueOutcome,
    ) -> Result<bool> {
        self.backend.record_queue_outcome(id, outcome).await
    }

    /// Removes a recipient from the queue (false: no such recipient).
    pub async fn delete_queue_entry(&self, id: i64) -> Result<bool> {
        self.backend.delete_queue_entry(id).await
    }

    /// Removes what was released more than `grace` ago (see the module documentation).
    pub async fn collect_garbage(&self, grace: Duration) -> Result<GcReport> {
        self.backend.collect_garbage(grace).await
    }

    /// Removes log rows older than `max_age`, account by account, whole modseqs at a time, and
    /// raises each account's floor to match. Returns the rows removed.
    pub async fn prune_changes(&self, max_age: Duration) -> Result<u64> {
        self.backend.prune_changes(max_age).await
    }

    /// Computes the keys of every email that has none of the current [`crate::keys::VERSION`]
    /// (emails stored before the keys existed, or by another version), a batch per write job,
    /// and logs the progress. Returns how many emails it went through. Safe beside deliveries: a
    /// row is written only while its email exists.
    pub async fn backfill_keys(&self) -> Result<u64> {
        self.backend.backfill_keys().await
    }

    /// Extracts again the metadata of every email whose metadata was written with another
    /// layout (an older [`crate::meta::META_VERSION`]), a batch per write job, and logs the
    /// progress. Returns how many emails it extracted. Until it is done, readers parse those
    /// emails instead. Safe beside deliveries.
    pub async fn backfill_meta(&self) -> Result<u64> {
        self.backend.backfill_meta().await
    }

    /// Where the full-text index lives (kantor-search): `DATA/search/` for the embedded store.
    pub fn search_index_dir(&self) -> std::path::PathBuf {
        self.backend.search_index_dir()
    }

    /// The highest id of the change log's global sequence (0 when empty): how far an indexer
    /// following it has to go.
    pub fn last_change_id(&self) -> Result<i64> {
        self.backend.last_change_id()
    }

    /// The lowest id still in the change log (when it is empty, the next id it will give):
    /// an indexer whose checkpoint is below it has missed pruned rows and must rebuild.
    pub fn first_change_id(&self) -> Result<i64> {
        self.backend.first_change_id()
    }

    /// At most `max` rows of the change log after the global id `after` (the full-text
    /// indexer's queue), those that concern the index kept; `until` is where the next read
    /// starts.
    pub fn index_feed(&self, after: i64, max: usize) -> Result<crate::FeedPage> {
        self.backend.index_feed(after, max)
    }

    /// Those of `ids` that are live emails (not tombstones), in id order.
    pub fn index_emails(&self, ids: &[MessageId]) -> Result<Vec<crate::IndexEmail>> {
        self.backend.index_emails(ids)
    }

    /// At most `max` live emails with ids above `after`, of `account` or of every account, in
    /// id order (building the index from scratch).
    pub fn live_emails_after(
        &self,
        account: Option<AccountId>,
        after: MessageId,
        max: usize,
    ) -> Result<Vec<crate::IndexEmail>> {
        self.backend.live_emails_after(account, after, max)
    }

    /// How many live emails there are, of `account` or of every account.
    pub fn count_live_emails(&self, account: Option<AccountId>) -> Result<u64> {
        self.backend.count_live_emails(account)
    }
}
