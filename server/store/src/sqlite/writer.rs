//! The writer: one connection on its own thread that takes queued write jobs and commits them in
//! batches (group commit). While one batch's commit is being fsynced, the next batch queues up, so
//! many sessions share one fsync and durability does not cost throughput.
//!
//! Each job runs inside a SAVEPOINT of the batch transaction: a job that fails (or panics) is
//! rolled back alone and the others still commit; if a savepoint cannot be rolled back, the whole
//! batch is, and every caller in it is told so. Callers are answered only after the COMMIT returned, that is once
//! their change is on disk. Change events are broadcast after the commit, never before.
//!
//! The WAL is checkpointed here, after a batch's callers are answered and woken, not inside its
//! COMMIT (SQLite's automatic checkpoint would copy and fsync the database there, holding
//! every caller of the batch and leaving its commit visible but unannounced meanwhile).

use super::error::{DbError, DbResult};
use crate::blob::{BlobRef, BlobStore};
use crate::changes::{ChangeEvent, ChangeHub, ChangeKind, ObjectKind};
use crate::{AccountId, MailboxId, Modseq, Result, StoreError, Uid};
use rusqlite::wal::CheckpointMode;
use rusqlite::{Connection, OptionalExtension, params};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, mpsc};

/// WAL pages after which the writer checkpoints (SQLite's automatic default).
const CHECKPOINT_PAGES: i32 = 1000;
use tokio::sync::oneshot;

/// What a job sees: the open transaction plus the bookkeeping that follows the commit.
pub(super) struct WriteCtx<'c> {
    conn: &'c Connection,
    blobs: &'c dyn BlobStore,
    events: Vec<ChangeEvent>,
}

impl WriteCtx<'_> {
    pub(super) fn conn(&self) -> &Connection {
        self.conn
    }

    /// Bumps the account's change counter; every change of this job is logged under the result.
    pub(super) fn bump_modseq(&mut self, account_id: AccountId) -> DbResult<Modseq> {
        let modseq: Option<i64> = self
            .conn
            .prepare_cached(
                "UPDATE accounts SET modseq = modseq + 1 WHERE id = ?1 RETURNING modseq",
            )?
            .query_row([account_id], |r| r.get(0))
            .optional()?;
        let modseq = modseq.ok_or_else(|| StoreError::NotFound(format!("account {account_id}")))?;
        let modseq = modseq as Modseq;
        self.events.push(ChangeEvent { account_id, modseq });
        Ok(modseq)
    }

    /// Appends one row to the account's change log.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn log_change(
        &self,
        account_id: AccountId,
        modseq: Modseq,
        object: ObjectKind,
        kind: ChangeKind,
        object_id: i64,
        mailbox_id: Option<MailboxId>,
        uid: Option<Uid>,
    ) -> DbResult<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO changes (account_id, modseq, object, kind, object_id, mailbox_id, uid, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                account_id,
                modseq as i64,
                object as i64,
                kind as i64,
                object_id,
                mailbox_id,
                uid,
                super::now()
            ])?;
        Ok(())
    }

    /// Takes `refs` references on a blob, making sure its bytes are on disk: the caller stored it
    /// before queueing the job, but the collector may have removed an unreferenced file since
    /// (it deletes only under the database write lock, which this job holds), so re-check here.
    pub(super) fn acquire_blob(&mut self, blob: &BlobRef, refs: u32) -> DbResult<()> {
        if !self.blobs.exists(&blob.hash) {
            self.blobs.put(&blob.hash, &blob.data)?;
        }
        self.conn
            .prepare_cached(
                "INSERT INTO blobs (hash, size, refcount) VALUES (?1, ?2, ?3)
                 ON CONFLICT (hash) DO UPDATE SET refcount = refcount + excluded.refcount,
                 released_at = NULL",
            )?
            .execute(params![blob.hash.as_str(), blob.size() as i64, refs])?;
        Ok(())
    }

    /// Takes one more reference on a blob some row already references.
    pub(super) fn add_blob_reference(&mut self, hash: &str) -> DbResult<()> {
        self.conn
            .prepare_cached(
                "UPDATE blobs SET refcount = refcount + 1, released_at = NULL WHERE hash = ?1",
            )?
            .execute([hash])?;
        Ok(())
    }

    /// Drops one reference on a blob. One that nothing references any more is left for the
    /// collector, which deletes it once `released_at` is older than the grace period.
    pub(super) fn release_blob(&mut self, hash: &str, released_at: i64) -> DbResult<()> {
        self.conn
            .prepare_cached(
                "UPDATE blobs SET refcount = refcount - 1,
                 released_at = CASE WHEN refcount <= 1 THEN ?2 ELSE released_at END
                 WHERE hash = ?1",
            )?
            .execute(params![hash, released_at])?;
        Ok(())
    }

    /// The blob store, for the collector (which deletes files only inside its write job).
    pub(super) fn blobs(&self) -> &dyn BlobStore {
        self.blobs
    }
}

