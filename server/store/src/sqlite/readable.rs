//! Which of an account's emails an actor may read, for the account-wide listings of JMAP
//! (RFC 8621 §4: Email/get, /query, Thread/get, download): the owner and the server every
//! email of the account; another user only the emails filed in a mailbox whose ACL grants them
//! `r` (RFC 4314 §4), and of each only those mailboxes. An email filed only where the user may
//! not read does not exist for them: not listed, not counted, its id unknown.

use super::acl::{AccountRights, rights_by_mailbox};
use super::error::DbResult;
use crate::access::{Actor, Rights, check};
use crate::{AccountId, MailboxId, MessageId};
use rusqlite::{Connection, params};
use std::collections::HashSet;

/// The mailboxes of one account whose emails the actor may read.
pub(super) enum Readable {
    /// All of them (the owner, the server): nothing is filtered.
    All,
    /// Only these (a member of the account's shared mailboxes).
    Only(HashSet<MailboxId>),
}

impl Readable {
    /// What `actor` may read of `owner`'s account. A user without any right there may read
    /// nothing (an empty set); nobody authenticated is refused as before (`NotFound`).
    pub(super) fn of(conn: &Connection, actor: Actor, owner: AccountId) -> DbResult<Readable> {
        match rights_by_mailbox(conn, actor, owner)? {
            AccountRights::All(held) => {
                check(held, Rights::READ, owner, None)?;
                Ok(Readable::All)
            }
            AccountRights::Some(map) => Ok(Readable::Only(
                map.into_iter()
                    .filter(|(_, r)| r.contains(Rights::READ))
                    .map(|(m, _)| m)
                    .collect(),
            )),
        }
    }

    pub(super) fn is_all(&self) -> bool {
        matches!(self, Readable::All)
    }

    pub(super) fn may_read(&self, mailbox: MailboxId) -> bool {
        match self {
            Readable::All => true,
            Readable::Only(set) => set.contains(&mailbox),
        }
    }

    /// The readable ones of an email's `(mailbox, uid)` memberships.
    pub(super) fn filter_filed(&self, filed: &mut Vec<(MailboxId, u32)>) {
        if let Readable::Only(set) = self {
            filed.retain(|(m, _)| set.contains(m));
        }
    }

    /// Whether an email of the account is filed in a mailbox the actor may read (always for
    /// the owner, whatever the email: a tombstone included).
    pub(super) fn email(&self, conn: &Connection, email: MessageId) -> DbResult<bool> {
        self.any(
            conn,
            "SELECT mailbox_id FROM memberships WHERE email_id = ?1",
            params![email],
        )
    }

    /// Whether one of the mailboxes `select` (a query of mailbox ids) lists is readable:
    /// always for the owner, without asking.
    pub(super) fn any(
        &self,
        conn: &Connection,
        select: &str,
        params: impl rusqlite::Params,
    ) -> DbResult<bool> {
        if self.is_all() {
            return Ok(true);
        }
        let mut statement = conn.prepare_cached(select)?;
        let mut rows = statement.query(params)?;
        while let Some(row) = rows.next()? {
            if self.may_read(row.get(0)?) {
                return Ok(true);
            }
        }
        Ok(false)
    }
}
