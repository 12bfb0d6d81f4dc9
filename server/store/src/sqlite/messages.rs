//! Messages: listing a mailbox, and adding emails (SMTP delivery to INBOXes, APPEND to a chosen
//! mailbox). Adding is one code path (`filing.rs`): quota, the email, its metadata, its
//! membership with a UID from the mailbox's `uidnext`, counters, thread and change log, in the
//! writer's transaction.
//!
//! A message as IMAP and POP3 list it ([`MessageSummary`]) is a membership with its listing copy
//! of its email: its `id` is the email's, the same in every mailbox it is filed in (RFC 8474
//! EMAILID).

use super::SqliteBackend;
use super::access::require_in_account;
use super::filing::{Added, Target, check_quota, insert_message, with_room};
use super::member_seen;
use crate::access::{Actor, Rights};
use crate::{
    AccountId, BlobHash, BlobRef, Delivered, Flags, IncomingMessage, MailboxId, MailboxRole,
    MessageId, MessageMeta, MessageSummary, NewMessage, QuotaRule, Result, StoreError, Uid,
};
use rusqlite::{OptionalExtension, Row, params};
use std::sync::Arc;

/// A message summary: the membership (UID, modseq, \Deleted, save date) with the copy of its
/// email's listing columns it keeps (migration 0007), so a mailbox lists from one table in UID
/// order. Callers add `WHERE` on `m.mailbox_id`, `m.uid` or `m.email_id`.
pub(super) const SUMMARY_SELECT: &str = "SELECT m.email_id, m.uid, m.modseq, m.flags | (m.deleted * 8), \
     m.keywords, m.size, m.blob_hash, m.internal_date, m.saved_date, m.thread_id FROM memberships m";

pub(super) fn summary_from_row(r: &Row<'_>) -> rusqlite::Result<MessageSummary> {
    let hash: String = r.get(6)?;
    Ok(MessageSummary {
        id: r.get(0)?,
        uid: r.get(1)?,
        modseq: r.get::<_, i64>(2)? as u64,
        flags: Flags(r.get(3)?),
        keywords: keywords_from_column(r.get(4)?),
        size: r.get::<_, i64>(5)? as u64,
        blob: BlobHash::parse(&hash).ok_or_else(|| {
            rusqlite::Error::InvalidColumnType(6, "blob_hash".into(), rusqlite::types::Type::Text)
        })?,
        internal_date: r.get(7)?,
        saved_date: r.get(8)?,
        thread_id: r.get(9)?,
    })
}

/// Keywords are stored as a JSON array, NULL when there are none.
pub(super) fn keywords_from_column(json: Option<String>) -> Vec<String> {
    json.and_then(|j| serde_json::from_str(&j).ok())
        .unwrap_or_default()
}

pub(super) fn keywords_to_column(keywords: &[String]) -> Option<String> {
    (!keywords.is_empty()).then(|| serde_json::to_string(keywords).unwrap_or_default())
}

/// Keywords deduplicated case-insensitively (RFC 9051 §2.3.2: keywords are case-insensitive).
pub(crate) fn normalize_keywords(keywords: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(keywords.len());
    for k in keywords {
        if !out.iter().any(|o| o.eq_ignore_ascii_case(k)) {
            out.push(k.clone());
        }
    }
    out
}

impl SqliteBackend {
    /// The messages of a mailbox in UID order, without their bodies.
    pub(super) fn messages(
        &self,
        actor: Actor,
        mailbox_id: MailboxId,
    ) -> Result<Vec<MessageSummary>> {
        let total = self.read(|c| {
            c.prepare_cached("SELECT total FROM mailboxes WHERE id = ?1")?
                .query_row([mailbox_id], |r| r.get::<_, i64>(0))
                .optional()
        })?;
        let rows = total.unwrap_or(0).max(0) as usize;
        self.read_sized_checked(rows, |c| {
            let owner = self.require_mailbox(c, actor, mailbox_id, Rights::READ)?;
            let mut summaries: Vec<MessageSummary> = c
                .prepare_cached(&format!(
                    "{SUMMARY_SELECT} WHERE m.mailbox_id = ?1 ORDER BY m.uid"
                ))?
                .query_map([mailbox_id], summary_from_row)?
                .collect::<rusqlite::Result<_>>()?;
            member_seen::show_in_summaries(c, actor, owner, &mut summaries)?;
            Ok(summaries)
        })
    }

