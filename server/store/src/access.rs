//! Who acts, and what they may do. Every mail operation of the store goes through a [`crate::Mail`]:
//! the store as one [`Actor`] sees it. Rights are decided in one place, [`rights`], and checked
//! by the operation itself (inside its transaction for writes), never by the protocols.
//!
//! An account's owner (and the server itself) may do everything with it. Other users hold what
//! the mailbox's access control list grants them (IMAP ACL, RFC 4314: entries per mailbox for
//! a user, a group or `anyone`, `mailbox_acl`), read at every check, so a right withdrawn
//! takes effect at the next operation of every open session. The account itself (settings,
//! scripts, identities, creating a top-level mailbox) is its owner's alone.

use crate::{AccountId, MailboxId, Result, SendLevel, StoreError};

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
    /// `p`: post to the mailbox's submission address (kept and shown; nothing posts yet).
    pub const POST: Rights = Rights(1 << 10);
    /// Every right on a mailbox: what its owner holds.
    pub const ALL: Rights = Rights((1 << 11) - 1);
    /// `0` (a site-defined right, RFC 4314 §2.1: digits are the implementation's): send on
    /// behalf of the account (From the owner, Sender the grantee). Granted on the INBOX only,
    /// by the owner; kept as a send grant, not in the mailbox's ACL.
    pub const SEND_ON_BEHALF: Rights = Rights(1 << 11);
    /// `1` (site-defined, like `0`): send as the account (From the owner, no Sender needed).
    pub const SEND_AS: Rights = Rights(1 << 12);
    /// Both rights to send for the account.
    pub const SENDING: Rights = Rights::SEND_ON_BEHALF.union(Rights::SEND_AS);

    pub const fn union(self, other: Rights) -> Rights {
        Rights(self.0 | other.0)
    }

    pub fn contains(self, other: Rights) -> bool {
        self.0 & other.0 == other.0
    }

    pub const fn without(self, other: Rights) -> Rights {
        Rights(self.0 & !other.0)
    }

    pub const fn intersection(self, other: Rights) -> Rights {
        Rights(self.0 & other.0)
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The bit set as stored.
    pub fn bits(self) -> u16 {
        self.0
    }

    /// A stored bit set (bits past `a` ignored: the mailbox ACL keeps no rights to send).
    pub fn from_bits(bits: u16) -> Rights {
        Rights(bits & Rights::ALL.0)
    }

    /// The level of sending these rights grant: `1` is Send As (which covers on behalf), `0`
    /// alone Send on Behalf.
    pub fn send_level(self) -> Option<SendLevel> {
        if self.contains(Rights::SEND_AS) {
            Some(SendLevel::As)
        } else if self.contains(Rights::SEND_ON_BEHALF) {
            Some(SendLevel::OnBehalf)
        } else {
            None
        }
    }

    /// The right that stands for a level of sending.
    pub fn of_send_level(level: Option<SendLevel>) -> Rights {
        match level {
            Some(SendLevel::As) => Rights::SEND_AS,
            Some(SendLevel::OnBehalf) => Rights::SEND_ON_BEHALF,
            None => Rights::NONE,
        }
    }

    /// Parses an RFC 4314 rights string (§2.1): the letters `lrswipkxtea`, the obsolete `c`
    /// (the create class, `k` and `x`) and `d` (the delete class, `x`, `t` and `e`, §2.1.1),
    /// and the site-defined digits `0` and `1` (sending). Returns the offending character
    /// otherwise.
    pub fn parse(text: &str) -> std::result::Result<Rights, char> {
        text.chars().try_fold(Rights::NONE, |rights, c| {
            let add = match c {
                'c' => Rights::CREATE.union(Rights::DELETE_MAILBOX),
                'a' => Rights::ADMINISTER,
                '0' => Rights::SEND_ON_BEHALF,
                '1' => Rights::SEND_AS,
                'd' => Rights::DELETE_MAILBOX
                    .union(Rights::DELETE_MESSAGES)
                    .union(Rights::EXPUNGE),
                c => LETTERS
                    .iter()
                    .find(|(letter, _)| *letter == c)
                    .map(|(_, r)| *r)
                    .ok_or(c)?,
            };
            Ok(rights.union(add))
        })
    }
}

