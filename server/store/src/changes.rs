//! The change log's in-process side: after each commit the writer tells which accounts moved to
//! which modseq, so IDLE, NOTIFY, JMAP push and friends wake without polling SQL. The durable
//! side is the `changes` table, read with [`crate::Mail::changes_since`].
//!
//! Listeners wait on one account ([`crate::Store::watch_account`], fed by
//! [`ChangeHub::publish`]): with 10,000 sessions in IDLE, a delivery wakes the recipient's few,
//! not all.

use crate::{AccountId, MailboxId, MessageId, Modseq, Uid};
use std::collections::HashMap;
use std::sync::Mutex;
use tokio::sync::watch;

/// Broadcast after a commit: `account_id`'s change counter reached `modseq`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeEvent {
    pub account_id: AccountId,
    pub modseq: Modseq,
}

/// Where the writer announces commits.
pub(crate) struct ChangeHub {
    accounts: Mutex<Watches>,
}

/// Per-account senders, created by the first watcher and dropped once nobody watches.
#[derive(Default)]
struct Watches {
    senders: HashMap<AccountId, watch::Sender<Modseq>>,
    /// Watchers created since the last sweep of senders nobody listens to any more.
    since_sweep: usize,
}

/// Watchers created between two sweeps of abandoned senders.
const SWEEP_EVERY: usize = 1024;

impl ChangeHub {
    pub(crate) fn new() -> ChangeHub {
        ChangeHub {
            accounts: Mutex::new(Watches::default()),
        }
    }

    /// Called after a commit, once per changed account, by this process's writer or by the
    /// watcher of other processes' commits ([`crate::Store::open`]): listeners wake once for a
    /// modseq, whichever of the two tells first.
    pub(crate) fn publish(&self, event: ChangeEvent) {
        let mut watches = self.accounts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(sender) = watches.senders.get(&event.account_id) {
            if sender.receiver_count() == 0 {
                watches.senders.remove(&event.account_id);
            } else if *sender.borrow() < event.modseq {
                sender.send_replace(event.modseq);
            }
        }
    }

    pub(crate) fn watch(&self, account_id: AccountId) -> AccountChanges {
        let mut watches = self.accounts.lock().unwrap_or_else(|e| e.into_inner());
        watches.since_sweep += 1;
        if watches.since_sweep >= SWEEP_EVERY {
            watches.since_sweep = 0;
            watches.senders.retain(|_, s| s.receiver_count() > 0);
        }
        let receiver = match watches.senders.get(&account_id) {
            Some(sender) => sender.subscribe(),
            None => {
                let (sender, receiver) = watch::channel(0);
                watches.senders.insert(account_id, sender);
                receiver
            }
        };
        AccountChanges(receiver)
    }
}

/// Wakes after every commit that changed one account, from the moment it was created: a commit
/// made after [`crate::Store::watch_account`] returned is never missed (several may be seen as
/// one wake-up; read the log with `changes_since` to learn what they were).
#[derive(Debug)]
pub struct AccountChanges(watch::Receiver<Modseq>);

impl AccountChanges {
    /// Waits for the next commit to the account; `None` once the store has shut down.
    pub async fn changed(&mut self) -> Option<Modseq> {
        self.0.changed().await.ok()?;
        Some(*self.0.borrow_and_update())
    }

    /// Whether the account had a commit since the last call (or `changed`), without waiting;
    /// marks it seen. Read the log after this returns true: what is committed later is seen
    /// by the next call. True once the store has shut down, so callers fall back to reading.
    pub fn take_changed(&mut self) -> bool {
        let changed = self.0.has_changed().unwrap_or(true);
        if changed {
            self.0.borrow_and_update();
        }
        changed
    }
}

