//! Mailboxes and messages: creation, delivery, listing, expunge, and reading the change log.

use super::{Store, WriteCtx, now};
use crate::changes::{Change, ChangeKind, ObjectKind};
use crate::{
    AccountId, BlobHash, Delivered, Flags, IncomingMessage, Mailbox, MailboxId, MailboxRole,
    MessageId, MessageMeta, MessageSummary, Modseq, Result, StoreError, Uid,
};
use rusqlite::{OptionalExtension, Row, params};
use std::sync::Arc;

const MAILBOX_COLUMNS: &str = "id, account_id, name, role, uidvalidity, uidnext, highest_modseq, \
                               total, unseen, size, subscribed FROM mailboxes";

fn mailbox_from_row(r: &Row<'_>) -> rusqlite::Result<Mailbox> {
    Ok(Mailbox {
        id: r.get(0)?,
        account_id: r.get(1)?,
        name: r.get(2)?,
        role: r
            .get::<_, Option<String>>(3)?
            .and_then(|s| MailboxRole::parse(&s)),
        uidvalidity: r.get(4)?,
        uidnext: r.get(5)?,
        highest_modseq: r.get::<_, i64>(6)? as u64,
        total: r.get(7)?,
        unseen: r.get(8)?,
        size: r.get::<_, i64>(9)? as u64,
        subscribed: r.get(10)?,
    })
}

/// Creates a mailbox with a fresh UIDVALIDITY (RFC 9051 §2.3.1.1): the creation time, made larger
/// than any UIDVALIDITY the account already uses so a re-created name never reuses one.
pub(super) fn create_mailbox(
    ctx: &mut WriteCtx<'_>,
    account_id: AccountId,
    name: &str,
    role: Option<MailboxRole>,
) -> Result<MailboxId> {
    let highest: Option<u32> = ctx.conn().query_row(
        "SELECT MAX(uidvalidity) FROM mailboxes WHERE account_id = ?1",
        [account_id],
        |r| r.get(0),
    )?;
    let uidvalidity = (now() as u32).max(highest.map_or(1, |h| h.saturating_add(1)));
    let modseq = ctx.bump_modseq(account_id)?;
    let id: MailboxId = ctx.conn().query_row(
        "INSERT INTO mailboxes (account_id, name, role, uidvalidity, highest_modseq)
         VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
        params![
            account_id,
            name,
            role.map(MailboxRole::as_str),
            uidvalidity,
            modseq as i64
        ],
        |r| r.get(0),
    )?;
    ctx.log_change(
        account_id,
        modseq,
        ObjectKind::Mailbox,
        ChangeKind::Created,
        id,
        None,
        None,
    )?;
    Ok(id)
}

