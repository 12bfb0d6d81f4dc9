//! Rights checks that need the database: whose a mailbox is, and what its ACL grants another
//! user (`acl.rs`). The decision itself is [`crate::access::rights`].

use super::acl::granted;
use super::error::DbResult;
use crate::access::{Actor, Rights, check, rights};
use crate::{AccountId, MailboxId, StoreError};
use rusqlite::{Connection, OptionalExtension};

/// The account a mailbox belongs to, if it exists.
fn mailbox_owner(conn: &Connection, mailbox: MailboxId) -> DbResult<Option<AccountId>> {
    Ok(conn
        .prepare_cached("SELECT account_id FROM mailboxes WHERE id = ?1")?
        .query_row([mailbox], |r| r.get(0))
        .optional()?)
}

/// Checks `needed` on a mailbox, given only its id; returns its owner.
pub(super) fn require_mailbox(
    conn: &Connection,
    actor: Actor,
    mailbox: MailboxId,
    needed: Rights,
) -> DbResult<AccountId> {
    let owner = mailbox_owner(conn, mailbox)?
        .ok_or_else(|| StoreError::NotFound(format!("mailbox {mailbox}")))?;
    require_of(conn, actor, owner, mailbox, needed)?;
    Ok(owner)
}

/// Checks `needed` on a mailbox of `owner`: the owner's own, else the ACL's grants.
fn require_of(
    conn: &Connection,
    actor: Actor,
    owner: AccountId,
    mailbox: MailboxId,
    needed: Rights,
) -> DbResult<()> {
    let held = rights(actor, owner, |user| granted(conn, user, mailbox))?;
    Ok(check(held, needed, owner, Some(mailbox))?)
}

/// The rights `actor` holds on a mailbox that the caller says belongs to `account` (its ACL read
/// once), provided they include `least`.
pub(super) fn rights_in_account(
    conn: &Connection,
    actor: Actor,
    account: AccountId,
    mailbox: MailboxId,
    least: Rights,
) -> DbResult<Rights> {
    if mailbox_owner(conn, mailbox)? != Some(account) {
        return Err(StoreError::NotFound(format!("mailbox {mailbox}")).into());
    }
    let held = rights(actor, account, |user| granted(conn, user, mailbox))?;
    check(held, least, account, Some(mailbox))?;
    Ok(held)
}

/// Checks `needed` on a mailbox that the caller says belongs to `account`.
pub(super) fn require_in_account(
    conn: &Connection,
    actor: Actor,
    account: AccountId,
    mailbox: MailboxId,
    needed: Rights,
) -> DbResult<()> {
    match require_mailbox(conn, actor, mailbox, needed)? {
        owner if owner == account => Ok(()),
        _ => Err(StoreError::NotFound(format!("mailbox {mailbox}")).into()),
    }
}

/// Mailbox owners seen by reads, so that the rights check of a read costs no query: a mailbox
/// never changes owner and its id is never given to another (a deleted one reads as empty).
#[derive(Default)]
pub(super) struct Owners(std::sync::RwLock<std::collections::HashMap<MailboxId, AccountId>>);

impl Owners {
    /// [`require_mailbox`], remembering the owner.
    pub(super) fn require(
        &self,
        conn: &Connection,
        actor: Actor,
        mailbox: MailboxId,
        needed: Rights,
    ) -> DbResult<AccountId> {
        let known = self.0.read().ok().and_then(|m| m.get(&mailbox).copied());
        let owner = match known {
            Some(owner) => owner,
            None => {
                let owner = mailbox_owner(conn, mailbox)?
                    .ok_or_else(|| StoreError::NotFound(format!("mailbox {mailbox}")))?;
                if let Ok(mut owners) = self.0.write() {
                    owners.insert(mailbox, owner);
                }
                owner
            }
        };
        require_of(conn, actor, owner, mailbox, needed)?;
        Ok(owner)
    }

    /// Forgets a deleted mailbox.
    pub(super) fn forget(&self, mailbox: MailboxId) {
        if let Ok(mut owners) = self.0.write() {
            owners.remove(&mailbox);
        }
    }
}
