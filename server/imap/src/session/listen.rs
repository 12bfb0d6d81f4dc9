//! Waiting for the client's next command while telling it what NOTIFY asked for (RFC 5465 §3.1:
//! after NOTIFY SET, the client listens for notifications at all times). The wait is on two
//! things only, like IDLE's: the client's bytes and the store's wake-ups for commits to the
//! accounts watched ([`Watches`]: the selected mailbox's, the user's own, and the other accounts
//! NOTIFY follows; `Store::watch_account`); a change is turned into responses by
//! [`crate::notify::deliver`] and written at once. The read timeout counts from the start of the
//! wait: notifications do not keep an idle client logged in.

use super::Session;
use crate::notify::{self, Moment};
use kantor_net::ReadError;
use kantor_store::{AccountChanges, AccountId};
use std::future::Future;
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;
use tokio::time::Instant;

/// What woke the waiting session.
enum Woke {
    Input(Result<usize, ReadError>),
    /// A commit to this account; `false` once the store is shutting down.
    Change(bool),
}

impl Session {
    /// Reads more of the client's input within `timeout`, meanwhile delivering notifications.
    /// Called only between commands (nothing of the next one buffered).
    pub(crate) async fn listen(&mut self, timeout: Duration) -> Result<usize, ReadError> {
        let deadline = Instant::now() + timeout;
        // Subscribe before catching up, so nothing committed in between is missed.
        let mut changes = self.watch();
        notify::deliver(self, Moment::Between).await;
        self.flush(true).await?;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            let woke = tokio::select! {
                read = self.conn.fill(remaining) => Woke::Input(read),
                change = changes.next() => Woke::Change(change),
            };
            match woke {
                Woke::Input(read) => return read,
                Woke::Change(true) => {
                    if let Some(bye) = self.revoked() {
                        self.out.push(bye);
                        self.flush(true).await?;
                        return Err(ReadError::Closed);
                    }
                    notify::deliver(self, Moment::Between).await;
                    self.flush(true).await?;
                }
                Woke::Change(false) => {}
            }
        }
    }
}

/// The wake-ups of the accounts a session waits on; each is a `watch` of that account alone,
/// so a session is woken by its own few accounts' commits, not everyone's.
pub(crate) struct Watches(Vec<AccountChanges>);

impl Watches {
    /// The next commit to one of the accounts: `true`; `false` when one of them stops (the
    /// store shutting down), which is no longer waited on; never, once none is left.
    pub(crate) async fn next(&mut self) -> bool {
        if self.0.is_empty() {
            return std::future::pending().await;
        }
        let (index, changed) = {
            type Changed<'a> = Pin<Box<dyn Future<Output = bool> + Send + 'a>>;
            let mut waits: Vec<Changed<'_>> = (self.0.iter_mut())
                .map(|c| Box::pin(async move { c.changed().await.is_some() }) as Changed<'_>)
                .collect();
            std::future::poll_fn(|cx| {
                for (index, wait) in waits.iter_mut().enumerate() {
                    if let Poll::Ready(changed) = wait.as_mut().poll(cx) {
                        return Poll::Ready((index, changed));
                    }
                }
                Poll::Pending
            })
            .await
        };
        if !changed {
            self.0.swap_remove(index);
        }
        changed
    }
}

impl Session {
    /// Subscribes to the accounts whose commits the session must hear of now: the selected
    /// mailbox's (another account's, for a shared mailbox) or else the user's own; with NOTIFY
    /// listening, the user's own too and the other accounts it follows. Subscribed before
    /// catching up, so nothing committed in between is missed.
    pub(crate) fn watch(&self) -> Watches {
        let mut accounts: Vec<AccountId> = self.watched_account().into_iter().collect();
        if let Some(notifier) = self.notify.as_ref().filter(|n| n.listens()) {
            accounts.extend(self.state.user().map(|u| u.account_id));
            accounts.extend(notifier.other_accounts());
        }
        accounts.sort_unstable();
        accounts.dedup();
        let store = self.store();
        Watches(
            accounts
                .into_iter()
                .map(|a| store.watch_account(a))
                .collect(),
        )
    }
}
