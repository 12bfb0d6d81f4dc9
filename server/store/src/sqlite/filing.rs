//! Filing emails: a new email with its metadata, keys and thread, and its membership in a
//! mailbox under the mailbox's next UID, with counters, quota usage and the change log. Delivery,
//! APPEND, COPY and MOVE all file through here.

use super::error::{DbError, DbResult};
use super::messages::{Keys, keywords_to_column};
use super::{WriteCtx, now};
use crate::changes::{ChangeKind, ObjectKind};
use crate::{
    AccountId, BlobRef, Delivered, Flags, MailboxId, MailboxRole, MessageId, MessageMeta, Modseq,
    StoreError, Uid,
};
use rusqlite::{OptionalExtension, params};

/// Where a new message goes.
pub(super) enum Target {
    Inbox,
    /// The account's mailbox with this role, or its INBOX when it has none.
    Role(MailboxRole),
    Mailbox(MailboxId),
}

/// What is stored for a new message (the blob's references are taken by the caller).
pub(super) struct Added<'a> {
    pub blob: &'a BlobRef,
    pub meta: &'a MessageMeta,
    pub meta_json: &'a str,
    pub keys: Option<&'a Keys>,
    pub flags: Flags,
    pub keywords: &'a [String],
    pub internal_date: i64,
}

/// Files a new email into a mailbox of `account_id`: the email (with its metadata and thread),
/// its membership with the mailbox's next UID, counters, quota usage and the change log.
pub(super) fn insert_message(
    ctx: &mut WriteCtx<'_>,
    account_id: AccountId,
    target: Target,
    added: &Added<'_>,
) -> DbResult<Delivered> {
    let size = added.blob.size() as i64;
    let modseq = ctx.bump_modseq(account_id)?;
    let mailbox_key = match target {
        Target::Inbox => None,
        Target::Role(role) => role_mailbox(ctx, account_id, role)?,
        Target::Mailbox(id) => Some(id),
    };
    let thread_id = find_thread(ctx, account_id, &added.meta.references)?;
    let email_id: MessageId = ctx
        .conn()
        .prepare_cached(
            "INSERT INTO emails (account_id, blob_hash, size, internal_date, thread_id, flags,
             keywords, modseq, created_modseq)
             VALUES (?1, ?2, ?3, ?4, COALESCE(?5, 0), ?6, ?7, ?8, ?8) RETURNING id",
        )?
        .query_row(
            params![
                account_id,
                added.blob.hash.as_str(),
                size,
                added.internal_date,
                thread_id,
                added.flags.without(Flags::DELETED).0,
                keywords_to_column(added.keywords),
                modseq as i64
            ],
            |r| r.get(0),
        )?;
    let thread_id = match thread_id {
        Some(t) => t,
        None => {
            ctx.conn()
                .prepare_cached("UPDATE emails SET thread_id = id WHERE id = ?1")?
                .execute([email_id])?;
            ctx.log_change(
                account_id,
                modseq,
                ObjectKind::Thread,
                ChangeKind::Created,
                email_id,
                None,
                None,
            )?;
            email_id
        }
    };
    ctx.conn()
        .prepare_cached("INSERT INTO email_meta (email_id, meta) VALUES (?1, ?2)")?
        .execute(params![email_id, added.meta_json])?;
    if let Some((version, keys)) = added.keys {
        super::sort_keys::insert(ctx, email_id, *version, keys, false)?;
    }
    let (mailbox_id, uid) = file_in(
        ctx,
        account_id,
        mailbox_key,
        email_id,
        added.flags,
        size,
        modseq,
    )?;
    remember_thread(ctx, account_id, added.meta, thread_id)?;
    count_usage(ctx, account_id, size)?;
    Ok(Delivered {
        account_id,
        mailbox_id,
        message_id: email_id,
        uid,
        modseq,
    })
}

/// Files an email in a mailbox of `account_id` (its INBOX when `mailbox` is `None`) under the
/// mailbox's next UID: counters, membership with its listing copy, and the log. Returns the
/// mailbox and the UID.
pub(super) fn file_in(
    ctx: &WriteCtx<'_>,
    account_id: AccountId,
    mailbox: Option<MailboxId>,
    email_id: MessageId,
    flags: Flags,
    size: i64,
    modseq: Modseq,
) -> DbResult<(MailboxId, Uid)> {
    let (mailbox_id, uid) = take_uid(ctx, account_id, mailbox, flags, size, modseq)?;
    let deleted = flags.contains(Flags::DELETED);
    insert_membership(ctx, mailbox_id, uid, email_id, modseq, deleted)?;
    ctx.log_change(
        account_id,
        modseq,
        ObjectKind::Email,
        ChangeKind::Created,
        email_id,
        Some(mailbox_id),
        Some(uid),
    )?;
    Ok((mailbox_id, uid))
}

