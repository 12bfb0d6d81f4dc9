//! Emails as JMAP sees them (RFC 8621 §4): apart from any mailbox, each with the mailboxes it
//! is filed in, read by id, by thread, or all of an account for a query. Another user than the
//! owner sees only what [`Readable`] lets them read: the emails of the mailboxes they may read
//! (`r`), each with only those mailboxes.

use super::SqliteBackend;
use super::member_seen;
use super::readable::Readable;
use crate::access::{Actor, Rights};
use crate::{AccountId, BlobHash, EmailListing, EmailRecord, Flags, MailboxId, MessageId, Result};
use rusqlite::{OptionalExtension, params};

/// An account's live emails newest first (`email_listing`), read in the order of the covering
/// index `emails_listing` (migration 0032).
pub(super) const LISTING: &str = "SELECT id, thread_id, internal_date, size FROM emails \
     WHERE account_id = ?1 AND destroyed_at IS NULL \
     ORDER BY internal_date DESC, id DESC";

impl SqliteBackend {
    /// The account's emails with these ids, in the order asked, tombstones included (marked
    /// `destroyed`) until the collector removes them; `None` for an id the account does not
    /// have.
    pub(super) fn emails(
        &self,
        actor: Actor,
        account_id: AccountId,
        ids: &[MessageId],
    ) -> Result<Vec<Option<EmailRecord>>> {
        self.read_sized_checked(ids.len(), |c| {
            let readable = Readable::of(c, actor, account_id)?;
            let mut email = c.prepare_cached(
                "SELECT thread_id, blob_hash, size, internal_date, flags, keywords, \
                 created_modseq, destroyed_at IS NOT NULL FROM emails \
                 WHERE id = ?1 AND account_id = ?2",
            )?;
            let mut filed = c.prepare_cached(
                "SELECT mailbox_id, uid FROM memberships WHERE email_id = ?1 ORDER BY mailbox_id",
            )?;
            let mut out = Vec::with_capacity(ids.len());
            for &id in ids {
                let row = email
                    .query_row(params![id, account_id], |r| {
                        let keywords: Option<String> = r.get(5)?;
                        let blob = BlobHash::parse(&r.get::<_, String>(1)?).ok_or_else(|| {
                            rusqlite::Error::InvalidColumnType(
                                1,
                                "blob_hash".into(),
                                rusqlite::types::Type::Text,
                            )
                        })?;
                        Ok(EmailRecord {
                            id,
                            thread_id: r.get(0)?,
                            blob,
                            size: r.get::<_, i64>(2)? as u64,
                            received_at: r.get(3)?,
                            flags: Flags(r.get::<_, i64>(4)? as u32),
                            keywords: keywords
                                .and_then(|k| serde_json::from_str(&k).ok())
                                .unwrap_or_default(),
                            filed: Vec::new(),
                            created_modseq: r.get::<_, i64>(6)? as u64,
                            destroyed: r.get(7)?,
                        })
                    })
                    .optional()?;
                out.push(match row {
                    Some(mut record) => {
                        record.filed = filed
                            .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
                            .collect::<rusqlite::Result<_>>()?;
                        readable.filter_filed(&mut record.filed);
                        // Nothing left that the user may read: no such email for them.
                        (readable.is_all() || !record.filed.is_empty()).then_some(record)
                    }
                    None => None,
                });
            }
            if let Some(member) = member_seen::member(c, actor, account_id)? {
                let seen = member_seen::seen_among(c, member, account_id, ids)?;
                for record in out.iter_mut().flatten() {
                    record.flags = member_seen::shown(record.flags, seen.contains(&record.id));
                }
            }
            Ok(out)
        })
    }

