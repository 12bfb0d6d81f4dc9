//! Messages sent over JMAP (EmailSubmission, RFC 8621 §7): recorded once the message is
//! delivered locally or queued, in one transaction that logs the submission as created, so
//! `EmailSubmission/changes` and push see it.

use super::SqliteBackend;
use crate::access::{Actor, Rights, require};
use crate::changes::{ChangeKind, ObjectKind};
use crate::{AccountId, EmailSubmission, Result};
use rusqlite::params;

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
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }
}
