//! IDLE (RFC 9051 §6.3.13): after `+ idling`, the session waits on two things only, the
//! client's `DONE` and the store's wake-up for commits to this account (`Store::watch_account`),
//! so an idle session holds no thread, never polls, and is not woken by other accounts' mail.
//! A change to this account refreshes the view at once and the updates (EXISTS, EXPUNGE/VANISHED, FETCH FLAGS) are written immediately.
//! Without input, the session ends with `* BYE Autologout` at `imap.idle_timeout_secs`
//! (RFC 9051 §5.4; clients re-issue IDLE well before 30 minutes). A wake-up for an account
//! that has been disabled or removed meanwhile ends the session with BYE.
//!
//! After NOTIFY, IDLE tells exactly what NOTIFY asked for (RFC 5465 §4), the selected mailbox's
//! expunges included even with `selected-delayed`.

use crate::notify::{self, Moment};
use crate::outcome::{Done, Outcome, Refusal};
use crate::session::Session;
use kantor_imap_proto::{ContinuationError, Response, Resync, parse_idle_done};
use kantor_net::ReadError;
use tokio::time::Instant;

/// What woke the idling session.
enum Woke {
    Input(Result<usize, ReadError>),
    /// A commit to this account; `false` once the store is shutting down.
    Change(bool),
}

pub(crate) async fn idle(session: &mut Session) -> Result<Outcome, ReadError> {
    // Subscribe before the first refresh, so nothing committed in between is missed.
    let mut changes = session.watch();
    notify::deliver(session, Moment::Idle).await;
    session.out.push(Response::Continue("idling".into()));
    session.flush(true).await?;
    let deadline = Instant::now() + session.timeout();
    loop {
        if let Some(outcome) = done(session) {
            return Ok(outcome);
        }
        session.conn.shrink_idle_buffer();
        let remaining = deadline.saturating_duration_since(Instant::now());
        let woke = tokio::select! {
            read = session.conn.fill(remaining) => Woke::Input(read),
            change = changes.next() => Woke::Change(change),
        };
        match woke {
            Woke::Input(Ok(_)) => {}
            Woke::Input(Err(ReadError::TimedOut)) => {
                session.autologout().await;
                return Err(ReadError::TimedOut);
            }
            Woke::Input(Err(e)) => return Err(e),
            Woke::Change(true) => {
                if let Some(bye) = session.revoked() {
                    session.out.push(bye);
                    session.flush(true).await?;
                    return Err(ReadError::Closed);
                }
                notify::deliver(session, Moment::Idle).await;
                session.flush(true).await?;
            }
            Woke::Change(false) => {}
        }
    }
}

/// The end of IDLE, if the client's line is here: `DONE`, or anything else (BAD).
fn done(session: &mut Session) -> Option<Outcome> {
    match parse_idle_done(&session.conn.buf) {
        Ok(None) => None,
        Ok(Some(used)) => {
            session.conn.consume(used);
            Some(Ok(Done::new("IDLE terminated")))
        }
        Err(ContinuationError::NotDone { consumed } | ContinuationError::Base64 { consumed }) => {
            session.conn.consume(consumed);
            Some(Err(Refusal::bad("Expected DONE to end IDLE")))
        }
        Err(ContinuationError::TooLong(resync)) => {
            let skip = match resync {
                Resync::Skip(n) => n,
                _ => session.conn.buf.len(),
            };
            session.conn.consume(skip);
            Some(Err(Refusal::bad("Expected DONE to end IDLE")))
        }
    }
}
