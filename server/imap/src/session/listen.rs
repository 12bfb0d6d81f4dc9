//! Waiting for the client's next command while telling it what NOTIFY asked for (RFC 5465 §3.1:
//! after NOTIFY SET, the client listens for notifications at all times). The wait is on two
//! things only, like IDLE's: the client's bytes and the store's broadcast of committed changes
//! (`Store::subscribe`); a change to this account is turned into responses by
//! [`crate::notify::deliver`] and written at once. The read timeout counts from the start of the
//! wait: notifications do not keep an idle client logged in.

use super::Session;
use crate::notify::{self, Moment};
use kantor_net::ReadError;
use kantor_store::ChangeEvent;
use std::time::Duration;
use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::Instant;

/// What woke the waiting session.
enum Woke {
    Input(Result<usize, ReadError>),
    Change(Result<ChangeEvent, RecvError>),
}

impl Session {
    /// Reads more of the client's input within `timeout`, meanwhile delivering notifications.
    /// Called only between commands (nothing of the next one buffered).
    pub(crate) async fn listen(&mut self, timeout: Duration) -> Result<usize, ReadError> {
        let deadline = Instant::now() + timeout;
        // Subscribe before catching up, so nothing committed in between is missed.
        let mut events = Some(self.store().subscribe());
        let account_id = self.state.user().map(|u| u.account_id);
        notify::deliver(self, Moment::Between);
        self.flush(true).await?;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            let woke = tokio::select! {
                read = self.conn.fill(remaining) => Woke::Input(read),
                event = next_event(&mut events) => Woke::Change(event),
            };
            match woke {
                Woke::Input(read) => return read,
                Woke::Change(Ok(event)) if Some(event.account_id) != account_id => {}
                Woke::Change(Ok(_) | Err(RecvError::Lagged(_))) => {
                    notify::deliver(self, Moment::Between);
                    self.flush(true).await?;
                }
                Woke::Change(Err(RecvError::Closed)) => events = None,
            }
        }
    }
}

/// The next broadcast event; never, once the channel is gone (the server is stopping).
pub(crate) async fn next_event(
    events: &mut Option<Receiver<ChangeEvent>>,
) -> Result<ChangeEvent, RecvError> {
    match events {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}
