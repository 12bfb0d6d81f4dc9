//! The full-text indexer's reads (see `crate::index_feed`): the change log by its global
//! sequence, and live emails by id, in id order.

use super::SqliteBackend;
use crate::changes::{ChangeKind, ObjectKind};
use crate::index_feed::{FeedAction, FeedEntry, FeedPage, IndexEmail};
use crate::{AccountId, BlobHash, MessageId, Result};
use rusqlite::{Row, params};
use std::path::PathBuf;

fn email_from_row(r: &Row<'_>) -> rusqlite::Result<Option<IndexEmail>> {
    let hash: String = r.get(2)?;
    let (id, account_id, size): (MessageId, AccountId, i64) = (r.get(0)?, r.get(1)?, r.get(3)?);
    Ok(BlobHash::parse(&hash).map(|blob| IndexEmail {
        id,
        account_id,
        blob,
        size: size.max(0) as u64,
    }))
}

impl SqliteBackend {
    /// Where the full-text index lives: `DATA/search/`.
    pub(super) fn search_index_dir(&self) -> PathBuf {
        self.db_path
            .parent()
            .map_or_else(|| PathBuf::from("search"), |d| d.join("search"))
    }

    /// The highest id of the change log (0 when empty).
    pub(super) fn last_change_id(&self) -> Result<i64> {
        self.read(|c| {
            c.prepare_cached("SELECT COALESCE(MAX(id), 0) FROM changes")?
                .query_row([], |r| r.get(0))
        })
    }

    /// The lowest id of the change log; when it is empty, the id the next row will get (its
    /// ids are AUTOINCREMENT: never reused); 0 for a log that never had a row.
    pub(super) fn first_change_id(&self) -> Result<i64> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT COALESCE((SELECT MIN(id) FROM changes),
                                 (SELECT seq + 1 FROM sqlite_sequence WHERE name = 'changes'), 0)",
            )?
            .query_row([], |r| r.get(0))
        })
    }

    /// At most `max` rows of the log after `after`, those about emails created or destroyed
    /// and accounts destroyed kept.
    pub(super) fn index_feed(&self, after: i64, max: usize) -> Result<FeedPage> {
        let max = max.clamp(1, 1_000_000) as i64;
        self.read_long(|c| {
            let mut page = FeedPage {
                entries: Vec::new(),
                until: after,
            };
            let mut statement = c.prepare_cached(
                "SELECT id, account_id, object, kind, object_id, mailbox_id FROM changes
                 WHERE id > ?1 ORDER BY id LIMIT ?2",
            )?;
            let mut rows = statement.query(params![after, max])?;
            while let Some(r) = rows.next()? {
                let change_id: i64 = r.get(0)?;
                page.until = change_id;
                let object = ObjectKind::from_i64(r.get(2)?);
                let kind = ChangeKind::from_i64(r.get(3)?);
                let object_id: MessageId = r.get(4)?;
                let in_mailbox = r.get::<_, Option<i64>>(5)?.is_some();
                let action = match (object, kind) {
                    (Some(ObjectKind::Email), Some(ChangeKind::Created)) => {
                        FeedAction::EmailCreated(object_id)
                    }
                    (Some(ObjectKind::Email), Some(ChangeKind::Destroyed)) if !in_mailbox => {
                        FeedAction::EmailDestroyed(object_id)
                    }
                    (Some(ObjectKind::Account), Some(ChangeKind::Destroyed)) => {
                        FeedAction::AccountDestroyed
                    }
                    _ => continue,
                };
                page.entries.push(FeedEntry {
                    change_id,
                    account_id: r.get::<_, AccountId>(1)?,
                    action,
                });
            }
            Ok(page)
        })
    }

    /// Those of `ids` that are live emails (not tombstones), in id order.
    pub(super) fn index_emails(&self, ids: &[MessageId]) -> Result<Vec<IndexEmail>> {
        let ids = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
        self.read_long(|c| {
            let mut out = Vec::new();
            let mut statement = c.prepare_cached(
                "SELECT id, account_id, blob_hash, size FROM emails
                 WHERE id IN (SELECT value FROM json_each(?1)) AND destroyed_at IS NULL
                 ORDER BY id",
            )?;
            for email in statement.query_map([ids], email_from_row)? {
                out.extend(email?);
            }
            Ok(out)
        })
    }

    /// At most `max` live emails with ids above `after` (of one account, or all), in id order.
    pub(super) fn live_emails_after(
        &self,
        account: Option<AccountId>,
        after: MessageId,
        max: usize,
    ) -> Result<Vec<IndexEmail>> {
        let max = max.clamp(1, 1_000_000) as i64;
        self.read_long(|c| {
            let mut out = Vec::new();
            let mut statement = c.prepare_cached(
                "SELECT id, account_id, blob_hash, size FROM emails
                 WHERE id > ?1 AND (?2 IS NULL OR account_id = ?2) AND destroyed_at IS NULL
                 ORDER BY id LIMIT ?3",
            )?;
            for email in statement.query_map(params![after, account, max], email_from_row)? {
                out.extend(email?);
            }
            Ok(out)
        })
    }

    /// How many live emails there are (of one account, or all).
    pub(super) fn count_live_emails(&self, account: Option<AccountId>) -> Result<u64> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT COUNT(*) FROM emails WHERE (?1 IS NULL OR account_id = ?1) AND destroyed_at IS NULL",
            )?
            .query_row(params![account], |r| r.get::<_, i64>(0))
            .map(|n| n.max(0) as u64)
        })
    }
}