/// The account's mailbox with `role`, if it has one.
fn role_mailbox(
    ctx: &WriteCtx<'_>,
    account_id: AccountId,
    role: MailboxRole,
) -> DbResult<Option<MailboxId>> {
    Ok(ctx
        .conn()
        .prepare_cached("SELECT id FROM mailboxes WHERE account_id = ?1 AND role = ?2")?
        .query_row(params![account_id, role.as_str()], |r| r.get(0))
        .optional()?)
}

/// Adds `delta` bytes (negative: removes) to the account's quota usage.
pub(super) fn count_usage(ctx: &WriteCtx<'_>, account_id: AccountId, delta: i64) -> DbResult<()> {
    ctx.conn()
        .prepare_cached("UPDATE accounts SET used_bytes = MAX(used_bytes + ?2, 0) WHERE id = ?1")?
        .execute(params![account_id, delta])?;
    Ok(())
}

/// Takes the next UID of a mailbox of `account_id` (its INBOX when `mailbox` is `None`) and counts
/// the arriving message in its counters. Returns the mailbox and the UID.
fn take_uid(
    ctx: &WriteCtx<'_>,
    account_id: AccountId,
    mailbox: Option<MailboxId>,
    flags: Flags,
    size: i64,
    modseq: Modseq,
) -> DbResult<(MailboxId, Uid)> {
    let unseen = i64::from(!flags.contains(Flags::SEEN));
    ctx.conn()
        .prepare_cached(
            "UPDATE mailboxes SET uidnext = uidnext + 1, total = total + 1, unseen = unseen + ?2,
             size = size + ?3, highest_modseq = ?4
             WHERE account_id = ?1 AND id = COALESCE(?5,
                 (SELECT id FROM mailboxes WHERE account_id = ?1 AND role = 'inbox'))
             RETURNING id, uidnext - 1",
        )?
        .query_row(
            params![account_id, unseen, size, modseq as i64, mailbox],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .ok_or_else(|| {
            match mailbox {
                Some(id) => StoreError::NotFound(format!("mailbox {id}")),
                None => StoreError::NotFound(format!("INBOX of account {account_id}")),
            }
            .into()
        })
}

/// Files an email in a mailbox at `uid`, with the copy of its listing columns.
fn insert_membership(
    ctx: &WriteCtx<'_>,
    mailbox_id: MailboxId,
    uid: Uid,
    email_id: MessageId,
    modseq: Modseq,
    deleted: bool,
) -> DbResult<()> {
    ctx.conn()
        .prepare_cached(
            "INSERT INTO memberships (mailbox_id, uid, email_id, modseq, deleted, saved_date,
                 flags, keywords, size, blob_hash, internal_date, thread_id)
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, flags, keywords, size, blob_hash, internal_date,
                 thread_id
             FROM emails WHERE id = ?3",
        )?
        .execute(params![
            mailbox_id,
            uid,
            email_id,
            modseq as i64,
            deleted,
            now()
        ])?;
    Ok(())
}

/// Refuses when adding `size` bytes would take any of `accounts` past its quota.
pub(super) fn check_quota(ctx: &WriteCtx<'_>, accounts: &[AccountId], size: u64) -> DbResult<()> {
    let mut over = Vec::new();
    let mut permanent = false;
    for &account_id in accounts {
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
        }
        .into()),
    }
}

/// The accounts of `accounts` with room for `size` more bytes, in order; `QuotaExceeded` for
/// all of them when none has (permanent when the message is larger than every quota).
pub(super) fn with_room(
    ctx: &WriteCtx<'_>,
    accounts: &[AccountId],
    size: u64,
) -> DbResult<Vec<AccountId>> {
    let mut room = Vec::with_capacity(accounts.len());
    for &account_id in accounts {
        match check_quota(ctx, &[account_id], size) {
            Ok(()) => room.push(account_id),
            Err(DbError::Store(StoreError::QuotaExceeded { .. })) => {}
            Err(other) => return Err(other),
        }
    }
    if room.is_empty() && !accounts.is_empty() {
        check_quota(ctx, accounts, size)?;
    }
    Ok(room)
}

/// The thread of the first referenced message this account has seen, if any.
fn find_thread(
    ctx: &WriteCtx<'_>,
    account_id: AccountId,
    references: &[String],
) -> DbResult<Option<i64>> {
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
) -> DbResult<()> {
    let mut stmt = ctx.conn().prepare_cached(
        "INSERT INTO thread_refs (account_id, message_id, thread_id) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
    )?;
    for id in meta.message_id().iter().chain(meta.references.iter()) {
        stmt.execute(params![account_id, id, thread_id])?;
    }
    Ok(())
}