    /// Messages of a mailbox with a UID above `uid`, in UID order (what arrived since a view
    /// was last synchronised).
    pub(super) fn messages_after_uid(
        &self,
        actor: Actor,
        mailbox_id: MailboxId,
        uid: Uid,
    ) -> Result<Vec<MessageSummary>> {
        self.read_checked(|c| {
            let owner = self.require_mailbox(c, actor, mailbox_id, Rights::READ)?;
            let mut summaries: Vec<MessageSummary> = c
                .prepare_cached(&format!(
                    "{SUMMARY_SELECT} WHERE m.mailbox_id = ?1 AND m.uid > ?2 ORDER BY m.uid"
                ))?
                .query_map(params![mailbox_id, uid], summary_from_row)?
                .collect::<rusqlite::Result<_>>()?;
            member_seen::show_in_summaries(c, actor, owner, &mut summaries)?;
            Ok(summaries)
        })
    }

    /// The message with this UID in a mailbox, if it is still there (an IMAP URL's `;UID=`,
    /// RFC 5092).
    pub(super) fn message_by_uid(
        &self,
        actor: Actor,
        mailbox_id: MailboxId,
        uid: Uid,
    ) -> Result<Option<MessageSummary>> {
        self.read_checked(|c| {
            let owner = self.require_mailbox(c, actor, mailbox_id, Rights::READ)?;
            let mut summary = c
                .prepare_cached(&format!(
                    "{SUMMARY_SELECT} WHERE m.mailbox_id = ?1 AND m.uid = ?2"
                ))?
                .query_row(params![mailbox_id, uid], summary_from_row)
                .optional()?;
            member_seen::show_in_summaries(c, actor, owner, summary.as_mut_slice())?;
            Ok(summary)
        })
    }

    /// The current summaries of the messages at these UIDs that are still in `mailbox_id`.
    pub(super) fn message_summaries(
        &self,
        actor: Actor,
        mailbox_id: MailboxId,
        uids: &[Uid],
    ) -> Result<Vec<MessageSummary>> {
        self.read_sized_checked(uids.len(), |c| {
            let owner = self.require_mailbox(c, actor, mailbox_id, Rights::READ)?;
            let mut stmt = c.prepare_cached(&format!(
                "{SUMMARY_SELECT} WHERE m.mailbox_id = ?1 AND m.uid = ?2"
            ))?;
            let mut out = Vec::with_capacity(uids.len());
            for &uid in uids {
                if let Some(summary) = stmt
                    .query_row(params![mailbox_id, uid], summary_from_row)
                    .optional()?
                {
                    out.push(summary);
                }
            }
            member_seen::show_in_summaries(c, actor, owner, &mut out)?;
            Ok(out)
        })
    }

