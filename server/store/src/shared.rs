//! Other users' accounts as one actor sees them through their mailboxes' ACLs (RFC 4314), for
//! JMAP's session and method calls (RFC 8620 §1.6.2, §2; RFC 8621 §2): which accounts the actor
//! may reach, the rights held on each mailbox of one, and the change log of one as far as the
//! actor may see it. The rights come from [`Mail::shared_mailboxes`] (one query), decided by
//! [`crate::access::rights`] as for every other operation.

use crate::changes::{ChangeKind, ChangePage, ObjectKind};
use crate::{AccountId, Actor, Mail, MailboxId, Modseq, Result, Rights};
use std::collections::{BTreeMap, HashMap};

/// An account of another owner in which the actor may see at least one mailbox (`l`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedAccount {
    pub id: AccountId,
    /// The owner's address (or the shared mailbox's).
    pub address: String,
    /// Whether it is a shared mailbox account (no one's personal mail).
    pub shared: bool,
    /// The union of the rights held on its visible mailboxes.
    pub rights: Rights,
}

impl SharedAccount {
    /// The rights that change something: without any of them on any mailbox the account is
    /// read-only for the actor (RFC 8620 §2 `isReadOnly`).
    pub const WRITE_RIGHTS: Rights = Rights::SEEN
        .union(Rights::WRITE)
        .union(Rights::INSERT)
        .union(Rights::CREATE)
        .union(Rights::DELETE_MAILBOX)
        .union(Rights::DELETE_MESSAGES)
        .union(Rights::EXPUNGE);

    pub fn is_read_only(&self) -> bool {
        self.rights.intersection(Self::WRITE_RIGHTS).is_empty()
    }
}

/// The actor's rights on each mailbox of one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailboxRights {
    /// The same on every mailbox: the owner's (and the server's) every right.
    All(Rights),
    /// Per mailbox; a mailbox not named grants nothing.
    Each(HashMap<MailboxId, Rights>),
}

impl MailboxRights {
    pub fn of(&self, mailbox: MailboxId) -> Rights {
        match self {
            MailboxRights::All(rights) => *rights,
            MailboxRights::Each(map) => map.get(&mailbox).copied().unwrap_or(Rights::NONE),
        }
    }
}

impl Mail {
    /// Every other account in which the actor may see a mailbox, by address. Decided anew at
    /// every call, so a revoked right takes effect at the next request.
    pub fn shared_accounts(&self) -> Result<Vec<SharedAccount>> {
        let mut accounts: BTreeMap<AccountId, SharedAccount> = BTreeMap::new();
        for shared in self.shared_mailboxes()? {
            let entry = accounts
                .entry(shared.mailbox.account_id)
                .or_insert_with(|| SharedAccount {
                    id: shared.mailbox.account_id,
                    address: shared.owner.clone(),
                    shared: shared.owner_shared,
                    rights: Rights::NONE,
                });
            entry.rights = entry.rights.union(shared.rights);
        }
        let mut out: Vec<SharedAccount> = accounts.into_values().collect();
        out.sort_by(|a, b| a.address.cmp(&b.address));
        Ok(out)
    }

    /// The actor's rights on every mailbox of `account` (RFC 4314 §2): all of them for its
    /// owner and the server, the ACLs' grants for another user, none for nobody.
    pub fn mailbox_rights(&self, account: AccountId) -> Result<MailboxRights> {
        match self.actor() {
            Actor::User(user) if user != account => Ok(MailboxRights::Each(
                self.shared_mailboxes()?
                    .into_iter()
                    .filter(|s| s.mailbox.account_id == account)
                    .map(|s| (s.mailbox.id, s.rights))
                    .collect(),
            )),
            Actor::Anonymous => Ok(MailboxRights::All(Rights::NONE)),
            _ => Ok(MailboxRights::All(Rights::ALL)),
        }
    }

    /// [`Mail::changes_page`] as far as the actor may see (JMAP `/changes` of another's
    /// account): an email's entries only for the mailboxes it may read (`r`, so an email filed
    /// only elsewhere never shows, RFC 8621 §4.3), a mailbox it can no longer see (`l`) as
    /// destroyed (a revoked right removes it from the client's view, RFC 8621 §2.2), and none
    /// of the owner's own business (identities, scripts, submissions, subscriptions). The owner
    /// sees the page as it is.
    pub fn visible_changes_page(
        &self,
        account: AccountId,
        since: Modseq,
        max: usize,
        objects: &[ObjectKind],
    ) -> Result<ChangePage> {
        let mut page = self.changes_page(account, since, max, objects)?;
        let rights = match self.mailbox_rights(account)? {
            MailboxRights::All(_) => return Ok(page),
            each => each,
        };
        page.changes.retain_mut(|change| match change.object {
            ObjectKind::Email => change
                .mailbox_id
                .is_some_and(|m| rights.of(m).contains(Rights::READ)),
            ObjectKind::Mailbox => {
                if !rights.of(change.object_id).contains(Rights::LOOKUP) {
                    change.kind = ChangeKind::Destroyed;
                }
                true
            }
            _ => false,
        });
        Ok(page)
    }
}