/// A queued job, type-erased.
trait Job: Send {
    /// Runs inside the batch; returns whether it succeeded (else its savepoint is rolled back).
    fn run(&mut self, ctx: &mut WriteCtx<'_>) -> bool;
    /// Records a failure the job could not report itself (it panicked).
    fn fail(&mut self, error: StoreError);
    /// Answers the caller once the batch's fate is known.
    fn finish(self: Box<Self>, commit: std::result::Result<(), String>);
}

struct TypedJob<F, T> {
    work: Option<F>,
    result: Option<Result<T>>,
    reply: oneshot::Sender<Result<T>>,
}

impl<F, T> Job for TypedJob<F, T>
where
    F: FnOnce(&mut WriteCtx<'_>) -> DbResult<T> + Send,
    T: Send,
{
    fn run(&mut self, ctx: &mut WriteCtx<'_>) -> bool {
        let result = match self.work.take() {
            Some(work) => work(ctx).map_err(DbError::into_store),
            None => Err(StoreError::ShutDown),
        };
        let ok = result.is_ok();
        self.result = Some(result);
        ok
    }

    fn fail(&mut self, error: StoreError) {
        self.result = Some(Err(error));
    }

    fn finish(self: Box<Self>, commit: std::result::Result<(), String>) {
        let answer = match (commit, self.result) {
            (Ok(()), Some(result)) => result,
            (Ok(()), None) => Err(StoreError::ShutDown),
            // A job that failed on its own reports its own error even if the commit failed too.
            (Err(_), Some(Err(own))) => Err(own),
            (Err(e), _) => Err(StoreError::Io(std::io::Error::other(format!(
                "commit failed: {e}"
            )))),
        };
        let _ = self.reply.send(answer);
    }
}

/// The sending side, held by the store.
pub(super) struct WriterHandle {
    jobs: mpsc::Sender<Box<dyn Job>>,
}

impl WriterHandle {
    pub(super) fn start(
        conn: Connection,
        blobs: Arc<dyn BlobStore>,
        changes: Arc<ChangeHub>,
        max_batch: usize,
    ) -> DbResult<WriterHandle> {
        let (jobs, queue) = mpsc::channel::<Box<dyn Job>>();
        let mut conn = conn;
        let wal_pages = Arc::new(AtomicI32::new(0));
        let pages = wal_pages.clone();
        // Replaces the automatic checkpoint (`sqlite3_wal_hook`): only counts the WAL's pages.
        conn.wal_hook(Some(move |_: &mut rusqlite::hooks::Wal, n: i32| {
            pages.store(n, Ordering::Relaxed);
            Ok(())
        }))?;
        std::thread::Builder::new()
            .name("kantor-store-writer".into())
            .spawn(move || writer_loop(conn, blobs, changes, queue, max_batch.max(1), wal_pages))?;
        Ok(WriterHandle { jobs })
    }

    pub(super) async fn submit<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut WriteCtx<'_>) -> DbResult<T> + Send + 'static,
    ) -> Result<T> {
        let (reply, answer) = oneshot::channel();
        let job = TypedJob {
            work: Some(work),
            result: None,
            reply,
        };
        self.jobs
            .send(Box::new(job))
            .map_err(|_| StoreError::ShutDown)?;
        answer.await.map_err(|_| StoreError::ShutDown)?
    }
}

fn writer_loop(
    conn: Connection,
    blobs: Arc<dyn BlobStore>,
    changes: Arc<ChangeHub>,
    queue: mpsc::Receiver<Box<dyn Job>>,
    max_batch: usize,
    wal_pages: Arc<AtomicI32>,
) {
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while batch.len() < max_batch {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let metrics = kantor_metrics::metrics();
        metrics.store_batch_size.observe(batch.len() as f64);
        let started = std::time::Instant::now();
        run_batch(&conn, blobs.as_ref(), &changes, batch);
        metrics
            .store_commit_seconds
            .observe(started.elapsed().as_secs_f64());
        if wal_pages.load(Ordering::Relaxed) >= CHECKPOINT_PAGES {
            wal_pages.store(0, Ordering::Relaxed);
            if let Err(e) = conn.wal_checkpoint_v2(None::<&str>, CheckpointMode::PASSIVE) {
                tracing::warn!(error = %e, "store: WAL checkpoint failed");
            }
        }
    }
    tracing::debug!("store writer stopped");
}

fn run_batch(
    conn: &Connection,
    blobs: &dyn BlobStore,
    changes: &ChangeHub,
    mut batch: Vec<Box<dyn Job>>,
) {
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
        tracing::error!(error = %e, "store: cannot begin a write transaction");
        batch
            .into_iter()
            .for_each(|job| job.finish(Err(e.to_string())));
        return;
    }
    let mut ctx = WriteCtx {
        conn,
        blobs,
        events: Vec::new(),
    };
    let mut broken = None;
    for job in &mut batch {
        let events = ctx.events.len();
        let ok = conn.execute_batch("SAVEPOINT job").is_ok() && run_guarded(job.as_mut(), &mut ctx);
        let end = if ok {
            "RELEASE job"
        } else {
            ctx.events.truncate(events);
            "ROLLBACK TO job; RELEASE job"
        };
        if let Err(e) = conn.execute_batch(end) {
            // The transaction is in a state nobody can vouch for: commit none of it.
            tracing::error!(error = %e, "store: savepoint failed; rolling back the whole batch");
            broken = Some(format!("savepoint failed: {e}"));
            break;
        }
    }
    let commit = match broken {
        Some(reason) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(reason)
        }
        None => conn.execute_batch("COMMIT").map_err(|e| {
            tracing::error!(error = %e, "store: commit failed");
            let _ = conn.execute_batch("ROLLBACK");
            e.to_string()
        }),
    };
    // After the commit: wake subscribers, then answer the callers, so that whatever a caller
    // does next sees the batch's effects complete.
    if commit.is_ok() {
        for event in ctx.events.drain(..) {
            changes.publish(event);
        }
    }
    batch.into_iter().for_each(|job| job.finish(commit.clone()));
}

/// Runs one job, turning a panic into a failed job: the writer thread and the other jobs of
/// the batch carry on, and the job's savepoint is rolled back.
fn run_guarded(job: &mut dyn Job, ctx: &mut WriteCtx<'_>) -> bool {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job.run(ctx))) {
        Ok(ok) => ok,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            tracing::error!(panic = %what, "store: a write job panicked; rolled back alone");
            job.fail(StoreError::Internal(format!("write job panicked: {what}")));
            false
        }
    }
}