    /// The metadata extracted from one of the account's emails when it was stored (also of an
    /// email expunged moments ago, until the collector removes it).
    pub(super) fn message_meta(
        &self,
        actor: Actor,
        account_id: AccountId,
        id: MessageId,
    ) -> Result<MessageMeta> {
        let json: String = self
            .read_checked(|c| {
                super::acl::require_account_read(c, actor, account_id, Rights::READ)?;
                Ok(c.prepare_cached(
                    "SELECT x.meta FROM email_meta x JOIN emails e ON e.id = x.email_id \
                     WHERE x.email_id = ?1 AND e.account_id = ?2",
                )?
                .query_row(params![id, account_id], |r| r.get(0))
                .optional()?)
            })?
            .ok_or_else(|| StoreError::NotFound(format!("message {id}")))?;
        serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(e.to_string()))
    }

    /// Adds messages to chosen mailboxes in one transaction (IMAP APPEND and MULTIAPPEND,
    /// RFC 3502: all or none). Quota is enforced.
    pub(super) async fn append(
        &self,
        actor: Actor,
        messages: Vec<NewMessage>,
    ) -> Result<Vec<Delivered>> {
        let mut prepared = Vec::with_capacity(messages.len());
        for message in messages {
            let (meta, json, keys) = self.prepare(&message.blob).await?;
            prepared.push((message, meta, json, keys));
        }
        self.write(move |ctx| {
            let mut delivered = Vec::with_capacity(prepared.len());
            for (message, meta, meta_json, keys) in &prepared {
                require_in_account(
                    ctx.conn(),
                    actor,
                    message.account_id,
                    message.mailbox_id,
                    Rights::INSERT,
                )?;
                check_quota(ctx, &[message.account_id], message.blob.size())?;
                ctx.acquire_blob(&message.blob, 1)?;
                let keywords = normalize_keywords(&message.keywords);
                // A member appending to a shared account keeps \Seen as their own.
                let member = member_seen::member(ctx.conn(), actor, message.account_id)?;
                let member_saw = member.filter(|_| message.flags.contains(Flags::SEEN));
                let added = Added {
                    blob: &message.blob,
                    meta,
                    meta_json,
                    keys: keys.as_ref(),
                    flags: match member {
                        Some(_) => message.flags.without(Flags::SEEN),
                        None => message.flags,
                    },
                    keywords: &keywords,
                    internal_date: message.internal_date,
                };
                let filed = insert_message(
                    ctx,
                    message.account_id,
                    Target::Mailbox(message.mailbox_id),
                    &added,
                )?;
                if let Some(member) = member_saw {
                    member_seen::set_seen(
                        ctx.conn(),
                        member,
                        message.account_id,
                        filed.message_id,
                        true,
                    )?;
                }
                delivered.push(filed);
            }
            Ok(delivered)
        })
        .await
    }
}

impl SqliteBackend {
    /// Delivers a message into each recipient's INBOX, all in one transaction with one shared
    /// blob: the server's own act (SMTP, later Sieve), not a user's. The blob is stored (fsynced) first; the call returns once the commit is on disk.
    pub(super) async fn deliver(&self, message: IncomingMessage) -> Result<Vec<Delivered>> {
        let (meta, meta_json, keys) = self.prepare(&message.blob).await?;
        self.write(move |ctx| {
            let size = message.blob.size();
            let recipients = match message.quota {
                QuotaRule::Ignore => message.recipients.clone(),
                QuotaRule::RefuseAll => {
                    check_quota(ctx, &message.recipients, size)?;
                    message.recipients.clone()
                }
                QuotaRule::SkipFull => with_room(ctx, &message.recipients, size)?,
            };
            ctx.acquire_blob(&message.blob, recipients.len() as u32)?;
            let added = Added {
                blob: &message.blob,
                meta: &meta,
                meta_json: &meta_json,
                keys: keys.as_ref(),
                flags: message.flags,
                keywords: &[],
                internal_date: message.internal_date,
            };
            recipients
                .iter()
                .map(|&account| {
                    let target = match message.mailbox {
                        MailboxRole::Inbox => Target::Inbox,
                        role => Target::Role(role),
                    };
                    insert_message(ctx, account, target, &added)
                })
                .collect()
        })
        .await
    }

    /// Stores the blob (fsynced) and extracts its metadata and keys once, off the async threads.
    pub(super) async fn prepare(
        &self,
        blob: &BlobRef,
    ) -> Result<(MessageMeta, Arc<str>, Option<Keys>)> {
        self.put_blob(blob).await?;
        let blob = blob.clone();
        let (meta, keys) = tokio::task::spawn_blocking(move || {
            let (meta, keys) = MessageMeta::extract_with_keys(&blob.data);
            (meta, Some((crate::keys::VERSION, keys)))
        })
        .await
        .map_err(|e| StoreError::Io(std::io::Error::other(e)))?;
        let json = serde_json::to_string(&meta).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        Ok((meta, json.into(), keys))
    }
}

/// An email's search and sort keys, with the version of their extraction.
pub(super) type Keys = (u32, crate::EmailKeys);
