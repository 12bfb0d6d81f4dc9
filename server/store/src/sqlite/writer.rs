//! The writer: one connection on its own thread that takes queued write jobs and commits them in
//! batches (group commit). While one batch's commit is being fsynced, the next batch queues up, so
//! many sessions share one fsync and durability does not cost throughput.
//!
//! Each job runs inside a SAVEPOINT of the batch transaction: a job that fails is rolled back alone
//! and the others still commit. Callers are answered only after the COMMIT returned, that is once
//! their change is on disk. Change events are broadcast after the commit, never before.

use crate::blob::{BlobHash, BlobRef, BlobStore};
use crate::changes::{ChangeEvent, ChangeHub, ChangeKind, ObjectKind};
use crate::{AccountId, MailboxId, Modseq, Result, StoreError, Uid};
use rusqlite::{Connection, OptionalExtension, params};
use std::sync::Arc;
use std::sync::mpsc;
use tokio::sync::oneshot;

/// What a job sees: the open transaction plus the bookkeeping that follows the commit.
pub(crate) struct WriteCtx<'c> {
    conn: &'c Connection,
    blobs: &'c dyn BlobStore,
    events: Vec<ChangeEvent>,
    released_blobs: Vec<BlobHash>,
}

impl WriteCtx<'_> {
    pub(crate) fn conn(&self) -> &Connection {
        self.conn
    }

    /// Bumps the account's change counter; every change of this job is logged under the result.
    pub(crate) fn bump_modseq(&mut self, account_id: AccountId) -> Result<Modseq> {
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
    pub(crate) fn log_change(
        &self,
        account_id: AccountId,
        modseq: Modseq,
        object: ObjectKind,
        kind: ChangeKind,
        object_id: i64,
        mailbox_id: Option<MailboxId>,
        uid: Option<Uid>,
    ) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO changes (account_id, modseq, object, kind, object_id, mailbox_id, uid)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                account_id,
                modseq as i64,
                object as i64,
                kind as i64,
                object_id,
                mailbox_id,
                uid
            ])?;
        Ok(())
    }

    /// Takes `refs` references on a blob, making sure its bytes are on disk: the caller stored it
    /// before queueing the job, but only this thread deletes blobs, so re-check here.
    pub(crate) fn acquire_blob(&mut self, blob: &BlobRef, refs: u32) -> Result<()> {
        if !self.blobs.exists(&blob.hash) {
            self.blobs.put(&blob.hash, &blob.data)?;
        }
        self.conn
            .prepare_cached(
                "INSERT INTO blobs (hash, size, refcount) VALUES (?1, ?2, ?3)
                 ON CONFLICT (hash) DO UPDATE SET refcount = refcount + excluded.refcount",
            )?
            .execute(params![blob.hash.as_str(), blob.size() as i64, refs])?;
        Ok(())
    }

    /// Drops one reference on a blob; the file goes once no row references it after the commit.
    pub(crate) fn release_blob(&mut self, hash: &str) -> Result<()> {
        let left: Option<i64> = self
            .conn
            .prepare_cached(
                "UPDATE blobs SET refcount = refcount - 1 WHERE hash = ?1 RETURNING refcount",
            )?
            .query_row([hash], |r| r.get(0))
            .optional()?;
        if left.is_some_and(|n| n <= 0) {
            self.conn
                .prepare_cached("DELETE FROM blobs WHERE hash = ?1")?
                .execute([hash])?;
            if let Some(hash) = BlobHash::parse(hash) {
                self.released_blobs.push(hash);
            }
        }
        Ok(())
    }
}

/// A queued job, type-erased.
trait Job: Send {
    /// Runs inside the batch; returns whether it succeeded (else its savepoint is rolled back).
    fn run(&mut self, ctx: &mut WriteCtx<'_>) -> bool;
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
    F: FnOnce(&mut WriteCtx<'_>) -> Result<T> + Send,
    T: Send,
{
    fn run(&mut self, ctx: &mut WriteCtx<'_>) -> bool {
        let result = match self.work.take() {
            Some(work) => work(ctx),
            None => Err(StoreError::ShutDown),
        };
        let ok = result.is_ok();
        self.result = Some(result);
        ok
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
pub(crate) struct WriterHandle {
    jobs: mpsc::Sender<Box<dyn Job>>,
}

impl WriterHandle {
    pub(crate) fn start(
        conn: Connection,
        blobs: Arc<dyn BlobStore>,
        changes: Arc<ChangeHub>,
        max_batch: usize,
    ) -> Result<WriterHandle> {
        let (jobs, queue) = mpsc::channel::<Box<dyn Job>>();
        std::thread::Builder::new()
            .name("kantor-store-writer".into())
            .spawn(move || writer_loop(conn, blobs, changes, queue, max_batch.max(1)))?;
        Ok(WriterHandle { jobs })
    }

    pub(crate) async fn submit<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut WriteCtx<'_>) -> Result<T> + Send + 'static,
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
) {
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while batch.len() < max_batch {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        run_batch(&conn, blobs.as_ref(), &changes, batch);
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
        released_blobs: Vec::new(),
    };
    for job in &mut batch {
        let (events, released) = (ctx.events.len(), ctx.released_blobs.len());
        let ok = conn.execute_batch("SAVEPOINT job").is_ok() && job.run(&mut ctx);
        let end = if ok {
            "RELEASE job"
        } else {
            ctx.events.truncate(events);
            ctx.released_blobs.truncate(released);
            "ROLLBACK TO job; RELEASE job"
        };
        if let Err(e) = conn.execute_batch(end) {
            tracing::error!(error = %e, "store: savepoint failed");
        }
    }
    let commit = conn.execute_batch("COMMIT").map_err(|e| {
        tracing::error!(error = %e, "store: commit failed");
        let _ = conn.execute_batch("ROLLBACK");
        e.to_string()
    });
    // After the commit: drop released blobs, wake subscribers, then answer the callers, so that
    // whatever a caller does next sees the batch's effects complete.
    if commit.is_ok() {
        delete_unreferenced(conn, blobs, std::mem::take(&mut ctx.released_blobs));
        for event in ctx.events.drain(..) {
            changes.publish(event);
        }
    }
    batch.into_iter().for_each(|job| job.finish(commit.clone()));
}

/// Deletes blob files released in the batch unless a later job took them again. Runs under the
/// database write lock, as every `acquire_blob` does, so another process sharing the store (the
/// admin CLI) cannot reference a blob between the check and the delete.
fn delete_unreferenced(conn: &Connection, blobs: &dyn BlobStore, released: Vec<BlobHash>) {
    if released.is_empty() || conn.execute_batch("BEGIN IMMEDIATE").is_err() {
        return;
    }
    for hash in released {
        let referenced = conn
            .prepare_cached("SELECT EXISTS(SELECT 1 FROM blobs WHERE hash = ?1)")
            .and_then(|mut s| s.query_row([hash.as_str()], |r| r.get::<_, bool>(0)));
        if let Ok(false) = referenced
            && let Err(e) = blobs.delete(&hash)
        {
            tracing::warn!(blob = %hash, error = %e, "store: cannot delete unreferenced blob");
        }
    }
    let _ = conn.execute_batch("COMMIT");
}
