//! The garbage collector: the only place blobs and emails are finally deleted.
//!
//! An expunged email stays as a tombstone, and a blob nothing references stays on disk, for a
//! grace period: an IMAP session that has not yet been told of an expunge may still FETCH the
//! message (RFC 9051 §7.5.1), flags from its view, body from the blob. After the grace period
//! the collector removes, each in write jobs of at most [`BATCH`] rows:
//! 1. tombstoned emails, releasing their blob references;
//! 2. blobs whose last reference went before the cutoff (row and file);
//! 3. uploads (JMAP) older than the cutoff, then blob files no row references at all, older
//!    than the cutoff: an upload no email was made of, a delivery refused after its blob was
//!    written (over quota), or a crash between writing a blob and committing.
//!
//! Files are deleted inside the write job, under the database write lock, and every job that
//! takes a blob reference re-checks the file under that lock (`WriteCtx::acquire_blob`), so no
//! process can reference a blob the collector is deleting.

use super::error::DbResult;
use super::{SqliteBackend, WriteCtx, now};
use crate::{BlobHash, GcReport, Result, StoreError};
use rusqlite::params;
use std::time::{Duration, SystemTime};

/// Rows handled by one write job, so the collector never holds the writer for long.
const BATCH: usize = 1000;

impl SqliteBackend {
    /// Removes what was released more than `grace` ago (see the module documentation).
    pub(super) async fn collect_garbage(&self, grace: Duration) -> Result<GcReport> {
        let cutoff = now() - grace.as_secs() as i64;
        let mut report = GcReport::default();
        loop {
            let removed = self
                .write(move |ctx| remove_tombstones(ctx, cutoff))
                .await?;
            report.emails += removed as u64;
            if removed < BATCH {
                break;
            }
        }
        loop {
            let (removed, bytes) = self.write(move |ctx| delete_released(ctx, cutoff)).await?;
            report.blobs += removed as u64;
            report.bytes += bytes;
            if removed < BATCH {
                break;
            }
        }
        // Uploads no email was made of: their rows go with the grace period (their files are
        // orphans below, unless an email now holds them).
        self.write(move |ctx| {
            ctx.conn()
                .prepare_cached("DELETE FROM uploads WHERE created_at <= ?1")?
                .execute([cutoff])?;
            Ok(())
        })
        .await?;
        let blobs = self.blobs.clone();
        let before = SystemTime::now() - grace;
        let old = tokio::task::spawn_blocking(move || blobs.list_older_than(before))
            .await
            .map_err(|e| StoreError::Internal(e.to_string()))??;
        for chunk in old.chunks(BATCH) {
            let chunk = chunk.to_vec();
            report.orphan_files += self.write(move |ctx| delete_orphans(ctx, &chunk)).await?;
        }
        if report != GcReport::default() {
            tracing::info!(?report, "store: garbage collected");
        }
        Ok(report)
    }
}

/// Removes up to [`BATCH`] emails tombstoned before `cutoff`; returns how many.
fn remove_tombstones(ctx: &mut WriteCtx<'_>, cutoff: i64) -> DbResult<usize> {
    let gone: Vec<(i64, String, i64)> = ctx
        .conn()
        .prepare_cached(
            "SELECT id, blob_hash, destroyed_at FROM emails
             WHERE destroyed_at IS NOT NULL AND destroyed_at <= ?1 LIMIT ?2",
        )?
        .query_map(params![cutoff, BATCH as i64], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    for (id, hash, destroyed_at) in &gone {
        ctx.conn()
            .prepare_cached("DELETE FROM email_meta WHERE email_id = ?1")?
            .execute([id])?;
        ctx.conn()
            .prepare_cached("DELETE FROM emails WHERE id = ?1")?
            .execute([id])?;
        // Released when the email was destroyed: its grace period has run already.
        ctx.release_blob(hash, *destroyed_at)?;
    }
    Ok(gone.len())
}

/// Deletes up to [`BATCH`] blobs released before `cutoff`; returns how many and their bytes.
fn delete_released(ctx: &mut WriteCtx<'_>, cutoff: i64) -> DbResult<(usize, u64)> {
    let released: Vec<(String, i64)> = ctx
        .conn()
        .prepare_cached(
            "DELETE FROM blobs WHERE hash IN (SELECT hash FROM blobs
                 WHERE refcount <= 0 AND released_at IS NOT NULL AND released_at <= ?1 LIMIT ?2)
             RETURNING hash, size",
        )?
        .query_map(params![cutoff, BATCH as i64], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut bytes = 0;
    for (hash, size) in &released {
        if let Some(hash) = BlobHash::parse(hash) {
            ctx.blobs().delete(&hash)?;
        }
        bytes += *size as u64;
    }
    Ok((released.len(), bytes))
}

/// Deletes the files among `hashes` that no blob row knows; returns how many.
fn delete_orphans(ctx: &mut WriteCtx<'_>, hashes: &[BlobHash]) -> DbResult<u64> {
    let mut deleted = 0;
    for hash in hashes {
        let known = ctx
            .conn()
            .prepare_cached("SELECT EXISTS(SELECT 1 FROM blobs WHERE hash = ?1)")?
            .query_row([hash.as_str()], |r| r.get::<_, bool>(0))?;
        if !known {
            ctx.blobs().delete(hash)?;
            deleted += 1;
        }
    }
    Ok(deleted)
}
