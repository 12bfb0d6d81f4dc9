//! Changes to where messages are filed: copy, move and expunge (flags are `flags.rs`). Each is
//! one transaction that bumps the account's modseq and logs what changed, so IMAP CONDSTORE /
//! QRESYNC and JMAP see the same history.
//!
//! Messages are named as IMAP names them, by UID within a mailbox: a UID names one message for
//! the mailbox's life, while an email moved out and filed back keeps its id under a new UID. Flags other than `\Deleted` and keywords belong to the email; `\Deleted`, the UID
//! and the modseq belong to the membership (docs/architecture.md, "Emails and memberships").

use super::SqliteBackend;
use super::access::require_in_account;
use super::error::DbResult;
use super::filing::{check_quota, count_usage, file_in};
use super::messages::keywords_from_column;
use super::{WriteCtx, now};
use crate::access::{Actor, Rights};
use crate::changes::{ChangeKind, ObjectKind};
use crate::{AccountId, Flags, MailboxId, MessageId, Modseq, Result, Uid};
use rusqlite::{OptionalExtension, params};

impl SqliteBackend {
    /// Copies messages to another mailbox of the same account (RFC 9051 §6.4.7): each email is
    /// filed in the destination too, with a new UID there (JMAP sees one email in two
    /// mailboxes); an email already in the destination (a copy into its own mailbox) is
    /// duplicated as a new email sharing the blob. Returns (source UID, new UID) pairs for
    /// COPYUID (RFC 4315).
    pub(super) async fn copy_messages(
        &self,
        actor: Actor,
        account_id: AccountId,
        from: MailboxId,
        uids: Vec<Uid>,
        to: MailboxId,
    ) -> Result<Vec<(Uid, Uid)>> {
        self.write(move |ctx| {
            require_in_account(ctx.conn(), actor, account_id, from, Rights::READ)?;
            require_in_account(ctx.conn(), actor, account_id, to, Rights::INSERT)?;
            let mut sources = Vec::with_capacity(uids.len());
            let mut added_bytes = 0u64;
            for uid in uids {
                let Some(source) = copy_source(ctx, account_id, from, to, uid)? else {
                    continue;
                };
                if source.in_destination {
                    added_bytes += source.size as u64;
                }
                sources.push(source);
            }
            check_quota(ctx, &[account_id], added_bytes)?;
            let modseq = ctx.bump_modseq(account_id)?;
            let mut pairs = Vec::with_capacity(sources.len());
            for source in sources {
                let email_id = match source.in_destination {
                    true => duplicate_email(ctx, account_id, source.email_id, modseq)?,
                    false => source.email_id,
                };
                let (_, new_uid) = file_in(
                    ctx,
                    account_id,
                    Some(to),
                    email_id,
                    source.flags,
                    source.size,
                    modseq,
                )?;
                pairs.push((source.uid, new_uid));
            }
            Ok(pairs)
        })
        .await
    }

    /// Moves messages to another mailbox (RFC 6851): each email keeps its id (RFC 8474 EMAILID)
    /// and gets a new UID in the destination; the source sees it expunged. Returns (source UID,
    /// new UID) pairs.
    pub(super) async fn move_messages(
        &self,
        actor: Actor,
        account_id: AccountId,
        from: MailboxId,
        uids: Vec<Uid>,
        to: MailboxId,
    ) -> Result<Vec<(Uid, Uid)>> {
        self.write(move |ctx| {
            // RFC 6851 §3.1 (with RFC 4314): MOVE needs what COPY and EXPUNGE need.
            let source = Rights::READ
                .union(Rights::DELETE_MESSAGES)
                .union(Rights::EXPUNGE);
            require_in_account(ctx.conn(), actor, account_id, from, source)?;
            require_in_account(ctx.conn(), actor, account_id, to, Rights::INSERT)?;
            let modseq = ctx.bump_modseq(account_id)?;
            let mut pairs = Vec::with_capacity(uids.len());
            for uid in uids {
                pairs.extend(move_one(ctx, account_id, from, uid, to, modseq)?);
            }
            Ok(pairs)
        })
        .await
    }

    /// Removes messages from a mailbox (IMAP EXPUNGE, POP3 UPDATE state) in one transaction.
    /// Returns the UIDs removed; UIDs not in the mailbox are skipped. An email removed from its
    /// last mailbox becomes a tombstone: sessions that have not heard of the expunge can still
    /// read it until the collector removes it after the grace period.
    pub(super) async fn expunge(
        &self,
        actor: Actor,
        account_id: AccountId,
        mailbox_id: MailboxId,
        uids: Vec<Uid>,
    ) -> Result<Vec<Uid>> {
        self.write(move |ctx| {
            require_in_account(ctx.conn(), actor, account_id, mailbox_id, Rights::EXPUNGE)?;
            let modseq = ctx.bump_modseq(account_id)?;
            let mut removed = Vec::with_capacity(uids.len());
            for uid in uids {
                if let Some(uid) = remove_message(ctx, account_id, mailbox_id, uid, modseq)? {
                    removed.push(uid);
                }
            }
            Ok(removed)
        })
        .await
    }
}

