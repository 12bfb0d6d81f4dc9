//! Reading and pruning the change log: what changed in an account after a given modseq (IMAP
//! CONDSTORE / QRESYNC, NOTIFY, JMAP `/changes`), in pages, filtered by kind of object.
//!
//! The log can be pruned by age ([`crate::Store::prune_changes`]); an account's `changes_floor` is then
//! the modseq below which its history is gone, and a read from below it fails with
//! [`StoreError::ChangesPruned`]: IMAP QRESYNC resynchronises in full, JMAP answers
//! `cannotCalculateChanges` (RFC 8620 §5.2).

use super::error::{DbError, DbResult};
use super::{SqliteBackend, WriteCtx, now};
use crate::access::{Actor, Rights};
use crate::changes::{Change, ChangeKind, ChangePage, ObjectKind};
use crate::{AccountId, Modseq, Result, StoreError};
use rusqlite::{Connection, Row, params};
use std::time::Duration;

fn change_from_row(r: &Row<'_>) -> rusqlite::Result<Change> {
    let bad =
        |i| rusqlite::Error::InvalidColumnType(i, "changes".into(), rusqlite::types::Type::Integer);
    Ok(Change {
        modseq: r.get::<_, i64>(0)? as u64,
        object: ObjectKind::from_i64(r.get(1)?).ok_or_else(|| bad(1))?,
        kind: ChangeKind::from_i64(r.get(2)?).ok_or_else(|| bad(2))?,
        object_id: r.get(3)?,
        mailbox_id: r.get(4)?,
        uid: r.get(5)?,
    })
}

const CHANGE_COLUMNS: &str = "modseq, object, kind, object_id, mailbox_id, uid FROM changes";

/// Fails when the log no longer goes back to `since`.
fn check_floor(conn: &Connection, account_id: AccountId, since: Modseq) -> DbResult<()> {
    let floor: i64 = conn
        .prepare_cached("SELECT changes_floor FROM accounts WHERE id = ?1")?
        .query_row([account_id], |r| r.get(0))
        .map_err(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => {
                StoreError::NotFound(format!("account {account_id}")).into()
            }
            e => DbError::from(e),
        })?;
    match since < floor as u64 {
        true => Err(StoreError::ChangesPruned {
            floor: floor as u64,
        }
        .into()),
        false => Ok(()),
    }
}

impl SqliteBackend {
    /// The account's change log after `since` (exclusive), oldest first. Fails with
    /// [`StoreError::ChangesPruned`] when the log was pruned past `since`.
    pub(super) fn changes_since(
        &self,
        actor: Actor,
        account_id: AccountId,
        since: Modseq,
    ) -> Result<Vec<Change>> {
        self.read_checked(|c| {
            super::acl::require_account_read(c, actor, account_id, Rights::LOOKUP)?;
            check_floor(c, account_id, since)?;
            Ok(c.prepare_cached(&format!(
                "SELECT {CHANGE_COLUMNS} WHERE account_id = ?1 AND modseq > ?2 ORDER BY modseq, id"
            ))?
            .query_map(params![account_id, since as i64], change_from_row)?
            .collect::<rusqlite::Result<_>>()?)
        })
    }

    /// At most `max` changes after `since` (more only when one modseq alone has more), of the
    /// kinds in `objects` (all kinds when empty), oldest first.
    pub(super) fn changes_page(
        &self,
        actor: Actor,
        account_id: AccountId,
        since: Modseq,
        max: usize,
        objects: &[ObjectKind],
    ) -> Result<ChangePage> {
        let kinds: Vec<i64> = objects.iter().map(|&o| o as i64).collect();
        let kinds = serde_json::to_string(&kinds).unwrap_or_else(|_| "[]".into());
        // A page is at most a million changes (SQLite's LIMIT is an i64: usize::MAX is not).
        let max = max.clamp(1, 1_000_000);
        self.read_checked(|c| {
            super::acl::require_account_read(c, actor, account_id, Rights::LOOKUP)?;
            check_floor(c, account_id, since)?;
            let mut rows = c
                .prepare_cached(&format!(
                    "SELECT {CHANGE_COLUMNS} WHERE account_id = ?1 AND modseq > ?2
                     AND (?3 = '[]' OR object IN (SELECT value FROM json_each(?3)))
                     ORDER BY modseq, id LIMIT ?4"
                ))?
                .query_map(
                    params![account_id, since as i64, kinds, max as i64 + 1],
                    change_from_row,
                )?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let has_more = rows.len() > max;
            if has_more {
                // Never split a modseq between two pages: drop the last one's rows, unless it is
                // the only one, then take all of its rows.
                let last = rows[max].modseq;
                rows.retain(|r| r.modseq != last);
                if rows.is_empty() {
                    rows = c
                        .prepare_cached(&format!(
                            "SELECT {CHANGE_COLUMNS} WHERE account_id = ?1 AND modseq = ?2
                             AND (?3 = '[]' OR object IN (SELECT value FROM json_each(?3)))
                             ORDER BY id"
                        ))?
                        .query_map(params![account_id, last as i64, kinds], change_from_row)?
                        .collect::<rusqlite::Result<_>>()?;
                }
            }
            let until = match rows.last() {
                Some(last) => last.modseq,
                None => {
                    c.prepare_cached("SELECT modseq FROM accounts WHERE id = ?1")?
                        .query_row([account_id], |r| r.get::<_, i64>(0))? as u64
                }
            };
            Ok(ChangePage {
                changes: rows,
                until: until.max(since),
                has_more,
            })
        })
    }
}

impl SqliteBackend {
    /// Removes log rows older than `max_age`, account by account, whole modseqs at a time, and
    /// raises each account's floor to match. Returns the rows removed.
    pub(super) async fn prune_changes(&self, max_age: Duration) -> Result<u64> {
        let cutoff = now() - max_age.as_secs() as i64;
        self.write(move |ctx| prune(ctx, cutoff)).await
    }
}

fn prune(ctx: &mut WriteCtx<'_>, cutoff: i64) -> DbResult<u64> {
    let floors: Vec<(AccountId, i64)> = ctx
        .conn()
        .prepare_cached(
            "SELECT account_id, MAX(modseq) FROM changes WHERE at < ?1 GROUP BY account_id",
        )?
        .query_map([cutoff], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut removed = 0;
    for (account_id, floor) in floors {
        removed += ctx
            .conn()
            .prepare_cached("DELETE FROM changes WHERE account_id = ?1 AND modseq <= ?2")?
            .execute(params![account_id, floor])? as u64;
        ctx.conn()
            .prepare_cached(
                "UPDATE accounts SET changes_floor = MAX(changes_floor, ?2) WHERE id = ?1",
            )?
            .execute(params![account_id, floor])?;
    }
    Ok(removed)
}