impl Store {
    /// All mailboxes of an account, by name.
    pub fn mailboxes(&self, account_id: AccountId) -> Result<Vec<Mailbox>> {
        self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {MAILBOX_COLUMNS} WHERE account_id = ?1 ORDER BY name"
            ))?
            .query_map([account_id], mailbox_from_row)?
            .collect()
        })
    }

    pub fn mailbox(&self, id: MailboxId) -> Result<Option<Mailbox>> {
        self.read(|c| {
            c.prepare_cached(&format!("SELECT {MAILBOX_COLUMNS} WHERE id = ?1"))?
                .query_row([id], mailbox_from_row)
                .optional()
        })
    }

    pub fn mailbox_by_role(
        &self,
        account_id: AccountId,
        role: MailboxRole,
    ) -> Result<Option<Mailbox>> {
        self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {MAILBOX_COLUMNS} WHERE account_id = ?1 AND role = ?2"
            ))?
            .query_row(params![account_id, role.as_str()], mailbox_from_row)
            .optional()
        })
    }

    /// The messages of a mailbox in UID order, without their bodies.
    pub fn messages(&self, mailbox_id: MailboxId) -> Result<Vec<MessageSummary>> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT id, uid, modseq, flags, size, blob_hash, internal_date, thread_id
                 FROM messages WHERE mailbox_id = ?1 ORDER BY uid",
            )?
            .query_map([mailbox_id], |r| {
                let hash: String = r.get(5)?;
                Ok(MessageSummary {
                    id: r.get(0)?,
                    uid: r.get(1)?,
                    modseq: r.get::<_, i64>(2)? as u64,
                    flags: Flags(r.get(3)?),
                    size: r.get::<_, i64>(4)? as u64,
                    blob: BlobHash::parse(&hash).ok_or_else(|| {
                        rusqlite::Error::InvalidColumnType(
                            5,
                            "blob_hash".into(),
                            rusqlite::types::Type::Text,
                        )
                    })?,
                    internal_date: r.get(6)?,
                    thread_id: r.get(7)?,
                })
            })?
            .collect()
        })
    }

    /// The metadata extracted from a message at delivery.
    pub fn message_meta(&self, id: MessageId) -> Result<MessageMeta> {
        let json: String = self
            .read(|c| {
                c.prepare_cached("SELECT meta FROM messages WHERE id = ?1")?
                    .query_row([id], |r| r.get(0))
                    .optional()
            })?
            .ok_or_else(|| StoreError::NotFound(format!("message {id}")))?;
        serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(e.to_string()))
    }

    /// Delivers a message into each recipient's INBOX, all in one transaction with one shared
    /// blob. The blob is stored (fsynced) first; the call returns once the commit is on disk.
    pub async fn deliver(&self, message: IncomingMessage) -> Result<Vec<Delivered>> {
        self.put_blob(&message.blob).await?;
        let blob = message.blob.clone();
        let meta = tokio::task::spawn_blocking(move || MessageMeta::extract(&blob.data))
            .await
            .map_err(|e| StoreError::Io(std::io::Error::other(e)))?;
        let meta_json: Arc<str> = serde_json::to_string(&meta)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?
            .into();
        self.write(move |ctx| deliver_job(ctx, &message, &meta, &meta_json))
            .await
    }

    /// Removes messages from a mailbox (IMAP EXPUNGE, POP3 UPDATE state) in one transaction.
    /// Returns the UIDs removed; ids not in the mailbox are skipped.
    pub async fn expunge(
        &self,
        account_id: AccountId,
        mailbox_id: MailboxId,
        ids: Vec<MessageId>,
    ) -> Result<Vec<Uid>> {
        self.write(move |ctx| {
            let mut removed = Vec::new();
            let modseq = ctx.bump_modseq(account_id)?;
            for id in ids {
                let row: Option<(Uid, u32, i64, String)> = ctx
                    .conn()
                    .prepare_cached(
                        "DELETE FROM messages WHERE id = ?1 AND mailbox_id = ?2 AND account_id = ?3
                         RETURNING uid, flags, size, blob_hash",
                    )?
                    .query_row(params![id, mailbox_id, account_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                    .optional()?;
                let Some((uid, flags, size, hash)) = row else { continue };
                let unseen = i64::from(!Flags(flags).contains(Flags::SEEN));
                ctx.conn()
                    .prepare_cached(
                        "UPDATE mailboxes SET total = total - 1, unseen = unseen - ?2, size = size - ?3,
                         highest_modseq = ?4 WHERE id = ?1",
                    )?
                    .execute(params![mailbox_id, unseen, size, modseq as i64])?;
                ctx.conn()
                    .prepare_cached("UPDATE accounts SET used_bytes = MAX(used_bytes - ?2, 0) WHERE id = ?1")?
                    .execute(params![account_id, size])?;
                ctx.release_blob(&hash)?;
                ctx.log_change(account_id, modseq, ObjectKind::Message, ChangeKind::Destroyed, id, Some(mailbox_id), Some(uid))?;
                removed.push(uid);
            }
            Ok(removed)
        })
        .await
    }

    /// The account's change log after `since` (exclusive), oldest first.
    pub fn changes_since(&self, account_id: AccountId, since: Modseq) -> Result<Vec<Change>> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT modseq, object, kind, object_id, mailbox_id, uid FROM changes
                 WHERE account_id = ?1 AND modseq > ?2 ORDER BY modseq, id",
            )?
            .query_map(params![account_id, since as i64], |r| {
                let bad = |i| {
                    rusqlite::Error::InvalidColumnType(
                        i,
                        "changes".into(),
                        rusqlite::types::Type::Integer,
                    )
                };
                Ok(Change {
                    modseq: r.get::<_, i64>(0)? as u64,
                    object: ObjectKind::from_i64(r.get(1)?).ok_or_else(|| bad(1))?,
                    kind: ChangeKind::from_i64(r.get(2)?).ok_or_else(|| bad(2))?,
                    object_id: r.get(3)?,
                    mailbox_id: r.get(4)?,
                    uid: r.get(5)?,
                })
            })?
            .collect()
        })
    }
}