/// What kind of object changed. Stored as its number: a new kind of object (identities,
/// submissions, contacts, calendar events, Sieve scripts) takes the next number, not a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKind {
    /// An email. With a mailbox: filed in it (created), changed as seen there (updated), taken
    /// out of it (destroyed), with the UID it has there. Without: the email itself came to be
    /// (a copy into its own mailbox) or became a tombstone (destroyed).
    Email = 1,
    Mailbox = 2,
    Account = 3,
    /// A name subscribed ([`ChangeKind::Created`]) or unsubscribed ([`ChangeKind::Destroyed`])
    /// (RFC 9051 §6.3.7-8). `object_id` is the mailbox of that name when one exists, else 0:
    /// subscriptions are names and may outlive or precede their mailbox.
    Subscription = 4,
    /// A thread (RFC 8621 §3): created with its first email; `object_id` is the thread id.
    Thread = 5,
    /// A message sent over JMAP (RFC 8621 §7): `object_id` is the submission's id.
    EmailSubmission = 6,
    /// A sending identity (RFC 8621 §6): `object_id` is the identity's id.
    Identity = 7,
    /// A Sieve script (RFC 5228, stored as ManageSieve names it): `object_id` is the script's
    /// id; activating one updates it (and the one it replaced).
    SieveScript = 8,
    /// A notice to the user that their rights on another account's mailbox changed (JMAP
    /// Sharing, RFC 9670 §5): `object_id` is the notice's id.
    ShareNotification = 9,
}

/// How it changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Created = 1,
    Updated = 2,
    Destroyed = 3,
}

/// One row of the change log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub modseq: Modseq,
    pub object: ObjectKind,
    pub kind: ChangeKind,
    pub object_id: MessageId,
    pub mailbox_id: Option<MailboxId>,
    pub uid: Option<Uid>,
}

/// One page of the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangePage {
    /// The changes, oldest first; all of a modseq or none of it.
    pub changes: Vec<Change>,
    /// The modseq the page reaches: pass it as `since` for the next page.
    pub until: Modseq,
    /// Whether there are changes after `until` (JMAP `hasMoreChanges`).
    pub has_more: bool,
}

impl ObjectKind {
    pub(crate) fn from_i64(v: i64) -> Option<ObjectKind> {
        match v {
            1 => Some(ObjectKind::Email),
            2 => Some(ObjectKind::Mailbox),
            3 => Some(ObjectKind::Account),
            4 => Some(ObjectKind::Subscription),
            5 => Some(ObjectKind::Thread),
            6 => Some(ObjectKind::EmailSubmission),
            7 => Some(ObjectKind::Identity),
            8 => Some(ObjectKind::SieveScript),
            9 => Some(ObjectKind::ShareNotification),
            _ => None,
        }
    }
}

impl ChangeKind {
    pub(crate) fn from_i64(v: i64) -> Option<ChangeKind> {
        match v {
            1 => Some(ChangeKind::Created),
            2 => Some(ChangeKind::Updated),
            3 => Some(ChangeKind::Destroyed),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn event(account_id: AccountId, modseq: Modseq) -> ChangeEvent {
        ChangeEvent { account_id, modseq }
    }

    #[tokio::test]
    async fn a_watch_wakes_only_for_its_account() {
        let hub = ChangeHub::new();
        let mut one = hub.watch(1);
        let mut two = hub.watch(2);
        hub.publish(event(1, 5));
        hub.publish(event(1, 6));
        assert_eq!(
            one.changed().await,
            Some(6),
            "two commits, one wake-up, latest modseq"
        );
        let quiet = tokio::time::timeout(Duration::from_millis(50), two.changed()).await;
        assert!(quiet.is_err(), "account 2 had no commit");
        hub.publish(event(2, 7));
        assert_eq!(two.changed().await, Some(7));
    }

    #[test]
    fn take_changed_reports_each_commit_once() {
        let hub = ChangeHub::new();
        let mut one = hub.watch(1);
        assert!(
            !one.take_changed(),
            "nothing committed since the watch began"
        );
        hub.publish(event(1, 3));
        hub.publish(event(2, 4));
        assert!(one.take_changed());
        assert!(!one.take_changed(), "seen already");
        hub.publish(event(1, 5));
        assert!(one.take_changed());
    }

    #[test]
    fn senders_nobody_watches_are_dropped() {
        let hub = ChangeHub::new();
        drop(hub.watch(1));
        hub.publish(event(1, 1));
        assert!(hub.accounts.lock().unwrap().senders.is_empty());
        let _kept = hub.watch(2);
        hub.publish(event(2, 1));
        assert_eq!(hub.accounts.lock().unwrap().senders.len(), 1);
    }
}