/// The RFC 4314 letters, in the order rights strings are written.
const LETTERS: [(char, Rights); 10] = [
    ('l', Rights::LOOKUP),
    ('r', Rights::READ),
    ('s', Rights::SEEN),
    ('w', Rights::WRITE),
    ('i', Rights::INSERT),
    ('p', Rights::POST),
    ('k', Rights::CREATE),
    ('x', Rights::DELETE_MAILBOX),
    ('t', Rights::DELETE_MESSAGES),
    ('e', Rights::EXPUNGE),
];

impl std::fmt::Display for Rights {
    /// The rights string (RFC 4314 §2.1), `a` and then the digits last.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (letter, right) in LETTERS {
            if self.contains(right) {
                write!(f, "{letter}")?;
            }
        }
        for (letter, right) in [
            ('a', Rights::ADMINISTER),
            ('0', Rights::SEND_ON_BEHALF),
            ('1', Rights::SEND_AS),
        ] {
            if self.contains(right) {
                write!(f, "{letter}")?;
            }
        }
        Ok(())
    }
}

/// The rights `actor` has on a mailbox of `owner`'s account: the one place where rights are
/// decided. The owner and the server hold every right; another user holds what the mailbox's
/// ACL grants them (`granted`, asked only for them: the union of the entries naming them, a
/// group they are in, or `anyone`, RFC 4314 §2); nobody authenticated holds none.
pub fn rights<E>(
    actor: Actor,
    owner: AccountId,
    granted: impl FnOnce(AccountId) -> std::result::Result<Rights, E>,
) -> std::result::Result<Rights, E> {
    match actor {
        Actor::System => Ok(Rights::ALL),
        Actor::User(user) if user == owner => Ok(Rights::ALL),
        Actor::User(user) => granted(user),
        Actor::Anonymous => Ok(Rights::NONE),
    }
}

/// Checks that `actor` holds `needed` on `owner`'s account itself (its settings, scripts,
/// identities, top-level mailboxes): only the owner and the server do, whatever the ACLs.
pub(crate) fn require(
    actor: Actor,
    owner: AccountId,
    mailbox: Option<MailboxId>,
    needed: Rights,
) -> Result<()> {
    let held = rights(actor, owner, |_| Ok::<_, StoreError>(Rights::NONE))?;
    check(held, needed, owner, mailbox)
}

/// Whether `held` covers `needed`. Without even the right to see the object, it does not exist
/// for the actor (`NotFound`, as for an unknown id: ids do not leak); seen but not allowed,
/// `Forbidden`.
pub(crate) fn check(
    held: Rights,
    needed: Rights,
    owner: AccountId,
    mailbox: Option<MailboxId>,
) -> Result<()> {
    let what = || mailbox.map_or(format!("account {owner}"), |m| format!("mailbox {m}"));
    if held.contains(needed) {
        Ok(())
    } else if held.contains(Rights::LOOKUP) {
        Err(StoreError::Forbidden(format!("not allowed on {}", what())))
    } else {
        Err(StoreError::NotFound(what()))
    }
}

/// An entry of a mailbox's access control list (RFC 4314 §2): who, and the rights granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AclEntry {
    /// A user's or a group's address, or [`ANYONE`].
    pub grantee: String,
    pub rights: Rights,
}

/// The identifier every authenticated user matches (RFC 4314 §2).
pub const ANYONE: &str = "anyone";

/// A mailbox of another account that the actor may see (`l`), with what it holds there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedMailbox {
    pub mailbox: crate::Mailbox,
    /// The owning account's address.
    pub owner: String,
    /// Whether the owner is a shared mailbox account (no one's personal mail).
    pub owner_shared: bool,
    pub rights: Rights,
}
