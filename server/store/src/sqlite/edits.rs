//! Changes to stored messages: flags and keywords (IMAP STORE), copy, move and expunge. Each is
//! one transaction that bumps the account's modseq and logs what changed, so IMAP CONDSTORE /
//! QRESYNC and JMAP see the same history.

use super::messages::{check_quota, keywords_from_column, keywords_to_column, normalize_keywords};
use super::{Store, WriteCtx, now};
use crate::changes::{ChangeKind, ObjectKind};
use crate::{
    AccountId, FlagChange, FlagOperation, FlagResult, FlagState, Flags, MailboxId, MessageId,
    Modseq, Result, StoreError, Uid,
};
use rusqlite::{OptionalExtension, params};

impl Store {
    /// Changes flags and keywords of messages in a mailbox (RFC 9051 §6.4.6; UNCHANGEDSINCE,
    /// RFC 7162 §3.1.3). Only messages whose flags really change get the new modseq.
    pub async fn set_flags(
        &self,
        account_id: AccountId,
        mailbox_id: MailboxId,
        ids: Vec<MessageId>,
        change: FlagChange,
    ) -> Result<FlagResult> {
        self.write(move |ctx| {
            let keywords = normalize_keywords(&change.keywords);
            let mut result = FlagResult::default();
            let mut modseq = None;
            for id in ids {
                let row: Option<(Uid, u32, Option<String>, i64)> = ctx
                    .conn()
                    .prepare_cached("SELECT uid, flags, keywords, modseq FROM messages WHERE id = ?1 AND mailbox_id = ?2")?
                    .query_row(params![id, mailbox_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                    .optional()?;
                let Some((uid, old_flags, old_keywords, old_modseq)) = row else { continue };
                if change.unchanged_since.is_some_and(|since| old_modseq as u64 > since) {
                    result.modified.push(uid);
                    continue;
                }
                let (old_flags, old_keywords) = (Flags(old_flags), keywords_from_column(old_keywords));
                let (flags, new_keywords) = apply(change.operation, old_flags, &old_keywords, change.flags, &keywords);
                let changed = flags != old_flags || !same_keywords(&new_keywords, &old_keywords);
                let mut state = FlagState { id, uid, flags, keywords: new_keywords, modseq: old_modseq as u64, changed };
                if changed {
                    let modseq = *modseq.get_or_insert(ctx.bump_modseq(account_id)?);
                    write_flags(ctx, account_id, mailbox_id, &state, old_flags, modseq)?;
                    state.modseq = modseq;
                }
                result.states.push(state);
            }
            Ok(result)
        })
        .await
    }

    /// Copies messages to another mailbox of the same account (RFC 9051 §6.4.7): new rows with
    /// new UIDs sharing the blobs. Returns (source UID, new UID) pairs for COPYUID (RFC 4315).
    pub async fn copy_messages(
        &self,
        account_id: AccountId,
        from: MailboxId,
        ids: Vec<MessageId>,
        to: MailboxId,
    ) -> Result<Vec<(Uid, Uid)>> {
        self.write(move |ctx| {
            let size: i64 = ids.iter().try_fold(0i64, |sum, &id| {
                ctx.conn()
                    .prepare_cached("SELECT size FROM messages WHERE id = ?1 AND mailbox_id = ?2")?
                    .query_row(params![id, from], |r| r.get::<_, i64>(0))
                    .optional()
                    .map(|s| sum + s.unwrap_or(0))
            })?;
            check_quota(ctx, &[account_id], size as u64)?;
            let modseq = ctx.bump_modseq(account_id)?;
            let mut pairs = Vec::with_capacity(ids.len());
            for id in ids {
                let Some((old_uid, flags, size)) = source_row(ctx, id, from)? else { continue };
                let new_uid = next_uid(ctx, account_id, to, flags, size, modseq)?;
                let new_id: MessageId = ctx
                    .conn()
                    .prepare_cached(
                        "INSERT INTO messages (account_id, mailbox_id, uid, modseq, flags, keywords, blob_hash, size,
                         internal_date, saved_date, thread_id, meta)
                         SELECT account_id, ?2, ?3, ?4, flags, keywords, blob_hash, size, internal_date, ?5, thread_id, meta
                         FROM messages WHERE id = ?1 RETURNING id",
                    )?
                    .query_row(params![id, to, new_uid, modseq as i64, now()], |r| r.get(0))?;
                ctx.conn()
                    .prepare_cached("UPDATE blobs SET refcount = refcount + 1 WHERE hash = (SELECT blob_hash FROM messages WHERE id = ?1)")?
                    .execute([new_id])?;
                ctx.conn()
                    .prepare_cached("UPDATE accounts SET used_bytes = used_bytes + ?2 WHERE id = ?1")?
                    .execute(params![account_id, size])?;
                ctx.log_change(account_id, modseq, ObjectKind::Message, ChangeKind::Created, new_id, Some(to), Some(new_uid))?;
                pairs.push((old_uid, new_uid));
            }
            Ok(pairs)
        })
        .await
    }

    /// Moves messages to another mailbox (RFC 6851): the same rows get the destination and a new
    /// UID there; the source sees them expunged. Returns (source UID, new UID) pairs.
    pub async fn move_messages(
        &self,
        account_id: AccountId,
        from: MailboxId,
        ids: Vec<MessageId>,
        to: MailboxId,
    ) -> Result<Vec<(Uid, Uid)>> {
        self.write(move |ctx| {
            let modseq = ctx.bump_modseq(account_id)?;
            let mut pairs = Vec::with_capacity(ids.len());
            for id in ids {
                let Some((old_uid, flags, size)) = source_row(ctx, id, from)? else { continue };
                let unseen = i64::from(!Flags(flags).contains(Flags::SEEN));
                ctx.conn()
                    .prepare_cached(
                        "UPDATE mailboxes SET total = total - 1, unseen = unseen - ?2, size = size - ?3, highest_modseq = ?4 WHERE id = ?1",
                    )?
                    .execute(params![from, unseen, size, modseq as i64])?;
                let new_uid = next_uid(ctx, account_id, to, flags, size, modseq)?;
                ctx.conn()
                    .prepare_cached("UPDATE messages SET mailbox_id = ?2, uid = ?3, modseq = ?4, saved_date = ?5 WHERE id = ?1")?
                    .execute(params![id, to, new_uid, modseq as i64, now()])?;
                ctx.log_change(account_id, modseq, ObjectKind::Message, ChangeKind::Destroyed, id, Some(from), Some(old_uid))?;
                ctx.log_change(account_id, modseq, ObjectKind::Message, ChangeKind::Created, id, Some(to), Some(new_uid))?;
                pairs.push((old_uid, new_uid));
            }
            Ok(pairs)
        })
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
            let modseq = ctx.bump_modseq(account_id)?;
            let mut removed = Vec::with_capacity(ids.len());
            for id in ids {
                if let Some(uid) = remove_message(ctx, account_id, mailbox_id, id, modseq)? {
                    removed.push(uid);
                }
            }
            Ok(removed)
        })
        .await
    }
}

