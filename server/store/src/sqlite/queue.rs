//! The outbound queue: submitted messages for remote recipients, one row per recipient, delivered
//! by the outbound sender (a later component) and listed for operators.

use super::error::DbError;
use super::{SqliteBackend, now};
use crate::changes::{ChangeKind, ObjectKind};
use crate::{BlobHash, OutgoingMessage, QueueEntry, QueueOutcome, QueueStatus, Result};
use rusqlite::{OptionalExtension, params};

impl SqliteBackend {
    /// Queues a submitted message for its remote recipients; returns the queue ids. The blob is
    /// stored first and the call returns once the queue rows are committed.
    pub(super) async fn enqueue(&self, message: OutgoingMessage) -> Result<Vec<i64>> {
        self.put_blob(&message.blob).await?;
        self.write(move |ctx| {
            ctx.acquire_blob(&message.blob, message.recipients.len() as u32)?;
            let created = now();
            let mut stmt = ctx.conn().prepare_cached(
                "INSERT INTO queue (account_id, blob_hash, mail_from, rcpt_to, envid, ret, notify, orcpt,
                 created_at, next_attempt_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9) RETURNING id",
            )?;
            message
                .recipients
                .iter()
                .map(|rcpt| {
                    stmt.query_row(
                        params![
                            message.account_id, message.blob.hash.as_str(), message.mail_from, rcpt.address,
                            message.envid, message.ret, rcpt.notify, rcpt.orcpt, created
                        ],
                        |r| r.get(0),
                    )
                    .map_err(DbError::from)
                })
                .collect()
        })
        .await
    }

    /// Every queued recipient, oldest first: those waiting and, as history, those done.
    pub(super) fn queue_entries(&self) -> Result<Vec<QueueEntry>> {
        self.read(|c| {
            let sql = format!("SELECT {QUEUE_COLUMNS} FROM queue ORDER BY id");
            c.prepare_cached(&sql)?
                .query_map([], entry_from_row)?
                .collect()
        })
    }

    /// Recipients due for an attempt at `now` (queued or deferred), soonest first, at most
    /// `limit`.
    pub(super) fn due_queue_entries(&self, now: i64, limit: usize) -> Result<Vec<QueueEntry>> {
        // Recipients never tried first, then retries (migration 0029): a backlog of deferred
        // mail never holds new mail back.
        self.read(|c| {
            let mut due = Vec::new();
            for status in ["queued", "deferred"] {
                let left = limit.saturating_sub(due.len());
                if left == 0 {
                    break;
                }
                let sql = format!(
                    "SELECT {QUEUE_COLUMNS} FROM queue WHERE status = '{status}'
                     AND next_attempt_at <= ?1 ORDER BY next_attempt_at, id LIMIT ?2"
                );
                let rows = c
                    .prepare_cached(&sql)?
                    .query_map(params![now, left as i64], entry_from_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                due.extend(rows);
            }
            Ok(due)
        })
    }

    /// Records what an attempt came to. A final outcome (delivered, bounced) releases the
    /// recipient's hold on its blob; a recipient already final is left as it is (false).
    pub(super) async fn record_queue_outcome(
        &self,
        id: i64,
        outcome: QueueOutcome,
    ) -> Result<bool> {
        self.write(move |ctx| {
            let found: Option<(String, String, Option<i64>, Option<i64>)> = ctx
                .conn()
                .prepare_cached(
                    "SELECT status, blob_hash, account_id, submission_id FROM queue WHERE id = ?1",
                )?
                .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                .optional()?;
            let Some((status, hash, account, submission)) = found else {
                return Ok(false);
            };
            if QueueStatus::parse(&status).is_some_and(QueueStatus::is_final) {
                return Ok(false);
            }
            let at = now();
            let conn = ctx.conn();
            match &outcome {
                QueueOutcome::Delivered(reply) => {
                    conn.prepare_cached(
                        "UPDATE queue SET status = 'delivered', remote_reply = ?2, finished_at = ?3,
                         attempts = attempts + 1 WHERE id = ?1",
                    )?
                    .execute(params![id, reply, at])?;
                }
                QueueOutcome::Bounced(error) => {
                    conn.prepare_cached(
                        "UPDATE queue SET status = 'bounced', last_error = ?2, finished_at = ?3,
                         attempts = attempts + 1 WHERE id = ?1",
                    )?
                    .execute(params![id, error, at])?;
                }
                QueueOutcome::Deferred { error, retry_at } => {
                    conn.prepare_cached(
                        "UPDATE queue SET status = 'deferred', last_error = ?2, next_attempt_at = ?3,
                         attempts = attempts + 1 WHERE id = ?1",
                    )?
                    .execute(params![id, error, retry_at])?;
                }
                QueueOutcome::Warned => {
                    conn.prepare_cached("UPDATE queue SET warned = 1 WHERE id = ?1")?
                        .execute([id])?;
                }
                QueueOutcome::RetryNow => {
                    conn.prepare_cached("UPDATE queue SET next_attempt_at = ?2 WHERE id = ?1")?
                        .execute(params![id, at])?;
                }
            }
            if matches!(outcome, QueueOutcome::Delivered(_) | QueueOutcome::Bounced(_)) {
                ctx.release_blob(&hash, at)?;
            }
            // A JMAP submission's deliveryStatus changed: an update in its account's change log.
            let status_changed = matches!(
                outcome,
                QueueOutcome::Delivered(_) | QueueOutcome::Bounced(_) | QueueOutcome::Deferred { .. }
            );
            if let (true, Some(account), Some(submission)) = (status_changed, account, submission) {
                let modseq = ctx.bump_modseq(account)?;
                ctx.log_change(
                    account,
                    modseq,
                    ObjectKind::EmailSubmission,
                    ChangeKind::Updated,
                    submission,
                    None,
                    None,
                )?;
            }
            Ok(true)
        })
        .await
    }

    /// Removes a recipient from the queue (an operator's `queue delete`), releasing its blob
    /// when it still held it.
    pub(super) async fn delete_queue_entry(&self, id: i64) -> Result<bool> {
        self.write(move |ctx| {
            let found: Option<(String, String)> = ctx
                .conn()
                .prepare_cached("DELETE FROM queue WHERE id = ?1 RETURNING status, blob_hash")?
                .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            let Some((status, hash)) = found else {
                return Ok(false);
            };
            if !QueueStatus::parse(&status).is_some_and(QueueStatus::is_final) {
                ctx.release_blob(&hash, now())?;
            }
            Ok(true)
        })
        .await
    }
}

const QUEUE_COLUMNS: &str =
    "id, account_id, mail_from, rcpt_to, blob_hash, envid, ret, notify, orcpt,
     created_at, attempts, next_attempt_at, status, last_error, remote_reply, warned";

fn entry_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<QueueEntry> {
    let bad = |i: usize, what: &str| {
        rusqlite::Error::InvalidColumnType(i, what.into(), rusqlite::types::Type::Text)
    };
    let hash: String = r.get(4)?;
    let status: String = r.get(12)?;
    Ok(QueueEntry {
        id: r.get(0)?,
        account_id: r.get(1)?,
        mail_from: r.get(2)?,
        rcpt_to: r.get(3)?,
        blob: BlobHash::parse(&hash).ok_or_else(|| bad(4, "blob_hash"))?,
        envid: r.get(5)?,
        ret: r.get(6)?,
        notify: r.get(7)?,
        orcpt: r.get(8)?,
        created_at: r.get(9)?,
        attempts: r.get(10)?,
        next_attempt_at: r.get(11)?,
        status: QueueStatus::parse(&status).ok_or_else(|| bad(12, "status"))?,
        last_error: r.get(13)?,
        remote_reply: r.get(14)?,
        warned: r.get(15)?,
    })
}