/// Moves one email from `from` to `to`; `None` when it is not in `from`. An email already filed
/// in the destination (a COPY made before) arrives there as another message, as MOVE = COPY +
/// EXPUNGE would have it (RFC 6851 §3).
fn move_one(
    ctx: &mut WriteCtx<'_>,
    account_id: AccountId,
    from: MailboxId,
    uid: Uid,
    to: MailboxId,
    modseq: Modseq,
) -> DbResult<Option<(Uid, Uid)>> {
    let Some(filed) = filed(ctx, from, uid)? else {
        return Ok(None);
    };
    let id = filed.email_id;
    unfile(ctx, account_id, from, &filed, modseq)?;
    let email_id = match membership_uid(ctx, id, to)? {
        Some(_) => duplicate_email(ctx, account_id, id, modseq)?,
        None => id,
    };
    let (_, new_uid) = file_in(
        ctx,
        account_id,
        Some(to),
        email_id,
        filed.flags,
        filed.size,
        modseq,
    )?;
    Ok(Some((filed.uid, new_uid)))
}

/// Moves every message of `from` to `to` (RENAME of INBOX, RFC 9051 §6.3.6), in UID order.
pub(super) fn move_all(
    ctx: &mut WriteCtx<'_>,
    account_id: AccountId,
    from: MailboxId,
    to: MailboxId,
) -> DbResult<()> {
    let uids: Vec<Uid> = ctx
        .conn()
        .prepare_cached("SELECT uid FROM memberships WHERE mailbox_id = ?1 ORDER BY uid")?
        .query_map([from], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if uids.is_empty() {
        return Ok(());
    }
    let modseq = ctx.bump_modseq(account_id)?;
    for uid in uids {
        move_one(ctx, account_id, from, uid, to, modseq)?;
    }
    Ok(())
}

/// An email as filed in one mailbox.
pub(super) struct Filed {
    pub email_id: MessageId,
    pub uid: Uid,
    /// The email's flags with the membership's `\Deleted`.
    pub flags: Flags,
    pub keywords: Vec<String>,
    pub modseq: Modseq,
    pub size: i64,
}

/// The message at `uid` in `mailbox_id`, if it is there, from its membership and listing copy
/// (the caller has checked the mailbox is the account's). A UID names one message for the life
/// of the mailbox (RFC 9051 §2.3.1.1): an email moved out and filed back has a new UID, so a
/// stale UID never reaches it.
pub(super) fn filed(
    ctx: &WriteCtx<'_>,
    mailbox_id: MailboxId,
    uid: Uid,
) -> DbResult<Option<Filed>> {
    Ok(ctx
        .conn()
        .prepare_cached(
            "SELECT email_id, flags | (deleted * 8), keywords, modseq, size
             FROM memberships WHERE mailbox_id = ?1 AND uid = ?2",
        )?
        .query_row(params![mailbox_id, uid], |r| {
            Ok(Filed {
                uid,
                email_id: r.get(0)?,
                flags: Flags(r.get(1)?),
                keywords: keywords_from_column(r.get(2)?),
                modseq: r.get::<_, i64>(3)? as u64,
                size: r.get(4)?,
            })
        })
        .optional()?)
}

fn membership_uid(
    ctx: &WriteCtx<'_>,
    email_id: MessageId,
    mailbox_id: MailboxId,
) -> DbResult<Option<Uid>> {
    Ok(ctx
        .conn()
        .prepare_cached("SELECT uid FROM memberships WHERE email_id = ?1 AND mailbox_id = ?2")?
        .query_row(params![email_id, mailbox_id], |r| r.get(0))
        .optional()?)
}

/// Takes a membership out of a mailbox: the row, the mailbox's counters and the log.
fn unfile(
    ctx: &WriteCtx<'_>,
    account_id: AccountId,
    mailbox_id: MailboxId,
    filed: &Filed,
    modseq: Modseq,
) -> DbResult<()> {
    ctx.conn()
        .prepare_cached("DELETE FROM memberships WHERE mailbox_id = ?1 AND uid = ?2")?
        .execute(params![mailbox_id, filed.uid])?;
    let unseen = i64::from(!filed.flags.contains(Flags::SEEN));
    ctx.conn()
        .prepare_cached("UPDATE mailboxes SET total = total - 1, unseen = unseen - ?2, size = size - ?3, highest_modseq = ?4 WHERE id = ?1")?
        .execute(params![mailbox_id, unseen, filed.size, modseq as i64])?;
    ctx.log_change(
        account_id,
        modseq,
        ObjectKind::Email,
        ChangeKind::Destroyed,
        filed.email_id,
        Some(mailbox_id),
        Some(filed.uid),
    )
}

/// What COPY needs of one source message.
struct CopySource {
    email_id: MessageId,
    uid: Uid,
    flags: Flags,
    size: i64,
    /// The email is already filed in the destination: the copy is a new email.
    in_destination: bool,
}

fn copy_source(
    ctx: &WriteCtx<'_>,
    account_id: AccountId,
    from: MailboxId,
    to: MailboxId,
    uid: Uid,
) -> DbResult<Option<CopySource>> {
    Ok(ctx
        .conn()
        .prepare_cached(
            "SELECT e.flags | (m.deleted * 8), e.size, e.id,
                    EXISTS(SELECT 1 FROM memberships d WHERE d.email_id = e.id AND d.mailbox_id = ?3)
             FROM memberships m JOIN emails e ON e.id = m.email_id
             WHERE m.mailbox_id = ?1 AND m.uid = ?2 AND e.account_id = ?4",
        )?
        .query_row(params![from, uid, to, account_id], |r| {
            Ok(CopySource {
                uid,
                flags: Flags(r.get(0)?),
                size: r.get(1)?,
                email_id: r.get(2)?,
                in_destination: r.get(3)?,
            })
        })
        .optional()?)
}

/// A new email with the same content, flags, keywords, thread and members' `\Seen` as
/// `email_id` (COPY into a mailbox the email is already in). Takes a blob reference and counts its size in the quota.
fn duplicate_email(
    ctx: &mut WriteCtx<'_>,
    account_id: AccountId,
    email_id: MessageId,
    modseq: Modseq,
) -> DbResult<MessageId> {
    let (new_id, hash, size): (MessageId, String, i64) = ctx
        .conn()
        .prepare_cached(
            "INSERT INTO emails (account_id, blob_hash, size, internal_date, thread_id, flags, keywords, modseq,
                                 created_modseq)
             SELECT account_id, blob_hash, size, internal_date, thread_id, flags, keywords, ?2, ?2
             FROM emails WHERE id = ?1 RETURNING id, blob_hash, size",
        )?
        .query_row(params![email_id, modseq as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    ctx.conn()
        .prepare_cached("INSERT INTO email_meta (email_id, meta) SELECT ?2, meta FROM email_meta WHERE email_id = ?1")?
        .execute(params![email_id, new_id])?;
    super::sort_keys::duplicate(ctx, email_id, new_id)?;
    // Each member of a shared account sees the copy as read where they had read the original.
    ctx.conn()
        .prepare_cached(
            "INSERT INTO member_seen (user_id, account_id, email_id)
             SELECT user_id, account_id, ?2 FROM member_seen WHERE email_id = ?1",
        )?
        .execute(params![email_id, new_id])?;
    ctx.add_blob_reference(&hash)?;
    count_usage(ctx, account_id, size)?;
    ctx.log_change(
        account_id,
        modseq,
        ObjectKind::Email,
        ChangeKind::Created,
        new_id,
        None,
        None,
    )?;
    Ok(new_id)
}

/// Takes one message out of a mailbox (EXPUNGE, DELETE of its mailbox): its membership, the
/// mailbox's counters and the log. An email that was in no other mailbox becomes a tombstone
/// (no longer counted in the quota); the collector removes it and releases its blob after the
/// grace period.
pub(super) fn remove_message(
    ctx: &mut WriteCtx<'_>,
    account_id: AccountId,
    mailbox_id: MailboxId,
    uid: Uid,
    modseq: Modseq,
) -> DbResult<Option<Uid>> {
    let Some(filed) = filed(ctx, mailbox_id, uid)? else {
        return Ok(None);
    };
    let id = filed.email_id;
    unfile(ctx, account_id, mailbox_id, &filed, modseq)?;
    let still_filed = ctx
        .conn()
        .prepare_cached("SELECT EXISTS(SELECT 1 FROM memberships WHERE email_id = ?1)")?
        .query_row([id], |r| r.get::<_, bool>(0))?;
    if !still_filed {
        ctx.conn()
            .prepare_cached("UPDATE emails SET destroyed_at = ?2, modseq = ?3 WHERE id = ?1")?
            .execute(params![id, now(), modseq as i64])?;
        count_usage(ctx, account_id, -filed.size)?;
        ctx.log_change(
            account_id,
            modseq,
            ObjectKind::Email,
            ChangeKind::Destroyed,
            id,
            None,
            None,
        )?;
    }
    Ok(Some(filed.uid))
}