/// Deletes one message row with its counters, quota usage, blob reference and log entry.
pub(super) fn remove_message(
    ctx: &mut WriteCtx<'_>,
    account_id: AccountId,
    mailbox_id: MailboxId,
    id: MessageId,
    modseq: Modseq,
) -> Result<Option<Uid>> {
    let row: Option<(Uid, u32, i64, String)> = ctx
        .conn()
        .prepare_cached(
            "DELETE FROM messages WHERE id = ?1 AND mailbox_id = ?2 AND account_id = ?3 RETURNING uid, flags, size, blob_hash",
        )?
        .query_row(params![id, mailbox_id, account_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .optional()?;
    let Some((uid, flags, size, hash)) = row else {
        return Ok(None);
    };
    let unseen = i64::from(!Flags(flags).contains(Flags::SEEN));
    ctx.conn()
        .prepare_cached("UPDATE mailboxes SET total = total - 1, unseen = unseen - ?2, size = size - ?3, highest_modseq = ?4 WHERE id = ?1")?
        .execute(params![mailbox_id, unseen, size, modseq as i64])?;
    ctx.conn()
        .prepare_cached("UPDATE accounts SET used_bytes = MAX(used_bytes - ?2, 0) WHERE id = ?1")?
        .execute(params![account_id, size])?;
    ctx.release_blob(&hash)?;
    ctx.log_change(
        account_id,
        modseq,
        ObjectKind::Message,
        ChangeKind::Destroyed,
        id,
        Some(mailbox_id),
        Some(uid),
    )?;
    Ok(Some(uid))
}

/// UID, flags and size of a message in `mailbox`, if it is there.
fn source_row(
    ctx: &WriteCtx<'_>,
    id: MessageId,
    mailbox: MailboxId,
) -> Result<Option<(Uid, u32, i64)>> {
    Ok(ctx
        .conn()
        .prepare_cached("SELECT uid, flags, size FROM messages WHERE id = ?1 AND mailbox_id = ?2")?
        .query_row(params![id, mailbox], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?)
}

/// Takes the destination's next UID and counts the arriving message in its counters.
fn next_uid(
    ctx: &WriteCtx<'_>,
    account_id: AccountId,
    to: MailboxId,
    flags: u32,
    size: i64,
    modseq: Modseq,
) -> Result<Uid> {
    let unseen = i64::from(!Flags(flags).contains(Flags::SEEN));
    ctx.conn()
        .prepare_cached(
            "UPDATE mailboxes SET uidnext = uidnext + 1, total = total + 1, unseen = unseen + ?3, size = size + ?4,
             highest_modseq = ?5 WHERE id = ?1 AND account_id = ?2 RETURNING uidnext - 1",
        )?
        .query_row(params![to, account_id, unseen, size, modseq as i64], |r| r.get(0))
        .optional()?
        .ok_or_else(|| StoreError::NotFound(format!("mailbox {to}")))
}

/// Flags and keywords after applying `operation`.
fn apply(
    operation: FlagOperation,
    flags: Flags,
    keywords: &[String],
    change: Flags,
    change_keywords: &[String],
) -> (Flags, Vec<String>) {
    match operation {
        FlagOperation::Replace => (change, change_keywords.to_vec()),
        FlagOperation::Add => {
            let mut all = keywords.to_vec();
            all.extend_from_slice(change_keywords);
            (flags.with(change), normalize_keywords(&all))
        }
        FlagOperation::Remove => (
            flags.without(change),
            keywords
                .iter()
                .filter(|k| !change_keywords.iter().any(|c| c.eq_ignore_ascii_case(k)))
                .cloned()
                .collect(),
        ),
    }
}

fn same_keywords(a: &[String], b: &[String]) -> bool {
    a.len() == b.len()
        && a.iter()
            .all(|k| b.iter().any(|o| o.eq_ignore_ascii_case(k)))
}

fn write_flags(
    ctx: &WriteCtx<'_>,
    account_id: AccountId,
    mailbox_id: MailboxId,
    state: &FlagState,
    old: Flags,
    modseq: Modseq,
) -> Result<()> {
    ctx.conn()
        .prepare_cached("UPDATE messages SET flags = ?2, keywords = ?3, modseq = ?4 WHERE id = ?1")?
        .execute(params![
            state.id,
            state.flags.0,
            keywords_to_column(&state.keywords),
            modseq as i64
        ])?;
    let seen_delta =
        i64::from(old.contains(Flags::SEEN)) - i64::from(state.flags.contains(Flags::SEEN));
    ctx.conn()
        .prepare_cached(
            "UPDATE mailboxes SET unseen = unseen + ?2, highest_modseq = ?3 WHERE id = ?1",
        )?
        .execute(params![mailbox_id, seen_delta, modseq as i64])?;
    ctx.log_change(
        account_id,
        modseq,
        ObjectKind::Message,
        ChangeKind::Updated,
        state.id,
        Some(mailbox_id),
        Some(state.uid),
    )
}