/// The delivery transaction: quota check, then per recipient: UID, row, counters, thread, log.
fn deliver_job(
    ctx: &mut WriteCtx<'_>,
    message: &IncomingMessage,
    meta: &MessageMeta,
    meta_json: &str,
) -> Result<Vec<Delivered>> {
    let size = message.blob.size() as i64;
    if message.enforce_quota {
        check_quota(ctx, &message.recipients, size as u64)?;
    }
    ctx.acquire_blob(&message.blob, message.recipients.len() as u32)?;
    let unseen = i64::from(!message.flags.contains(Flags::SEEN));
    let mut delivered = Vec::with_capacity(message.recipients.len());
    for &account_id in &message.recipients {
        let modseq = ctx.bump_modseq(account_id)?;
        let (mailbox_id, uid): (MailboxId, Uid) = ctx
            .conn()
            .prepare_cached(
                "UPDATE mailboxes SET uidnext = uidnext + 1, total = total + 1, unseen = unseen + ?2,
                 size = size + ?3, highest_modseq = ?4
                 WHERE account_id = ?1 AND role = 'inbox' RETURNING id, uidnext - 1",
            )?
            .query_row(params![account_id, unseen, size, modseq as i64], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("INBOX of account {account_id}")))?;
        let thread_id = find_thread(ctx, account_id, &meta.references)?;
        let message_id: MessageId = ctx
            .conn()
            .prepare_cached(
                "INSERT INTO messages (account_id, mailbox_id, uid, modseq, flags, blob_hash, size,
                 internal_date, saved_date, thread_id, meta)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, COALESCE(?10, 0), ?11) RETURNING id",
            )?
            .query_row(
                params![
                    account_id,
                    mailbox_id,
                    uid,
                    modseq as i64,
                    message.flags.0,
                    message.blob.hash.as_str(),
                    size,
                    message.internal_date,
                    now(),
                    thread_id,
                    meta_json
                ],
                |r| r.get(0),
            )?;
        let thread_id = match thread_id {
            Some(t) => t,
            None => {
                ctx.conn()
                    .prepare_cached("UPDATE messages SET thread_id = id WHERE id = ?1")?
                    .execute([message_id])?;
                message_id
            }
        };
        remember_thread(ctx, account_id, meta, thread_id)?;
        ctx.conn()
            .prepare_cached("UPDATE accounts SET used_bytes = used_bytes + ?2 WHERE id = ?1")?
            .execute(params![account_id, size])?;
        ctx.log_change(
            account_id,
            modseq,
            ObjectKind::Message,
            ChangeKind::Created,
            message_id,
            Some(mailbox_id),
            Some(uid),
        )?;
        delivered.push(Delivered {
            account_id,
            mailbox_id,
            message_id,
            uid,
            modseq,
        });
    }
    Ok(delivered)
}

fn check_quota(ctx: &WriteCtx<'_>, recipients: &[AccountId], size: u64) -> Result<()> {
    let mut over = Vec::new();
    let mut permanent = false;
    for &account_id in recipients {
        let (quota, used): (i64, i64) = ctx
            .conn()
            .prepare_cached("SELECT quota_bytes, used_bytes FROM accounts WHERE id = ?1")?
            .query_row([account_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        let (quota, used) = (quota as u64, used as u64);
        if quota > 0 && used + size > quota {
            over.push(account_id);
            permanent |= size > quota;
        }
    }
    match over.is_empty() {
        true => Ok(()),
        false => Err(StoreError::QuotaExceeded {
            accounts: over,
            permanent,
        }),
    }
}

/// The thread of the first referenced message this account has seen, if any.
fn find_thread(
    ctx: &WriteCtx<'_>,
    account_id: AccountId,
    references: &[String],
) -> Result<Option<i64>> {
    let mut stmt = ctx.conn().prepare_cached(
        "SELECT thread_id FROM thread_refs WHERE account_id = ?1 AND message_id = ?2",
    )?;
    for reference in references {
        if let Some(thread) = stmt
            .query_row(params![account_id, reference], |r| r.get(0))
            .optional()?
        {
            return Ok(Some(thread));
        }
    }
    Ok(None)
}

/// Records this message's id and its references as belonging to `thread_id`, so later replies
/// (even to messages this account never received) join the same thread.
fn remember_thread(
    ctx: &WriteCtx<'_>,
    account_id: AccountId,
    meta: &MessageMeta,
    thread_id: i64,
) -> Result<()> {
    let mut stmt = ctx.conn().prepare_cached(
        "INSERT INTO thread_refs (account_id, message_id, thread_id) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
    )?;
    for id in meta.message_id().iter().chain(meta.references.iter()) {
        stmt.execute(params![account_id, id, thread_id])?;
    }
    Ok(())
}
