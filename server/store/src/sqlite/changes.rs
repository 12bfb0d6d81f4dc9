//! Reading the change log: what changed in an account after a given modseq (IMAP CONDSTORE /
//! QRESYNC, JMAP /changes).

use super::Store;
use crate::changes::{Change, ChangeKind, ObjectKind};
use crate::{AccountId, Modseq, Result};
use rusqlite::params;

impl Store {
    /// The account's change log after `since` (exclusive), oldest first.
    pub fn changes_since(&self, account_id: AccountId, since: Modseq) -> Result<Vec<Change>> {
        self.read_long(|c| {
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
