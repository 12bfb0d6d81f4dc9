//! Waiting for the client's next command while telling it what NOTIFY asked for (RFC 5465 §3.1:
//! after NOTIFY SET, the client listens for notifications at all times). The wait is on two
//! things only, like IDLE's: the client's bytes and the store's wake-up for commits to this
//! account (`Store::watch_account`); a change is turned into responses by
//! [`crate::notify::deliver`] and written at once. The read timeout counts from the start of the
//! wait: notifications do not keep an idle client logged in.

use super::Session;
use crate::notify::{self, Moment};
use kantor_net::ReadError;
use kantor_store::AccountChanges;
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
        let mut changes = self
            .watched_account()
            .map(|account| self.store().watch_account(account));
        notify::deliver(self, Moment::Between).await;
        self.flush(true).await?;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            let woke = tokio::select! {
                read = self.conn.fill(remaining) => Woke::Input(read),
                change = next_change(&mut changes) => Woke::Change(change),
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
                Woke::Change(false) => changes = None,
            }
        }
    }
}

/// The next commit to the account; never, once the store is gone (the server is stopping).
pub(crate) async fn next_change(changes: &mut Option<AccountChanges>) -> bool {
    match changes {
        Some(changes) => changes.changed().await.is_some(),
        None => std::future::pending().await,
    }
}
