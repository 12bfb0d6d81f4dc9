//! Messages sent over JMAP (EmailSubmission, RFC 8621 §7): recorded once the message is
//! delivered locally or queued, in one transaction that logs the submission as created (so
//! `EmailSubmission/changes` and push see it) and links its queued recipients to it; read with
//! each queued recipient's status (its `deliveryStatus`), whose changes the queue logs as
//! updates of the submission.

use super::SqliteBackend;
use crate::access::{Actor, Rights, require};
use crate::changes::{ChangeKind, ObjectKind};
use crate::{AccountId, EmailSubmission, QueueStatus, Result, SubmissionDelivery};
use rusqlite::params;
use std::collections::HashMap;

impl SqliteBackend {
    /// Records a submission; its id.
    pub(super) async fn record_submission(
        &self,
        actor: Actor,
        account_id: AccountId,
        submission: EmailSubmission,
    ) -> Result<i64> {
        require(actor, account_id, None, Rights::WRITE)?;
        self.write(move |ctx| {
            let id: i64 = ctx
                .conn()
                .prepare_cached(
                    "INSERT INTO email_submissions
                     (account_id, identity_id, email_id, thread_id, envelope, send_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
                )?
                .query_row(
                    params![
                        account_id,
                        submission.identity_id,
                        submission.email_id,
                        submission.thread_id,
                        submission.envelope,
                        submission.send_at
                    ],
                    |r| r.get(0),
                )?;
            let mut link = ctx.conn().prepare_cached(
                "UPDATE queue SET submission_id = ?1 WHERE id = ?2 AND account_id = ?3",
            )?;
            for queue_id in &submission.queue_ids {
                link.execute(params![id, queue_id, account_id])?;
            }
            drop(link);
            let modseq = ctx.bump_modseq(account_id)?;
            ctx.log_change(
                account_id,
                modseq,
                ObjectKind::EmailSubmission,
                ChangeKind::Created,
                id,
                None,
                None,
            )?;
            Ok(id)
        })
        .await
    }

    /// The account's recorded submissions, oldest first.
    pub(super) fn submissions(
        &self,
        actor: Actor,
        account_id: AccountId,
    ) -> Result<Vec<EmailSubmission>> {
        self.read_checked(|c| {
            require(actor, account_id, None, Rights::READ)?;
            let mut stmt = c.prepare_cached(
                "SELECT id, identity_id, email_id, thread_id, envelope, send_at
                 FROM email_submissions WHERE account_id = ?1 AND destroyed = 0 ORDER BY id",
            )?;
            let rows = stmt.query_map([account_id], |r| {
                Ok(EmailSubmission {
                    id: r.get(0)?,
                    identity_id: r.get(1)?,
                    email_id: r.get(2)?,
                    thread_id: r.get(3)?,
                    envelope: r.get(4)?,
                    send_at: r.get(5)?,
                    queue_ids: Vec::new(),
                    delivery: Vec::new(),
                })
            })?;
            let mut all = rows.collect::<rusqlite::Result<Vec<_>>>()?;
            // Each remote recipient's status, from the queue rows linked to the submissions.
            let mut stmt = c.prepare_cached(
                "SELECT submission_id, id, rcpt_to, status, last_error, remote_reply FROM queue
                 WHERE account_id = ?1 AND submission_id IS NOT NULL ORDER BY id",
            )?;
            let mut rows = stmt.query([account_id])?;
            let by_id: HashMap<i64, usize> =
                all.iter().enumerate().map(|(i, s)| (s.id, i)).collect();
            while let Some(r) = rows.next()? {
                let submission: i64 = r.get(0)?;
                let Some(&i) = by_id.get(&submission) else {
                    continue;
                };
                let status: String = r.get(3)?;
                all[i].queue_ids.push(r.get(1)?);
                all[i].delivery.push(SubmissionDelivery {
                    address: r.get(2)?,
                    status: QueueStatus::parse(&status).unwrap_or(QueueStatus::Queued),
                    last_error: r.get(4)?,
                    remote_reply: r.get(5)?,
                });
            }
            Ok(all)
        })
    }
}
