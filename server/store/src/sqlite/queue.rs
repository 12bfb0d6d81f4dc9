//! The outbound queue: submitted messages for remote recipients, one row per recipient, delivered
//! by the outbound sender (a later component) and listed for operators.

use super::error::DbError;
use super::{SqliteBackend, now};
use crate::{BlobHash, OutgoingMessage, QueueEntry, Result};
use rusqlite::params;

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

    /// Everything waiting in the outbound queue, oldest first.
    pub(super) fn queue_entries(&self) -> Result<Vec<QueueEntry>> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT id, mail_from, rcpt_to, blob_hash, attempts, next_attempt_at FROM queue ORDER BY id",
            )?
            .query_map([], |r| {
                let hash: String = r.get(3)?;
                Ok(QueueEntry {
                    id: r.get(0)?,
                    mail_from: r.get(1)?,
                    rcpt_to: r.get(2)?,
                    blob: BlobHash::parse(&hash).ok_or_else(|| {
                        rusqlite::Error::InvalidColumnType(3, "blob_hash".into(), rusqlite::types::Type::Text)
                    })?,
                    attempts: r.get(4)?,
                    next_attempt_at: r.get(5)?,
                })
            })?
            .collect()
        })
    }
}
