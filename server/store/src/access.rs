//! Who acts, and what they may do. Every mail operation of the store goes through a [`crate::Mail`]:
//! the store as one [`Actor`] sees it. Rights are decided in one place, [`rights`], and checked
//! by the operation itself (inside its transaction for writes), never by the protocols.
//!
//! Today an account's owner (and the server itself) may do everything with it and nobody else
//! anything. Shared mailboxes (IMAP ACL, RFC 4314) and delegation will grant rights here, per
//! mailbox; the rights are already RFC 4314's. Per-user state on a shared mailbox (each
//! member's own `\Seen`) will be keyed by the acting user, which every operation now knows.

use crate::{AccountId, MailboxId, Result, StoreError};

/// Who acts on the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Actor {
    /// An authenticated user (the account they logged in to).
    User(AccountId),
    /// The server itself: delivery, the collector, the administrator's CLI.
    System,
    /// Nobody authenticated yet: no rights at all.
    Anonymous,
}

/// Rights on a mailbox (RFC 4314 §2.1), a bit set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rights(u16);

impl Rights {
    pub const NONE: Rights = Rights(0);
    /// `l`: the mailbox is visible (LIST, STATUS existence).
    pub const LOOKUP: Rights = Rights(1 << 0);
    /// `r`: SELECT, FETCH, SEARCH, COPY from.
    pub const READ: Rights = Rights(1 << 1);
    /// `s`: keep `\Seen` across sessions.
    pub const SEEN: Rights = Rights(1 << 2);
    /// `w`: flags and keywords other than `\Seen` and `\Deleted`.
    pub const WRITE: Rights = Rights(1 << 3);
    /// `i`: APPEND, COPY and MOVE into.
    pub const INSERT: Rights = Rights(1 << 4);
    /// `k`: create mailboxes below it (or at the top of the account).
    pub const CREATE: Rights = Rights(1 << 5);
    /// `x`: delete or rename the mailbox.
    pub const DELETE_MAILBOX: Rights = Rights(1 << 6);
    /// `t`: set or clear `\Deleted`.
    pub const DELETE_MESSAGES: Rights = Rights(1 << 7);
    /// `e`: EXPUNGE, and MOVE out of.
    pub const EXPUNGE: Rights = Rights(1 << 8);
    /// `a`: administer (change rights).
    pub const ADMINISTER: Rights = Rights(1 << 9);
    pub const ALL: Rights = Rights((1 << 10) - 1);

    pub const fn union(self, other: Rights) -> Rights {
        Rights(self.0 | other.0)
    }

    pub fn contains(self, other: Rights) -> bool {
        self.0 & other.0 == other.0
    }
}

/// The rights `actor` has on `owner`'s account, or on one of its mailboxes: the one place
/// where rights are decided.
pub fn rights(actor: Actor, owner: AccountId, _mailbox: Option<MailboxId>) -> Rights {
    match actor {
        Actor::System => Rights::ALL,
        Actor::User(user) if user == owner => Rights::ALL,
        Actor::User(_) | Actor::Anonymous => Rights::NONE,
    }
}

/// Checks that `actor` holds `needed` on `owner`'s account (or mailbox). Without even the right
/// to see it, the object does not exist for the actor (`NotFound`, as for an unknown id: ids
/// do not leak); seen but not allowed, `Forbidden`.
pub(crate) fn require(
    actor: Actor,
    owner: AccountId,
    mailbox: Option<MailboxId>,
    needed: Rights,
) -> Result<()> {
    let held = rights(actor, owner, mailbox);
    if held.contains(needed) {
        Ok(())
    } else if held.contains(Rights::LOOKUP) {
        Err(StoreError::Forbidden(format!(
            "not allowed on {}",
            mailbox.map_or(format!("account {owner}"), |m| format!("mailbox {m}"))
        )))
    } else {
        Err(StoreError::NotFound(
            mailbox.map_or(format!("account {owner}"), |m| format!("mailbox {m}")),
        ))
    }
}