    /// Every email of the account (not destroyed), newest first: what a query without a
    /// mailbox sorts and filters.
    pub(super) fn email_listing(
        &self,
        actor: Actor,
        account_id: AccountId,
    ) -> Result<Vec<EmailListing>> {
        self.read_long_checked(|c| {
            if let Readable::Only(mailboxes) = Readable::of(c, actor, account_id)? {
                return listing_of(c, &mailboxes);
            }
            c.prepare_cached(LISTING)?
                .query_map([account_id], |r| {
                    Ok(EmailListing {
                        id: r.get(0)?,
                        thread_id: r.get(1)?,
                        received_at: r.get(2)?,
                        size: r.get::<_, i64>(3)? as u64,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(Into::into)
        })
    }

    /// [`Self::email_listing`] of the emails among `ids` or with an id above `above`, in its
    /// order (received date, then id, newest first): each of `ids` looked up by its key and
    /// the newer ones by a range of keys, instead of the whole account.
    pub(super) fn email_listing_among(
        &self,
        actor: Actor,
        account_id: AccountId,
        ids: &[MessageId],
        above: MessageId,
    ) -> Result<Vec<EmailListing>> {
        self.read_sized_checked(ids.len(), |c| {
            let readable = Readable::of(c, actor, account_id)?;
            let listing = |r: &rusqlite::Row<'_>| {
                Ok(EmailListing {
                    id: r.get(0)?,
                    thread_id: r.get(1)?,
                    received_at: r.get(2)?,
                    size: r.get::<_, i64>(3)? as u64,
                })
            };
            let mut one = c.prepare_cached(
                "SELECT id, thread_id, internal_date, size FROM emails \
                 WHERE id = ?1 AND account_id = ?2 AND destroyed_at IS NULL",
            )?;
            let mut out = Vec::with_capacity(ids.len());
            for &id in ids.iter().filter(|&&id| id <= above) {
                out.extend(one.query_row(params![id, account_id], listing).optional()?);
            }
            let newer = c
                .prepare_cached(
                    "SELECT id, thread_id, internal_date, size FROM emails \
                     WHERE id > ?1 AND account_id = ?2 AND destroyed_at IS NULL",
                )?
                .query_map(params![above, account_id], listing)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            out.extend(newer);
            if !readable.is_all() {
                let mut kept = Vec::with_capacity(out.len());
                for l in out {
                    if readable.email(c, l.id)? {
                        kept.push(l);
                    }
                }
                out = kept;
            }
            out.sort_unstable_by_key(|l| std::cmp::Reverse((l.received_at, l.id)));
            out.dedup_by_key(|l| l.id);
            Ok(out)
        })
    }

    /// The emails of one of the account's threads, oldest first (RFC 8621 §3).
    pub(super) fn thread_emails(
        &self,
        actor: Actor,
        account_id: AccountId,
        thread_id: i64,
    ) -> Result<Vec<MessageId>> {
        self.read_checked(|c| {
            let readable = Readable::of(c, actor, account_id)?;
            let all = c
                .prepare_cached(
                    "SELECT id FROM emails WHERE account_id = ?1 AND thread_id = ?2 \
                     AND destroyed_at IS NULL ORDER BY internal_date, id",
                )?
                .query_map(params![account_id, thread_id], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<MessageId>>>()?;
            let mut out = Vec::with_capacity(all.len());
            for id in all {
                if readable.email(c, id)? {
                    out.push(id);
                }
            }
            Ok(out)
        })
    }

    /// Whether one of the account's emails (a tombstone included) is made of this blob: what
    /// lets the account download it.
    pub(super) fn account_has_blob(
        &self,
        actor: Actor,
        account_id: AccountId,
        blob: &BlobHash,
    ) -> Result<bool> {
        self.read_checked(|c| {
            let readable = Readable::of(c, actor, account_id)?;
            if readable.is_all() {
                return Ok(c
                    .prepare_cached(
                        "SELECT 1 FROM emails WHERE blob_hash = ?1 AND account_id = ?2 LIMIT 1",
                    )?
                    .query_row(params![blob.as_str(), account_id], |_| Ok(()))
                    .optional()?
                    .is_some());
            }
            readable.any(
                c,
                "SELECT m.mailbox_id FROM emails e JOIN memberships m ON m.email_id = e.id \
                 WHERE e.blob_hash = ?1 AND e.account_id = ?2",
                params![blob.as_str(), account_id],
            )
        })
    }

    /// Calls `visit` with the emails of a mailbox by received date (newest first when
    /// `newest_first`, ties by id the same way), until it returns false: one read of an index,
    /// as far as the caller goes (about `expected_rows`, which decides where the read runs).
    pub(super) fn visit_mailbox_by_date(
        &self,
        actor: Actor,
        mailbox_id: MailboxId,
        newest_first: bool,
        expected_rows: usize,
        visit: &mut dyn FnMut(EmailListing) -> bool,
    ) -> Result<()> {
        let order = if newest_first { "DESC" } else { "ASC" };
        let select = format!(
            "SELECT email_id, thread_id, internal_date, size FROM memberships \
             INDEXED BY memberships_by_date WHERE mailbox_id = ?1 \
             ORDER BY internal_date {order}, email_id {order}"
        );
        // A first page reads a few rows; a visit through a whole mailbox goes off the worker.
        self.read_sized_checked(expected_rows, |c| {
            self.require_mailbox(c, actor, mailbox_id, Rights::READ)?;
            let mut statement = c.prepare_cached(&select)?;
            let mut rows = statement.query([mailbox_id])?;
            while let Some(row) = rows.next()? {
                let listing = EmailListing {
                    id: row.get(0)?,
                    thread_id: row.get(1)?,
                    received_at: row.get(2)?,
                    size: row.get::<_, i64>(3)? as u64,
                };
                if !visit(listing) {
                    break;
                }
            }
            Ok(())
        })
    }
}

/// The emails filed in `mailboxes` (each once, however many of them hold it), newest first as
/// [`SqliteBackend::email_listing`] gives them: what a member of the account may list.
fn listing_of(
    conn: &rusqlite::Connection,
    mailboxes: &std::collections::HashSet<MailboxId>,
) -> super::error::DbResult<Vec<EmailListing>> {
    let mut statement = conn.prepare_cached(
        "SELECT email_id, thread_id, internal_date, size FROM memberships WHERE mailbox_id = ?1",
    )?;
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for &mailbox in mailboxes {
        let rows = statement.query_map([mailbox], |r| {
            Ok(EmailListing {
                id: r.get(0)?,
                thread_id: r.get(1)?,
                received_at: r.get(2)?,
                size: r.get::<_, i64>(3)? as u64,
            })
        })?;
        for row in rows {
            let row = row?;
            if seen.insert(row.id) {
                out.push(row);
            }
        }
    }
    out.sort_by_key(|e| std::cmp::Reverse((e.received_at, e.id)));
    Ok(out)
}
